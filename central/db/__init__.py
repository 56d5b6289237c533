"""The central's database: all of its SQL, in this one package (the central's one SQL module).

SQLite (a file, the default) or PostgreSQL (a postgresql:// URL, psycopg 3): the same queries,
written once here with `?` placeholders, and the same migrations (schema.py); where the two
differ, dialects.py says so, in one place. Nothing outside this package writes SQL or knows
which database runs.

Durability: an acknowledged record must survive a power cut of the central (the kiosk later
redacts a sent record's free text). SQLite runs WAL with synchronous=FULL, one fsync per group
of batches; PostgreSQL commits with its default synchronous_commit = on.

Concurrency on SQLite: ONE write connection, serialised by a lock in the process, every write a
BEGIN IMMEDIATE transaction; a command in another process (add-kiosk during serve) waits on
busy_timeout; reads use a connection per thread beside it (WAL); batches are group-committed.
On PostgreSQL: every write is a transaction of its own on a pooled connection, in as many
worker processes as run; exactly-once comes from the unique constraints (ON CONFLICT DO
NOTHING), writers of one kiosk's store wait for each other on a lock in the database, and a
transaction the database broke off (deadlock) is tried again.

Schema: only through the migrations in schema.py; an applied migration is never edited (a
central in use has run it already). The vote tallies' counting is in tallies.py, the CSV
export's lines rendered by SQLite in export_lines.py, a stored row read back in rows.py.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

from kiosk.core.records import FREE_TEXT_FIELDS, RECORD_FIELDS, Kind, Record
from sync.protocol import Outcome, RejectCode, canonical_json, row_fingerprint

from ..errors import (KioskExistsError, NotFreeTextError, StaffExistsError, UnknownKioskError,
                      UnknownRecordError, UnknownStaffError)
from . import schema
from .dialects import APPLICATION_ID, Raced, exists, is_url, local_files, open_store, shown
from .export_lines import ExportLines, RecordLines, sqlite_export_lines, sqlite_vote_counts
from .rows import RECORD_COLUMNS as _RECORD_COLUMNS, export_where as _export_where
from .rows import record_of as _record
from .schema import migrations
from .tallies import backfill_vote_tallies, count_votes as _count_votes

__all__ = ["APPLICATION_ID", "Candidate", "CentralDb", "ExportLines", "KioskRow", "Progress", "Refused", "Result",
           "TokenOwner", "backfill_vote_tallies", "exists", "is_url", "local_files", "migrations", "shown"]

log = logging.getLogger("central")

# -- opening -----------------------------------------------------------------------------------

# How far ahead one look for the next stored seqs goes when the contiguous seq advances.
_ADVANCE_WINDOW = 1000
# Rate windows (rate_hit) older than this are dropped whenever a new window starts: a window
# lasts minutes, the longest (a hand-off's 10 submissions) ten.
RATE_WINDOWS_KEPT_S = 3600

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

    def __init__(self, store):
        self._store = store
        self._dialect = store.dialect
        self.path: Path | None = store.path  # the SQLite file; None on PostgreSQL
        self.shown: str = store.shown  # the database as messages name it (a URL without its password)
        self._group_lock = threading.Lock()  # one group of batches written at a time
        self._jobs_lock = threading.Lock()
        self._jobs: list[_Job] = []  # batches waiting to be written
        self._free_text = _free_text_sql(store.dialect)

    @classmethod
    def open(cls, target: Path | str, *, checkpoint_beside: bool = False) -> CentralDb:
        """The central's database at `target`, made (and migrated) when needed: a SQLite file's
        path, or a postgresql:// URL (dialects.py says what differs).

        `checkpoint_beside` (the service, on SQLite): the WAL is folded into the database by a
        thread of its own (dialects._Checkpointer)."""
        store = open_store(target, checkpoint_beside=checkpoint_beside)
        store.migrated(schema.apply)
        return cls(store)

    @property
    def takes_several_workers(self) -> bool:
        """Whether several processes may serve this database at once: PostgreSQL's writers
        share nothing in Python; SQLite's one writer per process and its group commit do not."""
        return not self._store.group_commit

    def close(self) -> None:
        self._store.close()

    def _reader(self):
        """Something to run one read query on: `.execute(sql, params)` gives its rows whole."""
        return self._store.reader()

    def _write(self):
        """A write transaction: `with self._write() as conn`, committed when the block ends."""
        return self._store.write()

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
        # int(): PostgreSQL's SUM of integers is a numeric (a Decimal in Python).
        return [KioskRow(*row[:4], int(row[4])) for row in rows]

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
                 "heartbeat": json.loads(beat) if beat else None, "records": int(records)}
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
        return [(exhibit, poll, version, bool(suspect), answer, int(votes))
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
        (nothing of any of them kept), and each kiosk pushes again.

        Without group commit (PostgreSQL, several workers): each batch is a transaction of its
        own, tried again when the database broke it off (a deadlock), see dialects.py."""
        if not self._store.group_commit:
            return self._store.retrying(lambda conn: self._store_batch_in(conn, kiosk_id, items, received_at))
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

    def _store_batch_in(self, conn, kiosk_id: str, items: list[Candidate | Refused],
                        received_at: str) -> tuple[list[Result], list[Progress]]:
        """Store a kiosk's batch inside the transaction `conn` is in.

        Each item, in order: a Candidate is accepted, or a duplicate (its id stored with the same
        fingerprint, earlier or in this batch), or rejected as a conflict (its id stored with
        another fingerprint; the stored one stays) or as seq_taken (its place stored under another
        id). A Refused one is rejected as it says. Every rejected one whose place is readable fills
        that place, so the kiosk's contiguous seq can pass it.

        Writers of the same store of the same kiosk wait for each other here (a kiosk's retry
        while its first push is still being written, on another worker): what they look up
        below is then what is stored. Taken in a sorted order, so no two wait on each other."""
        for store_id in sorted({store_id for store_id in map(_store_of, items) if store_id}):
            self._dialect.lock(conn, _place_key(kiosk_id, store_id))
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
    def _insert_records(conn, rows: list[tuple]) -> None:
        """Insert `rows`, every one of them new: if the unique constraint turned one away, another
        transaction stored that id since it was looked up (on PostgreSQL, a record id two kiosks
        share), and the transaction is tried again (dialects.Raced) to answer it as it is."""
        whole = len(rows) - len(rows) % _ROWS_PER_INSERT
        inserted = 0
        for start in range(0, whole, _ROWS_PER_INSERT):
            inserted += conn.execute(_INSERT_RECORDS, [value for row in rows[start:start + _ROWS_PER_INSERT]
                                                       for value in row]).rowcount
        if whole < len(rows):
            inserted += conn.executemany(_INSERT_RECORD, rows[whole:]).rowcount
        if inserted != len(rows):
            raise Raced(f"{len(rows) - inserted} of {len(rows)} records were stored meanwhile")

    @staticmethod
    def _stored_fingerprints(conn, ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(list(dict.fromkeys(ids)), 900):
            found.update(conn.execute(
                f"SELECT id, fingerprint FROM records WHERE id IN ({', '.join('?' * len(chunk))})", chunk))
        return found

    @staticmethod
    def _stored_places(conn, kiosk_id: str, candidates: list[Candidate]) -> dict:
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
    def _advance(conn, kiosk_id: str, store_id: str, added: int, filled: set[int]) -> Progress:
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
                window = (kiosk_id, store_id, contiguous, contiguous + _ADVANCE_WINDOW)
                seqs = conn.execute(
                    """
                    SELECT seq FROM records WHERE kiosk_id = ? AND store_id = ? AND seq > ? AND seq <= ?
                    UNION SELECT seq FROM rejections WHERE kiosk_id = ? AND store_id = ? AND seq > ? AND seq <= ?
                    ORDER BY seq
                    """, window + window).fetchall()
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
        kiosk_id, store_id = row[RECORD_FIELDS.index("kiosk_id")], row[_STORE_AT]

        def store(conn) -> bool:
            # The next place is taken by one writer at a time (several workers: a lock in the
            # database, see dialects.py); two taps at once on one vote: phone_votes' key.
            self._dialect.lock(conn, _place_key(kiosk_id, store_id))
            if vote_of is not None:
                taken = conn.execute(
                    "INSERT INTO phone_votes (handoff_id, exhibit_id, poll_id, record_id, voted_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (*vote_of, row[_ID_AT], row[RECORD_FIELDS.index("created_at")]))
                if taken.rowcount == 0:
                    return False
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM records WHERE kiosk_id = ? AND store_id = ?",
                               (kiosk_id, store_id)).fetchone()[0]
            placed = row[:_SEQ_AT] + (seq,) + row[_SEQ_AT + 1:]
            stored = placed + ("phone", placed[RECORD_FIELDS.index("created_at")], row_fingerprint(placed))
            conn.execute(_INSERT_RECORD.replace(" ON CONFLICT DO NOTHING", ""), stored)
            _count_votes(conn, [stored])
            return True

        return self._store.retrying(store)

    def secret(self, name: str) -> bytes:
        """The central's own secret `name`: 32 random bytes, made the first time it is asked for."""
        with self._write() as conn:
            conn.execute("INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                         (name, os.urandom(32).hex()))
            return bytes.fromhex(conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()[0])

    # -- staff ---------------------------------------------------------------------------------

    def add_staff(self, user: str, password_hash: str, admin: bool, now: str, *, replace: bool = False) -> None:
        with self._write() as conn:
            exists = conn.execute("SELECT 1 FROM staff WHERE \"user\" = ?", (user,)).fetchone()
            if exists and not replace:
                raise StaffExistsError(f"staff user '{user}' exists already; pass --replace to give them a new "
                                       "password (their sessions end), or remove-staff first")
            conn.execute(
                "INSERT INTO staff (\"user\", password_hash, admin, added_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (\"user\") DO UPDATE SET password_hash = excluded.password_hash, admin = excluded.admin, "
                "failed_logins = 0, locked_until = NULL", (user, password_hash, int(admin), now))
            conn.execute("DELETE FROM staff_sessions WHERE \"user\" = ?", (user,))

    def remove_staff(self, user: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM staff_sessions WHERE \"user\" = ?", (user,))
            if conn.execute("DELETE FROM staff WHERE \"user\" = ?", (user,)).rowcount == 0:
                raise UnknownStaffError(f"no staff user '{user}' at this central; list-staff shows them")

    def list_staff(self) -> list[tuple[str, bool, str, str | None]]:
        """(user, admin, added_at, locked_until) for every staff user."""
        rows = self._reader().execute("SELECT \"user\", admin, added_at, locked_until FROM staff ORDER BY \"user\"").fetchall()
        return [(user, bool(admin), added, locked) for user, admin, added, locked in rows]

    def staff_login_state(self, user: str) -> tuple[str, bool, int, str | None] | None:
        """(password_hash, admin, failed_logins, locked_until) of `user`, or None."""
        row = self._reader().execute(
            "SELECT password_hash, admin, failed_logins, locked_until FROM staff WHERE \"user\" = ?", (user,)).fetchone()
        return None if row is None else (row[0], bool(row[1]), row[2], row[3])

    def record_failed_login(self, user: str, lock_after: int, locked_until: str) -> int:
        """Count a failed login; at `lock_after` failures in a row the user is locked until
        `locked_until` (and the count starts again). The count after this failure."""
        with self._write() as conn:
            row = conn.execute("UPDATE staff SET failed_logins = failed_logins + 1 WHERE \"user\" = ? "
                               "RETURNING failed_logins", (user,)).fetchone()
            if row is None:
                return 0
            if row[0] >= lock_after:
                conn.execute("UPDATE staff SET failed_logins = 0, locked_until = ? WHERE \"user\" = ?",
                             (locked_until, user))
            return row[0]

    def rate_hit(self, key: str, limit: int, window_s: float, now: float | None = None) -> int:
        """Count an event of `key` in its window (m007_rate_windows: shared by every worker of
        the central); 0 when it is within `limit` events per `window_s` seconds, else how many
        whole seconds until the window ends. A window starts at its first event."""
        now = time.time() if now is None else now
        with self._write() as conn:
            hits, started = conn.execute(
                "INSERT INTO rate_windows (key, started, hits) VALUES (?, ?, 1) ON CONFLICT (key) DO UPDATE SET "
                "hits = CASE WHEN rate_windows.started <= ? THEN 1 ELSE rate_windows.hits + 1 END, "
                "started = CASE WHEN rate_windows.started <= ? THEN excluded.started ELSE rate_windows.started END "
                "RETURNING hits, started", (key, now, now - window_s, now - window_s)).fetchone()
            if hits == 1:  # a new window: the index on started finds the old ones, if any
                conn.execute("DELETE FROM rate_windows WHERE started < ?", (now - RATE_WINDOWS_KEPT_S,))
        if hits <= limit:
            return 0
        return max(1, math.ceil(started + window_s - now))

    def start_staff_session(self, user: str, token_hash: str, now: str, expires_at: str) -> None:
        with self._write() as conn:
            conn.execute("UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE \"user\" = ?", (user,))
            conn.execute("DELETE FROM staff_sessions WHERE expires_at < ?", (now,))
            conn.execute("INSERT INTO staff_sessions (token_hash, \"user\", created_at, expires_at) VALUES (?, ?, ?, ?)",
                         (token_hash, user, now, expires_at))

    def staff_session(self, token_hash: str, now: str) -> tuple[str, bool] | None:
        """(user, admin) of a session that has not expired, or None."""
        row = self._reader().execute(
            "SELECT s.\"user\", st.admin FROM staff_sessions s JOIN staff st ON st.\"user\" = s.\"user\" "
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
            f"LEFT JOIN moderation m ON m.record_id = r.id WHERE {self._free_text.where} GROUP BY 1").fetchall()
        return {"pending": 0, "approved": 0, "rejected": 0, **dict(rows)}

    def moderation_queue(self, state: str, limit: int = 200) -> list[dict]:
        """Free texts (ideas and feedback comments) in moderation `state`. Pending ones with
        texts flagged contact_data first (personal data should be looked at before anything
        else), then oldest first, so nothing waits for ever behind newer ones; decided ones
        newest decision first."""
        order = ("flagged DESC, r.created_at, r.id" if state == "pending" else "m.at DESC, r.id")
        rows = self._reader().execute(
            f"{self._free_text.select} WHERE {self._free_text.where} AND COALESCE(m.state, 'pending') = ? ORDER BY {order} LIMIT ?",
            (state, limit)).fetchall()
        return [_free_text_row(row) for row in rows]

    def free_text(self, record_id: str) -> dict:
        """One idea or feedback comment with its moderation, answer and history (oldest first);
        UnknownRecordError or NotFreeTextError."""
        conn = self._reader()
        row = conn.execute(f"{self._free_text.select} WHERE r.id = ? AND {self._free_text.where}", (record_id,)).fetchone()
        if row is None:
            _free_text_kind(conn, record_id, self._free_text)  # says why
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
            _free_text_kind(conn, record_id, self._free_text)
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
        the old one). On PostgreSQL the old row version stays until VACUUM removes it
        (dialects.Postgres.before_redaction)."""
        with self._write() as conn:
            self._dialect.before_redaction(conn)
            kind = _free_text_kind(conn, record_id, self._free_text)
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
            if _free_text_kind(conn, record_id, self._free_text) != Kind.IDEA.value:
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
            SELECT r.id, {self._free_text.idea_text}, {self._free_text.layer}, r.exhibit_id,
                   r.created_at, COALESCE(a.status, 'received'), a.answer_de, a.answer_en, a.answer_ls, a.at,
                   {self._dialect.greatest("m.at", "COALESCE(a.at, '')",
                                           "COALESCE((SELECT MAX(x.at) FROM redactions x WHERE x.record_id = r.id), '')")}
                       AS changed
            FROM moderation m JOIN records r ON r.id = m.record_id LEFT JOIN answers a ON a.record_id = r.id
            WHERE m.state = 'approved' AND r.kind = 'idea' AND {self._free_text.where}
            ORDER BY changed DESC, r.id DESC LIMIT ?
            """, (limit,)).fetchall()
        return [_idea_row(row) for row in rows]

    def answered_ideas(self, since: str | None = None, until: str | None = None) -> list[dict]:
        """Approved ideas made in [since, until) (UTC text prefixes of created_at), oldest
        first, each with its status and answer as on the Ideenwand (status 'received' and no
        answer where staff have not answered yet), plus who answered: the report's "what
        citizens proposed in this period and what became of it"."""
        where, params = ["m.state = 'approved'", "r.kind = 'idea'", self._free_text.where], []
        for clause, value in (("r.created_at >= ?", since), ("r.created_at < ?", until)):
            if value is not None:
                where.append(clause)
                params.append(value)
        rows = self._reader().execute(
            f"""
            SELECT r.id, {self._free_text.idea_text}, {self._free_text.layer}, r.exhibit_id,
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
        with self._store.snapshot() as conn:  # one snapshot for the whole stream
            for row in self._store.stream(conn, sql, params):
                yield _record(row)

    def export_lines(self, *, since: dt.datetime | str | None = None, until: dt.datetime | str | None = None,
                     poll_id: str | None = None, exhibit_id: str | None = None, kiosk_id: str | None = None,
                     source: str | None = None, include_free_text: bool = False, batch: int = 5000) -> ExportLines:
        """The selected records as raw CSV lines rendered by SQLite, for the CSV export (the kiosk's
        columns, then received_at): see `ExportLines`. The selection and the order of
        `iter_records`, from one snapshot on a connection of its own. Close it when done.

        On PostgreSQL (dialects.Postgres.renders_export is False) the lines are RecordLines:
        kiosk.export renders every record itself, the same bytes, slower."""
        if not self._dialect.renders_export:
            return RecordLines(self, include_free_text, _export_where(since, until, poll_id, exhibit_id, kiosk_id,
                                                                      source), max(1, batch))
        where, params = _export_where(since, until, poll_id, exhibit_id, kiosk_id, source)
        return sqlite_export_lines(self.path, include_free_text, where, params, max(1, batch))

    def export_vote_counts(self, *, since: dt.datetime | str | None = None, until: dt.datetime | str | None = None,
                           poll_id: str | None = None, exhibit_id: str | None = None, kiosk_id: str | None = None,
                           source: str | None = None, upto: int | None = None) -> list[tuple]:
        """The selected votes counted by SQLite for the export's poll summary, as the kiosk's
        `Store.vote_tallies` counts them (its rows, `unusual` last: votes SQLite cannot count as
        `kiosk.export.SummaryBuilder` does, which the caller then counts from `ExportLines.votes()`).
        `upto`: `ExportLines.upto`, only the records of that snapshot (records are only appended,
        and a redaction changes free text, never a vote). On a connection of its own, so that it
        runs beside the writing of the lines. On PostgreSQL: one row that says all of them are
        unusual, so the caller counts every vote in Python (RecordLines.votes())."""
        if not self._dialect.renders_export:
            return [("", "", "", False, "", 0, 0, 1)]
        where, params = _export_where(since, until, poll_id, exhibit_id, kiosk_id, source, prefix="r.")
        return sqlite_vote_counts(self.path, where, params, upto)

    def participation(self, since: str, until: str) -> list[tuple[str, str, str, int]]:
        """(UTC hour as 'YYYY-MM-DDTHH', kind, source, records) for the records created in
        [since, until) (UTC text prefixes), for the report's participation over time: counted
        per hour so that the caller can put each hour on its local day."""
        return self._reader().execute(
            "SELECT substr(created_at, 1, 13) AS hour, kind, source, COUNT(*) FROM records "
            "WHERE created_at >= ? AND created_at < ? GROUP BY hour, kind, source ORDER BY hour",
            (since, until)).fetchall()

    def side_files(self) -> list[Path]:
        return self._store.side_files()



class _Job:
    """One batch waiting for the group commit, and what came of it."""

    __slots__ = ("kiosk_id", "items", "received_at", "answer", "error")

    def __init__(self, kiosk_id: str, items: list, received_at: str):
        self.kiosk_id, self.items, self.received_at = kiosk_id, items, received_at
        self.answer: tuple[list[Result], list[Progress]] | None = None
        self.error: Exception | None = None


def _all_different(candidates: list[Candidate]) -> bool:
    """No two of `candidates` share an id or a place."""
    rows = [c.row for c in candidates]
    return (len({row[_ID_AT] for row in rows}) == len(rows)
            and len({(row[_STORE_AT], row[_SEQ_AT]) for row in rows}) == len(rows))


def _place_key(kiosk_id: str, store_id: str) -> str:
    """What writers of one store of one kiosk lock (dialects.Postgres.lock)."""
    return f"place {kiosk_id} {store_id}"


def _store_of(item: Candidate | Refused) -> str | None:
    return item.row[_STORE_AT] if isinstance(item, Candidate) else item.store_id



def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# -- moderation and answers (issue 12, point 3) ------------------------------------------------

class _FreeTextSql(NamedTuple):
    where: str  # a record staff moderate
    select: str  # its row as _FREE_TEXT_COLUMNS, with its moderation and answer
    idea_text: str
    layer: str


def _free_text_sql(d) -> _FreeTextSql:
    """The free-text queries' fragments in dialect `d`'s JSON functions."""
    def by_kind(fragment) -> str:
        return f"CASE r.kind WHEN 'idea' THEN {fragment('text')} ELSE {fragment('comment')} END"

    # A record staff moderate: an idea, or a feedback with a comment (a rating alone says
    # nothing that could need moderation). A payload whose text is not a string (a kiosk's
    # bug) is left out.
    where = (f"r.kind IN ('idea', 'feedback') AND {by_kind(lambda key: d.json_is_string('r.payload', key))} "
             f"AND trim({by_kind(lambda key: d.json_text('r.payload', key))}) <> ''")
    select = f"""
    SELECT r.id, r.kind, {by_kind(lambda key: d.json_text('r.payload', key))}, {d.json_text('r.payload', 'layer')},
           {d.json_value('r.payload', 'rating')}, r.exhibit_id, r.kiosk_id, r.source, r.created_at,
           {d.json_array_has('r.flags', "'contact_data'")} AS flagged,
           COALESCE(m.state, 'pending'), m.who, m.at, m.note,
           a.status, a.answer_de, a.answer_en, a.answer_ls, a.who, a.at,
           (SELECT COUNT(*) FROM redactions x WHERE x.record_id = r.id)
    FROM records r LEFT JOIN moderation m ON m.record_id = r.id LEFT JOIN answers a ON a.record_id = r.id"""
    return _FreeTextSql(where, select, d.json_text("r.payload", "text"), d.json_text("r.payload", "layer"))


_FREE_TEXT_COLUMNS = ("id", "kind", "text", "layer", "rating", "exhibit_id", "kiosk_id", "source", "created_at",
                      "flagged", "state", "decided_by", "decided_at", "note", "status", "answer_de", "answer_en",
                      "answer_ls", "answered_by", "answered_at", "redactions")


def _free_text_row(row: tuple) -> dict:
    found = dict(zip(_FREE_TEXT_COLUMNS, row))
    found["flagged"] = bool(found["flagged"])
    return found


def _free_text_kind(conn, record_id: str, sql: _FreeTextSql) -> str:
    """The kind of a record staff can moderate, or UnknownRecordError / NotFreeTextError."""
    row = conn.execute(f"SELECT r.kind, {sql.where} FROM records r WHERE r.id = ?", (record_id,)).fetchone()
    if row is None:
        raise UnknownRecordError(f"the central has no record {record_id}")
    if not row[1]:
        raise NotFreeTextError(f"record {record_id} is a {row[0]} without free text; only ideas and feedback "
                               "comments are moderated")
    return row[0]


def _log_action(conn, record_id: str, at: str, who: str, action: str, detail: dict) -> None:
    conn.execute("INSERT INTO moderation_log (record_id, at, who, action, detail) VALUES (?, ?, ?, ?, ?)",
                 (record_id, at, who, action, json.dumps(detail, ensure_ascii=False) if detail else None))


def _idea_row(row: tuple) -> dict:
    """An approved idea as wall_ideas and answered_ideas give it."""
    record_id, text, layer, exhibit_id, created_at, status, de, en, ls, answered_at = row[:10]
    texts = {"de": de, "en": en, "ls": ls}
    return {"id": record_id, "text": text, "layer": layer, "exhibit_id": exhibit_id,
            "created_at": created_at, "status": status, "answer": texts if any(texts.values()) else None,
            "answered_at": answered_at}
