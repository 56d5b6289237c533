"""The central's database: all of its SQL, in this one module.

SQLite by default; PostgreSQL (psycopg 3) comes behind the same class when one file is no
longer enough, so nothing outside this module writes SQL or knows which database it is.

Durability: WAL with synchronous=FULL. A batch's answer tells the kiosk which records it may
mark sent, and a sent record's free text is later redacted on the kiosk: an acknowledged
record must survive a power cut of the central, so each commit waits for the disk (one fsync
per batch of up to 1000 records, not per record). NORMAL could lose the last commits on power
loss while the kiosks believe them delivered.

Concurrency: ONE write connection, serialised by a lock in the process, and every write is a
BEGIN IMMEDIATE transaction; a command in another process (add-kiosk during serve) waits on
busy_timeout. Reads (tokens, sync state, exports) use a connection per thread, which WAL lets
read beside the writer. So concurrent kiosks never see "database is locked".

Schema: only through the sqlite-utils migrations below; an applied migration is never edited
(a central in use has run it already); every change is a new `m00N_...` function after them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import operator
import os
import sqlite3
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from kiosk.core.clock import local_zone
from kiosk.core.records import FREE_TEXT_FIELDS, RECORD_FIELDS, Flag, Kind, Record
from sync.protocol import Outcome, RejectCode, canonical_json, row_fingerprint

from .errors import (CentralDbError, KioskExistsError, NotFreeTextError, StaffExistsError, UnknownKioskError,
                     UnknownRecordError, UnknownStaffError)

migrations = Migrations("stadtlabor_central")

# "SLCS" (StadtLABOR central store) in the header: the file is recognised as the central's.
APPLICATION_ID = 0x534C4353



@migrations()
def m001_initial(db: Database) -> None:
    # The record's fields as the kiosk's store keeps them (payload and flags as JSON text),
    # written out rather than built from RECORD_FIELDS: this migration must stay as it ran even
    # when the record's shape grows (a new field is a new migration; a test compares the two).
    # (kiosk_id, store_id, seq) and not (store_id, seq) is unique: kiosks cloned from one
    # SD-card image share a store_id until their stores are remade.
    db.execute(
        """
        CREATE TABLE records (
            id TEXT NOT NULL,
            kiosk_id TEXT NOT NULL,
            store_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            boot_id TEXT NOT NULL,
            session_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            exhibit_id TEXT,
            poll_id TEXT,
            question_version TEXT,
            content_version TEXT NOT NULL,
            payload TEXT NOT NULL,
            flags TEXT NOT NULL,
            created_at TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT 'kiosk',
            received_at TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            UNIQUE (id),
            UNIQUE (kiosk_id, store_id, seq)
        )
        """
    )
    db.execute("CREATE INDEX records_created ON records (created_at)")
    db.execute("CREATE INDEX records_poll ON records (poll_id, question_version)")
    # A record that was refused still fills its place in the kiosk's sequence: the kiosk
    # quarantines it and never sends it again, so without this the central's contiguous seq
    # would stop at it for ever.
    db.execute(
        """
        CREATE TABLE rejections (
            kiosk_id TEXT NOT NULL,
            store_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            record_id TEXT NOT NULL,
            code TEXT NOT NULL,
            message TEXT NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (kiosk_id, store_id, seq)
        ) WITHOUT ROWID
        """
    )
    # Kept up to date inside each batch's transaction, so that no request counts the records.
    db.execute(
        """
        CREATE TABLE progress (
            kiosk_id TEXT NOT NULL,
            store_id TEXT NOT NULL,
            contiguous_seq INTEGER NOT NULL DEFAULT 0,
            count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (kiosk_id, store_id)
        ) WITHOUT ROWID
        """
    )
    db.execute(
        """
        CREATE TABLE kiosks (
            kiosk_id TEXT PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            added_at TEXT NOT NULL,
            token_made_at TEXT NOT NULL,
            revoked_at TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE heartbeats (
            kiosk_id TEXT PRIMARY KEY,
            received_at TEXT NOT NULL,
            kiosk_time TEXT NOT NULL,
            clock_skew_s REAL NOT NULL,
            heartbeat TEXT NOT NULL
        )
        """
    )
    # What citizens said is evidence: the database itself refuses to change or delete it. A
    # later redaction of free text at the central comes as a migration that says so.
    db.execute(
        """
        CREATE TRIGGER records_never_deleted BEFORE DELETE ON records
        BEGIN
            SELECT RAISE(ABORT, 'records are never deleted');
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER records_immutable BEFORE UPDATE ON records
        BEGIN
            SELECT RAISE(ABORT, 'records are immutable');
        END
        """
    )
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


@migrations()
def m002_phone_votes(db: Database) -> None:
    # One vote per poll per hand-off from the phone pages (issue 11): the key is taken in the
    # same transaction as the vote's record, so two taps at once store one vote.
    db.execute(
        """
        CREATE TABLE phone_votes (
            handoff_id TEXT NOT NULL,
            exhibit_id TEXT NOT NULL,
            poll_id TEXT NOT NULL,
            record_id TEXT NOT NULL,
            voted_at TEXT NOT NULL,
            PRIMARY KEY (handoff_id, exhibit_id, poll_id)
        ) WITHOUT ROWID
        """
    )
    # Secrets the central makes for itself (the phone forms' CSRF key), shared by every worker.
    db.execute("CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)")


@migrations()
def m003_staff(db: Database) -> None:
    # Staff accounts for the dashboard (issue 12): a scrypt hash per user (central/passwords.py),
    # failed logins counted towards a lockout; sessions kept as the hash of their cookie.
    db.execute(
        """
        CREATE TABLE staff (
            user TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            admin INTEGER NOT NULL DEFAULT 0,
            added_at TEXT NOT NULL,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE staff_sessions (
            token_hash TEXT PRIMARY KEY,
            user TEXT NOT NULL REFERENCES staff (user) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )
        """
    )


@migrations()
def m004_export_log(db: Database) -> None:
    # Every export of records, from the dashboard or the command line (issue 12): who, when,
    # what and with which filters; administrators read it on the dashboard.
    db.execute(
        """
        CREATE TABLE export_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            via TEXT NOT NULL,
            format TEXT NOT NULL,
            filters TEXT NOT NULL,
            free_text INTEGER NOT NULL,
            records INTEGER
        )
        """
    )


@migrations()
def m005_vote_tallies(db: Database) -> None:
    # The results page (issue 12) counts votes from this table, never from the records: votes
    # per local day (Europe/Berlin), poll, question version, kiosk, source, suspect or not and
    # answer; the row with answer '' counts the voters (a multi-choice vote ticks several
    # answers but is one voter). Kept up to date in each batch's transaction (_count_votes).
    # The key's order is the page's GROUP BY (poll, version, suspect, answer), so SQLite sums
    # a million records' tallies in one pass along the key, without sorting; day, kiosk and
    # source filter rows on the way.
    db.execute(
        """
        CREATE TABLE vote_tallies (
            exhibit_id TEXT NOT NULL,
            poll_id TEXT NOT NULL,
            question_version TEXT NOT NULL,
            suspect INTEGER NOT NULL,
            answer TEXT NOT NULL,
            day TEXT NOT NULL,
            kiosk_id TEXT NOT NULL,
            source TEXT NOT NULL,
            votes INTEGER NOT NULL,
            PRIMARY KEY (exhibit_id, poll_id, question_version, suspect, answer, day, kiosk_id, source)
        ) WITHOUT ROWID
        """
    )
    backfill_vote_tallies(db.conn)


@migrations()
def m006_moderation(db: Database) -> None:
    """Moderation of free text, staff's answers to ideas, and redaction (issue 12, point 3).

    `moderation` and `answers` hold the current state per record; `moderation_log` keeps every
    action (who, when, what) and is never changed or deleted, so the state can always be traced.

    Redaction must really remove personal data from the central (a copy kept elsewhere in the
    database would still be personal data held), so the free text in the record's payload is
    overwritten: records_immutable is replaced by a trigger that allows exactly one kind of
    UPDATE, the payload's free text (`text` of an idea, `comment` of a feedback) and nothing
    else of the record, and only while a `redactions` row for that record (who, when, why) is
    waiting in the same transaction; an AFTER trigger marks that row applied, so each logged
    redaction allows one change. `fingerprint` is left as it was (the trigger refuses a
    change): it is the hash of the record as the kiosk sent it, so a kiosk that pushes the same
    record again still finds a duplicate, not a conflict; a SHA-256 over the whole record with
    its random ids gives nothing of the old text back.
    """
    db.execute(
        """
        CREATE TABLE moderation (
            record_id TEXT PRIMARY KEY REFERENCES records (id),
            state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
            who TEXT NOT NULL,
            at TEXT NOT NULL,
            note TEXT
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX moderation_state ON moderation (state, at)")
    db.execute(
        """
        CREATE TABLE answers (
            record_id TEXT PRIMARY KEY REFERENCES records (id),
            status TEXT NOT NULL CHECK (status IN ('received', 'reviewing', 'done', 'not_possible')),
            answer_de TEXT,
            answer_en TEXT,
            answer_ls TEXT,
            who TEXT NOT NULL,
            at TEXT NOT NULL
        ) WITHOUT ROWID
        """
    )
    db.execute(
        """
        CREATE TABLE moderation_log (
            id INTEGER PRIMARY KEY,
            record_id TEXT NOT NULL REFERENCES records (id),
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('approve', 'reject', 'redact', 'answer')),
            detail TEXT
        )
        """
    )
    db.execute("CREATE INDEX moderation_log_record ON moderation_log (record_id, id)")
    db.execute(
        """
        CREATE TABLE redactions (
            id INTEGER PRIMARY KEY,
            record_id TEXT NOT NULL REFERENCES records (id),
            field TEXT NOT NULL,
            who TEXT NOT NULL,
            at TEXT NOT NULL,
            note TEXT NOT NULL,
            applied INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db.execute("CREATE INDEX redactions_waiting ON redactions (record_id) WHERE applied = 0")
    # The queue reads ideas and feedback among a million votes and views.
    db.execute("CREATE INDEX records_free_text ON records (created_at) WHERE kind IN ('idea', 'feedback')")
    db.execute("DROP TRIGGER records_immutable")
    db.execute(
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
        """
    )
    db.execute(
        """
        CREATE TRIGGER redaction_applied AFTER UPDATE ON records
        BEGIN
            UPDATE redactions SET applied = 1 WHERE record_id = NEW.id AND applied = 0;
        END
        """
    )
    # The evidence of what staff did is kept like the records: never deleted, never rewritten
    # (a redaction only ever turns applied from 0 to 1).
    for table in ("moderation_log", "redactions"):
        db.execute(
            f"""
            CREATE TRIGGER {table}_never_deleted BEFORE DELETE ON {table}
            BEGIN
                SELECT RAISE(ABORT, '{table} entries are never deleted');
            END
            """
        )
    db.execute(
        """
        CREATE TRIGGER moderation_log_unchanged BEFORE UPDATE ON moderation_log
        BEGIN
            SELECT RAISE(ABORT, 'moderation_log entries are never changed');
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER redactions_unchanged BEFORE UPDATE ON redactions
        WHEN NOT (OLD.applied = 0 AND NEW.applied = 1 AND NEW.id IS OLD.id AND NEW.record_id IS OLD.record_id
                  AND NEW.field IS OLD.field AND NEW.who IS OLD.who AND NEW.at IS OLD.at AND NEW.note IS OLD.note)
        BEGIN
            SELECT RAISE(ABORT, 'redactions are never changed');
        END
        """
    )


log = logging.getLogger("central")

# -- opening -----------------------------------------------------------------------------------

BUSY_TIMEOUT_MS = 10_000
# What the central sets, and what reading each pragma back must give.
REQUIRED_PRAGMAS = {"journal_mode": ("wal", "wal"), "synchronous": ("FULL", 2),
                    "busy_timeout": (str(BUSY_TIMEOUT_MS), BUSY_TIMEOUT_MS)}
SIDE_FILES = ("-wal", "-shm", "-journal")
# How far ahead one look for the next stored seqs goes when the contiguous seq advances.
_ADVANCE_WINDOW = 1000

_RECORD_COLUMNS = (*RECORD_FIELDS, "source", "received_at", "fingerprint")
_INSERT_RECORD = (f"INSERT INTO records ({', '.join(_RECORD_COLUMNS)}) "
                  f"VALUES ({', '.join('?' for _ in _RECORD_COLUMNS)}) ON CONFLICT DO NOTHING")
# A batch's records go in 50 rows to a statement, not one by one (executemany): Python's sqlite3
# lets go of the interpreter lock for each step and needs it back for the next row's values, and
# with twenty pushes in the process each row waited for it. 50 rows are 950 values, well inside
# SQLite's limit of 32,766.
_ROWS_PER_INSERT = 50
_INSERT_RECORDS = (f"INSERT INTO records ({', '.join(_RECORD_COLUMNS)}) VALUES "
                   + ", ".join([f"({', '.join('?' for _ in _RECORD_COLUMNS)})"] * _ROWS_PER_INSERT)
                   + " ON CONFLICT DO NOTHING")
_ID_AT, _STORE_AT, _SEQ_AT = (RECORD_FIELDS.index(name) for name in ("id", "store_id", "seq"))
_SELECT_RECORD = f"SELECT {', '.join(RECORD_FIELDS)}, source, received_at FROM records"


def _connect(path: Path) -> sqlite3.Connection:
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


# -- what goes in ------------------------------------------------------------------------------

# Plain named tuples, not dataclasses: a batch makes a thousand of each, and a frozen
# dataclass costs several times a tuple to build.

class Candidate(NamedTuple):
    """A record that passed its checks: its stored values in RECORD_FIELDS order (payload and
    flags as JSON text) and its fingerprint."""

    row: tuple
    fingerprint: str

    @property
    def record_id(self) -> str:
        return self.row[_ID_AT]


class Refused(NamedTuple):
    """A record refused before the database saw it; `store_id` and `seq` are None where they
    could not be read (then it fills no place)."""

    record_id: str
    store_id: str | None
    seq: int | None
    code: RejectCode
    message: str


class Result(NamedTuple):
    """One record's outcome, named as in the wire's RecordResult."""

    id: str
    outcome: Outcome
    code: RejectCode | None = None
    message: str | None = None


@dataclass(frozen=True)
class Progress:
    store_id: str
    contiguous_seq: int
    count: int


@dataclass(frozen=True)
class KioskRow:
    kiosk_id: str
    added_at: str
    revoked_at: str | None
    last_heartbeat: str | None
    records: int


@dataclass(frozen=True)
class TokenOwner:
    kiosk_id: str
    revoked: bool


# -- the database ------------------------------------------------------------------------------

class CentralDb:
    """Open with `CentralDb.open(path)`; see the module docstring for the guarantees."""

    def __init__(self, path: Path, writer: sqlite3.Connection, checkpointer: _Checkpointer | None = None):
        self.path = path
        self._writer = writer
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._checkpointer = checkpointer
        self._group_lock = threading.Lock()  # one group of batches written at a time
        self._jobs_lock = threading.Lock()
        self._jobs: list[_Job] = []  # batches waiting to be written

    @classmethod
    def open(cls, path: Path | str, *, checkpoint_beside: bool = False) -> CentralDb:
        """The central's database at `path`, made (and migrated) when needed.

        `checkpoint_beside` (the service): the WAL is folded into the database by a thread of
        its own, not by whichever push's commit crosses SQLite's 1000 pages; that push would
        wait for the copy and its fsync, a spike in every kiosk's latency behind it."""
        path = Path(path)
        if path.is_dir():
            raise CentralDbError(f"{path} is a folder; [central] db must name a file, e.g. {path / 'central.sqlite3'}")
        if not path.parent.is_dir():
            raise CentralDbError(f"{path}: the folder {path.parent} does not exist; create it or change [central] db")
        try:
            conn = _connect(path)
            try:
                _check_is_central(conn, path)
                _set_pragmas(conn, path)
                conn.execute("PRAGMA foreign_keys = ON")
                migrations.apply(Database(conn))
            except BaseException:
                conn.close()
                raise
        except sqlite3.DatabaseError as error:
            raise CentralDbError(f"{path}: cannot open the central's database: {error}; check the file and "
                                 "its folder's permissions (SQLite writes -wal and -shm files beside it)") from None
        checkpointer = None
        if checkpoint_beside:
            conn.execute("PRAGMA wal_autocheckpoint = 0")
            checkpointer = _Checkpointer(path)
            checkpointer.start()
        return cls(path, conn, checkpointer)

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        with self._write_lock:
            self._writer.close()
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def _write(self):
        return _WriteTransaction(self.path, self._writer, self._write_lock, self._checkpointer)

    # -- kiosks --------------------------------------------------------------------------------

    def add_kiosk(self, kiosk_id: str, token_hash: str, now: str, *, rotate: bool = False) -> None:
        """Give `kiosk_id` the token of `token_hash`. A known kiosk with a valid token is refused
        unless `rotate`; a revoked kiosk gets its new token (and is valid again) either way."""
        with self._write() as conn:
            row = conn.execute("SELECT revoked_at FROM kiosks WHERE kiosk_id = ?", (kiosk_id,)).fetchone()
            if row is None:
                conn.execute("INSERT INTO kiosks (kiosk_id, token_hash, added_at, token_made_at) VALUES (?, ?, ?, ?)",
                             (kiosk_id, token_hash, now, now))
                return
            if row[0] is None and not rotate:
                raise KioskExistsError(f"kiosk '{kiosk_id}' exists already and its token is valid; pass --rotate to "
                                       "replace its token (the old one stops working at once), or revoke-kiosk it")
            conn.execute("UPDATE kiosks SET token_hash = ?, token_made_at = ?, revoked_at = NULL WHERE kiosk_id = ?",
                         (token_hash, now, kiosk_id))

    def revoke_kiosk(self, kiosk_id: str, now: str) -> bool:
        """Revoke the kiosk's token; False when it was revoked already."""
        with self._write() as conn:
            row = conn.execute("SELECT revoked_at FROM kiosks WHERE kiosk_id = ?", (kiosk_id,)).fetchone()
            if row is None:
                raise UnknownKioskError(f"no kiosk '{kiosk_id}' at this central; list-kiosks shows the known ones")
            if row[0] is not None:
                return False
            conn.execute("UPDATE kiosks SET revoked_at = ? WHERE kiosk_id = ?", (now, kiosk_id))
            return True

    def list_kiosks(self) -> list[KioskRow]:
        rows = self._reader().execute(
            """
            SELECT k.kiosk_id, k.added_at, k.revoked_at, h.received_at,
                   (SELECT COALESCE(SUM(p.count), 0) FROM progress p WHERE p.kiosk_id = k.kiosk_id)
            FROM kiosks k LEFT JOIN heartbeats h ON h.kiosk_id = k.kiosk_id
            ORDER BY k.kiosk_id
            """).fetchall()
        return [KioskRow(*row) for row in rows]

    def fleet(self) -> list[dict]:
        """Every kiosk with its latest heartbeat (as the kiosk sent it, plus received_at and the
        skew the central measured) and how many records the central has from it."""
        rows = self._reader().execute(
            """
            SELECT k.kiosk_id, k.revoked_at, h.received_at, h.clock_skew_s, h.heartbeat,
                   (SELECT COALESCE(SUM(p.count), 0) FROM progress p WHERE p.kiosk_id = k.kiosk_id)
            FROM kiosks k LEFT JOIN heartbeats h ON h.kiosk_id = k.kiosk_id
            ORDER BY k.kiosk_id
            """).fetchall()
        return [{"kiosk_id": kiosk_id, "revoked_at": revoked, "received_at": received, "clock_skew_s": skew,
                 "heartbeat": json.loads(beat) if beat else None, "records": records}
                for kiosk_id, revoked, received, skew, beat, records in rows]

    def vote_results(self, *, since_day: str | None = None, until_day: str | None = None,
                     kiosk_id: str | None = None, source: str | None = None, exhibit_id: str | None = None,
                     poll_id: str | None = None) -> list[tuple[str, str, str, bool, str, int]]:
        """Votes summed from vote_tallies over the selection, never counted from the records:
        rows (exhibit_id, poll_id, question_version, suspect, answer, votes), where answer ''
        carries the voters. Days are local dates (YYYY-MM-DD), both inclusive."""
        where, params = [], []
        for clause, value in (("day >= ?", since_day), ("day <= ?", until_day), ("kiosk_id = ?", kiosk_id),
                              ("source = ?", source), ("exhibit_id = ?", exhibit_id), ("poll_id = ?", poll_id)):
            if value is not None:
                where.append(clause)
                params.append(value)
        rows = self._reader().execute(
            "SELECT exhibit_id, poll_id, question_version, suspect, answer, SUM(votes) FROM vote_tallies"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " GROUP BY exhibit_id, poll_id, question_version, suspect, answer", params).fetchall()
        return [(exhibit, poll, version, bool(suspect), answer, votes)
                for exhibit, poll, version, suspect, answer, votes in rows]

    def token_owner(self, token_hash: str) -> TokenOwner | None:
        row = self._reader().execute("SELECT kiosk_id, revoked_at FROM kiosks WHERE token_hash = ?",
                                     (token_hash,)).fetchone()
        return None if row is None else TokenOwner(row[0], row[1] is not None)

    # -- records -------------------------------------------------------------------------------

    def store_batch(self, kiosk_id: str, items: list[Candidate | Refused], received_at: str
                    ) -> tuple[list[Result], list[Progress]]:
        """Store a kiosk's batch: all its results are committed, or none (see _store_batch_in).

        Group commit: batches that arrive while another is being written wait, and the next
        writer takes them all into one transaction, each still checked in turn. A commit
        (its fsync) is most of a batch's cost, so twenty kiosks pushing at once share a few
        commits instead of queueing for twenty. A failed transaction fails every batch in it
        (nothing of any of them kept), and each kiosk pushes again."""
        job = _Job(kiosk_id, items, received_at)
        with self._jobs_lock:
            self._jobs.append(job)
        with self._group_lock:
            if job.answer is None and job.error is None:
                with self._jobs_lock:
                    jobs, self._jobs = self._jobs, []
                try:
                    with self._write() as conn:
                        answers = [self._store_batch_in(conn, j.kiosk_id, j.items, j.received_at) for j in jobs]
                except Exception as error:  # noqa: BLE001 - every batch of the group hears of it
                    for j in jobs:
                        j.error = error
                else:
                    for j, answer in zip(jobs, answers):
                        j.answer = answer
        if job.error is not None:
            raise job.error
        return job.answer

    def _store_batch_in(self, conn: sqlite3.Connection, kiosk_id: str, items: list[Candidate | Refused],
                        received_at: str) -> tuple[list[Result], list[Progress]]:
        """Store a kiosk's batch inside the transaction `conn` is in.

        Each item, in order: a Candidate is accepted, or a duplicate (its id stored with the same
        fingerprint, earlier or in this batch), or rejected as a conflict (its id stored with
        another fingerprint; the stored one stays) or as seq_taken (its place stored under another
        id). A Refused one is rejected as it says. Every rejected one whose place is readable fills
        that place, so the kiosk's contiguous seq can pass it."""
        candidates = [item for item in items if isinstance(item, Candidate)]
        fingerprints = self._stored_fingerprints(conn, [c.row[_ID_AT] for c in candidates])
        owners = self._stored_places(conn, kiosk_id, candidates)
        tail = ("kiosk", received_at)
        if not fingerprints and not owners and len(candidates) == len(items) and _all_different(candidates):
            # The usual batch: every record new, in a place of its own. Each is accepted, and
            # none of the cases below needs looking at.
            inserts = [c.row + tail + (c.fingerprint,) for c in candidates]
            self._insert_records(conn, inserts)
            _count_votes(conn, inserts)
            places: dict[str, set[int]] = {}
            for c in candidates:
                places.setdefault(c.row[_STORE_AT], set()).add(c.row[_SEQ_AT])
            return ([Result(c.row[_ID_AT], Outcome.ACCEPTED) for c in candidates],
                    [self._advance(conn, kiosk_id, store_id, len(seqs), seqs) for store_id, seqs in places.items()])
        results, inserts, rejections = [], [], []
        accepted: dict[str, int] = {}
        for item in items:
            if isinstance(item, Refused):
                result = Result(item.record_id, Outcome.REJECTED, item.code, item.message)
                place = (item.store_id, item.seq)
            else:
                row = item.row
                record_id, place = row[_ID_AT], (row[_STORE_AT], row[_SEQ_AT])
                stored = fingerprints.get(record_id)
                if stored is not None:
                    result = (Result(record_id, Outcome.DUPLICATE) if stored == item.fingerprint else
                              Result(record_id, Outcome.REJECTED, RejectCode.CONFLICT,
                                     f"id {record_id} is stored already with other content; the stored record "
                                     "stays as it is"))
                elif owners.get(place, record_id) != record_id:
                    result = Result(record_id, Outcome.REJECTED, RejectCode.SEQ_TAKEN,
                                    f"seq {place[1]} of store {place[0]} is stored already under id "
                                    f"{owners[place]}")
                else:
                    result = Result(record_id, Outcome.ACCEPTED)
                    fingerprints[record_id] = item.fingerprint
                    owners[place] = record_id
                    accepted[place[0]] = accepted.get(place[0], 0) + 1
                    inserts.append(row + tail + (item.fingerprint,))
            if result.outcome is Outcome.REJECTED and place[0] is not None and place[1] is not None:
                rejections.append((kiosk_id, place[0], place[1], result.id, result.code.value,
                                   result.message, received_at))
            results.append(result)
        self._insert_records(conn, inserts)
        _count_votes(conn, inserts)  # only the accepted: a duplicate is counted once, when it came first
        conn.executemany(
            "INSERT INTO rejections (kiosk_id, store_id, seq, record_id, code, message, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rejections)
        filled: dict[str, set[int]] = {}
        for store_id, seq in (*(row[1:3] for row in rejections), *((row[_STORE_AT], row[_SEQ_AT]) for row in inserts)):
            filled.setdefault(store_id, set()).add(seq)
        stores = [store_id for store_id in dict.fromkeys(map(_store_of, items)) if store_id]
        progress = [self._advance(conn, kiosk_id, store_id, accepted.get(store_id, 0), filled.get(store_id, set()))
                    for store_id in stores]
        return results, progress

    @staticmethod
    def _insert_records(conn: sqlite3.Connection, rows: list[tuple]) -> None:
        whole = len(rows) - len(rows) % _ROWS_PER_INSERT
        for start in range(0, whole, _ROWS_PER_INSERT):
            conn.execute(_INSERT_RECORDS, [value for row in rows[start:start + _ROWS_PER_INSERT] for value in row])
        conn.executemany(_INSERT_RECORD, rows[whole:])

    @staticmethod
    def _stored_fingerprints(conn: sqlite3.Connection, ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(list(dict.fromkeys(ids)), 900):
            found.update(conn.execute(
                f"SELECT id, fingerprint FROM records WHERE id IN ({', '.join('?' * len(chunk))})", chunk))
        return found

    @staticmethod
    def _stored_places(conn: sqlite3.Connection, kiosk_id: str, candidates: list[Candidate]) -> dict:
        """(store_id, seq) -> id of what is stored at the places of `candidates`: one range query
        per store of the batch (a batch's seqs lie close together)."""
        wanted: dict[str, set[int]] = {}
        for candidate in candidates:
            wanted.setdefault(candidate.row[_STORE_AT], set()).add(candidate.row[_SEQ_AT])
        owners = {}
        for store_id, seqs in wanted.items():
            low, high = min(seqs), max(seqs)
            for seq, record_id in conn.execute(
                    "SELECT seq, id FROM records WHERE kiosk_id = ? AND store_id = ? AND seq BETWEEN ? AND ?",
                    (kiosk_id, store_id, low, high)):
                if seq in seqs:
                    owners[(store_id, seq)] = record_id
        return owners

    @staticmethod
    def _advance(conn: sqlite3.Connection, kiosk_id: str, store_id: str, added: int, filled: set[int]) -> Progress:
        """The store's progress after this batch: its count grows by `added`, and its contiguous
        seq moves on while the next place is stored or rejected (looked up a window at a time,
        never by counting the store's records)."""
        row = conn.execute("SELECT contiguous_seq, count FROM progress WHERE kiosk_id = ? AND store_id = ?",
                           (kiosk_id, store_id)).fetchone()
        contiguous, count = row if row else (0, 0)
        count += added
        # Only a place right after the contiguous one, filled now, can move it.
        if contiguous + 1 in filled:
            while True:
                seqs = conn.execute(
                    """
                    SELECT seq FROM records WHERE kiosk_id = ?1 AND store_id = ?2 AND seq > ?3 AND seq <= ?4
                    UNION SELECT seq FROM rejections WHERE kiosk_id = ?1 AND store_id = ?2 AND seq > ?3 AND seq <= ?4
                    ORDER BY seq
                    """, (kiosk_id, store_id, contiguous, contiguous + _ADVANCE_WINDOW)).fetchall()
                start = contiguous
                for (seq,) in seqs:
                    if seq != contiguous + 1:
                        break
                    contiguous = seq
                if contiguous < start + _ADVANCE_WINDOW:
                    break
        conn.execute(
            """
            INSERT INTO progress (kiosk_id, store_id, contiguous_seq, count) VALUES (?, ?, ?, ?)
            ON CONFLICT (kiosk_id, store_id) DO UPDATE SET contiguous_seq = excluded.contiguous_seq,
                                                           count = excluded.count
            """, (kiosk_id, store_id, contiguous, count))
        return Progress(store_id, contiguous, count)

    def store_phone_record(self, row: tuple, *, vote_of: tuple[str, str, str] | None = None) -> bool:
        """Store a record made by the phone pages: `row` in RECORD_FIELDS order with seq 0, which
        is replaced by the next place in its store (one per kiosk for the phone, see
        central/phone/records.py). `vote_of` (handoff_id, exhibit_id, poll_id): the vote is stored
        only when that hand-off has not voted on that poll yet; False when it had."""
        with self._write() as conn:
            if vote_of is not None:
                taken = conn.execute(
                    "INSERT INTO phone_votes (handoff_id, exhibit_id, poll_id, record_id, voted_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (*vote_of, row[_ID_AT], row[RECORD_FIELDS.index("created_at")]))
                if taken.rowcount == 0:
                    return False
            kiosk_id, store_id = row[RECORD_FIELDS.index("kiosk_id")], row[_STORE_AT]
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM records WHERE kiosk_id = ? AND store_id = ?",
                               (kiosk_id, store_id)).fetchone()[0]
            placed = row[:_SEQ_AT] + (seq,) + row[_SEQ_AT + 1:]
            stored = placed + ("phone", placed[RECORD_FIELDS.index("created_at")], row_fingerprint(placed))
            conn.execute(_INSERT_RECORD.replace(" ON CONFLICT DO NOTHING", ""), stored)
            _count_votes(conn, [stored])
        return True

    def secret(self, name: str) -> bytes:
        """The central's own secret `name`: 32 random bytes, made the first time it is asked for."""
        with self._write() as conn:
            conn.execute("INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                         (name, os.urandom(32).hex()))
            return bytes.fromhex(conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()[0])

    # -- staff ---------------------------------------------------------------------------------

    def add_staff(self, user: str, password_hash: str, admin: bool, now: str, *, replace: bool = False) -> None:
        with self._write() as conn:
            exists = conn.execute("SELECT 1 FROM staff WHERE user = ?", (user,)).fetchone()
            if exists and not replace:
                raise StaffExistsError(f"staff user '{user}' exists already; pass --replace to give them a new "
                                       "password (their sessions end), or remove-staff first")
            conn.execute(
                "INSERT INTO staff (user, password_hash, admin, added_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user) DO UPDATE SET password_hash = excluded.password_hash, admin = excluded.admin, "
                "failed_logins = 0, locked_until = NULL", (user, password_hash, int(admin), now))
            conn.execute("DELETE FROM staff_sessions WHERE user = ?", (user,))

    def remove_staff(self, user: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM staff_sessions WHERE user = ?", (user,))
            if conn.execute("DELETE FROM staff WHERE user = ?", (user,)).rowcount == 0:
                raise UnknownStaffError(f"no staff user '{user}' at this central; list-staff shows them")

    def list_staff(self) -> list[tuple[str, bool, str, str | None]]:
        """(user, admin, added_at, locked_until) for every staff user."""
        rows = self._reader().execute("SELECT user, admin, added_at, locked_until FROM staff ORDER BY user").fetchall()
        return [(user, bool(admin), added, locked) for user, admin, added, locked in rows]

    def staff_login_state(self, user: str) -> tuple[str, bool, int, str | None] | None:
        """(password_hash, admin, failed_logins, locked_until) of `user`, or None."""
        row = self._reader().execute(
            "SELECT password_hash, admin, failed_logins, locked_until FROM staff WHERE user = ?", (user,)).fetchone()
        return None if row is None else (row[0], bool(row[1]), row[2], row[3])

    def record_failed_login(self, user: str, lock_after: int, locked_until: str) -> int:
        """Count a failed login; at `lock_after` failures in a row the user is locked until
        `locked_until` (and the count starts again). The count after this failure."""
        with self._write() as conn:
            row = conn.execute("UPDATE staff SET failed_logins = failed_logins + 1 WHERE user = ? "
                               "RETURNING failed_logins", (user,)).fetchone()
            if row is None:
                return 0
            if row[0] >= lock_after:
                conn.execute("UPDATE staff SET failed_logins = 0, locked_until = ? WHERE user = ?",
                             (locked_until, user))
            return row[0]

    def start_staff_session(self, user: str, token_hash: str, now: str, expires_at: str) -> None:
        with self._write() as conn:
            conn.execute("UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE user = ?", (user,))
            conn.execute("DELETE FROM staff_sessions WHERE expires_at < ?", (now,))
            conn.execute("INSERT INTO staff_sessions (token_hash, user, created_at, expires_at) VALUES (?, ?, ?, ?)",
                         (token_hash, user, now, expires_at))

    def staff_session(self, token_hash: str, now: str) -> tuple[str, bool] | None:
        """(user, admin) of a session that has not expired, or None."""
        row = self._reader().execute(
            "SELECT s.user, st.admin FROM staff_sessions s JOIN staff st ON st.user = s.user "
            "WHERE s.token_hash = ? AND s.expires_at > ?", (token_hash, now)).fetchone()
        return None if row is None else (row[0], bool(row[1]))

    def end_staff_session(self, token_hash: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM staff_sessions WHERE token_hash = ?", (token_hash,))

    def log_export(self, at: str, who: str, via: str, fmt: str, filters: dict, free_text: bool) -> int:
        """Note an export about to be handed out; its id, for export_done."""
        with self._write() as conn:
            return conn.execute("INSERT INTO export_log (at, who, via, format, filters, free_text) "
                                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                                (at, who, via, fmt, json.dumps(filters, ensure_ascii=False, sort_keys=True),
                                 int(free_text))).fetchone()[0]

    def export_done(self, log_id: int, records: int) -> None:
        with self._write() as conn:
            conn.execute("UPDATE export_log SET records = ? WHERE id = ?", (records, log_id))

    def export_log(self, limit: int = 200) -> list[dict]:
        """The newest `limit` exports, newest first."""
        rows = self._reader().execute("SELECT at, who, via, format, filters, free_text, records FROM export_log "
                                      "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [{"at": at, "who": who, "via": via, "format": fmt, "filters": json.loads(filters),
                 "free_text": bool(free), "records": records} for at, who, via, fmt, filters, free, records in rows]

    # -- moderation and answers (issue 12, point 3) --------------------------------------------

    def moderation_counts(self) -> dict[str, int]:
        """How many free texts are in each moderation state."""
        rows = self._reader().execute(
            f"SELECT COALESCE(m.state, 'pending'), COUNT(*) FROM records r "
            f"LEFT JOIN moderation m ON m.record_id = r.id WHERE {_IS_FREE_TEXT} GROUP BY 1").fetchall()
        return {"pending": 0, "approved": 0, "rejected": 0, **dict(rows)}

    def moderation_queue(self, state: str, limit: int = 200) -> list[dict]:
        """Free texts (ideas and feedback comments) in moderation `state`. Pending ones with
        texts flagged contact_data first (personal data should be looked at before anything
        else), then oldest first, so nothing waits for ever behind newer ones; decided ones
        newest decision first."""
        order = ("flagged DESC, r.created_at, r.id" if state == "pending" else "m.at DESC, r.id")
        rows = self._reader().execute(
            f"{_SELECT_FREE_TEXT} WHERE {_IS_FREE_TEXT} AND COALESCE(m.state, 'pending') = ? ORDER BY {order} LIMIT ?",
            (state, limit)).fetchall()
        return [_free_text_row(row) for row in rows]

    def free_text(self, record_id: str) -> dict:
        """One idea or feedback comment with its moderation, answer and history (oldest first);
        UnknownRecordError or NotFreeTextError."""
        conn = self._reader()
        row = conn.execute(f"{_SELECT_FREE_TEXT} WHERE r.id = ? AND {_IS_FREE_TEXT}", (record_id,)).fetchone()
        if row is None:
            _free_text_kind(conn, record_id)  # says why
        found = _free_text_row(row)
        found["history"] = [
            {"at": at, "who": who, "action": action, **json.loads(detail or "{}")} for at, who, action, detail in
            conn.execute("SELECT at, who, action, detail FROM moderation_log WHERE record_id = ? ORDER BY id",
                         (record_id,))]
        return found

    def moderate(self, record_id: str, state: str, who: str, at: str, note: str | None = None) -> None:
        """Approve or reject a free text (again, when staff change their mind), logged."""
        action = {"approved": "approve", "rejected": "reject"}[state]
        with self._write() as conn:
            _free_text_kind(conn, record_id)
            conn.execute(
                "INSERT INTO moderation (record_id, state, who, at, note) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (record_id) DO UPDATE SET state = excluded.state, who = excluded.who, at = excluded.at, "
                "note = excluded.note", (record_id, state, who, at, note))
            _log_action(conn, record_id, at, who, action, {"note": note} if note else {})

    def redact(self, record_id: str, text: str, who: str, at: str, note: str) -> None:
        """Overwrite the free text of a record with `text` (staff's edit without the personal
        data): the redaction's row first, then the record, in one transaction; the trigger of
        m006_moderation allows nothing else. secure_delete makes SQLite zero the old text's
        bytes in the page instead of leaving them in its free space, so after the next
        checkpoint the database file holds only the new text (backups made before still hold
        the old one)."""
        with self._write() as conn:
            conn.execute("PRAGMA secure_delete = ON")
            kind = _free_text_kind(conn, record_id)
            field = FREE_TEXT_FIELDS[kind]
            payload = json.loads(conn.execute("SELECT payload FROM records WHERE id = ?", (record_id,)).fetchone()[0])
            payload[field] = text
            conn.execute("INSERT INTO redactions (record_id, field, who, at, note) VALUES (?, ?, ?, ?, ?)",
                         (record_id, field, who, at, note))
            conn.execute("UPDATE records SET payload = ? WHERE id = ?", (canonical_json(payload), record_id))
            _log_action(conn, record_id, at, who, "redact", {"note": note})

    def answer_idea(self, record_id: str, status: str, texts: dict[str, str | None], who: str, at: str) -> None:
        """Staff's answer to an idea: its status and the text in the layers given (de, en, ls;
        None where not given), replacing the one before; logged."""
        with self._write() as conn:
            if _free_text_kind(conn, record_id) != Kind.IDEA.value:
                raise NotFreeTextError(f"record {record_id} is a feedback comment; only ideas get an answer")
            conn.execute(
                "INSERT INTO answers (record_id, status, answer_de, answer_en, answer_ls, who, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id) DO UPDATE SET status = excluded.status, "
                "answer_de = excluded.answer_de, answer_en = excluded.answer_en, answer_ls = excluded.answer_ls, "
                "who = excluded.who, at = excluded.at",
                (record_id, status, texts.get("de"), texts.get("en"), texts.get("ls"), who, at))
            _log_action(conn, record_id, at, who, "answer",
                        {"status": status, "layers": [layer for layer in ("de", "en", "ls") if texts.get(layer)]})

    def wall_ideas(self, limit: int) -> list[dict]:
        """Approved ideas for the kiosks' Ideenwand, newest change first (approval, answer or
        redaction), at most `limit`: text and layer as stored (redacted where staff redacted),
        exhibit, created_at, status ('received' without an answer), answer texts, answered_at.
        Nothing about who wrote them."""
        rows = self._reader().execute(
            f"""
            SELECT r.id, json_extract(r.payload, '$.text'), json_extract(r.payload, '$.layer'), r.exhibit_id,
                   r.created_at, COALESCE(a.status, 'received'), a.answer_de, a.answer_en, a.answer_ls, a.at,
                   max(m.at, COALESCE(a.at, ''),
                       COALESCE((SELECT MAX(x.at) FROM redactions x WHERE x.record_id = r.id), '')) AS changed
            FROM moderation m JOIN records r ON r.id = m.record_id LEFT JOIN answers a ON a.record_id = r.id
            WHERE m.state = 'approved' AND r.kind = 'idea' AND {_IS_FREE_TEXT}
            ORDER BY changed DESC, r.id DESC LIMIT ?
            """, (limit,)).fetchall()
        return [_idea_row(row) for row in rows]

    def answered_ideas(self, since: str | None = None, until: str | None = None) -> list[dict]:
        """Approved ideas made in [since, until) (UTC text prefixes of created_at), oldest
        first, each with its status and answer as on the Ideenwand (status 'received' and no
        answer where staff have not answered yet), plus who answered: the report's "what
        citizens proposed in this period and what became of it"."""
        where, params = ["m.state = 'approved'", "r.kind = 'idea'", _IS_FREE_TEXT], []
        for clause, value in (("r.created_at >= ?", since), ("r.created_at < ?", until)):
            if value is not None:
                where.append(clause)
                params.append(value)
        rows = self._reader().execute(
            f"""
            SELECT r.id, json_extract(r.payload, '$.text'), json_extract(r.payload, '$.layer'), r.exhibit_id,
                   r.created_at, COALESCE(a.status, 'received'), a.answer_de, a.answer_en, a.answer_ls, a.at, a.who,
                   r.kiosk_id, r.source
            FROM moderation m JOIN records r ON r.id = m.record_id LEFT JOIN answers a ON a.record_id = r.id
            WHERE {' AND '.join(where)} ORDER BY r.created_at, r.id
            """, params).fetchall()
        return [{**_idea_row(row[:10]), "answered_by": row[10], "kiosk_id": row[11], "source": row[12]}
                for row in rows]

    def handoff_votes(self, handoff_id: str) -> set[tuple[str, str]]:
        """(exhibit_id, poll_id) of every poll this hand-off voted on from a phone."""
        rows = self._reader().execute("SELECT exhibit_id, poll_id FROM phone_votes WHERE handoff_id = ?",
                                      (handoff_id,)).fetchall()
        return {(exhibit_id, poll_id) for exhibit_id, poll_id in rows}

    def token_hash_of(self, kiosk_id: str) -> str | None:
        """The token hash of a kiosk that is not revoked (its hand-offs' key comes from it)."""
        row = self._reader().execute("SELECT token_hash FROM kiosks WHERE kiosk_id = ? AND revoked_at IS NULL",
                                     (kiosk_id,)).fetchone()
        return None if row is None else row[0]

    def progress(self, kiosk_id: str) -> list[Progress]:
        rows = self._reader().execute(
            "SELECT store_id, contiguous_seq, count FROM progress WHERE kiosk_id = ? ORDER BY store_id",
            (kiosk_id,)).fetchall()
        return [Progress(*row) for row in rows]

    # -- heartbeats ----------------------------------------------------------------------------

    def record_heartbeat(self, kiosk_id: str, received_at: str, kiosk_time: str, clock_skew_s: float,
                         heartbeat: dict) -> None:
        """Keep the kiosk's latest heartbeat (what a fleet view shows), replacing the one before."""
        with self._write() as conn:
            conn.execute(
                """
                INSERT INTO heartbeats (kiosk_id, received_at, kiosk_time, clock_skew_s, heartbeat)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (kiosk_id) DO UPDATE SET received_at = excluded.received_at,
                    kiosk_time = excluded.kiosk_time, clock_skew_s = excluded.clock_skew_s,
                    heartbeat = excluded.heartbeat
                """, (kiosk_id, received_at, kiosk_time, clock_skew_s, json.dumps(heartbeat)))

    # -- reading records -----------------------------------------------------------------------

    def iter_records(self, *, since: str | None = None, until: str | None = None, poll_id: str | None = None,
                     exhibit_id: str | None = None, kiosk_id: str | None = None,
                     source: str | None = None) -> Iterator[Record]:
        """Records of every kiosk, oldest first by created_at, in [since, until) (UTC text
        prefixes), from one snapshot (its own connection, so a long export holds up no push).
        Each Record's `extra` carries `received_at` and `source`."""
        where, params = [], []
        for clause, value in (("created_at >= ?", since), ("created_at < ?", until), ("poll_id = ?", poll_id),
                              ("exhibit_id = ?", exhibit_id), ("kiosk_id = ?", kiosk_id), ("source = ?", source)):
            if value is not None:
                where.append(clause)
                params.append(value)
        sql = _SELECT_RECORD + (" WHERE " + " AND ".join(where) if where else "") + \
            " ORDER BY created_at, kiosk_id, store_id, seq"
        conn = _connect(self.path)
        try:
            conn.execute("PRAGMA query_only = ON")
            conn.execute("BEGIN")  # one snapshot for the whole stream
            for row in conn.execute(sql, params):
                yield _record(row)
        finally:
            conn.close()

    def export_lines(self, *, since: dt.datetime | str | None = None, until: dt.datetime | str | None = None,
                     poll_id: str | None = None, exhibit_id: str | None = None, kiosk_id: str | None = None,
                     source: str | None = None, include_free_text: bool = False, batch: int = 5000) -> ExportLines:
        """The selected records as raw CSV lines rendered by SQLite, for the CSV export (the kiosk's
        columns, then received_at): see `ExportLines`. The selection and the order of
        `iter_records`, from one snapshot on a connection of its own. Close it when done."""
        where, params = _export_where(since, until, poll_id, exhibit_id, kiosk_id, source)
        conn = _connect(self.path)
        try:
            conn.execute("PRAGMA query_only = ON")
            conn.execute("BEGIN")  # the bound below, every batch and every record looked up: one snapshot
            upto = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM records").fetchone()[0]
        except sqlite3.Error as error:
            conn.close()
            raise _read_failed(self.path, error) from error
        except BaseException:
            conn.close()
            raise
        return ExportLines(self.path, conn, include_free_text, where, params, max(1, batch), upto)

    def export_vote_counts(self, *, since: dt.datetime | str | None = None, until: dt.datetime | str | None = None,
                           poll_id: str | None = None, exhibit_id: str | None = None, kiosk_id: str | None = None,
                           source: str | None = None, upto: int | None = None) -> list[tuple]:
        """The selected votes counted by SQLite for the export's poll summary, as the kiosk's
        `Store.vote_tallies` counts them (its rows, `unusual` last: votes SQLite cannot count as
        `kiosk.export.SummaryBuilder` does, which the caller then counts from `ExportLines.votes()`).
        `upto`: `ExportLines.upto`, only the records of that snapshot (records are only appended,
        and a redaction changes free text, never a vote). On a connection of its own, so that it
        runs beside the writing of the lines."""
        where, params = _export_where(since, until, poll_id, exhibit_id, kiosk_id, source, prefix="r.")
        where.insert(0, "r.kind = 'vote'")
        if upto is not None:
            where.append("r.rowid <= ?")
            params.append(upto)
        conn = _connect(self.path)
        try:
            conn.execute("PRAGMA query_only = ON")

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
                    [json.dumps(Flag.SUSPECT_BURST.value), *params]).fetchall()

            try:
                return tally("r.payload", "")
            except sqlite3.OperationalError as error:
                if "JSON" not in str(error):
                    raise
                # A payload SQLite does not take for JSON: count again, reading each payload twice.
                return tally("iif(json_valid(r.payload), r.payload, '{}')", "NOT json_valid(r.payload) OR")
        except sqlite3.Error as error:
            raise _read_failed(self.path, error) from error
        finally:
            conn.close()

    def participation(self, since: str, until: str) -> list[tuple[str, str, str, int]]:
        """(UTC hour as 'YYYY-MM-DDTHH', kind, source, records) for the records created in
        [since, until) (UTC text prefixes), for the report's participation over time: counted
        per hour so that the caller can put each hour on its local day."""
        return self._reader().execute(
            "SELECT substr(created_at, 1, 13) AS hour, kind, source, COUNT(*) FROM records "
            "WHERE created_at >= ? AND created_at < ? GROUP BY hour, kind, source ORDER BY hour",
            (since, until)).fetchall()

    def side_files(self) -> list[Path]:
        return [Path(f"{self.path}{suffix}") for suffix in SIDE_FILES]


# -- the CSV export's lines, rendered by SQLite ------------------------------------------------

# What a cell becomes when SQLite cannot render it the way kiosk.export renders a Record: a lone
# double quote, which a plain cell never holds, so kiosk.export renders that record itself.
_ODD = "'\"'"
_EXPORT_ORDER = " ORDER BY created_at, kiosk_id, store_id, seq"  # iter_records' order; unique
_EXPORT_RECORD = f"{', '.join(RECORD_FIELDS)}, source, received_at"  # what _record reads


def _export_number(path: str) -> str:
    # The number as stored: its JSON text, which canonical_json wrote with Python's repr, so it
    # is str() of the number (json_extract would give SQLite's own float format). null, true and
    # false have an "l" or a "u", which no JSON number has: odd. A string comes quoted (odd), an
    # array or object keeps its [ or {, which kiosk.export looks for.
    return f"replace(replace(payload -> '{path}', 'l', '\"'), 'u', '\"')"


def _export_text(path: str) -> str:
    return f"nullif(payload ->> '{path}', 0)"  # `value or ""`: NULL, false and 0 give an empty cell


def _export_line_sql(include_free_text: bool) -> str:
    """One record's CSV line, as kiosk.store's export_lines renders the kiosk's (the same cells,
    tests/central/test_central_csv_lines.py holds them to the record path's bytes), then received_at."""
    from kiosk.core.records import EXPORT_COLUMNS

    rendered = {
        "answers": f"CASE kind WHEN 'vote' THEN (SELECT group_concat(iif(type = 'text' AND typeof(key) = 'integer', "
                   f"value, {_ODD}), ';') FROM json_each(payload, '$.answers')) END",
        "rating": _export_number("$.rating"),
        "layer": _export_text("$.layer"),
        "dwell_s": _export_number("$.dwell_s"),
        "flags": "CASE flags WHEN '[]' THEN NULL ELSE (SELECT group_concat(value, ';') FROM json_each(flags)) END",
    }
    cells = [rendered.get(name, name) for name in EXPORT_COLUMNS]
    if include_free_text:
        cells.append("CASE kind " + " ".join(f"WHEN '{kind}' THEN {_export_text('$.' + name)}"
                                             for kind, name in FREE_TEXT_FIELDS.items()) + " END")
    cells.append("received_at")
    line = f"printf('{','.join('%s' for _ in cells)}', {', '.join(cells)})"
    # The whole line is odd when SQLite does not read the payload as JSON (Python's json writes
    # NaN) or it holds a NUL character (SQLite's JSON ends the text there, Python keeps the rest).
    return (f"CAST(CASE WHEN json_valid(payload) AND NOT instr(payload, '\\u0000') "
            f"AND (flags = '[]' OR json_valid(flags)) THEN {line} ELSE {_ODD} END AS BLOB)")


def _export_where(since, until, poll_id, exhibit_id, kiosk_id, source, prefix: str = "") -> tuple[list[str], list]:
    """iter_records' selection; since and until as UTC datetimes or text."""
    from kiosk.core.clock import utc_text

    where, params = [], []
    for clause, value in (("created_at >= ?", since), ("created_at < ?", until), ("poll_id = ?", poll_id),
                          ("exhibit_id = ?", exhibit_id), ("kiosk_id = ?", kiosk_id), ("source = ?", source)):
        if value is not None:
            where.append(prefix + clause)
            params.append(value if isinstance(value, str) else utc_text(value))
    return where, params


def _read_failed(path: Path, error: sqlite3.Error) -> CentralDbError:
    return CentralDbError(f"{path}: the central's database cannot be read ({error}); nothing was exported. "
                          "Check the file and its folder's permissions")


class ExportLines:
    """One snapshot of the selected records as raw CSV lines, for `kiosk.export`'s CSV (`write_lines`).

    The kiosk store's ExportLines over the central's records: iterating yields batches (lists)
    of lines, each a record's cells in `columns` order (the kiosk's, free_text when asked for,
    then received_at), UTF-8, joined by "," without quoting or neutralising; a cell SQLite cannot
    render as kiosk.export would is a lone '"'. kiosk.export finds the lines it cannot write as
    they are (quotes, line breaks, formula starts, that marker) and renders those records itself,
    from `records(positions)`. Rendering in SQLite is what holds a million records' CSV to twice
    the sqlite3 shell's time (bench/bench_central_export.py); a Record per row took four times.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, include_free_text: bool, where: list[str],
                 params: list, batch: int, upto: int):
        from kiosk.core.records import EXPORT_COLUMNS, EXPORT_FREE_TEXT_COLUMN, RECEIVED_AT

        self._path, self._conn = path, conn
        self._line_sql = _export_line_sql(include_free_text)
        self._where, self._params, self._batch = where, params, batch
        self.upto = upto  # the highest rowid of the snapshot: export_vote_counts(upto=...) counts the same
        self.columns = EXPORT_COLUMNS + ((EXPORT_FREE_TEXT_COLUMN,) if include_free_text else ()) + (RECEIVED_AT,)
        self._cursor: sqlite3.Cursor | None = None
        self._keyed = False  # the cursor's rows are (rowid, line), not (line,)
        self._rowids: list[int] | None = None
        self._start = self._size = 0  # the last batch: its place in the stream and its length

    def __iter__(self) -> Iterator[list[bytes]]:
        try:
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
        except sqlite3.Error as error:
            raise _read_failed(self._path, error) from error

    def records(self, positions: Iterable[int]) -> list[Record]:
        """The records of the lines at `positions` in the batch last yielded, from the same snapshot."""
        try:
            conn = self._open()
            if self._cursor is None:
                raise ValueError("ExportLines.records() names lines of the batch last yielded; iterate first")
            if self._rowids is None:
                # The first time records are needed, the rest of the stream is read with its
                # rowids, from the start of this batch (the order is unique: the same rows).
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
                rows = conn.execute(f"SELECT rowid, {_EXPORT_RECORD} FROM records WHERE rowid IN "
                                    f"({', '.join('?' for _ in chunk)})", chunk).fetchall()
                found.update((row[0], _record(row[1:])) for row in rows)
            return [found[rowid] for rowid in wanted]
        except sqlite3.Error as error:
            raise _read_failed(self._path, error) from error

    def votes(self) -> Iterator[Record]:
        """The selected votes as records, from the same snapshot, in the export's order."""
        try:
            cursor = self._open().execute("SELECT " + _EXPORT_RECORD + self._from("kind = 'vote'"), self._params)
            cursor.arraysize = self._batch
            while rows := cursor.fetchmany():
                yield from map(_record, rows)
        except sqlite3.Error as error:
            raise _read_failed(self._path, error) from error

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> ExportLines:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            raise CentralDbError(f"{self._path}: the export's read of the central's database was closed")
        return self._conn

    def _from(self, *also: str) -> str:
        where = [*also, *self._where]
        return (" FROM records" if where == [] else " FROM records WHERE " + " AND ".join(where)) + _EXPORT_ORDER


class _Job:
    """One batch waiting for the group commit, and what came of it."""

    __slots__ = ("kiosk_id", "items", "received_at", "answer", "error")

    def __init__(self, kiosk_id: str, items: list, received_at: str):
        self.kiosk_id, self.items, self.received_at = kiosk_id, items, received_at
        self.answer: tuple[list[Result], list[Progress]] | None = None
        self.error: Exception | None = None


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
        conn = _connect(self._path)
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
                    raise self._failed(error) from None
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


def _all_different(candidates: list[Candidate]) -> bool:
    """No two of `candidates` share an id or a place."""
    rows = [c.row for c in candidates]
    return (len({row[_ID_AT] for row in rows}) == len(rows)
            and len({(row[_STORE_AT], row[_SEQ_AT]) for row in rows}) == len(rows))


def _store_of(item: Candidate | Refused) -> str | None:
    return item.row[_STORE_AT] if isinstance(item, Candidate) else item.store_id



def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# -- vote tallies (the results page) -----------------------------------------------------------

_VOTE = Kind.VOTE.value
_SUSPECT_TEXT = json.dumps(Flag.SUSPECT_BURST.value)  # as it stands in a record's flags text
_TALLY_KEY = "exhibit_id, poll_id, question_version, suspect, answer, day, kiosk_id, source"
_ADD_TALLY = (f"INSERT INTO vote_tallies ({_TALLY_KEY}, votes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
              f"ON CONFLICT ({_TALLY_KEY}) DO UPDATE SET votes = vote_tallies.votes + excluded.votes")
_VOTE_COLUMNS = ("created_at", "exhibit_id", "poll_id", "question_version", "kiosk_id", "source", "flags", "payload")
# A stored row (_RECORD_COLUMNS order) as _tally_votes reads it.
_vote_of = operator.itemgetter(*(_RECORD_COLUMNS.index(name) for name in _VOTE_COLUMNS))
_STORED_KIND_AT = _RECORD_COLUMNS.index("kind")
_BACKFILL_SLICE = 50_000


@functools.lru_cache(maxsize=4096)
def _local_day(utc_hour: str) -> str:
    """The Europe/Berlin date of a UTC hour ("2026-11-30T23"). The zone's offsets are whole
    hours, so one conversion per hour serves all of its records."""
    try:
        return dt.datetime.fromisoformat(utc_hour + ":00:00+00:00").astimezone(local_zone()).date().isoformat()
    except (ValueError, OverflowError):  # the last hour of year 9999 has no Berlin date
        return utc_hour[:10]


def _answers(payload: str) -> tuple[str, ...]:
    """The answers of a vote's payload as the results count them: every non-empty string in its
    "answers" list. The kiosk and the phone pages send nothing else; anything else counts the
    voter only."""
    try:
        answers = json.loads(payload).get("answers")
    except (ValueError, AttributeError):
        return ()
    return tuple(a for a in answers if isinstance(a, str) and a) if isinstance(answers, list) else ()


def _tally_votes(votes: Iterable[tuple]) -> Counter:
    """Votes (their _VOTE_COLUMNS) counted by vote_tallies' key: one for the voter (answer '')
    and one for each answer. Votes alike (same poll, hour, kiosk, flags and payload: the same
    answer in the same layer) are counted together first, in C, so that the per-vote work in
    Python stays a tuple; each distinct payload is read once."""
    alike = Counter((created_at[:13], exhibit_id, poll_id, version, kiosk_id, source, flags, payload)
                    for created_at, exhibit_id, poll_id, version, kiosk_id, source, flags, payload in votes)
    tally: Counter = Counter()
    answers_of: dict[str, tuple[str, ...]] = {}
    for (hour, exhibit_id, poll_id, version, kiosk_id, source, flags, payload), count in alike.items():
        answers = answers_of.get(payload)
        if answers is None:
            answers = answers_of[payload] = _answers(payload)
        head = (exhibit_id or "", poll_id or "", version or "", int(_SUSPECT_TEXT in flags))
        tail = (_local_day(hour), kiosk_id, source)
        tally[(*head, "", *tail)] += count
        for answer in answers:
            tally[(*head, answer, *tail)] += count
    return tally


def _add_tallies(conn: sqlite3.Connection, tally: Counter) -> None:
    conn.executemany(_ADD_TALLY, [(*key, votes) for key, votes in tally.items()])


def _count_votes(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Add the votes among `rows` (just inserted, in _RECORD_COLUMNS order) to vote_tallies, in
    the transaction that inserted them: one upsert per tally row the batch touches, not one per
    record (a batch of a thousand votes touches a few dozen)."""
    tally = _tally_votes(_vote_of(row) for row in rows if row[_STORED_KIND_AT] == _VOTE)
    if tally:
        _add_tallies(conn, tally)


def backfill_vote_tallies(conn: sqlite3.Connection) -> int:
    """Count every stored vote into vote_tallies (empty before): m005's backfill, and how the
    results benchmark fills its table. The same counting as each batch's, a slice of votes at a
    time, so memory stays bounded however many there are. The votes counted."""
    cursor = conn.execute(f"SELECT {', '.join(_VOTE_COLUMNS)} FROM records WHERE kind = ?", (_VOTE,))
    counted = 0
    while votes := cursor.fetchmany(_BACKFILL_SLICE):
        _add_tallies(conn, _tally_votes(votes))
        counted += len(votes)
    return counted


_KINDS = {kind.value: kind for kind in Kind}
_FLAGS = {flag.value: flag for flag in Flag}
_PAYLOAD, _FLAGS_AT, _KIND_AT = RECORD_FIELDS.index("payload"), RECORD_FIELDS.index("flags"), RECORD_FIELDS.index("kind")


def _record(row: tuple) -> Record:
    values = list(row[:len(RECORD_FIELDS)])
    values[_KIND_AT] = _KINDS.get(values[_KIND_AT]) or Kind(values[_KIND_AT])
    values[_PAYLOAD] = json.loads(values[_PAYLOAD])
    values[_FLAGS_AT] = tuple(_FLAGS[flag] for flag in json.loads(values[_FLAGS_AT]))
    source, received_at = row[len(RECORD_FIELDS):]
    return Record(*values, extra={"source": source, "received_at": received_at})


# -- moderation and answers (issue 12, point 3) ------------------------------------------------

_FREE_TEXT_PATH = "CASE r.kind WHEN 'idea' THEN '$.text' ELSE '$.comment' END"
# A record staff moderate: an idea, or a feedback with a comment (a rating alone says nothing
# that could need moderation). A payload whose text is not a string (a kiosk's bug) is left out.
_IS_FREE_TEXT = (f"r.kind IN ('idea', 'feedback') AND json_type(r.payload, {_FREE_TEXT_PATH}) = 'text' "
                 f"AND trim(json_extract(r.payload, {_FREE_TEXT_PATH})) <> ''")
_SELECT_FREE_TEXT = f"""
    SELECT r.id, r.kind, json_extract(r.payload, {_FREE_TEXT_PATH}), json_extract(r.payload, '$.layer'),
           json_extract(r.payload, '$.rating'), r.exhibit_id, r.kiosk_id, r.source, r.created_at,
           EXISTS (SELECT 1 FROM json_each(r.flags) WHERE value = 'contact_data') AS flagged,
           COALESCE(m.state, 'pending'), m.who, m.at, m.note,
           a.status, a.answer_de, a.answer_en, a.answer_ls, a.who, a.at,
           (SELECT COUNT(*) FROM redactions x WHERE x.record_id = r.id)
    FROM records r LEFT JOIN moderation m ON m.record_id = r.id LEFT JOIN answers a ON a.record_id = r.id"""
_FREE_TEXT_COLUMNS = ("id", "kind", "text", "layer", "rating", "exhibit_id", "kiosk_id", "source", "created_at",
                      "flagged", "state", "decided_by", "decided_at", "note", "status", "answer_de", "answer_en",
                      "answer_ls", "answered_by", "answered_at", "redactions")


def _free_text_row(row: tuple) -> dict:
    found = dict(zip(_FREE_TEXT_COLUMNS, row))
    found["flagged"] = bool(found["flagged"])
    return found


def _free_text_kind(conn: sqlite3.Connection, record_id: str) -> str:
    """The kind of a record staff can moderate, or UnknownRecordError / NotFreeTextError."""
    row = conn.execute(f"SELECT r.kind, {_IS_FREE_TEXT} FROM records r WHERE r.id = ?", (record_id,)).fetchone()
    if row is None:
        raise UnknownRecordError(f"the central has no record {record_id}")
    if not row[1]:
        raise NotFreeTextError(f"record {record_id} is a {row[0]} without free text; only ideas and feedback "
                               "comments are moderated")
    return row[0]


def _log_action(conn: sqlite3.Connection, record_id: str, at: str, who: str, action: str, detail: dict) -> None:
    conn.execute("INSERT INTO moderation_log (record_id, at, who, action, detail) VALUES (?, ?, ?, ?, ?)",
                 (record_id, at, who, action, json.dumps(detail, ensure_ascii=False) if detail else None))


def _idea_row(row: tuple) -> dict:
    """An approved idea as wall_ideas and answered_ideas give it."""
    record_id, text, layer, exhibit_id, created_at, status, de, en, ls, answered_at = row[:10]
    texts = {"de": de, "en": en, "ls": ls}
    return {"id": record_id, "text": text, "layer": layer, "exhibit_id": exhibit_id,
            "created_at": created_at, "status": status, "answer": texts if any(texts.values()) else None,
            "answered_at": answered_at}
