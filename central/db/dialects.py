"""Where SQLite and PostgreSQL differ, for the central's database: this module, and nowhere else.

The queries (central/db/__init__.py) and the migrations (schema.py) are written once, in the
SQL both databases speak, with `?` placeholders and SQLite-style DDL. What differs is here:

- connecting and transactions: SQLite is one file with ONE write connection in the process,
  serialised by a lock, BEGIN IMMEDIATE, group commit and a checkpoint thread (SqliteStore);
  PostgreSQL is a psycopg 3 connection pool, every write its own transaction on a pooled
  connection, retried a few times on a deadlock or serialization failure, and no lock in
  Python: exactly-once comes from the unique constraints (PostgresStore);
- placeholders: `?` becomes `%s` and a literal `%` becomes `%%` for psycopg (Postgres.sql);
- DDL: INTEGER is BIGINT, REAL is DOUBLE PRECISION, `id INTEGER PRIMARY KEY` an identity
  column, WITHOUT ROWID is dropped (Postgres.ddl);
- triggers: SQLite's RAISE(ABORT) triggers, PostgreSQL's plpgsql functions with triggers
  (refuse, records_redaction_triggers, redactions_unchanged);
- JSON in TEXT columns: json_extract / json_type / json_each against ->> / -> / jsonb_typeof /
  @> over central_jsonb(), a helper that reads a text as jsonb (NULL where it is no JSON);
- a few functions: max(a, b) against GREATEST(a, b);
- locks: a store's place taken under pg_advisory_xact_lock (SQLite's one writer needs none);
- errors: sqlite3.Error or psycopg.Error, both told as CentralDbError;
- redaction: SQLite's secure_delete zeroes the old text's bytes; PostgreSQL keeps the old row
  version until VACUUM (autovacuum) removes it (docs/central.md says so);
- the CSV export: SQLite renders its lines (export_lines.py); on PostgreSQL every line is
  rendered from its Record by kiosk.export (RecordLines), the same bytes, slower.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

from ..errors import CentralDbError

log = logging.getLogger("central")

URL_SCHEMES = ("postgresql", "postgres")
# "SLCS" (StadtLABOR central store) in the SQLite header: the file is recognised as the central's.
APPLICATION_ID = 0x534C4353
MIGRATION_SET = "stadtlabor_central"


def is_url(target) -> bool:
    return isinstance(target, str) and target.split("://", 1)[0].lower() in URL_SCHEMES and "://" in target


def shown(target) -> str:
    """The database as messages name it: a SQLite path, or a URL without its password."""
    if not is_url(target):
        return str(target)
    parts = urlsplit(target)
    if parts.password is None:
        return target
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def local_files(target) -> list[Path]:
    """Files of the database on this machine (an export must never overwrite them)."""
    return [] if is_url(target) else [Path(target)]


def open_store(target, *, checkpoint_beside: bool = False):
    if is_url(target):
        return PostgresStore.open(target)
    return SqliteStore.open(Path(target), checkpoint_beside=checkpoint_beside)


def exists(target) -> bool:
    """The central's database is there (an export must never make an empty one)."""
    if not is_url(target):
        return Path(target).exists()
    try:
        import psycopg

        with psycopg.connect(target, connect_timeout=CONNECT_TIMEOUT_S) as conn:
            return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (POSTGRES.migrations_table,)).fetchone()[0]
    except Exception:  # noqa: BLE001 - not reachable, or no psycopg: opening it says what is wrong, in its words
        return True


# -- the two dialects: SQL fragments, DDL, triggers --------------------------------------------

class Sqlite:
    name = "sqlite"
    migrations_table = "_sqlite_migrations"  # sqlite-utils' Migrations kept it: centrals from before read on
    renders_export = True

    def sql(self, text: str) -> str:
        return text

    def ddl(self, text: str) -> str:
        return text

    def helpers(self) -> list[str]:
        return []

    def mark_central(self) -> list[str]:
        return [f"PRAGMA application_id = {APPLICATION_ID}"]

    # fragments over a TEXT column holding JSON; `key` a top-level key, as a Python str
    def json_text(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    def json_value(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    def json_is_string(self, column: str, key: str) -> str:
        return f"json_type({column}, '$.{key}') = 'text'"

    def json_array_has(self, column: str, literal: str) -> str:
        return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE value = {literal})"

    def greatest(self, *values: str) -> str:
        return f"max({', '.join(values)})"

    def refuse(self, name: str, event: str, table: str, message: str) -> list[str]:
        return [f"CREATE TRIGGER {name} BEFORE {event} ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END"]

    def drop_trigger(self, name: str, table: str) -> list[str]:
        return [f"DROP TRIGGER {name}"]

    def records_redaction_triggers(self) -> list[str]:
        """m006: records_immutable allows one UPDATE, of the payload's free text only, while a
        redactions row waits; redaction_applied marks that row applied."""
        return [
            """
            CREATE TRIGGER records_immutable BEFORE UPDATE ON records
            WHEN NOT (
                NEW.id IS OLD.id AND NEW.kiosk_id IS OLD.kiosk_id AND NEW.store_id IS OLD.store_id
                AND NEW.seq IS OLD.seq AND NEW.boot_id IS OLD.boot_id AND NEW.session_id IS OLD.session_id
                AND NEW.kind IS OLD.kind AND NEW.exhibit_id IS OLD.exhibit_id AND NEW.poll_id IS OLD.poll_id
                AND NEW.question_version IS OLD.question_version AND NEW.content_version IS OLD.content_version
                AND NEW.flags IS OLD.flags AND NEW.created_at IS OLD.created_at AND NEW.source IS OLD.source
                AND NEW.received_at IS OLD.received_at AND NEW.fingerprint IS OLD.fingerprint
                AND OLD.kind IN ('idea', 'feedback')
                AND json_valid(NEW.payload)
                AND json_type(NEW.payload, CASE OLD.kind WHEN 'idea' THEN '$.text' ELSE '$.comment' END) = 'text'
                AND json_remove(NEW.payload, CASE OLD.kind WHEN 'idea' THEN '$.text' ELSE '$.comment' END)
                    = json_remove(OLD.payload, CASE OLD.kind WHEN 'idea' THEN '$.text' ELSE '$.comment' END)
                AND EXISTS (SELECT 1 FROM redactions WHERE record_id = OLD.id AND applied = 0)
            )
            BEGIN
                SELECT RAISE(ABORT, 'records are immutable (only a logged redaction changes their free text)');
            END
            """,
            """
            CREATE TRIGGER redaction_applied AFTER UPDATE ON records
            BEGIN
                UPDATE redactions SET applied = 1 WHERE record_id = NEW.id AND applied = 0;
            END
            """,
        ]

    def redactions_unchanged(self) -> list[str]:
        return ["""
            CREATE TRIGGER redactions_unchanged BEFORE UPDATE ON redactions
            WHEN NOT (OLD.applied = 0 AND NEW.applied = 1 AND NEW.id IS OLD.id AND NEW.record_id IS OLD.record_id
                      AND NEW.field IS OLD.field AND NEW.who IS OLD.who AND NEW.at IS OLD.at AND NEW.note IS OLD.note)
            BEGIN
                SELECT RAISE(ABORT, 'redactions are never changed');
            END
            """]

    def lock(self, conn, key: str) -> None:
        """Serialise writers of `key` until the transaction ends: SQLite's one writer already is."""

    def before_redaction(self, conn) -> None:
        # SQLite zeroes the old text's bytes in the page instead of leaving them in its free space.
        conn.execute("PRAGMA secure_delete = ON")


class Postgres(Sqlite):
    name = "postgresql"
    migrations_table = "central_migrations"
    renders_export = False

    def sql(self, text: str) -> str:
        return _pg_sql(text)

    def ddl(self, text: str) -> str:
        text = re.sub(r"\bINTEGER PRIMARY KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", text)
        text = re.sub(r"\bINTEGER\b", "BIGINT", text)
        text = re.sub(r"\bREAL\b", "DOUBLE PRECISION", text)
        return re.sub(r"\)\s*WITHOUT ROWID", ")", text)

    def helpers(self) -> list[str]:
        # The payloads are TEXT (the bytes the kiosk's fingerprint was taken of); jsonb refuses
        # some JSON SQLite takes (\u0000, NaN): such a payload reads as NULL, not as an error.
        return ["""
            CREATE OR REPLACE FUNCTION central_jsonb(value text) RETURNS jsonb
            LANGUAGE plpgsql IMMUTABLE AS $$
            BEGIN
                RETURN value::jsonb;
            EXCEPTION WHEN others THEN
                RETURN NULL;
            END $$
            """,
            """
            CREATE OR REPLACE FUNCTION central_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
            END $$
            """]

    def mark_central(self) -> list[str]:
        return ["COMMENT ON TABLE records IS 'the StadtLABOR central''s records'"]

    def json_text(self, column: str, key: str) -> str:
        return f"(central_jsonb({column}) ->> '{key}')"

    def json_value(self, column: str, key: str) -> str:
        return f"(central_jsonb({column}) -> '{key}')"

    def json_is_string(self, column: str, key: str) -> str:
        return f"jsonb_typeof(central_jsonb({column}) -> '{key}') = 'string'"

    def json_array_has(self, column: str, literal: str) -> str:
        return f"COALESCE(central_jsonb({column}) @> jsonb_build_array({literal}), false)"

    def greatest(self, *values: str) -> str:
        return f"GREATEST({', '.join(values)})"

    def refuse(self, name: str, event: str, table: str, message: str) -> list[str]:
        return [f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW "
                f"EXECUTE FUNCTION central_refuse('{message}')"]

    def drop_trigger(self, name: str, table: str) -> list[str]:
        return [f"DROP TRIGGER {name} ON {table}"]

    def records_redaction_triggers(self) -> list[str]:
        same = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in (
            "id", "kiosk_id", "store_id", "seq", "boot_id", "session_id", "kind", "exhibit_id", "poll_id",
            "question_version", "content_version", "flags", "created_at", "source", "received_at", "fingerprint"))
        return [
            f"""
            CREATE FUNCTION records_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                field text := CASE OLD.kind WHEN 'idea' THEN 'text' ELSE 'comment' END;
                new_payload jsonb := central_jsonb(NEW.payload);
                old_payload jsonb := central_jsonb(OLD.payload);
            BEGIN
                IF {same} AND OLD.kind IN ('idea', 'feedback')
                   AND new_payload IS NOT NULL AND old_payload IS NOT NULL
                   AND jsonb_typeof(new_payload -> field) = 'string'
                   AND (new_payload - field) = (old_payload - field)
                   AND EXISTS (SELECT 1 FROM redactions WHERE record_id = OLD.id AND applied = 0) THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'records are immutable (only a logged redaction changes their free text)'
                    USING ERRCODE = 'restrict_violation';
            END $$
            """,
            "CREATE TRIGGER records_immutable BEFORE UPDATE ON records FOR EACH ROW EXECUTE FUNCTION records_immutable()",
            """
            CREATE FUNCTION redaction_applied() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE redactions SET applied = 1 WHERE record_id = NEW.id AND applied = 0;
                RETURN NULL;
            END $$
            """,
            "CREATE TRIGGER redaction_applied AFTER UPDATE ON records FOR EACH ROW EXECUTE FUNCTION redaction_applied()",
        ]

    def redactions_unchanged(self) -> list[str]:
        same = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in ("id", "record_id", "field", "who",
                                                                               "at", "note"))
        return [
            f"""
            CREATE FUNCTION redactions_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.applied = 0 AND NEW.applied = 1 AND {same} THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'redactions are never changed' USING ERRCODE = 'restrict_violation';
            END $$
            """,
            "CREATE TRIGGER redactions_unchanged BEFORE UPDATE ON redactions FOR EACH ROW "
            "EXECUTE FUNCTION redactions_unchanged()",
        ]

    def lock(self, conn, key: str) -> None:
        # A lock in the database, not in Python: it holds across the workers' processes and ends
        # with the transaction. A hash collision only makes two writers wait for each other.
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (key,))

    def before_redaction(self, conn) -> None:
        """The old text stays in its dead row version until VACUUM (autovacuum) removes it."""


SQLITE, POSTGRES = Sqlite(), Postgres()


@functools.lru_cache(maxsize=1024)
def _pg_sql(text: str) -> str:
    """`?` placeholders outside string literals become psycopg's `%s`; `%` becomes `%%`."""
    parts = text.replace("%", "%%").split("'")
    for i in range(0, len(parts), 2):  # the even parts are outside quotes
        parts[i] = parts[i].replace("?", "%s")
    return "'".join(parts)


# -- SQLite ------------------------------------------------------------------------------------

BUSY_TIMEOUT_MS = 10_000
# What the central sets, and what reading each pragma back must give.
REQUIRED_PRAGMAS = {"journal_mode": ("wal", "wal"), "synchronous": ("FULL", 2),
                    "busy_timeout": (str(BUSY_TIMEOUT_MS), BUSY_TIMEOUT_MS)}
SIDE_FILES = ("-wal", "-shm", "-journal")


def connect_sqlite(path: Path) -> sqlite3.Connection:
    # Autocommit mode: every transaction here is an explicit BEGIN IMMEDIATE ... COMMIT.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _set_pragmas(conn: sqlite3.Connection, path: Path) -> None:
    for name, (value, _expected) in REQUIRED_PRAGMAS.items():
        conn.execute(f"PRAGMA {name} = {value}").fetchall()
    for name, (value, expected) in REQUIRED_PRAGMAS.items():
        got = conn.execute(f"PRAGMA {name}").fetchone()[0]
        if got != expected:
            raise CentralDbError(f"{path}: SQLite did not take PRAGMA {name} = {value} (it reads back {got!r}); "
                                 "put the database on a local disk (WAL does not work on network shares)")


def _check_is_central(conn: sqlite3.Connection, path: Path) -> None:
    application_id = conn.execute("PRAGMA application_id").fetchone()[0]
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if application_id == APPLICATION_ID or not tables:
        return
    raise CentralDbError(f"{path}: not the central's database (another program's, or a kiosk's store?); it was "
                         "left as it is. Set [central] db in central.toml to the central's file, or to a new one")


class SqliteStore:
    """One SQLite file: ONE write connection serialised by a lock (every write a BEGIN
    IMMEDIATE transaction), a reader per thread beside it (WAL), group commit of batches."""

    dialect = SQLITE
    group_commit = True
    Error = sqlite3.Error

    def __init__(self, path: Path, writer: sqlite3.Connection, *, checkpoint_beside: bool = False):
        self.path = path
        self._checkpoint_beside = checkpoint_beside
        self.shown = str(path)
        self.writer = writer
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._checkpointer: _Checkpointer | None = None

    @classmethod
    def open(cls, path: Path, *, checkpoint_beside: bool = False) -> SqliteStore:
        if path.is_dir():
            raise CentralDbError(f"{path} is a folder; [central] db must name a file, e.g. {path / 'central.sqlite3'}")
        if not path.parent.is_dir():
            raise CentralDbError(f"{path}: the folder {path.parent} does not exist; create it or change [central] db")
        try:
            conn = connect_sqlite(path)
            try:
                _check_is_central(conn, path)
                _set_pragmas(conn, path)
                conn.execute("PRAGMA foreign_keys = ON")
            except BaseException:
                conn.close()
                raise
        except sqlite3.DatabaseError as error:
            raise cls._cannot_open(path, error) from None
        return cls(path, conn, checkpoint_beside=checkpoint_beside)

    @staticmethod
    def _cannot_open(path: Path, error: Exception) -> CentralDbError:
        return CentralDbError(f"{path}: cannot open the central's database: {error}; check the file and "
                              "its folder's permissions (SQLite writes -wal and -shm files beside it)")

    def migrated(self, apply) -> None:
        """Run `apply(self)` (the migrations), then start the checkpoint thread if asked for."""
        try:
            apply(self)
        except CentralDbError as error:
            self.close()
            raise self._cannot_open(self.path, error.__cause__ or error) from None
        except sqlite3.DatabaseError as error:
            self.close()
            raise self._cannot_open(self.path, error) from None
        except BaseException:
            self.close()
            raise
        if self._checkpoint_beside:
            # The WAL is folded into the database by a thread of its own, not by whichever
            # push's commit crosses SQLite's 1000 pages; that push would wait for the copy and
            # its fsync, a spike in every kiosk's latency behind it.
            self.writer.execute("PRAGMA wal_autocheckpoint = 0")
            self._checkpointer = _Checkpointer(self.path)
            self._checkpointer.start()

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        with self._write_lock:
            self.writer.close()
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()

    def reader(self) -> _SqliteReader:
        return _SqliteReader(self)

    def write(self) -> _WriteTransaction:
        return _WriteTransaction(self.path, self.writer, self._write_lock, self._checkpointer)

    def retrying(self, work):
        """`work(conn)` in one write transaction (SQLite's one writer needs no retries)."""
        with self.write() as conn:
            return work(conn)

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect_sqlite(self.path)
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        try:
            yield conn
        except sqlite3.Error as error:
            raise read_failed(self.shown, error) from error

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A connection of its own in one read transaction (a long export holds up no push)."""
        conn = connect_sqlite(self.path)
        try:
            conn.execute("PRAGMA query_only = ON")
            conn.execute("BEGIN")
            yield conn
        except sqlite3.Error as error:
            raise read_failed(self.shown, error) from error
        finally:
            conn.close()

    @staticmethod
    def stream(conn: sqlite3.Connection, sql: str, params, size: int = 1000) -> Iterator[tuple]:
        cursor = conn.execute(sql, params)
        cursor.arraysize = size
        while rows := cursor.fetchmany():
            yield from rows

    def side_files(self) -> list[Path]:
        return [Path(f"{self.path}{suffix}") for suffix in SIDE_FILES]


def read_failed(where: str, error: Exception) -> CentralDbError:
    return CentralDbError(f"{where}: the central's database cannot be read ({error}); nothing was read. "
                          "Check that it is there and may be read (a file: its folder's permissions; a "
                          "PostgreSQL server: that it runs)")


class _Checkpointer(threading.Thread):
    """Folds the WAL into the database beside the pushes: PASSIVE checkpoints on a connection
    of its own, when the WAL has grown and at least every few seconds. A passive checkpoint
    never waits for a writer or a reader, and SQLite lets go of the GIL while it copies."""

    IDLE_S = 5.0
    WAL_FOLD_BYTES = 16 * 1024 * 1024

    def __init__(self, path: Path):
        super().__init__(name="central-checkpoint", daemon=True)
        self._path = path
        self._wal = f"{path}-wal"
        self._wanted = threading.Event()
        self._stopping = False

    def poke(self) -> None:
        """After a commit: fold the WAL in once it has grown past WAL_FOLD_BYTES. Folding after
        every commit would add a second fsync (the database file's) to every push."""
        try:
            grown = os.path.getsize(self._wal) > self.WAL_FOLD_BYTES
        except OSError:
            grown = False
        if grown:
            self._wanted.set()

    def stop(self) -> None:
        self._stopping = True
        self._wanted.set()
        self.join(30)

    def run(self) -> None:
        conn = connect_sqlite(self._path)
        try:
            while not self._stopping:
                self._wanted.wait(self.IDLE_S)
                self._wanted.clear()
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as error:  # a busy or full disk now; the next try may do
                    log.warning("checkpoint of %s failed: %s", self._path, error)
            # At a clean stop, fold everything in and empty the WAL: a backup or copy of the
            # file alone is then whole.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.Error as error:
            log.warning("checkpoint of %s failed: %s", self._path, error)
        finally:
            conn.close()


class _WriteTransaction:
    """The write lock and a BEGIN IMMEDIATE transaction: committed when the block ends, rolled
    back when it raises (so a batch is all or nothing). SQLite's failures (a full disk, a file
    made read-only) come out as CentralDbError, which the API answers with 503."""

    def __init__(self, path: Path, conn: sqlite3.Connection, lock: threading.Lock,
                 checkpointer: _Checkpointer | None = None):
        self._path, self._conn, self._lock, self._checkpointer = path, conn, lock, checkpointer

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            self._lock.release()
            raise self._failed(error) from None
        except BaseException:
            self._lock.release()
            raise
        return self._conn

    def __exit__(self, kind, error, traceback) -> None:
        try:
            if kind is None:
                try:
                    self._conn.execute("COMMIT")
                except sqlite3.Error as failed:
                    self._rollback()
                    raise self._failed(failed) from None
            else:
                self._rollback()
                if isinstance(error, sqlite3.Error):
                    raise self._failed(error) from error
        finally:
            self._lock.release()
        if self._checkpointer is not None:
            self._checkpointer.poke()

    def _rollback(self) -> None:
        # After an I/O error SQLite may have rolled back already; a failing ROLLBACK must not
        # hide the error that says what happened.
        if self._conn.in_transaction:
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _failed(self, error: sqlite3.Error) -> CentralDbError:
        return CentralDbError(f"{self._path}: the central's database cannot be written ({error}); nothing of this "
                              "change was kept. Check the free disk space and the permissions of its folder")


# -- PostgreSQL --------------------------------------------------------------------------------

CONNECT_TIMEOUT_S = 5
POOL_SIZE = 12  # per process: the pushes let in at once (PushGate) and the pages' reads
POOL_WAIT_S = 15
RETRIES = 5


class _PgConn:
    """A pooled psycopg connection as the queries use a sqlite3 one: execute(sql, params) with
    `?` placeholders, giving a cursor; executemany."""

    __slots__ = ("raw",)

    def __init__(self, raw):
        self.raw = raw

    def execute(self, sql: str, params=None):
        cursor = self.raw.cursor()
        if params:
            cursor.execute(_pg_sql(sql), params)
        else:
            cursor.execute(sql)  # no parameters: psycopg sends the text as it is
        return cursor

    def executemany(self, sql: str, rows):
        cursor = self.raw.cursor()
        rows = list(rows)
        if rows:
            cursor.executemany(_pg_sql(sql), rows)
        return cursor


class PostgresStore:
    """A PostgreSQL database through a psycopg 3 connection pool. Every write is a transaction of
    its own on a pooled connection (several workers, each with its pool, write at once); a
    deadlock or serialization failure is retried a few times; nothing here locks in Python."""

    dialect = POSTGRES
    group_commit = False
    path = None

    def __init__(self, url: str, pool):
        import psycopg

        self.url, self.shown, self.pool = url, shown(url), pool
        self.Error = psycopg.Error

    @classmethod
    def open(cls, url: str) -> PostgresStore:
        try:
            import psycopg
            from psycopg_pool import ConnectionPool
        except ImportError:
            raise CentralDbError("[central] db is a PostgreSQL URL, but psycopg is not installed; install the "
                                 "central with its [postgres] extra (pip install '.[central,postgres]')") from None
        where = shown(url)
        try:
            # One connection first: its error says what is wrong (server down, no such database,
            # refused login) in PostgreSQL's own words.
            psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S).close()
        except psycopg.Error as error:
            raise CentralDbError(f"{where}: cannot connect to the central's PostgreSQL database ({_words(error)}); "
                                 "check that the server runs, that the database exists and that [central] db "
                                 "names it with a user that may log in") from None
        pool = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, timeout=POOL_WAIT_S, open=False,
                              kwargs={"connect_timeout": CONNECT_TIMEOUT_S, "autocommit": False},
                              check=ConnectionPool.check_connection, name="central")
        pool.open(wait=True, timeout=POOL_WAIT_S)
        store = cls(url, pool)
        try:
            store._check_is_central()
        except BaseException:
            pool.close()
            raise
        return store

    def _check_is_central(self) -> None:
        with self.read() as conn:
            tables = {row[0] for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
        if tables and self.dialect.migrations_table not in tables:
            raise CentralDbError(f"{self.shown}: not the central's database (it holds tables of another program: "
                                 f"{', '.join(sorted(tables)[:5])}); it was left as it is. Give [central] db an "
                                 "empty database of its own")

    def migrated(self, apply) -> None:
        try:
            apply(self)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.pool.close()

    def reader(self) -> _PgReader:
        return _PgReader(self)

    @contextlib.contextmanager
    def write(self) -> Iterator[_PgConn]:
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self.pool.connection() as raw:
                with raw.transaction():
                    yield _PgConn(raw)
        except PoolTimeout as error:
            raise self._failed(error) from None
        except psycopg.Error as error:
            raise self._failed(error) from error

    def retrying(self, work):
        """`work(conn)` in a transaction of its own, tried again (RETRIES times at most, after a
        short random pause) when PostgreSQL broke it off for a deadlock or a serialization
        failure: it then kept nothing of it."""
        import random

        from psycopg import errors

        for attempt in range(RETRIES):
            try:
                with self.write() as conn:
                    return work(conn)
            except Raced:
                if attempt + 1 < RETRIES:
                    continue
                raise CentralDbError(f"{self.shown}: the central's database could not store this after {RETRIES} "
                                     "tries (other writers kept taking the same places); nothing was kept") from None
            except CentralDbError as error:
                cause = error.__cause__
                if attempt + 1 < RETRIES and isinstance(cause, (errors.SerializationFailure,
                                                                errors.DeadlockDetected)):
                    time.sleep(random.uniform(0, 0.05 * (attempt + 1)))
                    continue
                raise

    @contextlib.contextmanager
    def read(self) -> Iterator[_PgConn]:
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self.pool.connection() as raw:
                yield _PgConn(raw)
        except (psycopg.Error, PoolTimeout) as error:
            raise read_failed(self.shown, _words(error)) from error

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[_PgConn]:
        """A pooled connection in one REPEATABLE READ, READ ONLY transaction: one snapshot."""
        with self.read() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield conn

    @staticmethod
    def stream(conn: _PgConn, sql: str, params, size: int = 1000) -> Iterator[tuple]:
        # A server-side cursor: a million records are not read into memory at once.
        with conn.raw.cursor(name=f"central_stream_{threading.get_ident()}_{time.monotonic_ns()}") as cursor:
            cursor.itersize = size
            cursor.execute(_pg_sql(sql), params or None)
            yield from cursor

    def side_files(self) -> list[Path]:
        return []

    def _failed(self, error: Exception) -> CentralDbError:
        return CentralDbError(f"{self.shown}: the central's database cannot be written ({_words(error)}); nothing "
                              "of this change was kept. Check that the PostgreSQL server runs and has disk space")


class Raced(CentralDbError):
    """Another transaction stored what this one was about to (it found the place free when it
    looked): the transaction is rolled back and tried again, and then sees it. (On SQLite, with
    its one writer, it cannot happen; if it did, the push would be answered 503 and repeated.)"""


def _words(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def now_text() -> str:
    return str(dt.datetime.now(dt.timezone.utc))


class _Rows(list):
    """A query's rows, read whole, as a cursor gives them."""

    def fetchone(self):
        return self[0] if self else None

    def fetchall(self):
        return self


class _SqliteReader:
    """The thread's own read connection (WAL lets it read beside the writer)."""

    __slots__ = ("_store",)

    def __init__(self, store: SqliteStore):
        self._store = store

    def execute(self, sql: str, params=()) -> _Rows:
        with self._store.read() as conn:
            return _Rows(conn.execute(sql, params).fetchall())


class _PgReader:
    """Each query on a pooled connection, given back at once."""

    __slots__ = ("_store",)

    def __init__(self, store: PostgresStore):
        self._store = store

    def execute(self, sql: str, params=()) -> _Rows:
        with self._store.read() as conn:
            return _Rows(conn.execute(sql, params).fetchall())

