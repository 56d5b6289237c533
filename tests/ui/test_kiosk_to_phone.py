"""End to end, as a visitor goes from the kiosk to their phone (issue 11): the headless kiosk
shows an exhibit, the visitor taps "Mitnehmen" on two exhibits; the QR code, read with libzbar
from the kiosk's screenshot (also scaled to 50%), gives the address; Debian's Chromium, as a
390x844 phone, opens it against a real central (uvicorn on 127.0.0.1, the same content): the
title in the visitor's language, a vote that lands in the central with source `phone`, a second
vote with the same hand-off refused, and the take-home list with the marked exhibits."""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.common.by import By

from conftest import PROJECT
from kiosk.core.config import PhoneSection, SyncSection
from browser import after_click, chromium, screenshot

from .test_qr_handoff import decoded

pytestmark = pytest.mark.ui


@pytest.fixture
def connected(fresh, central_with):
    """The kiosk with a token of a real central, whose address its QR codes carry."""
    central = central_with(content_root=str(PROJECT))
    app = fresh.app
    plain = app.kiosk_config
    token = central.add_kiosk(plain.kiosk.id)
    app.kiosk_config = plain.replace(sync=SyncSection(token=token), phone=PhoneSection(public_url=central.url))
    yield fresh, central
    app.end_visit("test")
    app.kiosk_config = plain


def tap_take_home(kiosk):
    from kiosk.ui.screens.exhibit import TakeHomeButton

    kiosk.settle()
    kiosk.tap(kiosk.find(cls=TakeHomeButton))
    kiosk.settle()


def test_from_the_kiosk_to_the_phone_and_a_vote_from_there(connected):
    kiosk, central = connected
    app = kiosk.app
    app.start_visit()
    app.set_layer("en")
    app.open_exhibit("freies-wlan")
    tap_take_home(kiosk)
    app.open_exhibit("open-data")
    tap_take_home(kiosk)
    shot = kiosk.screenshot("kiosk-to-phone-open-data-en")
    addresses = decoded(shot)
    assert len(addresses) == 1 and decoded(shot, 0.5) == addresses
    url = addresses[0]
    assert url.startswith(f"{central.url}/m/open-data?lang=en&h=")

    with chromium() as phone:
        phone.get(url)
        assert phone.find_element(By.TAG_NAME, "h1").text == "Open data"
        screenshot(phone, "kiosk-to-phone-phone-open-data-en-390x844")
        form = phone.find_element(By.CSS_SELECTOR, "form[action$='/polls/selbst-nutzen']")
        form.find_element(By.CSS_SELECTOR, "input[value='yes']").click()
        thanks = after_click(phone, form.find_element(By.TAG_NAME, "button"), ".note.ok")
        assert thanks.text == "Thank you for your vote!"
        # The visitor scans the same code again and tries to vote once more.
        phone.get(url)
        form = phone.find_element(By.CSS_SELECTOR, "form[action$='/polls/selbst-nutzen']")
        assert "already voted" in form.text and not form.find_elements(By.TAG_NAME, "button")
        after_click(phone, phone.find_element(By.CSS_SELECTOR, ".saved a"), ".cards strong")
        marked = [element.text for element in phone.find_elements(By.CSS_SELECTOR, ".cards strong")]
        screenshot(phone, "kiosk-to-phone-take-home-en-390x844")

    assert marked == ["Free Wi-Fi in the city centre", "Open data"]
    rows = central.rows("SELECT kind, source, kiosk_id, session_id, exhibit_id, poll_id, payload FROM records")
    assert rows == [("vote", "phone", app.kiosk_config.kiosk.id, app.visits.session.handoff_id, "open-data",
                     "selbst-nutzen", json.dumps({"answers": ["yes"], "layer": "en"}, separators=(",", ":")))]
