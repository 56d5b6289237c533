"""Each store has a store_id (a UUID made with the file): kept for its life, carried by every
record and shown in health; a damaged store moved aside is replaced by one with a new id, so
(store_id, seq) names one record's place."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from sqlite_utils import Database

from kiosk.store import Store
from kiosk.store.schema import migrations

from .helpers import vote


def test_a_new_store_gets_a_store_id_once_and_keeps_it(store_path):
    with Store.open(store_path, "k1") as first:
        made = first.store_id
        first.append(vote())
    assert uuid.UUID(made).version == 4
    with Store.open(store_path, "k1") as again:
        assert again.store_id == made
        assert again.append(vote()).store_id == made
    with Store.open_for_reading(store_path, "k1") as reading:
        assert reading.store_id == made
        assert {record.store_id for record in reading.iter_records()} == {made}


def test_records_health_and_the_outbox_carry_it(store):
    record = store.append(vote())
    assert record.store_id == store.store_id
    assert store.health()["store_id"] == store.store_id
    assert [r.store_id for r in store.outbox_pending()] == [store.store_id]
    assert list(store.iter_records()) == [record]


def test_two_stores_have_different_ids(tmp_path):
    with Store.open(tmp_path / "a.db", "k1") as a, Store.open(tmp_path / "b.db", "k1") as b:
        assert a.store_id != b.store_id


def test_a_damaged_store_moved_aside_is_replaced_by_one_with_a_new_id(store_path):
    with Store.open(store_path, "k1") as store:
        old = store.store_id
        store.append(vote())
    store_path.write_bytes(store_path.read_bytes()[:100] + b"\x00garbage" * 2000)
    with Store.open(store_path, "k1") as fresh:
        assert fresh.store_id != old
        record = fresh.append(vote())
        assert (record.store_id, record.seq) == (fresh.store_id, 1)
        assert [a["kind"] for a in fresh.alerts()] == ["corrupt_store"]


def test_an_older_store_gets_one_on_upgrade_and_its_records_carry_it(store_path):
    store_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(store_path)
    migrations.apply(Database(conn, recursive_triggers=False), stop_before="m003_store_id")
    conn.execute("INSERT INTO records (id, kiosk_id, seq, boot_id, session_id, kind, content_version, payload, "
                 "created_at) VALUES ('r1', 'k1', 1, 'b', 's', 'view', 'c', '{}', '2026-03-01T09:00:00.000000Z')")
    conn.execute("INSERT INTO outbox (record_id) VALUES ('r1')")
    conn.commit()
    conn.close()
    with Store.open(store_path, "k1") as upgraded:
        assert uuid.UUID(upgraded.store_id)
        (old,) = upgraded.iter_records()
        assert (old.id, old.store_id, old.seq) == ("r1", upgraded.store_id, 1)
        assert upgraded.append(vote()).seq == 2


def test_the_store_id_and_a_records_store_id_cannot_be_changed(store):
    store.append(vote())
    with sqlite3.connect(store.path) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="keeps its store_id"):
            conn.execute("UPDATE store SET store_id = 'other'")
        with pytest.raises(sqlite3.IntegrityError, match="keeps its store_id"):
            conn.execute("DELETE FROM store")
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            conn.execute("UPDATE records SET store_id = 'other', redacted_at = 'x'")
    conn.close()
