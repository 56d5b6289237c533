"""A kiosk's side of the sync tests: a real store on disk with records, and a sync client for it."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import requests

from kiosk.core.records import Kind, RecordDraft
from kiosk.store import Store
from sync.client import SyncClient


def open_store(path: Path, kiosk_id: str = "kiosk-01", clock=None) -> Store:
    return Store.open(path, kiosk_id, app_version="test", **({"clock": clock} if clock else {}))


def add_votes(store: Store, count: int, *, poll: str = "p1") -> list[str]:
    """`count` votes through the store's real append; their ids, in order."""
    session = uuid.uuid4().hex
    return [store.append(RecordDraft(kind=Kind.VOTE, session_id=session, content_version="c1",
                                     payload={"answers": ["ja"], "layer": "de"}, exhibit_id="e1", poll_id=poll,
                                     question_version="q1")).id
            for _ in range(count)]


def add_idea(store: Store, text: str) -> str:
    return store.append(RecordDraft(kind=Kind.IDEA, session_id=uuid.uuid4().hex, content_version="c1",
                                    payload={"text": text, "layer": "de"})).id


def client_for(store: Store, url: str, token: str, *, kiosk_id: str = "kiosk-01", timeouts=(5.0, 30.0),
               clock=None, **kwargs) -> SyncClient:
    extra = {"clock": clock} if clock else {}
    return SyncClient(store, central_url=url, token=token, kiosk_id=kiosk_id, interval_s=60,
                      session=requests.Session(), app_version="test", timeouts=timeouts, **extra, **kwargs)


def central_ids(central) -> list[str]:
    return [row[0] for row in central.rows("SELECT id FROM records")]


def pending(store: Store) -> int:
    return store.health()["outbox"]["pending"]


def fixed_clock(moment: dt.datetime):
    """A kiosk clock stuck at `moment` plus real elapsed time (a kiosk whose clock is wrong)."""
    offset = moment - dt.datetime.now(dt.timezone.utc)
    return lambda: dt.datetime.now(dt.timezone.utc) + offset
