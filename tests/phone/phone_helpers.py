"""A central with the shipped content for the phone pages' tests, and hand-offs made as a kiosk does."""

from __future__ import annotations

import re

import requests

from central_server import PROJECT, CentralServer
from kiosk.core.content_loader import load_content
from kiosk.core.handoff import handoff_key, make_handoff, new_handoff_id, token_digest

CATALOG = [exhibit.id for exhibit in load_content(PROJECT, decode_pictures=False).exhibits]


def phone_central(folder) -> tuple[CentralServer, str]:
    """A running central over the project's own content, and the token of its kiosk-01."""
    central = CentralServer(folder, content_root=str(PROJECT)).start()
    return central, central.add_kiosk("kiosk-01")


def handoff(token: str, *, kiosk_id: str = "kiosk-01", layer: str = "de", marked=("open-data", "freies-wlan"),
            handoff_id: str | None = None, **more) -> str:
    """A hand-off token as the kiosk with `token` makes it."""
    return make_handoff(handoff_key(token_digest(token)), kiosk_id=kiosk_id, handoff_id=handoff_id or new_handoff_id(),
                        layer=layer, marked=marked, catalog=CATALOG, **more)


def form_token(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def vote(session: requests.Session, central, h: str, *, exhibit="open-data", poll="selbst-nutzen", answer="yes",
         csrf: str | None = None, lang="de") -> requests.Response:
    if csrf is None:
        csrf = form_token(session.get(f"{central.url}/m/{exhibit}", params={"lang": lang, "h": h}).text)
    return session.post(f"{central.url}/m/{exhibit}/polls/{poll}", data={"answer": answer, "csrf": csrf, "h": h,
                                                                        "lang": lang}, allow_redirects=False)


def phone_rows(central, where: str = "1 = 1") -> list[tuple]:
    return central.rows(f"SELECT kind, kiosk_id, session_id, exhibit_id, poll_id, payload, flags FROM records "
                        f"WHERE source = 'phone' AND {where} ORDER BY seq")
