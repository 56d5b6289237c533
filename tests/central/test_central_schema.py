"""The central's database: the record's columns are the record's fields, the pragmas durability
rests on are in force, records can be neither changed nor deleted, and a foreign file is refused."""

from __future__ import annotations

import sqlite3

import pytest

from central.db import CentralDb
from central.errors import CentralDbError
from kiosk.core.records import RECORD_FIELDS


@pytest.fixture
def db(tmp_path):
    opened = CentralDb.open(tmp_path / "central.sqlite3", checkpoint_beside=True)
    yield opened
    opened.close()


def test_the_records_columns_are_the_records_fields_then_the_centrals(db):
    columns = [row[1] for row in sqlite3.connect(db.path).execute("PRAGMA table_info(records)")]
    assert columns == [*RECORD_FIELDS, "source", "received_at", "fingerprint"]


def test_wal_full_sync_and_a_busy_timeout(db):
    writer = db._store.writer
    assert writer.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert writer.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert writer.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_records_are_never_changed_or_deleted(db, tmp_path):
    conn = sqlite3.connect(db.path)
    values = ["id-1", "kiosk-01", "store", 1, "boot", "s", "vote", None, None, None, "c1", "{}", "[]",
              "2026-01-01T00:00:00.000000Z", "kiosk", "2026-01-01T00:00:00.000000Z", "f" * 64]
    conn.execute(f"INSERT INTO records VALUES ({', '.join('?' * len(values))})", values)
    conn.commit()
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        conn.execute("UPDATE records SET payload = '{\"x\": 1}'")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        conn.execute("DELETE FROM records")
    conn.close()


def test_opening_twice_migrates_once(tmp_path):
    CentralDb.open(tmp_path / "c.sqlite3").close()
    CentralDb.open(tmp_path / "c.sqlite3").close()
    names = sqlite3.connect(tmp_path / "c.sqlite3").execute("SELECT name FROM _sqlite_migrations").fetchall()
    assert names == [("m001_initial",), ("m002_phone_votes",), ("m003_staff",), ("m004_export_log",),
                     ("m005_vote_tallies",), ("m006_moderation",), ("m007_rate_windows",)]


def test_a_kiosk_store_or_other_database_is_refused_and_left_alone(tmp_path):
    other = tmp_path / "kiosk.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute(f"PRAGMA application_id = {0x534C4B53}")  # the kiosk store's "SLKS"
    conn.execute("CREATE TABLE records (id)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    with pytest.raises(CentralDbError, match="not the central's database"):
        CentralDb.open(other)
    assert other.read_bytes() == before


def test_a_folder_or_missing_folder_is_refused(tmp_path):
    with pytest.raises(CentralDbError, match="is a folder"):
        CentralDb.open(tmp_path)
    with pytest.raises(CentralDbError, match="does not exist"):
        CentralDb.open(tmp_path / "nowhere" / "c.sqlite3")


def test_a_central_migrated_by_sqlite_utils_runs_nothing_twice(tmp_path):
    # Centrals made before the migration runner was our own kept sqlite-utils' table and rows.
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    path = tmp_path / "c.sqlite3"
    CentralDb.open(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    names = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    conn.execute("DROP TABLE _sqlite_migrations")
    Migrations("stadtlabor_central").ensure_migrations_table(Database(conn))
    conn.executemany("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
                     [("stadtlabor_central", name, "2026-11-01 00:00:00+00:00") for name in names])
    conn.close()
    CentralDb.open(path).close()  # would fail on CREATE TABLE records if m001 ran again
    rows = sqlite3.connect(path).execute("SELECT migration_set, name FROM _sqlite_migrations ORDER BY id").fetchall()
    assert rows == [("stadtlabor_central", name) for name in names]
