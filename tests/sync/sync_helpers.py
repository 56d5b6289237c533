"""A kiosk's side of the sync tests: a real store on disk with records, and a sync client for it."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
import requests

from kiosk.core.records import Kind, RecordDraft, new_record_id
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


def fill_backlog(path: Path, count: int, *, kiosk_id: str = "kiosk-01") -> list[str]:
    """A store with `count` pending votes, written in one transaction (a backlog of months;
    appending them one by one, each synced to disk, would take minutes). The store makes its
    own schema first; the rows are what Store.append would have written."""
    import json
    import sqlite3

    from kiosk.core.clock import utc_now, utc_text
    from kiosk.store.rows import INSERT_RECORD, insert_values

    with open_store(path, kiosk_id) as store:
        store_id, boot_id, first = store.store_id, store.boot_id, store.health()["last_seq"] + 1
    now = utc_text(utc_now())
    ids = [new_record_id() for _ in range(count)]
    payload = json.dumps({"answers": ["ja"], "layer": "de"})
    rows = [insert_values({"id": record_id, "kiosk_id": kiosk_id, "store_id": store_id, "seq": first + n,
                           "boot_id": boot_id, "session_id": f"s{(first + n) // 4}", "kind": "vote",
                           "exhibit_id": "e1", "poll_id": "p1", "question_version": "q1", "content_version": "c1",
                           "payload": payload, "flags": "[]", "created_at": now})
            for n, record_id in enumerate(ids)]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT_RECORD, rows)
        conn.executemany("INSERT INTO outbox (record_id) VALUES (?)", [(record_id,) for record_id in ids])
        conn.execute("COMMIT")
    finally:
        conn.close()
    return ids


# Fixtures of the sync tests (imported by them: a conftest.py here would shadow tests/conftest.py,
# which test modules import by name).
@pytest.fixture
def kiosk_store(tmp_path):
    store = open_store(tmp_path / "kiosk.sqlite3")
    yield store
    store.close()


@pytest.fixture
def proxy(central):
    from fault_proxy import FaultProxy  # in tests/, which the benchmarks that use these helpers lack

    with FaultProxy(central.url) as running:
        yield running
