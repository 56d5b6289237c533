"""A damaged store file of this kiosk is moved aside with a UTC timestamp (never deleted), a new
store is started at the same path, and staff get an alert. (Files that are not this kiosk's
store are refused and left alone: test_foreign_files.py.)"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3

from kiosk.store import Store

from .helpers import SteppingClock, idea, vote

STARTED = dt.datetime(2026, 3, 1, 12, 0, 5, tzinfo=dt.timezone.utc)
MOVED_NAME = "kiosk.db.corrupt-20260301T120005Z"


def damaged_store(path, garbage: bytes) -> bytes:
    """A real store of this kiosk whose pages after its header are overwritten with `garbage`."""
    with Store.open(path, "k1") as store:
        store.append(vote())
    header = path.read_bytes()[:100]
    damaged = header + garbage
    path.write_bytes(damaged)
    return damaged


def reopen_after_damage(path):
    store = Store.open(path, "k1", clock=SteppingClock(STARTED))
    moved = path.with_name(MOVED_NAME)
    return store, moved


def check_fresh_store_with_alert(store, moved):
    assert store.count() == 0
    record = store.append(vote())
    assert record.seq == 1
    alerts = store.health()["alerts"]
    assert [a["kind"] for a in alerts] == ["corrupt_store"]
    assert str(moved) in alerts[0]["message"] and alerts[0]["id"] is not None
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    db.close()


def test_store_full_of_garbage_is_moved_aside(store_path):
    garbage = damaged_store(store_path, b"Dies ist keine Datenbank. " * 400 + os.urandom(4096))
    stale_wal = os.urandom(10000)
    store_path.with_name("kiosk.db-wal").write_bytes(stale_wal)
    store, moved = reopen_after_damage(store_path)
    try:
        assert moved.read_bytes() == garbage
        assert moved.with_name(MOVED_NAME + "-wal").read_bytes() == stale_wal  # kept, not replayed
        check_fresh_store_with_alert(store, moved)
    finally:
        store.close()


def test_truncated_store_is_moved_aside(store_path):
    with Store.open(store_path, "k1") as store:
        for n in range(1500):
            store.append(idea(f"Idee {n}: mehr Schatten auf dem Marktplatz 🌳"))
    size = store_path.stat().st_size
    with open(store_path, "r+b") as f:
        f.truncate(size // 2 + 1234)  # mid-page, mid-records: a torn copy or a failing card
    damaged = store_path.read_bytes()
    store, moved = reopen_after_damage(store_path)
    try:
        assert moved.read_bytes() == damaged
        check_fresh_store_with_alert(store, moved)
    finally:
        store.close()


def test_second_damage_in_the_same_second_keeps_both_files(store_path):
    first = damaged_store(store_path, b"first garbage" * 100)
    Store.open(store_path, "k1", clock=SteppingClock(STARTED)).close()
    second = damaged_store(store_path, b"second garbage" * 100)
    with open(store_path.with_name("kiosk.db-wal"), "wb"):
        pass
    Store.open(store_path, "k1", clock=SteppingClock(STARTED)).close()
    assert store_path.with_name(MOVED_NAME).read_bytes() == first
    assert store_path.with_name(MOVED_NAME + "-2").read_bytes() == second


def test_a_healthy_store_is_left_in_place(store_path):
    with Store.open(store_path, "k1") as store:
        store.append(vote())
    with Store.open(store_path, "k1") as store:
        assert store.count() == 1 and store.alerts() == []
    assert sorted(p.name for p in store_path.parent.iterdir() if "corrupt" in p.name) == []
