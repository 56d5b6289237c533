"""The schema comes from sqlite-utils migrations, applied once; the pragmas are read back."""

from __future__ import annotations

import sqlite3
import urllib.parse

import pytest
from sqlite_utils import Database

from kiosk.core.errors import KioskError
from kiosk.store import Store, StorePragmaError
from kiosk.store.schema import migrations

from .helpers import vote


def test_migrations_apply_once(store_path):
    for _ in range(3):
        Store.open(store_path, "k1").close()
    db = Database(store_path)
    applied = db.execute("SELECT migration_set, name FROM _sqlite_migrations").fetchall()
    assert applied == [("kiosk_store", name) for name in ("m001_initial", "m002_application_id", "m003_store_id",
                                                           "m004_records_unique_per_store", "m005_sync_status",
                                                           "m006_outbox_state", "m007_idea_wall", "m008_boot_ends")]
    assert migrations.pending(db) == []
    assert {"records", "outbox", "boots", "alerts", "store", "sync_status", "idea_wall"} <= set(db.table_names())
    db.close()


def test_schema_has_the_contract_columns_and_indexes(store):
    db = Database(store.path)
    columns = {c.name: c for c in db["records"].columns}
    assert list(columns) == ["id", "kiosk_id", "seq", "boot_id", "session_id", "kind", "exhibit_id", "poll_id",
                             "question_version", "content_version", "payload", "flags", "created_at", "redacted_at",
                             "store_id"]
    assert columns["seq"].notnull and db["records"].pks == ["id"]
    indexes = {tuple(index.columns): index for index in db["records"].indexes}
    # seq counts within a store (m003): (store_id, seq) is the unique key since m004.
    assert indexes[("store_id", "seq")].unique
    assert not indexes[("kiosk_id", "seq", "store_id")].unique
    assert ("kind", "created_at") in indexes and ("poll_id", "question_version") in indexes
    assert [fk.other_table for fk in db["outbox"].foreign_keys] == ["records"]
    db.close()


def test_pragmas_are_set_and_read_back(store):
    assert store.pragmas == {"journal_mode": "wal", "synchronous": 2, "busy_timeout": 5000, "foreign_keys": 1}
    assert store.health()["pragmas"] == store.pragmas
    # journal_mode is stored in the file: another connection sees WAL too
    with sqlite3.connect(store.path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def _dotfile_vfs(path, **kwargs):
    # SQLite's unix-dotfile VFS has no shared-memory support, as on some network and FUSE
    # filesystems: it really cannot do WAL and answers journal_mode=wal with "delete".
    return sqlite3.connect(f"file:{urllib.parse.quote(path)}?vfs=unix-dotfile", uri=True, **kwargs)


def test_store_refuses_to_run_when_wal_cannot_be_used(store_path):
    with pytest.raises(StorePragmaError) as caught:
        Store.open(store_path, "k1", connect=_dotfile_vfs)
    message = str(caught.value)
    assert "journal_mode" in message and "'delete'" in message and str(store_path) in message
    assert "[store] path" in message
    assert isinstance(caught.value, KioskError)


def test_the_database_refuses_to_delete_or_rewrite_records(store):
    record = store.append(vote())
    with sqlite3.connect(store.path) as other:
        with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
            other.execute("DELETE FROM records")
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            other.execute("UPDATE records SET payload = '{}' WHERE id = ?", (record.id,))
        with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
            other.execute("DELETE FROM outbox")
    assert [r.payload for r in store.iter_records()] == [record.payload]
