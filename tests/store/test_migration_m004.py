"""Migration m004 rebuilds the records table so that (store_id, seq), not (kiosk_id, seq), is
unique: a salvaged store's records keep their own seqs beside the current store's. A store made by
m001..m003, with records in it, comes through with every record, outbox entry, trigger and index;
the foreign key from the outbox holds; a second start changes nothing. m005 adds sync_status."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from sqlite_utils import Database

from kiosk.store import Store
from kiosk.store.schema import migrations

from .helpers import vote

RECORDS = 60


def schema_of(conn) -> dict:
    return {name: sql for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type IN ('trigger', 'index', 'table') AND sql IS NOT NULL")}


def triggers_of(conn) -> dict:
    return dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())


@pytest.fixture
def m003_store(store_path):
    """A store made by the real migrations m001..m003, with records in every outbox state and
    one redacted record, as a kiosk of the previous version leaves it."""
    store_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(store_path)
    conn.execute("PRAGMA foreign_keys = ON")
    migrations.apply(Database(conn, recursive_triggers=False), stop_before="m004_records_unique_per_store")
    for seq in range(1, RECORDS + 1):
        record_id = str(uuid.uuid4())
        conn.execute("INSERT INTO records (id, kiosk_id, seq, boot_id, session_id, kind, exhibit_id, poll_id, "
                     "question_version, content_version, payload, flags, created_at) "
                     "VALUES (?, 'k1', ?, 'b1', 's1', 'idea', 'friedhof', NULL, NULL, 'cv1', ?, '[]', ?)",
                     (record_id, seq, f'{{"text":"Idee {seq} 🌳","layer":"de"}}',
                      f"2026-03-01T09:{seq // 60:02d}:{seq % 60:02d}.000000Z"))
        state = ("pending", "sent", "quarantined")[seq % 3]
        conn.execute("INSERT INTO outbox (record_id, state, attempts, sent_at, quarantined_reason) "
                     "VALUES (?, ?, ?, ?, ?)",
                     (record_id, state, seq % 4, "2026-03-02T10:00:00.000000Z" if state == "sent" else None,
                      "conflict" if state == "quarantined" else None))
    sent = conn.execute("SELECT record_id FROM outbox WHERE state = 'sent' LIMIT 1").fetchone()[0]
    conn.execute("UPDATE records SET payload = json_set(payload, '$.text', NULL), "
                 "redacted_at = '2026-04-01T00:00:00.000000Z' WHERE id = ?", (sent,))
    conn.commit()
    conn.close()
    return store_path


def snapshot(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return {
            "records": conn.execute("SELECT rowid, * FROM records ORDER BY rowid").fetchall(),
            "outbox": conn.execute("SELECT rowid, * FROM outbox ORDER BY rowid").fetchall(),
            "triggers": triggers_of(conn),
            "store_id": conn.execute("SELECT store_id FROM store").fetchone()[0],
        }
    finally:
        conn.close()


def test_every_record_outbox_entry_and_trigger_survives(m003_store):
    before = snapshot(m003_store)
    assert len(before["records"]) == RECORDS
    with Store.open(m003_store, "k1") as store:
        assert store.store_id == before["store_id"]
        after = snapshot(m003_store)
        assert after["records"] == before["records"]
        assert after["outbox"] == before["outbox"]
        assert after["triggers"] == before["triggers"]
        assert set(after["triggers"]) == {"records_never_deleted", "records_immutable", "outbox_never_deleted",
                                          "store_id_never_changes", "store_id_never_deleted"}
        assert "NEW.store_id IS NOT OLD.store_id" in after["triggers"]["records_immutable"]
        # The larger page cache of the rebuild is given back.
        assert store._conn.execute("PRAGMA cache_size").fetchone()[0] == -2000
        # The next record follows the store's highest seq.
        assert store.append(vote()).seq == RECORDS + 1
    conn = sqlite3.connect(m003_store)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert not {"records_new", "outbox_saved"} & tables
    finally:
        conn.close()


def test_the_unique_key_is_store_id_and_seq(m003_store):
    Store.open(m003_store, "k1").close()
    conn = sqlite3.connect(m003_store)
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        store_id = conn.execute("SELECT store_id FROM store").fetchone()[0]
        row = ("b1", "s1", "view", "cv1", "{}", "2026-03-01T09:00:00.000000Z")
        insert = ("INSERT INTO records (id, kiosk_id, store_id, seq, boot_id, session_id, kind, content_version, "
                  "payload, created_at) VALUES (?, 'k1', ?, ?, ?, ?, ?, ?, ?, ?)")
        # Another store's record with a seq this store has: kept beside it (what salvage needs).
        conn.execute(insert, ("other-1", str(uuid.uuid4()), 1, *row))
        # The same (store_id, seq) twice: refused.
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute(insert, ("mine-again", store_id, 1, *row))
        # The outbox still points at records, and the database still enforces it.
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            conn.execute("INSERT INTO outbox (record_id) VALUES ('no-such-record')")
        with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
            conn.execute("DELETE FROM records")
        with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
            conn.execute("DELETE FROM outbox")
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            conn.execute("UPDATE records SET store_id = 'x', redacted_at = 'y' WHERE id = 'other-1'")
    finally:
        conn.close()


def test_a_second_start_changes_nothing(m003_store):
    Store.open(m003_store, "k1").close()
    conn = sqlite3.connect(m003_store)
    first = schema_of(conn), conn.execute("SELECT * FROM _sqlite_migrations").fetchall()
    conn.close()
    Store.open(m003_store, "k1").close()
    conn = sqlite3.connect(m003_store)
    try:
        assert (schema_of(conn), conn.execute("SELECT * FROM _sqlite_migrations").fetchall()) == first
        assert [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")][3:6] == [
            "m004_records_unique_per_store", "m005_sync_status", "m006_outbox_state"]
    finally:
        conn.close()


def test_redaction_and_the_sent_progress_work_on_the_upgraded_store(m003_store):
    import datetime as dt

    with Store.open(m003_store, "k1") as store:
        redacted = store.redact_free_text(dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc))
        # Of the sent ideas (every third seq), one was redacted before the upgrade.
        assert redacted == len([seq for seq in range(1, RECORDS + 1) if seq % 3 == 1]) - 1
        assert store.sent_progress() == {store.store_id: max(
            seq for seq in range(1, RECORDS + 1) if seq % 3 in (1, 2))}
