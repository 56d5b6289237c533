"""The kiosk's local store: one SQLite file holding every record a visitor made, and its outbox.

Durability first: WAL with synchronous=FULL, so a record whose `append` returned survives a
crash, kill -9 or power cut; the settings are read back at start and the store refuses to run
if SQLite did not take them. A record and its outbox entry go in one BEGIN IMMEDIATE
transaction, so the sync never sees a record without an entry or the other way round.

Threads: one write connection, serialised by a lock (in the app only the StoreWriter thread
writes); reads that the UI makes (live poll results, health) use a second connection, which WAL
lets run beside a write; each export stream opens its own connection, so a long export reads
one consistent snapshot without holding up recording.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import sqlite3
import stat
import threading
import urllib.parse
import uuid
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlite_utils import Database

from kiosk.core.bounded_files import kind_of
from kiosk.core.clock import as_utc, utc_now, utc_text
from kiosk.core.files import fsync_path
from kiosk.core.records import (EXPORT_COLUMNS, EXPORT_FREE_TEXT_COLUMN, FREE_TEXT_FIELDS, RECORD_FIELDS, Flag,
                                Kind, Record, RecordDraft)

from .errors import (
    StoreClosedError,
    StoreDamagedError,
    StoreError,
    StoreForeignFileError,
    StoreFullError,
    StoreNotWritableError,
    StorePragmaError,
    StoreWriteError,
)
from .schema import APPLICATION_ID, migrations

try:  # Unix only; the kiosk runs on Linux, but importing the store must not fail elsewhere
    import resource
except ImportError:  # pragma: no cover
    resource = None

Clock = Callable[[], dt.datetime]
Connect = Callable[..., sqlite3.Connection]

BUSY_TIMEOUT_MS = 5000
# What the store sets, and what reading each pragma back must give.
REQUIRED_PRAGMAS = {
    "journal_mode": ("wal", "wal"),
    "synchronous": ("FULL", 2),
    "busy_timeout": (str(BUSY_TIMEOUT_MS), BUSY_TIMEOUT_MS),
    "foreign_keys": ("ON", 1),
}
# Below this much free space an I/O error is taken for a full disk: SQLite reports ENOSPC as
# SQLITE_FULL, but some writes (an fsync, a truncate) surface a full disk as a plain I/O error.
FREE_SPACE_MARGIN = 1 << 20
# A write that ends within this much of RLIMIT_FSIZE failed because of the limit (EFBIG),
# which SQLite reports as SQLITE_IOERR_WRITE rather than SQLITE_FULL. A WAL frame is a page.
FSIZE_MARGIN = 1 << 16
SIDE_FILES = ("-wal", "-shm", "-journal")
SQLITE_MAGIC = b"SQLite format 3\x00"
# A trigger only this kiosk's schema has (m001): found in the raw bytes of a store made before
# the application id, when the store is too damaged for SQLite to read its migrations.
KIOSK_SCHEMA_MARKER = b"records_never_deleted"
MARKER_SCAN_BYTES = 4 << 20

# SQLite primary result codes (the low byte of sqlite_errorcode).
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_AUTH, SQLITE_NOTADB = 10, 11, 13, 14, 23, 26

OUTBOX_STATES = ("pending", "sent", "quarantined")

# The columns read, in order: the record's fields (kiosk.core.records), then redacted_at, which
# goes into Record.extra. Built from the record, never written out a second time here.
_COLUMNS = ", ".join((*RECORD_FIELDS, "redacted_at"))
_NEXT_SEQ = "SELECT COALESCE(MAX(seq), 0) + 1 FROM records WHERE kiosk_id = ?"
_INSERT_RECORD = (f"INSERT INTO records ({', '.join(RECORD_FIELDS)}) "
                  f"VALUES ({', '.join('?' for _ in RECORD_FIELDS)})")
_INSERT_OUTBOX = "INSERT INTO outbox (record_id) VALUES (?)"
_FREE_TEXT_PATH = "CASE kind " + " ".join(
    f"WHEN '{kind}' THEN '$.{name}'" for kind, name in FREE_TEXT_FIELDS.items()) + " END"
_SUSPECT = json.dumps(Flag.SUSPECT_BURST.value)


class _CorruptFile(Exception):
    """Internal: the file at the store path is not a usable SQLite database."""


class Store:
    """Open with `Store.open(path, kiosk_id)`; see the module docstring for the guarantees."""

    def __init__(self, path: Path, kiosk_id: str, conn: sqlite3.Connection, reader: sqlite3.Connection,
                 pragmas: dict, boot_id: str, clock: Clock, connect: Connect):
        self.path = path
        self.kiosk_id = kiosk_id
        self.boot_id = boot_id
        self.pragmas = pragmas
        self._conn: sqlite3.Connection | None = conn
        self._reader: sqlite3.Connection | None = reader
        self._clock = clock
        self._connect = connect
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._read_only_files = False  # readers open the file with mode=ro (see open_for_reading)
        # A write fault staff must see while it lasts. It lives in memory because a full
        # disk is exactly when it cannot be written to the database.
        self._fault: dict | None = None

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, kiosk_id: str, *, app_version: str = "", clock: Clock | None = None,
             connect: Connect | None = None) -> "Store":
        """Open (or create) the store at `path` and start a new boot.

        `connect` replaces `sqlite3.connect` (called as `connect(path, check_same_thread=False)`),
        for opening through another SQLite VFS.
        """
        path = Path(path).absolute()
        clock = clock or utc_now
        connect = connect or sqlite3.connect
        _check_writable(path)
        moved: Path | None = None
        # Only a store of this kiosk is ever moved aside; any other file is refused as it is.
        try:
            existing = _recognise(path)
        except sqlite3.Error as error:
            raise _open_failed(path, error) from error
        if existing:
            try:
                _check_intact(path)
            except _CorruptFile as corrupt:
                detail = str(corrupt)
                moved = _move_aside(path, clock())
        conn = _connect(path, connect)
        reader = None
        try:
            pragmas = _set_pragmas(conn, path)
            try:
                migrations.apply(Database(conn, recursive_triggers=False, execute_plugins=False))
                boot_id = str(uuid.uuid4())
                with conn:
                    conn.execute("INSERT INTO boots (boot_id, started_at, app_version) VALUES (?, ?, ?)",
                                 (boot_id, utc_text(clock()), app_version))
            except sqlite3.Error as error:
                raise _open_failed(path, error) from error
            reader = _open_reader(path, connect)
        except BaseException:
            conn.close()
            if reader is not None:
                reader.close()
            raise
        store = cls(path, kiosk_id, conn, reader, pragmas, boot_id, clock, connect)
        if moved is not None:
            try:
                store.add_alert("corrupt_store", (
                    f"Die Speicherdatei {path} war beschädigt ({detail}) und wurde nach {moved} verschoben, "
                    f"nicht gelöscht. Ein neuer, leerer Speicher wurde angelegt; die Aufzeichnung läuft weiter. "
                    f"Bitte {moved.name} sichern und der IT geben: noch nicht übertragene Einträge lassen sich "
                    f"daraus vielleicht retten."))
            except BaseException:
                store.close()
                raise
        return store

    @classmethod
    def open_for_reading(cls, path: Path | str, kiosk_id: str, *, connect: Connect | None = None) -> "Store":
        """Open an existing store to read from it only, for exports and `kiosk status`.

        Unlike `open` it creates nothing, upgrades nothing, records no boot, runs no integrity
        check and never moves a damaged file aside: a command that reads must leave the store
        as it found it (the kiosk may be running on it). Writing through it raises.
        """
        path = Path(path).absolute()
        connect = connect or sqlite3.connect
        try:
            os.stat(path)
            missing = False
        except FileNotFoundError:
            missing = True
        except PermissionError:
            raise StoreNotWritableError(
                f"{path}: no permission to reach the store (a folder on the way may not be entered by uid "
                f"{os.geteuid()}); run the command as the kiosk's user or as root") from None
        if missing:
            existing = next(folder for folder in path.parents if folder.exists())  # the kiosk makes the rest
            if not os.access(existing, os.W_OK):
                raise StoreNotWritableError(
                    f"{path}: no store here, and its folder is not writable, so the kiosk cannot create one; "
                    "make the folder writable for the kiosk's user or set [store] path to a writable place")
            raise StoreError(f"{path}: no store here; check [store] path in the config (the kiosk creates "
                             "the store when it first starts)")
        if path.is_file() and not _access(path, os.R_OK):
            info = path.stat()
            raise StoreNotWritableError(
                f"{path}: no permission to read the store (owner uid {info.st_uid}, mode "
                f"{stat.S_IMODE(info.st_mode):o}); run the command as the kiosk's user (e.g. sudo -u "
                f"<kiosk user> kiosk status) or as root")
        try:
            existing = _recognise(path)
        except sqlite3.Error as error:
            raise StoreError(f"{path}: cannot read this store ({error}); check the file's permissions, or give "
                             "the file to IT") from error
        if not existing:
            raise StoreError(f"{path}: the file is empty, not a store yet; check [store] path in the config")
        # With no -wal there is nothing uncommitted: a plain connection reads, and the last one to
        # close removes the -wal/-shm it made, leaving the folder as it was. A -wal left by a kiosk
        # that runs or was killed must not be folded into the store by this read (a read-write
        # connection would checkpoint it on close and delete it): read-only, it stays as it is.
        read_only = Path(f"{path}-wal").exists()
        reader = _open_reader(path, connect, read_only=read_only)
        try:
            db = Database(reader, recursive_triggers=False, execute_plugins=False)
            applied = {m.name for m in migrations.applied(db)}
            known = {m.name for m in migrations._migrations}
        except sqlite3.DatabaseError as error:
            reader.close()
            raise StoreError(f"{path}: cannot read this store ({error}); start the kiosk once (it moves a "
                             "damaged store aside and tells staff) or give the file to IT") from error
        if not applied:
            reader.close()
            raise StoreError(f"{path}: not a kiosk store (no kiosk tables in it); check [store] path")
        if applied - known:
            reader.close()
            raise StoreError(f"{path}: written by a newer kiosk version ({', '.join(sorted(applied - known))}); "
                             "update this installation before reading it")
        # m002 only stamps the file's header with the kiosk's id: a store without it reads the same.
        if known - applied - {"m002_application_id"}:
            reader.close()
            raise StoreError(f"{path}: written by an older kiosk version; start the kiosk once to upgrade it, "
                             "then try again")
        # The file's journal mode, as the kiosk set it (synchronous is per connection: not the file's).
        pragmas = {"journal_mode": reader.execute("PRAGMA journal_mode").fetchone()[0]}
        store = cls(path, kiosk_id, None, reader, pragmas, "", utc_now, connect)
        store._read_only_files = read_only
        return store

    def check_integrity(self) -> list[str]:
        """SQLite's quick_check of every page: [] when the store is sound, else what it found.

        quick_check rather than integrity_check: it finds a damaged page as well, in a quarter of
        the time (0.65 s against 2.7 s for a million records); it does not compare the indexes
        with the table, which only a bug in SQLite could set apart."""
        with self._read_lock:
            reader = self._reading()
            try:
                rows = [row[0] for row in reader.execute("PRAGMA quick_check").fetchall()]
            except sqlite3.DatabaseError as error:
                if _primary_code(error) in (SQLITE_CORRUPT, SQLITE_NOTADB):
                    return [str(error)]
                raise self._read_failed(error) from error
        return [] if rows == ["ok"] else rows[:5]

    # -- writing -------------------------------------------------------------------------

    def append(self, draft: RecordDraft) -> Record:
        """Store `draft` as a new record with its outbox entry; returns only after the commit.

        Raises StoreFullError when the disk is full, StoreWriteError for other failures; in both
        cases nothing was stored and the next append may succeed (no reopening needed).
        """
        kind = Kind(draft.kind)
        flags = tuple(Flag(flag) for flag in draft.flags)
        # Serialised before the transaction: a payload that is not JSON is a bug in the caller,
        # not a store fault, and must not hold the write lock.
        payload_text = json.dumps(draft.payload, ensure_ascii=False, separators=(",", ":"))
        flags_text = json.dumps([flag.value for flag in flags])
        record_id = str(uuid.uuid4())
        with self._write_lock:
            conn = self._writing()
            created_at = utc_text(self._clock())
            with self._immediate(conn):
                seq = conn.execute(_NEXT_SEQ, (self.kiosk_id,)).fetchone()[0]
                conn.execute(_INSERT_RECORD, (
                    record_id, self.kiosk_id, seq, self.boot_id, draft.session_id, kind.value,
                    draft.exhibit_id, draft.poll_id, draft.question_version, draft.content_version,
                    payload_text, flags_text, created_at))
                conn.execute(_INSERT_OUTBOX, (record_id,))
            if self._fault is not None:
                self._recovered()
        return Record(id=record_id, kiosk_id=self.kiosk_id, seq=seq, boot_id=self.boot_id,
                      session_id=draft.session_id, kind=kind, exhibit_id=draft.exhibit_id,
                      poll_id=draft.poll_id, question_version=draft.question_version,
                      content_version=draft.content_version, payload=json.loads(payload_text), flags=flags,
                      created_at=created_at)

    def redact_free_text(self, older_than: dt.datetime) -> int:
        """Null the free text (feedback comment, idea text) of records created before `older_than`
        that the central has acknowledged; returns how many records were redacted.

        The only change ever made to a record. Unsent text is kept whatever its age: it exists
        nowhere else yet.
        """
        sql = (f"UPDATE records SET payload = json_set(payload, {_FREE_TEXT_PATH}, NULL), redacted_at = ? "
               f"WHERE kind IN ({', '.join('?' for _ in FREE_TEXT_FIELDS)}) AND redacted_at IS NULL "
               f"AND created_at < ? AND json_extract(payload, {_FREE_TEXT_PATH}) IS NOT NULL "
               f"AND id IN (SELECT record_id FROM outbox WHERE state = 'sent')")
        return self._write(sql, (utc_text(self._clock()), *FREE_TEXT_FIELDS, utc_text(older_than)))

    # -- the outbox, for the sync client ----------------------------------------------------

    def outbox_pending(self, limit: int = 500) -> list[Record]:
        """The oldest records not yet acknowledged by the central, in seq order."""
        rows = self._read(
            f"SELECT {', '.join('r.' + c.strip() for c in _COLUMNS.split(','))} FROM outbox o "
            "JOIN records r ON r.id = o.record_id WHERE o.state = 'pending' ORDER BY r.kiosk_id, r.seq LIMIT ?",
            (limit,))
        return [_record(row) for row in rows]

    def mark_sent(self, record_ids: Iterable[str]) -> int:
        """Mark the records the central explicitly acknowledged (accepted or duplicate)."""
        ids = list(record_ids)
        return self._write_many("UPDATE outbox SET state = 'sent', sent_at = ? WHERE record_id = ? "
                                "AND state = 'pending'", [(utc_text(self._clock()), i) for i in ids])

    def mark_failed(self, record_ids: Iterable[str], error: str) -> int:
        """Count a failed attempt for records that stay pending (network, server error)."""
        return self._write_many("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE record_id = ? "
                                "AND state = 'pending'", [(error, i) for i in record_ids])

    def quarantine(self, record_id: str, reason: str) -> int:
        """Stop sending a record the central rejected; it is kept and shown to staff."""
        return self._write("UPDATE outbox SET state = 'quarantined', quarantined_reason = ?, "
                           "attempts = attempts + 1 WHERE record_id = ? AND state = 'pending'", (reason, record_id))

    # -- alerts --------------------------------------------------------------------------

    def add_alert(self, kind: str, message: str) -> int:
        with self._write_lock:
            conn = self._writing()
            try:
                with conn:
                    cursor = conn.execute("INSERT INTO alerts (kind, message, created_at) VALUES (?, ?, ?)",
                                          (kind, message, utc_text(self._clock())))
            except sqlite3.Error as error:
                raise self._write_failed(error) from error
            return cursor.lastrowid

    def clear_alert(self, alert_id: int) -> bool:
        """Mark an alert as dealt with (kept, with the time); False if it was not open."""
        return self._write("UPDATE alerts SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL",
                           (utc_text(self._clock()), alert_id)) == 1

    def alerts(self, *, include_cleared: bool = False) -> list[dict]:
        """Alerts for staff, newest first; a write fault that is still going on comes first
        (its id is None: it clears itself when writing works again)."""
        where = "" if include_cleared else " WHERE cleared_at IS NULL"
        rows = self._read(f"SELECT id, kind, message, created_at, cleared_at FROM alerts{where} ORDER BY id DESC")
        stored = [dict(zip(("id", "kind", "message", "created_at", "cleared_at"), row)) for row in rows]
        fault = self._fault
        if fault is None:
            return stored
        return [{key: fault[key] for key in ("id", "kind", "message", "created_at", "cleared_at")}] + stored

    # -- reading -------------------------------------------------------------------------

    def poll_counts(self, exhibit_id: str, poll_id: str, question_version: str | None, *,
                    include_suspect: bool = False) -> dict:
        """Live results of one poll as shown: {"answers": {answer_id: n}, "voters": n}.

        A multi-choice vote counts once per ticked answer and once as a voter. Votes flagged as
        bursts are left out unless `include_suspect`.
        """
        where = ("r.kind = 'vote' AND r.poll_id = ? AND r.question_version IS ? AND r.exhibit_id IS ?"
                 + ("" if include_suspect else " AND instr(r.flags, ?) = 0"))
        params = (poll_id, question_version, exhibit_id) + (() if include_suspect else (_SUSPECT,))
        with self._read_lock, self._read_errors():
            reader = self._reading()
            answers = reader.execute(
                f"SELECT a.value, COUNT(*) FROM records r, json_each(r.payload, '$.answers') a WHERE {where} "
                "GROUP BY a.value", params).fetchall()
            voters = reader.execute(f"SELECT COUNT(*) FROM records r WHERE {where}", params).fetchone()[0]
        return {"answers": {str(answer): n for answer, n in answers}, "voters": voters}

    def count(self, kind: Kind | str | None = None) -> int:
        if kind is None:
            return self._read("SELECT COUNT(*) FROM records")[0][0]
        return self._read("SELECT COUNT(*) FROM records WHERE kind = ?", (Kind(kind).value,))[0][0]

    def iter_records(self, *, since: dt.datetime | str | None = None, until: dt.datetime | str | None = None,
                     poll_id: str | None = None, kinds: Iterable[Kind | str] | None = None,
                     batch: int = 5000) -> Iterator[Record]:
        """Records in seq order, `since` inclusive, `until` exclusive (UTC), streamed in batches.

        Memory stays constant however many records there are; the stream reads one snapshot on
        its own connection, so recording goes on meanwhile and the export is consistent.
        """
        where, params = [], []
        if since is not None:
            where.append("created_at >= ?")
            params.append(since if isinstance(since, str) else utc_text(since))
        if until is not None:
            where.append("created_at < ?")
            params.append(until if isinstance(until, str) else utc_text(until))
        if poll_id is not None:
            where.append("poll_id = ?")
            params.append(poll_id)
        if kinds is not None:
            values = [Kind(kind).value for kind in kinds]
            where.append(f"kind IN ({', '.join('?' for _ in values)})" if values else "0")
            params += values
        self._reading()  # fail now, not at the first next(), if the store is closed
        sql = (f"SELECT {_COLUMNS} FROM records" + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY kiosk_id, seq")
        return self._stream(sql, params, max(1, batch))

    # -- reading for the CSV export --------------------------------------------------------

    def export_lines(self, *, since: dt.datetime | str | None = None, until: dt.datetime | str | None = None,
                     poll_id: str | None = None, exhibit_id: str | None = None, include_free_text: bool = False,
                     batch: int = 5000) -> "ExportLines":
        """The selected records as raw CSV lines, rendered by SQLite: see `ExportLines`.

        Same selection as `iter_records` (plus `exhibit_id`), same seq order, one snapshot on its
        own read-only connection. Use it as a context manager, or close it.
        """
        where, params = _export_where(since, until, poll_id, exhibit_id)
        self._reading()  # fail now, not at the first batch, if the store is closed
        conn = _open_reader(self.path, self._connect, read_only=self._read_only_files)
        try:
            # An explicit read transaction: the bound below, every batch and every record
            # looked up come from the same snapshot.
            conn.execute("BEGIN")
            upto = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM records").fetchone()[0]
        except sqlite3.Error as error:
            conn.close()
            raise self._read_failed(error) from error
        except BaseException:
            conn.close()
            raise
        return ExportLines(conn, _export_line_sql(include_free_text), where, params, max(1, batch), upto,
                           include_free_text, self._read_failed)

    def vote_tallies(self, *, since: dt.datetime | str | None = None, until: dt.datetime | str | None = None,
                     poll_id: str | None = None, exhibit_id: str | None = None,
                     upto: int | None = None) -> list[tuple]:
        """Votes counted per (exhibit, poll, question version, suspect or not, answer), by SQLite.

        Rows `(exhibit_id, poll_id, question_version, suspect, answer, count, voters, unusual)`,
        ids "" where NULL. `answer` is None on the row that carries voters whose vote has no
        answers; a multi-choice vote counts once per ticked answer, and once among the `voters`
        of exactly one of its rows. Suspect means flagged as a burst, as in `poll_counts`.
        `unusual` counts votes that this cannot count the way `kiosk.export.SummaryBuilder`
        does from records: a payload SQLite does not take for JSON (Python's json writes NaN,
        for one), or answers other than a list of strings. The kiosk never writes such votes;
        a caller that finds any counts the votes itself (`ExportLines.votes()`).

        `upto` is `ExportLines.upto`: only records up to that rowid, so that this, run on its own
        connection (in another thread, beside the export), counts exactly the records of the
        export's snapshot. That holds because records are only ever appended (the database
        refuses deletes) and a vote is never changed (redaction touches free text only).
        """
        where, params = _export_where(since, until, poll_id, exhibit_id, prefix="r.")
        where.insert(0, "r.kind = 'vote'")
        if upto is not None:
            where.append("r.rowid <= ?")
            params.append(upto)
        self._reading()
        conn = _open_reader(self.path, self._connect, read_only=self._read_only_files)

        def tally(payload: str, unreadable: str) -> list[tuple]:
            return conn.execute(
                "SELECT COALESCE(r.exhibit_id, ''), COALESCE(r.poll_id, ''), COALESCE(r.question_version, ''), "
                "instr(r.flags, ?) > 0, a.value, COUNT(a.value), "
                # each record's first row of json_each has key 0, or key NULL when it has no answers
                "SUM(a.key IS NULL OR a.key = 0), "
                f"SUM({unreadable} NOT (a.type IS NULL OR (a.type = 'text' AND typeof(a.key) = 'integer') "
                "OR (a.type = 'null' AND a.key IS NULL))) "
                f"FROM records r LEFT JOIN json_each({payload}, '$.answers') a "
                f"WHERE {' AND '.join(where)} GROUP BY 1, 2, 3, 4, 5",
                [_SUSPECT, *params]).fetchall()

        try:
            try:
                return tally("r.payload", "")
            except sqlite3.OperationalError as error:
                if "JSON" not in str(error):
                    raise self._read_failed(error) from error
                # A payload that is not JSON to SQLite ("malformed JSON"): count again, reading
                # each payload twice, which the usual case need not pay for.
                return tally("iif(json_valid(r.payload), r.payload, '{}')", "NOT json_valid(r.payload) OR")
        except sqlite3.DatabaseError as error:
            raise self._read_failed(error) from error
        finally:
            conn.close()

    def health(self) -> dict:
        with self._read_lock, self._read_errors():
            reader = self._reading()
            records = reader.execute("SELECT COUNT(*) FROM records").fetchone()[0]
            outbox = dict.fromkeys(OUTBOX_STATES, 0)
            outbox.update(reader.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
            last_seq = reader.execute("SELECT MAX(seq) FROM records WHERE kiosk_id = ?",
                                      (self.kiosk_id,)).fetchone()[0] or 0
        return {
            "path": str(self.path),
            "size_bytes": sum(_size(Path(f"{self.path}{suffix}")) for suffix in ("", "-wal")),
            "records": records,
            "outbox": outbox,
            "last_seq": last_seq,
            "kiosk_id": self.kiosk_id,
            "boot_id": self.boot_id,
            "pragmas": dict(self.pragmas),
            "alerts": self.alerts(),
        }

    # -- closing -------------------------------------------------------------------------

    def close(self) -> None:
        with self._write_lock, self._read_lock:
            for conn in (self._reader, self._conn):
                if conn is not None:
                    conn.close()
            self._conn = self._reader = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------

    def _writing(self) -> sqlite3.Connection:
        if self._conn is None and self._reader is not None:
            raise StoreClosedError(f"{self.path}: the store was opened for reading only; nothing was written")
        if self._conn is None:
            raise StoreClosedError(f"{self.path}: the store was closed; nothing was written")
        return self._conn

    def _reading(self) -> sqlite3.Connection:
        if self._reader is None:
            raise StoreClosedError(f"{self.path}: the store was closed")
        return self._reader

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._read_lock, self._read_errors():
            return self._reading().execute(sql, params).fetchall()

    @contextlib.contextmanager
    def _read_errors(self):
        try:
            yield
        except sqlite3.Error as error:
            raise self._read_failed(error) from error

    def _read_failed(self, error: sqlite3.Error) -> StoreError:
        if _primary_code(error) in (SQLITE_CORRUPT, SQLITE_NOTADB):
            return StoreDamagedError(
                f"{self.path}: the store is damaged ({error}). Nothing is lost yet: back up the file (with its "
                f"-wal beside it, if there is one) and give it to IT, who may recover its records "
                f"(sqlite3 shell: .recover). The kiosk moves a damaged store aside by itself on its next start (it is "
                f"never deleted) and starts a new one; restart it to record again")
        return StoreError(f"{self.path}: cannot read the store ({error})")

    def _write(self, sql: str, params: tuple) -> int:
        return self._write_many(sql, [params])

    def _write_many(self, sql: str, rows: list[tuple]) -> int:
        with self._write_lock:
            conn = self._writing()
            with self._immediate(conn):
                changed = sum(conn.execute(sql, row).rowcount for row in rows)
            return changed

    @contextlib.contextmanager
    def _immediate(self, conn: sqlite3.Connection):
        """One BEGIN IMMEDIATE transaction (the caller holds the write lock): committed when the
        block ends, rolled back when it raises; SQLite's errors come out as the store's own."""
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
        except sqlite3.Error as error:
            raise self._write_failed(error) from error

    def _stream(self, sql: str, params: list, batch: int) -> Iterator[Record]:
        conn = _open_reader(self.path, self._connect, read_only=self._read_only_files)
        try:
            with self._read_errors():
                # An explicit read transaction: every batch comes from the same snapshot.
                conn.execute("BEGIN")
                cursor = conn.execute(sql, params)
                cursor.arraysize = batch
                rows = cursor.fetchmany()
            while rows:
                for row in rows:
                    yield _record(row)
                with self._read_errors():
                    rows = cursor.fetchmany()
        finally:
            conn.close()

    def _write_failed(self, error: sqlite3.Error) -> Exception:
        code = _primary_code(error)
        if code == SQLITE_FULL or (code == SQLITE_IOERR and _space_exhausted(self.path)):
            exc: Exception = StoreFullError(
                f"{self.path}: the disk is full (or the kiosk's file-size limit is reached); the record was "
                f"NOT stored. Free space on the disk holding {self.path.parent} (kiosk status shows the "
                f"store); recording resumes by itself, no restart needed. ({error})")
            kind, note = "store_full", (
                f"Speicher voll: {self.path.parent} hat keinen Platz mehr. Besucher sehen „gerade nicht möglich“; "
                f"bisher gespeicherte Einträge sind sicher. Bitte Platz schaffen: die Aufzeichnung läuft dann "
                f"von selbst weiter.")
        elif code in (SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN, SQLITE_AUTH):
            exc = StoreWriteError(
                f"{self.path}: the store became read-only ({error}); check that the disk is still mounted "
                f"read-write and the kiosk user may write the file and its folder, then restart the kiosk")
            kind, note = "store_write_error", f"Speicher nicht beschreibbar: {self.path} ({error})."
        elif code in (SQLITE_BUSY, SQLITE_LOCKED):
            exc = StoreWriteError(
                f"{self.path}: another program has held the store locked for {BUSY_TIMEOUT_MS // 1000} s "
                f"({error}); close any sqlite3 shell or backup tool using it")
            kind, note = "store_write_error", f"Speicher gesperrt durch ein anderes Programm: {self.path}."
        elif code in (SQLITE_CORRUPT, SQLITE_NOTADB):
            exc = StoreWriteError(
                f"{self.path}: the store file is damaged ({error}); restart the kiosk: it moves the file "
                f"aside (nothing is deleted) and starts a new store")
            kind, note = "store_write_error", f"Speicherdatei beschädigt: {self.path}. Bitte Kiosk neu starten."
        else:
            exc = StoreWriteError(f"{self.path}: the record was NOT stored: {error}")
            kind, note = "store_write_error", f"Speichern fehlgeschlagen: {error}"
        now = utc_text(self._clock())
        if self._fault is None or self._fault["kind"] != kind:
            self._fault = {"id": None, "kind": kind, "message": note, "created_at": now, "cleared_at": None,
                           "failures": 0}
        self._fault["failures"] += 1
        return exc

    def _recovered(self) -> None:
        # Called with the write lock held, after a successful commit: the fault is over.
        # Staff still get to know it happened and how many entries were lost to it.
        fault, self._fault = self._fault, None
        if fault["kind"] != "store_full":
            return
        try:
            with self._conn:
                self._conn.execute(
                    "INSERT INTO alerts (kind, message, created_at) VALUES (?, ?, ?)",
                    ("store_was_full", f"Der Speicher war voll von {fault['created_at']} bis "
                     f"{utc_text(self._clock())} (UTC); {fault['failures']} Eingabe(n) konnten in der Zeit "
                     f"nicht gespeichert werden. Die Aufzeichnung läuft wieder.", utc_text(self._clock())))
        except sqlite3.Error:
            # The record itself was stored; losing the note about the outage is the lesser harm.
            _rollback(self._conn)


# -- helpers ---------------------------------------------------------------------------------


def _primary_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _rollback(conn: sqlite3.Connection) -> None:
    # After an I/O error SQLite may already have rolled back; a failing ROLLBACK must not
    # replace the error that explains what happened.
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _space_exhausted(path: Path) -> bool:
    try:
        stats = os.statvfs(path.parent)
        if stats.f_bavail * stats.f_frsize < FREE_SPACE_MARGIN:
            return True
    except OSError:
        pass
    if resource is not None:
        soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        if soft != resource.RLIM_INFINITY:
            biggest = max(_size(Path(f"{path}{suffix}")) for suffix in ("", *SIDE_FILES))
            if biggest + FSIZE_MARGIN > soft:
                return True
    return False


def _access(path: Path, mode: int) -> bool:
    # effective ids: a kiosk started through sudo/setuid is judged by the user it runs as.
    if os.access in os.supports_effective_ids:
        return os.access(path, mode, effective_ids=True)
    return os.access(path, mode)  # pragma: no cover


def _not_writable(path: Path, what: Path, why: str) -> StoreNotWritableError:
    return StoreNotWritableError(
        f"{what}: {why}; the kiosk cannot record into {path}. Make the folder and the file writable for "
        f"the user the kiosk runs as (uid {os.geteuid()}), or set [store] path in the config to a writable "
        f"place on a local disk")


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise StoreNotWritableError(f"{path} is a folder; [store] path must name a file, e.g. {path / 'kiosk.db'}")
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _not_writable(path, folder, f"cannot create the store folder ({error.strerror})") from None
    # SQLite creates <name>-wal and <name>-shm beside the file: the folder itself must be writable.
    if not _access(folder, os.W_OK | os.X_OK):
        raise _not_writable(path, folder, "the store folder is not writable")
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in SIDE_FILES)):
        if candidate.exists() and not _access(candidate, os.R_OK | os.W_OK):
            raise _not_writable(path, candidate, "the file is not writable")


def _open_failed(path: Path, error: sqlite3.Error) -> Exception:
    code = _primary_code(error)
    if code in (SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN, SQLITE_AUTH, SQLITE_IOERR):
        return _not_writable(path, path, f"SQLite cannot open it for writing ({error})")
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return StoreWriteError(f"{path}: the store is locked by another program ({error}); close any sqlite3 "
                               "shell or backup tool using it, or check that no second kiosk uses this path")
    if code == SQLITE_FULL:
        return StoreFullError(f"{path}: the disk is full; the store cannot start. Free space on that disk")
    return StoreWriteError(f"{path}: cannot open the store ({error})")


def _recognise(path: Path) -> bool:
    """True when `path` holds a store of this kiosk (sound or damaged), False when there is no
    store yet (no file, or an empty one, which SQLite takes for an empty database).

    Anything else raises StoreForeignFileError and is left exactly as it is: the look creates no
    file beside it and changes no byte. A store is known by the SQLite header and the kiosk's
    application id in it (set by migration m002), or, for stores made before, by the kiosk's
    migrations in its _sqlite_migrations table (or, where SQLite cannot read that any more, by
    the kiosk's schema text in the file's first megabytes).
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(info.st_mode):
        raise StoreForeignFileError(
            f"{path} is {kind_of(info.st_mode)}, not a store file; nothing was changed. Set [store] path "
            f"(or --store) to a file, e.g. /var/lib/kiosk/kiosk.sqlite3")
    if info.st_size == 0:
        return False
    with open(path, "rb") as file:
        header = file.read(100)
    if not header.startswith(SQLITE_MAGIC):
        raise _foreign(path, "it is not an SQLite database at all (" + _looks_like(header) + ")")
    application_id = int.from_bytes(header[68:72], "big")
    if application_id == APPLICATION_ID:
        return True
    if application_id != 0:
        raise _foreign(path, f"it is another program's SQLite database (application id {application_id:#010x})")
    if _has_kiosk_schema(path):
        return True
    raise _foreign(path, "it is an SQLite database without the kiosk's tables (another program's database?)")


def _foreign(path: Path, why: str) -> StoreForeignFileError:
    return StoreForeignFileError(
        f"{path}: not a store of this kiosk: {why}. It was left exactly as it is, and nothing is recorded "
        f"into it. Check [store] path in the config (or --store): it must name the kiosk's own store file, or "
        f"a file that does not exist yet (the kiosk creates it); move this file elsewhere if it is in the way")


def _looks_like(header: bytes) -> str:
    for magic, name in ((b"\xff\xd8\xff", "a JPEG picture"), (b"\x89PNG", "a PNG picture"), (b"%PDF", "a PDF"),
                        (b"PK\x03\x04", "a ZIP or XLSX file")):
        if header.startswith(magic):
            return f"it looks like {name}"
    try:
        text = header.decode("utf-8")
    except UnicodeDecodeError:
        return "unknown binary content"
    first = text.strip().splitlines()[0][:40] if text.strip() else ""
    return f"it is text, starting {first!r}"


def _has_kiosk_schema(path: Path) -> bool:
    # With no -wal, immutable=1 reads the file without creating a -wal or -shm beside it; a -wal
    # that is there (a kiosk killed, or running) may hold the schema, and mode=ro reads it too
    # without folding it into the file.
    wal = Path(f"{path}-wal")
    mode = "mode=ro" if wal.exists() else "immutable=1"
    try:
        conn = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?{mode}", uri=True)
    except sqlite3.Error:
        return _kiosk_marker_in(path, wal)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID:
            return True
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "_sqlite_migrations" not in tables:
            return False
        names = {row[0] for row in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (migrations.name,))}
        return bool(names & {m.name for m in migrations._migrations})
    except sqlite3.DatabaseError as error:
        if _primary_code(error) in (SQLITE_CORRUPT, SQLITE_NOTADB):
            return _kiosk_marker_in(path, wal)
        raise
    finally:
        conn.close()


def _kiosk_marker_in(*paths: Path) -> bool:
    for path in paths:
        try:
            with open(path, "rb") as file:
                if KIOSK_SCHEMA_MARKER in file.read(MARKER_SCAN_BYTES):
                    return True
        except FileNotFoundError:
            continue
    return False


def _check_intact(path: Path) -> None:
    """Raise _CorruptFile when the file at `path` is not a sound SQLite database.

    The look is read-only (mode=ro): a read-write connection would, on closing, checkpoint a
    damaged file's -wal into it and delete the -wal, and the damaged files must be kept as
    they were for whoever tries to rescue records from them.
    """
    if not path.exists() or path.stat().st_size == 0:
        return  # a new store (SQLite takes an empty file for an empty database)
    try:
        conn = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise _open_failed(path, error) from error
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as error:
        # Only damage moves the file aside; a lock or a permission problem must never do so.
        if _primary_code(error) in (SQLITE_CORRUPT, SQLITE_NOTADB):
            raise _CorruptFile(str(error)) from error
        raise _open_failed(path, error) from error
    finally:
        conn.close()
    if problems != ["ok"]:
        raise _CorruptFile("quick_check: " + "; ".join(problems[:3]))


def _connect(path: Path, connect: Connect) -> sqlite3.Connection:
    try:
        conn = connect(str(path), check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except sqlite3.Error as error:
        raise _open_failed(path, error) from error
    return conn


def _set_pragmas(conn: sqlite3.Connection, path: Path) -> dict:
    try:
        for name, (value, _expected) in REQUIRED_PRAGMAS.items():
            conn.execute(f"PRAGMA {name} = {value}").fetchall()
        got = {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in REQUIRED_PRAGMAS}
    except sqlite3.Error as error:
        raise _open_failed(path, error) from error
    for name, (value, expected) in REQUIRED_PRAGMAS.items():
        actual = got[name].lower() if isinstance(got[name], str) else got[name]
        if actual != expected:
            hint = (" WAL needs a local disk with shared memory (not a network share, not a FAT stick); "
                    if name == "journal_mode" else " ")
            raise StorePragmaError(
                f"{path}: SQLite did not take PRAGMA {name} = {value} (it reads back {got[name]!r}). The kiosk "
                f"refuses to record without it, because confirmed answers could be lost.{hint}set [store] path "
                f"to a file on the kiosk's local disk")
    return got


def _open_reader(path: Path, connect: Connect, *, read_only: bool = False) -> sqlite3.Connection:
    try:
        if read_only:
            conn = connect(f"file:{urllib.parse.quote(str(path))}?mode=ro", uri=True, check_same_thread=False)
        else:
            conn = connect(str(path), check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Reads only: a mistake in a read path must not become a write beside the writer.
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.Error as error:
        raise _open_failed(path, error) from error
    return conn


def _move_aside(path: Path, now: dt.datetime) -> Path:
    """Rename a damaged store to <name>.corrupt-<UTC stamp> (its -wal/-shm alike); never delete."""
    stamp = as_utc(now).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 2
    while any(Path(f"{target}{suffix}").exists() for suffix in ("", *SIDE_FILES)):
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
        number += 1
    try:
        # The side files first: a stale -wal left beside the new store would be replayed into it.
        for suffix in (*SIDE_FILES, ""):
            source = Path(f"{path}{suffix}")
            if source.exists():
                os.rename(source, f"{target}{suffix}")
        fsync_path(path.parent)  # the renames must survive a power cut, or the damaged file comes back
    except OSError as error:
        raise _not_writable(path, path, f"the file is damaged and cannot be moved aside ({error.strerror})") from None
    return target


_KINDS = {kind.value: kind for kind in Kind}
_decode = json.JSONDecoder().decode
_RECORD_FIELDS = (*RECORD_FIELDS, "extra")
_KIND, _PAYLOAD, _FLAGS, _REDACTED = (RECORD_FIELDS.index("kind"), RECORD_FIELDS.index("payload"),
                                      RECORD_FIELDS.index("flags"), len(RECORD_FIELDS))
_new_record = object.__new__


@functools.lru_cache(maxsize=64)
def _flags(text: str) -> tuple[Flag, ...]:
    return tuple(Flag(value) for value in json.loads(text))


def _record(row: tuple) -> Record:
    # Exports stream a million of these: filling the instance dict directly takes half the time
    # of the frozen dataclass's __init__ (which sets each field through object.__setattr__).
    # The values are the stored ones, already checked when they were written.
    # The row is the record's fields in RECORD_FIELDS order, then redacted_at (see _COLUMNS).
    record = _new_record(Record)
    values = list(row)
    kind = values[_KIND]
    values[_KIND] = _KINDS.get(kind) or Kind(kind)
    values[_PAYLOAD] = _decode(values[_PAYLOAD])
    values[_FLAGS] = _flags(values[_FLAGS])
    redacted_at = values[_REDACTED]
    values[_REDACTED] = {"redacted_at": redacted_at} if redacted_at else {}
    record.__dict__.update(zip(_RECORD_FIELDS, values))
    return record


# -- the CSV export's lines ------------------------------------------------------------------

# The raw columns of an export are EXPORT_COLUMNS of kiosk.core.records, as for kiosk.export;
# "free_text" comes last, and only when asked for.
# What a cell becomes when SQLite cannot render it the way the export renders a Record (see
# ExportLines): a lone double quote, which a plain cell never holds, so the line is never
# taken as it is.
_ODD = "'\"'"


def _export_number(path: str) -> str:
    # The number as stored: its JSON text, which the store wrote with Python's repr, so it is
    # str() of the number (json_extract would give SQLite's own, shorter, float format).
    # The literals null, true and false (str() gives "" / "True" / "False") have an "l" or a "u",
    # which no JSON number has; those become the odd marker. A string comes quoted, which is odd
    # by itself; an array or object keeps its [ or {, which the caller checks for.
    return f"replace(replace(payload -> '{path}', 'l', '\"'), 'u', '\"')"


def _export_text(path: str) -> str:
    # `value or ""`: NULL, false and 0 give an empty cell, as they do in Python.
    return f"nullif(payload ->> '{path}', 0)"


def _export_line_sql(include_free_text: bool) -> str:
    rendered = {
        # Answers only of votes, joined with ';' in their order; anything but an array of strings is odd.
        "answers": f"CASE kind WHEN 'vote' THEN (SELECT group_concat(iif(type = 'text' AND typeof(key) = 'integer', value, "
        f"{_ODD}), ';') FROM json_each(payload, '$.answers')) END",
        "rating": _export_number("$.rating"),
        "layer": _export_text("$.layer"),
        "dwell_s": _export_number("$.dwell_s"),
        "flags": "CASE flags WHEN '[]' THEN NULL ELSE (SELECT group_concat(value, ';') FROM json_each(flags)) END",
    }
    # A record's own field is its column as stored; the rest are read from the payload above.
    cells = [rendered.get(name, name) for name in EXPORT_COLUMNS]
    if include_free_text:
        texts = " ".join(f"WHEN '{kind}' THEN {_export_text('$.' + name)}" for kind, name in FREE_TEXT_FIELDS.items())
        cells.append(f"CASE kind {texts} END")
    line = f"printf('{','.join('%s' for _ in cells)}', {', '.join(cells)})"
    # The whole line is odd, rather than the export failing or a cell wrong, when SQLite does not
    # read the payload as JSON (Python's json writes NaN and Infinity, for one), or when it holds
    # a NUL character (SQLite's JSON ends the text there, Python keeps the rest).
    return (f"CAST(CASE WHEN json_valid(payload) AND NOT instr(payload, '\\u0000') "
            f"AND (flags = '[]' OR json_valid(flags)) THEN {line} ELSE {_ODD} END AS BLOB)")


def _export_where(since, until, poll_id, exhibit_id, prefix: str = "") -> tuple[list[str], list]:
    where, params = [], []
    if since is not None:
        where.append(f"{prefix}created_at >= ?")
        params.append(since if isinstance(since, str) else utc_text(since))
    if until is not None:
        where.append(f"{prefix}created_at < ?")
        params.append(until if isinstance(until, str) else utc_text(until))
    if poll_id is not None:
        where.append(f"{prefix}poll_id = ?")
        params.append(poll_id)
    if exhibit_id is not None:
        where.append(f"{prefix}exhibit_id = ?")
        params.append(exhibit_id)
    return where, params


class ExportLines:
    """One snapshot of the selected records, as raw CSV lines for `kiosk.export`.

    Iterating yields batches, lists of lines: each line is a record's cells in `columns` order,
    UTF-8, joined by "," with no line end, no quoting and no formula neutralising. A cell is the
    text `kiosk.export.columns.csv_fields` gives for the record, except where SQLite cannot
    render a value that way (a JSON value of a type the kiosk never writes there): that cell is
    a lone '"'. A line holding a '"', '[', '{', CR or LF, a cell starting with = + - @ or tab, or
    a "," inside a cell, must therefore not be used as it is: the caller renders those records
    itself, from `records(positions)`.

    Rendering in SQLite is what makes a large CSV export fast: with a Record built per row in
    Python, the export took three times as long as the sqlite3 shell's CSV of the same rows.
    """

    def __init__(self, conn: sqlite3.Connection, line_sql: str, where: list[str], params: list, batch: int,
                 upto: int, include_free_text: bool, read_failed: Callable[[sqlite3.Error], Exception]):
        self._conn: sqlite3.Connection | None = conn
        self._read_failed = read_failed  # turns a SQLite error into the store's error in words
        self._line_sql, self._where, self._params, self._batch = line_sql, where, params, batch
        # The highest rowid in this snapshot: `Store.vote_tallies(upto=...)` counts the same records.
        self.upto = upto
        self.columns = EXPORT_COLUMNS + ((EXPORT_FREE_TEXT_COLUMN,) if include_free_text else ())
        self._cursor: sqlite3.Cursor | None = None
        self._keyed = False              # the cursor's rows are (rowid, line), not (line,)
        self._rowids: list[int] | None = None
        self._start = self._size = 0     # the last batch: its position in the stream and its length

    def __iter__(self) -> Iterator[list[bytes]]:
        try:
            yield from self._batches()
        except sqlite3.Error as error:
            raise self._read_failed(error) from error

    def _batches(self) -> Iterator[list[bytes]]:
        self._cursor = self._open().execute(f"SELECT {self._line_sql}{self._from()}", self._params)
        self._cursor.arraysize = self._batch
        self._keyed, self._rowids, self._start, self._size = False, None, 0, 0
        while rows := self._cursor.fetchmany():
            self._start += self._size
            self._size = len(rows)
            if self._keyed:
                self._rowids = [row[0] for row in rows]
                yield [row[1] for row in rows]
            else:
                self._rowids = None
                yield [row[0] for row in rows]

    def records(self, positions: Iterable[int]) -> list[Record]:
        """The records of the lines at `positions` in the batch last yielded, from the same snapshot."""
        try:
            return self._records(positions)
        except sqlite3.Error as error:
            raise self._read_failed(error) from error

    def _records(self, positions: Iterable[int]) -> list[Record]:
        conn = self._open()
        if self._cursor is None:
            raise ValueError("ExportLines.records() names lines of the batch last yielded; iterate first")
        if self._rowids is None:
            # Reading the rowids costs about 6% more, and nearly every export needs none. The
            # first time some are needed, the rest of the stream is read with them, from the
            # start of this batch: the order (kiosk_id, seq) is unique, so the rows are the same.
            cursor = conn.execute(f"SELECT rowid, {self._line_sql}{self._from()} LIMIT -1 OFFSET ?",
                                  [*self._params, self._start])
            cursor.arraysize = self._batch
            self._rowids = [row[0] for row in cursor.fetchmany(self._size)]
            self._cursor.close()
            self._cursor, self._keyed = cursor, True
        wanted = [self._rowids[i] for i in positions]
        found: dict[int, Record] = {}
        for start in range(0, len(wanted), 500):  # under SQLite's limit on bound parameters
            chunk = wanted[start:start + 500]
            rows = conn.execute(f"SELECT rowid, {_COLUMNS} FROM records WHERE rowid IN "
                                f"({', '.join('?' for _ in chunk)})", chunk).fetchall()
            found.update((row[0], _record(row[1:])) for row in rows)
        return [found[rowid] for rowid in wanted]

    def votes(self) -> Iterator[Record]:
        """The selected votes as records, from the same snapshot, in seq order."""
        votes = self._from("kind = 'vote'")
        try:
            cursor = self._open().execute(f"SELECT {_COLUMNS}{votes}", self._params)
            cursor.arraysize = self._batch
            rows = cursor.fetchmany()
        except sqlite3.Error as error:
            raise self._read_failed(error) from error
        while rows:
            for row in rows:
                yield _record(row)
            try:
                rows = cursor.fetchmany()
            except sqlite3.Error as error:
                raise self._read_failed(error) from error

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> "ExportLines":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreClosedError("the export's read of the store was closed")
        return self._conn

    def _from(self, *also: str) -> str:
        where = [*also, *self._where]
        return " FROM records" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY kiosk_id, seq"
