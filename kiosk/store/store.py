"""The kiosk's local store: one SQLite file holding every record a visitor made, and its outbox.

Durability first: WAL with synchronous=FULL, so a record whose `append` returned survives a
crash, kill -9 or power cut; the settings are read back at start and the store refuses to run
if SQLite did not take them. A record and its outbox entry go in one BEGIN IMMEDIATE
transaction, so the sync never sees a record without an entry or the other way round.

Threads: one write connection, serialised by a lock (in the app only the StoreWriter thread
writes); reads that the UI makes (live poll results, health) use a second connection, which WAL
lets run beside a write; each export stream opens its own connection, so a long export reads
one consistent snapshot without holding up recording.

Identity: the store's store_id is made with the file (migration m003) and kept for its life; a
damaged store moved aside is replaced by a new file with a new id. seq counts within the store,
so (store_id, seq) names one record's place, which the sync reports back per store_id.
"""


from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
import sqlite3
import stat
import threading
import uuid
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlite_utils import Database

from kiosk.core.clock import utc_now, utc_text
from kiosk.core.records import FREE_TEXT_FIELDS, RECORD_FIELDS, Flag, Kind, Record, RecordDraft, new_record_id

from .errors import StoreClosedError, StoreError, StoreNotWritableError
from .export_lines import ExportLines, export_line_sql, export_where, tally_votes
from .opening import (
    Connect,
    CorruptFile,
    check_intact,
    check_writable,
    connect_writer,
    move_aside,
    open_reader,
    recognise,
    set_pragmas,
)
from .rows import INSERT_RECORD, INSERT_SALVAGED, RECORD_COLUMNS, SUSPECT, insert_values, record_from_row
from .schema import migrations
from .sqlite_errors import (
    SQLITE_CORRUPT,
    SQLITE_NOTADB,
    can_access,
    file_size,
    open_failed,
    primary_code,
    read_failure,
    rollback,
    write_failure,
)

Clock = Callable[[], dt.datetime]

OUTBOX_STATES = ("pending", "sent", "quarantined")

# seq counts within the store (whatever the kiosk is called in the config): with store_id it
# names one record's place. The index records_store_seq answers this without a scan.
_NEXT_SEQ = "SELECT COALESCE(MAX(seq), 0) + 1 FROM records WHERE store_id = ?"
_STORE_ID = "SELECT store_id FROM store"
_INSERT_OUTBOX = "INSERT INTO outbox (record_id) VALUES (?)"
# A batch's ids marked at once (see _for_ids; `+state` makes SQLite find each id by its key).
MARK_SENT = "UPDATE outbox SET state = 'sent', sent_at = ? WHERE +state = 'pending' AND record_id IN ({})"
MARK_FAILED = ("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE +state = 'pending' "
               "AND record_id IN ({})")
_INSERT_WALL_IDEA = ("INSERT INTO idea_wall (position, id, text, layer, exhibit_id, created_at, status, answer_de, "
                     "answer_en, answer_ls, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_FREE_TEXT_PATH = "CASE kind " + " ".join(
    f"WHEN '{kind}' THEN '$.{name}'" for kind, name in FREE_TEXT_FIELDS.items()) + " END"


# A record as one JSON object with the fields of kiosk.core.records in their order (see
# outbox_pending_json): json_object for the plain columns, then the stored JSON texts spliced in.
_JSON_TEXT_FIELDS = ("payload", "flags")
_PLAIN = [name for name in RECORD_FIELDS if name not in _JSON_TEXT_FIELDS]
_RECORD_JSON = ("substr(json_object(" + ", ".join(f"'{name}', r.{name}" for name in _PLAIN) + "), 1, "
                "length(json_object(" + ", ".join(f"'{name}', r.{name}" for name in _PLAIN) + ")) - 1) || "
                + " || ".join(f"',\"{name}\":' || r.{name}" for name in _JSON_TEXT_FIELDS) + " || '}'")


class Store:
    """Open with `Store.open(path, kiosk_id)`; see the module docstring for the guarantees."""

    def __init__(self, path: Path, kiosk_id: str, store_id: str, conn: sqlite3.Connection,
                 reader: sqlite3.Connection, pragmas: dict, boot_id: str, clock: Clock, connect: Connect):
        self.path = path
        self.kiosk_id = kiosk_id
        self.store_id = store_id  # made with the file (migration m003); a replaced store has a new one
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
             connect: Connect | None = None, record_boot: bool = True) -> "Store":
        """Open (or create) the store at `path` and start a new boot.

        `record_boot=False` is for commands that only maintain the store (`kiosk salvage`): no boot
        row, so the kiosk's count of restarts stays true; such a store must not append records.
        `connect` replaces `sqlite3.connect` (called as `connect(path, check_same_thread=False)`),
        for opening through another SQLite VFS.
        """
        path = Path(path).absolute()
        clock = clock or utc_now
        connect = connect or sqlite3.connect
        check_writable(path)
        moved: Path | None = None
        # Only a store of this kiosk is ever moved aside; any other file is refused as it is.
        try:
            existing = recognise(path)
        except sqlite3.Error as error:
            raise open_failed(path, error) from error
        if existing:
            try:
                check_intact(path)
            except CorruptFile as corrupt:
                detail = str(corrupt)
                moved = move_aside(path, clock())
        conn = connect_writer(path, connect)
        reader = None
        try:
            pragmas = set_pragmas(conn, path)
            try:
                migrations.apply(Database(conn, recursive_triggers=False, execute_plugins=False))
                boot_id = str(uuid.uuid4()) if record_boot else ""
                if record_boot:
                    with conn:
                        conn.execute("INSERT INTO boots (boot_id, started_at, app_version) VALUES (?, ?, ?)",
                                     (boot_id, utc_text(clock()), app_version))
                store_id = conn.execute(_STORE_ID).fetchone()[0]
            except sqlite3.Error as error:
                raise open_failed(path, error) from error
            reader = open_reader(path, connect)
        except BaseException:
            conn.close()
            if reader is not None:
                reader.close()
            raise
        store = cls(path, kiosk_id, store_id, conn, reader, pragmas, boot_id, clock, connect)
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
        if path.is_file() and not can_access(path, os.R_OK):
            info = path.stat()
            raise StoreNotWritableError(
                f"{path}: no permission to read the store (owner uid {info.st_uid}, mode "
                f"{stat.S_IMODE(info.st_mode):o}); run the command as the kiosk's user (e.g. sudo -u "
                f"<kiosk user> kiosk status) or as root")
        try:
            existing = recognise(path)
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
        reader = open_reader(path, connect, read_only=read_only)
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
        try:
            store_id = reader.execute(_STORE_ID).fetchone()[0]
        except sqlite3.DatabaseError as error:
            reader.close()
            raise StoreError(f"{path}: cannot read this store ({error}); start the kiosk once (it moves a "
                             "damaged store aside and tells staff) or give the file to IT") from error
        store = cls(path, kiosk_id, store_id, None, reader, pragmas, "", utc_now, connect)
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
                if primary_code(error) in (SQLITE_CORRUPT, SQLITE_NOTADB):
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
        record_id = new_record_id()
        with self._write_lock:
            conn = self._writing()
            created_at = utc_text(self._clock())
            with self._immediate(conn):
                seq = conn.execute(_NEXT_SEQ, (self.store_id,)).fetchone()[0]
                conn.execute(INSERT_RECORD, insert_values({
                    "id": record_id, "kiosk_id": self.kiosk_id, "store_id": self.store_id, "seq": seq,
                    "boot_id": self.boot_id, "session_id": draft.session_id, "kind": kind.value,
                    "exhibit_id": draft.exhibit_id, "poll_id": draft.poll_id,
                    "question_version": draft.question_version, "content_version": draft.content_version,
                    "payload": payload_text, "flags": flags_text, "created_at": created_at}))
                conn.execute(_INSERT_OUTBOX, (record_id,))
            if self._fault is not None:
                self._recovered()
        return Record(id=record_id, kiosk_id=self.kiosk_id, store_id=self.store_id, seq=seq, boot_id=self.boot_id,
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
        """The oldest records not yet acknowledged by the central, in the order they entered the
        outbox: each store's records in seq order (the central tracks each store's contiguous
        seq), salvaged ones after them. The index outbox_state gives this order without a sort."""
        rows = self._read(
            f"SELECT {', '.join('r.' + c.strip() for c in RECORD_COLUMNS.split(','))} FROM outbox o "
            "JOIN records r ON r.id = o.record_id WHERE o.state = 'pending' ORDER BY o.rowid LIMIT ?",
            (limit,))
        return [record_from_row(row) for row in rows]

    def outbox_counts(self) -> tuple[int, int]:
        """(pending, quarantined) right now: read through the outbox_state index, so it costs
        what is waiting, not the size of the store (cheap enough for the staff screen's refresh)."""
        rows = dict(self._read("SELECT state, COUNT(*) FROM outbox WHERE state IN ('pending', 'quarantined') "
                               "GROUP BY state"))
        return rows.get("pending", 0), rows.get("quarantined", 0)

    def outbox_pending_json(self, limit: int = 1000) -> list[tuple[str, str]]:
        """outbox_pending's records as (id, the record as one JSON object of its fields), made
        by SQLite: a backlog is pushed without building a Record and a dict for every row.

        The payload and flags go in as the text they were stored as (already JSON): SQLite's
        json() would re-render a float such as a dwell time with fewer digits, and the same
        record pushed twice must be the same record both times."""
        rows = self._read(f"SELECT r.id, {_RECORD_JSON} FROM outbox o JOIN records r ON r.id = o.record_id "
                          "WHERE o.state = 'pending' ORDER BY o.rowid LIMIT ?", (limit,))
        return rows

    def sent_progress(self) -> dict[str, int]:
        """Per store_id, the highest seq whose outbox entry is sent or quarantined: what the
        kiosk believes the central has seen (quarantined records were answered, too)."""
        rows = self._read("SELECT r.store_id, MAX(r.seq) FROM outbox o JOIN records r ON r.id = o.record_id "
                          "WHERE o.state IN ('sent', 'quarantined') GROUP BY r.store_id")
        return {store_id: seq for store_id, seq in rows}

    def sent_counts(self) -> dict[str, int]:
        """Per store_id, how many records the central acknowledged (state sent). Set against the
        count the central reports for a store, it tells a central that lost records (restored
        from a backup) from one whose contiguous seq only stops at a gap it can never fill.
        Quarantined records are not counted: the central rejected them and does not keep them."""
        rows = self._read("SELECT r.store_id, COUNT(*) FROM outbox o JOIN records r ON r.id = o.record_id "
                          "WHERE o.state = 'sent' GROUP BY r.store_id")
        return {store_id: count for store_id, count in rows}

    def resend_after(self, store_id: str, seq: int) -> int:
        """Put every record of `store_id` with a seq above `seq` that was sent or quarantined back
        to pending; returns how many. For a central restored from an older backup, whose
        contiguous seq for this store is `seq`: the records it lost are pushed again (its dedupe
        makes that safe). The quarantine reason is kept, as history."""
        return self._write(
            "UPDATE outbox SET state = 'pending', sent_at = NULL WHERE state IN ('sent', 'quarantined') "
            "AND record_id IN (SELECT id FROM records WHERE store_id = ? AND seq > ?)", (store_id, seq))

    def quarantined(self, limit: int = 50) -> list[dict]:
        """The records the central rejected, newest first, for staff: id, kind, created_at, reason."""
        rows = self._read("SELECT r.id, r.kind, r.created_at, o.quarantined_reason FROM outbox o "
                          "JOIN records r ON r.id = o.record_id WHERE o.state = 'quarantined' "
                          "ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?", (limit,))
        return [dict(zip(("id", "kind", "created_at", "reason"), row)) for row in rows]

    def last_visitor_touch(self) -> str | None:
        """created_at (UTC text) of the newest record, or None in an empty store: for the heartbeat."""
        return self._read("SELECT MAX(created_at) FROM records")[0][0]

    def save_sync_status(self, values: dict) -> None:
        """Keep what the sync last saw (a `sync.status.SyncStatus` as a dict), replacing what was
        there, so that `kiosk status` in another process shows it. `values` must be JSON."""
        text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
        self._write("INSERT INTO sync_status (one, status) VALUES (1, ?) "
                    "ON CONFLICT (one) DO UPDATE SET status = excluded.status", (text,))

    def sync_status(self) -> dict:
        """What `save_sync_status` kept last; {} when the sync never saved anything."""
        rows = self._read("SELECT status FROM sync_status")
        if not rows:
            return {}
        try:
            saved = json.loads(rows[0][0])
        except ValueError:
            return {}  # not written by save_sync_status; the next sync pass replaces it
        return saved if isinstance(saved, dict) else {}

    # -- the Ideenwand: published text from the central, not records -------------------------

    def replace_idea_wall(self, ideas: Iterable[dict], *, server_time: str) -> int:
        """Put the central's latest list of approved ideas in place of the one kept, in one
        transaction (a crash keeps the old wall or the new one, never half of each); returns
        how many ideas the wall has now. Each idea is a dict as `sync.protocol.WallIdea` dumps
        it: id, text, layer, exhibit_id, created_at, status, answer ({de, en, ls} or None),
        answered_at. Nothing of it goes into the outbox or any export.

        A wall the same as the one kept is not written again (nor its pull time): every sync
        pass pulls the wall, and rewriting an unchanged one was most of what an idle kiosk
        wrote to its SD card (docs/operations.md, "Write budget")."""
        rows = []
        for position, idea in enumerate(ideas):
            answer = idea.get("answer") or {}
            rows.append((position, idea["id"], idea["text"], idea["layer"], idea.get("exhibit_id"),
                         idea["created_at"], _plain(idea["status"]), answer.get("de"), answer.get("en"),
                         answer.get("ls"), idea.get("answered_at")))
        with self._write_lock:
            conn = self._writing()
            if self._same_wall(conn, rows):
                return len(rows)
            with self._immediate(conn):
                conn.execute("DELETE FROM idea_wall")
                conn.executemany(_INSERT_WALL_IDEA, rows)
                conn.execute("INSERT INTO idea_wall_pulled (one, server_time, pulled_at) VALUES (1, ?, ?) "
                             "ON CONFLICT (one) DO UPDATE SET server_time = excluded.server_time, "
                             "pulled_at = excluded.pulled_at", (server_time, utc_text(self._clock())))
        return len(rows)

    def _same_wall(self, conn: sqlite3.Connection, rows: list[tuple]) -> bool:
        """The kept wall is exactly `rows` and was pulled before (the caller holds the write lock)."""
        try:
            if conn.execute("SELECT 1 FROM idea_wall_pulled").fetchone() is None:
                return False
            kept = conn.execute("SELECT position, id, text, layer, exhibit_id, created_at, status, answer_de, "
                                "answer_en, answer_ls, answered_at FROM idea_wall ORDER BY position").fetchall()
        except sqlite3.Error as error:
            raise self._read_failed(error) from error
        return kept == rows

    def idea_wall(self) -> list[dict]:
        """The ideas kept for the Ideenwand, in the central's order, as `replace_idea_wall` took
        them ([] before the first pull)."""
        rows = self._read("SELECT id, text, layer, exhibit_id, created_at, status, answer_de, answer_en, "
                          "answer_ls, answered_at FROM idea_wall ORDER BY position")
        ideas = []
        for idea_id, text, layer, exhibit_id, created_at, status, de, en, ls, answered_at in rows:
            answer = {"de": de, "en": en, "ls": ls} if (de or en or ls) else None
            ideas.append({"id": idea_id, "text": text, "layer": layer, "exhibit_id": exhibit_id,
                          "created_at": created_at, "status": status, "answer": answer,
                          "answered_at": answered_at})
        return ideas

    def idea_wall_pulled(self) -> dict | None:
        """When the wall was last replaced (a pull that brought the same wall leaves it):
        {"server_time", "pulled_at"} (UTC text), or None."""
        rows = self._read("SELECT server_time, pulled_at FROM idea_wall_pulled")
        return {"server_time": rows[0][0], "pulled_at": rows[0][1]} if rows else None

    def mark_sent(self, record_ids: Iterable[str]) -> int:
        """Mark the records the central explicitly acknowledged (accepted or duplicate)."""
        now = utc_text(self._clock())
        return self._write_many(*_for_ids(MARK_SENT, (now,), record_ids))

    def mark_failed(self, record_ids: Iterable[str], error: str) -> int:
        """Count a failed attempt for records that stay pending (network, server error)."""
        return self._write_many(*_for_ids(MARK_FAILED, (error,), record_ids))

    def quarantine(self, record_id: str, reason: str) -> int:
        """Stop sending a record the central rejected; it is kept and shown to staff."""
        return self._write("UPDATE outbox SET state = 'quarantined', quarantined_reason = ?, "
                           "attempts = attempts + 1 WHERE record_id = ? AND state = 'pending'", (reason, record_id))

    def add_salvaged(self, rows: Iterable[dict], batch: int = 500) -> tuple[int, int, list[str]]:
        """Add records recovered from another store (`kiosk salvage`), each with every stored
        value as it was (by column name, redacted_at included) and a pending outbox entry.

        Returns (added, already there, clashing ids): a record whose id the store has is skipped,
        so a second salvage adds nothing; one whose (store_id, seq) another record holds is not
        added and its id returned. A batch is one transaction: a record goes in with its outbox
        entry or not at all.
        """
        added = already = 0
        clashes: list[str] = []
        rows = iter(rows)  # streamed: a salvage may bring a million
        while chunk := list(itertools.islice(rows, max(1, batch))):
            with self._write_lock:
                conn = self._writing()
                with self._immediate(conn):
                    for row in chunk:
                        if conn.execute("SELECT 1 FROM records WHERE id = ?", (row["id"],)).fetchone():
                            already += 1
                        elif conn.execute("SELECT 1 FROM records WHERE store_id = ? AND seq = ?",
                                          (row["store_id"], row["seq"])).fetchone():
                            clashes.append(row["id"])
                        else:
                            conn.execute(INSERT_SALVAGED, [*insert_values(row), row.get("redacted_at")])
                            conn.execute(_INSERT_OUTBOX, (row["id"],))
                            added += 1
        return added, already, clashes

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
        params = (poll_id, question_version, exhibit_id) + (() if include_suspect else (SUSPECT,))
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
        sql = (f"SELECT {RECORD_COLUMNS} FROM records" + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY kiosk_id, seq, store_id")
        return self._stream(sql, params, max(1, batch))

    # -- reading for the CSV export --------------------------------------------------------

    def export_lines(self, *, since: dt.datetime | str | None = None, until: dt.datetime | str | None = None,
                     poll_id: str | None = None, exhibit_id: str | None = None, include_free_text: bool = False,
                     batch: int = 5000) -> "ExportLines":
        """The selected records as raw CSV lines, rendered by SQLite: see `ExportLines`.

        Same selection as `iter_records` (plus `exhibit_id`), same seq order, one snapshot on its
        own read-only connection. Use it as a context manager, or close it.
        """
        where, params = export_where(since, until, poll_id, exhibit_id)
        self._reading()  # fail now, not at the first batch, if the store is closed
        conn = open_reader(self.path, self._connect, read_only=self._read_only_files)
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
        return ExportLines(conn, export_line_sql(include_free_text), where, params, max(1, batch), upto,
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
        where, params = export_where(since, until, poll_id, exhibit_id, prefix="r.")
        where.insert(0, "r.kind = 'vote'")
        if upto is not None:
            where.append("r.rowid <= ?")
            params.append(upto)
        self._reading()
        conn = open_reader(self.path, self._connect, read_only=self._read_only_files)
        try:
            return tally_votes(conn, where, params, self._read_failed)
        finally:
            conn.close()

    def health(self) -> dict:
        """The store's state for staff and `kiosk status`: path, size, record and outbox counts,
        last seq, ids, pragmas, open alerts, and `sync_status` (what the sync last saved, {} if never)."""
        with self._read_lock, self._read_errors():
            reader = self._reading()
            records = reader.execute("SELECT COUNT(*) FROM records").fetchone()[0]
            outbox = dict.fromkeys(OUTBOX_STATES, 0)
            outbox.update(reader.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
            last_seq = reader.execute("SELECT MAX(seq) FROM records WHERE store_id = ?",
                                      (self.store_id,)).fetchone()[0] or 0
        sync_status = self.sync_status()
        return {
            "path": str(self.path),
            "size_bytes": sum(file_size(Path(f"{self.path}{suffix}")) for suffix in ("", "-wal")),
            "records": records,
            "outbox": outbox,
            "last_seq": last_seq,
            "kiosk_id": self.kiosk_id,
            "store_id": self.store_id,
            "boot_id": self.boot_id,
            "pragmas": dict(self.pragmas),
            "alerts": self.alerts(),
            "sync_status": sync_status,
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
        return read_failure(self.path, error)

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
                rollback(conn)
                raise
        except sqlite3.Error as error:
            raise self._write_failed(error) from error

    def _stream(self, sql: str, params: list, batch: int) -> Iterator[Record]:
        conn = open_reader(self.path, self._connect, read_only=self._read_only_files)
        try:
            with self._read_errors():
                # An explicit read transaction: every batch comes from the same snapshot.
                conn.execute("BEGIN")
                cursor = conn.execute(sql, params)
                cursor.arraysize = batch
                rows = cursor.fetchmany()
            while rows:
                for row in rows:
                    yield record_from_row(row)
                with self._read_errors():
                    rows = cursor.fetchmany()
        finally:
            conn.close()

    def _write_failed(self, error: sqlite3.Error) -> Exception:
        exc, kind, note = write_failure(self.path, error)
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
            rollback(self._conn)


def _plain(value) -> str:
    """An enum member's value (a status handed in as sync.protocol.IdeaStatus), else the text."""
    return getattr(value, "value", value)


def _for_ids(sql: str, first: tuple, record_ids: Iterable[str], chunk: int = 1000) -> tuple[str, list[tuple]]:
    """`sql` with its `IN ({})` filled, and its parameters for _write_many: one statement per
    thousand ids, not one per id (the sync marks a whole batch at once).

    The statements write `+state`: without the `+` SQLite looks the rows up through the
    outbox_state index, reading every pending entry (a backlog of 100,000 made each mark of a
    batch take 21 ms); with it, each id is found by its key."""
    ids = list(record_ids)
    size = max(1, min(chunk, len(ids)))
    # _write_many runs one SQL text for every row, so a shorter last chunk repeats its last id
    # (an id twice in IN is the same as once).
    rows = [(*first, *part, *[part[-1]] * (size - len(part)))
            for part in (ids[start:start + size] for start in range(0, len(ids), size))]
    return sql.format(", ".join("?" * size)), rows
