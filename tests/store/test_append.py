"""Appending: seq strictly increasing and persisted, a new boot per open, record and outbox together."""

from __future__ import annotations

import sqlite3
import threading
import uuid

import pytest

from kiosk.core.records import Kind, Record
from kiosk.store import Store, StoreClosedError, StoreWriteError, StoreWriter

from .helpers import feedback, idea, view, vote, wait_for


def test_append_returns_the_stored_record(store, clock):
    record = store.append(idea("Öffentliches WLAN im Park 📶"))
    assert uuid.UUID(record.id).version == 7
    assert (record.kiosk_id, record.seq, record.boot_id, record.kind) == ("kiosk-test", 1, store.boot_id, Kind.IDEA)
    assert record.created_at.endswith("Z") and record.created_at.startswith("2026-03-01T09:00:00.")
    assert [r for r in store.iter_records()] == [record]
    assert store.health()["outbox"] == {"pending": 1, "sent": 0, "quarantined": 0}


def test_seq_is_persisted_across_reopen_with_a_new_boot_each_time(store_path):
    seqs, boots = [], set()
    for _ in range(3):
        with Store.open(store_path, "k1") as store:
            boots.add(store.boot_id)
            seqs += [store.append(draft).seq for draft in (vote(), view(), feedback())]
            assert store.health()["last_seq"] == seqs[-1]
    assert seqs == list(range(1, 10))
    assert len(boots) == 3
    with sqlite3.connect(store_path) as db:
        assert {row[0] for row in db.execute("SELECT boot_id FROM boots")} == boots
        assert {row[0] for row in db.execute("SELECT DISTINCT boot_id FROM records")} == boots


def test_seq_counts_within_the_store_whatever_the_kiosk_is_called(store_path):
    with Store.open(store_path, "k1") as first:
        first.append(vote())
        first.append(vote())
    with Store.open(store_path, "k2") as second:  # the kiosk was renamed in the config
        record = second.append(vote())
    # (store_id, seq) names one record's place: a renamed kiosk goes on counting.
    assert (record.kiosk_id, record.store_id, record.seq) == ("k2", first.store_id, 3)


def test_a_failure_between_record_and_outbox_leaves_neither(store):
    first = store.append(vote())
    # A real fault inside the transaction, after the record's INSERT: the outbox INSERT fails.
    with sqlite3.connect(store.path) as other:
        other.execute("CREATE TRIGGER injected BEFORE INSERT ON outbox "
                      "BEGIN SELECT RAISE(ABORT, 'injected fault'); END")
    with pytest.raises(StoreWriteError, match="injected fault"):
        store.append(vote(("b",)))
    assert store.count() == 1
    assert store.health()["outbox"]["pending"] == 1
    with sqlite3.connect(store.path) as other:
        other.execute("DROP TRIGGER injected")
    second = store.append(vote(("c",)))  # the same connection goes on; no reopening
    assert second.seq == first.seq + 1
    assert [r.payload["answers"] for r in store.iter_records()] == [["a"], ["c"]]
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM records r JOIN outbox o ON o.record_id = r.id").fetchone() == (2,)


def test_writer_calls_back_in_its_thread_in_submit_order(store):
    results, threads = [], set()
    done = threading.Event()

    def callback(result):
        results.append(result)
        threads.add(threading.current_thread().name)
        if len(results) == 50:
            done.set()

    writer = StoreWriter(store)
    for n in range(50):
        writer.submit(vote((str(n),)), callback)
    assert done.wait(10)
    assert writer.close()
    assert threads == {"kiosk-store-writer"}
    assert [r.seq for r in results] == list(range(1, 51))
    assert [r.payload["answers"] for r in results] == [[str(n)] for n in range(50)]


def test_writer_hands_errors_to_the_callback_and_carries_on(store):
    outcomes = []
    writer = StoreWriter(store)
    with sqlite3.connect(store.path) as other:
        other.execute("CREATE TRIGGER injected BEFORE INSERT ON records BEGIN SELECT RAISE(ABORT, 'injected'); END")
    writer.submit(vote(), outcomes.append)
    assert wait_for(lambda: len(outcomes) == 1)
    with sqlite3.connect(store.path) as other:
        other.execute("DROP TRIGGER injected")

    def broken(result):
        raise RuntimeError("a buggy screen")

    writer.submit(vote(), broken)
    writer.submit(vote(), outcomes.append)
    assert writer.close()
    assert isinstance(outcomes[0], StoreWriteError)
    assert isinstance(outcomes[1], Record) and outcomes[1].seq == 2  # the buggy callback's record is seq 1
    with pytest.raises(StoreClosedError):
        writer.submit(vote(), outcomes.append)


def test_close_drains_what_was_submitted(store):
    acknowledged = []
    writer = StoreWriter(store)
    for _ in range(200):
        writer.submit(view(), acknowledged.append)
    assert writer.close(timeout=30)
    assert len(acknowledged) == 200 and all(isinstance(r, Record) for r in acknowledged)
    assert store.count(Kind.VIEW) == 200


def test_closed_store_says_so(store_path):
    store = Store.open(store_path, "k1")
    store.close()
    with pytest.raises(StoreClosedError):
        store.append(vote())
    with pytest.raises(StoreClosedError):
        store.count()
