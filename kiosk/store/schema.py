"""The store's schema, as sqlite-utils migrations.

An applied migration is never edited: a kiosk in the field has already run it, and editing it
would leave that kiosk with a schema nobody can reproduce. Every change is a new `m00N_...`
function appended below.
"""

from __future__ import annotations

import sqlite3
import uuid

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from kiosk.core.clock import utc_now, utc_text

migrations = Migrations("kiosk_store")


@migrations()
def m001_initial(db: Database) -> None:
    # Plain SQL rather than table.create(): CHECK constraints, the composite UNIQUE and the
    # REFERENCES clause have to be in the CREATE TABLE, and SQLite cannot add them later
    # without rebuilding the table.
    db.execute(
        """
        CREATE TABLE records (
            id TEXT PRIMARY KEY,
            kiosk_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            boot_id TEXT NOT NULL,
            session_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            exhibit_id TEXT,
            poll_id TEXT,
            question_version TEXT,
            content_version TEXT NOT NULL,
            payload TEXT NOT NULL,
            flags TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            redacted_at TEXT,
            UNIQUE (kiosk_id, seq)
        )
        """
    )
    db.execute("CREATE INDEX records_kind_created ON records (kind, created_at)")
    db.execute("CREATE INDEX records_poll ON records (poll_id, question_version)")
    db.execute(
        """
        CREATE TABLE outbox (
            record_id TEXT PRIMARY KEY REFERENCES records(id),
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'quarantined')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            sent_at TEXT,
            quarantined_reason TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE boots (
            boot_id TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            app_version TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute(
        """
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            message TEXT NOT NULL,
            created_at TEXT NOT NULL,
            cleared_at TEXT
        )
        """
    )
    # Records are evidence of what visitors said: the database itself refuses to delete them,
    # or to change them in any way other than the one redaction of free text (which must set
    # redacted_at). A bug elsewhere, or a staff member with the sqlite3 shell, gets an error
    # instead of silently rewriting results.
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
        WHEN OLD.redacted_at IS NOT NULL OR NEW.redacted_at IS NULL
          OR NEW.id IS NOT OLD.id OR NEW.kiosk_id IS NOT OLD.kiosk_id OR NEW.seq IS NOT OLD.seq
          OR NEW.boot_id IS NOT OLD.boot_id OR NEW.session_id IS NOT OLD.session_id
          OR NEW.kind IS NOT OLD.kind OR NEW.exhibit_id IS NOT OLD.exhibit_id
          OR NEW.poll_id IS NOT OLD.poll_id OR NEW.question_version IS NOT OLD.question_version
          OR NEW.content_version IS NOT OLD.content_version OR NEW.flags IS NOT OLD.flags
          OR NEW.created_at IS NOT OLD.created_at
        BEGIN
            SELECT RAISE(ABORT, 'records are immutable; only free text past retention is redacted, once');
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER outbox_never_deleted BEFORE DELETE ON outbox
        BEGIN
            SELECT RAISE(ABORT, 'outbox entries are never deleted; quarantine them instead');
        END
        """
    )


# "SLKS" (StadtLABOR kiosk store) in the database header: a file at the store's path is taken
# for this kiosk's store by this number, readable from the raw header even when the rest of
# the file is damaged (stores made before m002 are recognised by their migrations table).
APPLICATION_ID = 0x534C4B53


@migrations()
def m002_application_id(db: Database) -> None:
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


@migrations()
def m003_store_id(db: Database) -> None:
    # The store's own identity, made once with the file (or on upgrade of an older store). seq
    # counts within a store, so (store_id, seq) names a record's place; a damaged store moved
    # aside is replaced by a new file with a new id, and the two never share a pair.
    store_id = str(uuid.uuid4())
    db.execute(
        """
        CREATE TABLE store (
            one INTEGER PRIMARY KEY CHECK (one = 1),
            store_id TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("INSERT INTO store (one, store_id, created_at) VALUES (1, ?, ?)", [store_id, utc_text(utc_now())])
    db.execute(
        """
        CREATE TRIGGER store_id_never_changes BEFORE UPDATE ON store
        BEGIN
            SELECT RAISE(ABORT, 'a store keeps its store_id');
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER store_id_never_deleted BEFORE DELETE ON store
        BEGIN
            SELECT RAISE(ABORT, 'a store keeps its store_id');
        END
        """
    )
    # Every record carries its store's id. The column's default is this store's id, so records
    # written before the upgrade read it without being rewritten (the triggers forbid that).
    db.execute(f"ALTER TABLE records ADD COLUMN store_id TEXT NOT NULL DEFAULT '{store_id}'")
    # The next seq is the store's highest plus one: this index answers that without a scan.
    db.execute("CREATE INDEX records_store_seq ON records (store_id, seq)")
    # The immutability trigger of m001, now covering store_id as well.
    db.execute("DROP TRIGGER records_immutable")
    db.execute(
        """
        CREATE TRIGGER records_immutable BEFORE UPDATE ON records
        WHEN OLD.redacted_at IS NOT NULL OR NEW.redacted_at IS NULL
          OR NEW.id IS NOT OLD.id OR NEW.kiosk_id IS NOT OLD.kiosk_id OR NEW.seq IS NOT OLD.seq
          OR NEW.boot_id IS NOT OLD.boot_id OR NEW.session_id IS NOT OLD.session_id
          OR NEW.kind IS NOT OLD.kind OR NEW.exhibit_id IS NOT OLD.exhibit_id
          OR NEW.poll_id IS NOT OLD.poll_id OR NEW.question_version IS NOT OLD.question_version
          OR NEW.content_version IS NOT OLD.content_version OR NEW.flags IS NOT OLD.flags
          OR NEW.created_at IS NOT OLD.created_at OR NEW.store_id IS NOT OLD.store_id
        BEGIN
            SELECT RAISE(ABORT, 'records are immutable; only free text past retention is redacted, once');
        END
        """
    )



@migrations()
def m004_records_unique_per_store(db: Database) -> None:
    # m001 made (kiosk_id, seq) unique. Since m003, seq counts within a store, so a salvaged
    # store's records (same kiosk, their own store_id, seqs from 1) would collide with the
    # current store's: the unique key is (store_id, seq). SQLite cannot drop a table constraint,
    # so the table is rebuilt.
    #
    # The outbox REFERENCES records(id) and foreign_keys is ON. It cannot be switched off inside
    # the migration's transaction (SQLite ignores the pragma there), and deferring the check does
    # not help: dropping the old table counts every outbox row as a violation that the renamed
    # copy never clears, and the COMMIT fails. So the outbox is rebuilt as well, in the order
    # that never leaves a row pointing at nothing: copy both aside, drop the outbox, drop the
    # records, put the new records in place, then the outbox. The whole rebuild stays one
    # transaction with the note that it ran: a power cut leaves the old store or the new one.
    # The copies insert into the id and record_id keys in random (UUID) order: a larger page cache
    # while it runs keeps those b-trees in memory (a million records: 22-28 s with 128 MB against
    # 38 s with SQLite's default 2 MB; 256 MB is no faster). Only what is used is allocated, and it
    # is given back after.
    cache_size = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = {-_M004_CACHE_KIB}")
    try:
        _rebuild_records(db)
    finally:
        db.execute(f"PRAGMA cache_size = {cache_size}")


_M004_CACHE_KIB = 128 * 1024


def _rebuild_records(db: Database) -> None:
    store_id = db.execute("SELECT store_id FROM store").fetchone()[0]
    db.execute(
        f"""
        CREATE TABLE records_new (
            id TEXT PRIMARY KEY,
            kiosk_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            boot_id TEXT NOT NULL,
            session_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            exhibit_id TEXT,
            poll_id TEXT,
            question_version TEXT,
            content_version TEXT NOT NULL,
            payload TEXT NOT NULL,
            flags TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            redacted_at TEXT,
            store_id TEXT NOT NULL DEFAULT '{store_id}'
        )
        """
    )
    # The columns as the table has them (m001's, then m003's store_id), the same in the new one.
    columns = ", ".join(row[1] for row in db.execute("PRAGMA table_info(records)").fetchall())
    # rowid kept: records are only appended, and the export bounds its snapshot by rowid.
    db.execute(f"INSERT INTO records_new (rowid, {columns}) SELECT rowid, {columns} FROM records ORDER BY rowid")
    db.execute("CREATE TABLE outbox_saved AS SELECT rowid AS saved_rowid, * FROM outbox")
    # DROP TABLE empties a table without firing its triggers, so the never-deleted triggers do
    # not stop this; they go with the tables and are made again below.
    db.execute("DROP TABLE outbox")
    db.execute("DROP TABLE records")
    db.execute("ALTER TABLE records_new RENAME TO records")
    db.execute(
        """
        CREATE TABLE outbox (
            record_id TEXT PRIMARY KEY REFERENCES records(id),
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'quarantined')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            sent_at TEXT,
            quarantined_reason TEXT
        )
        """
    )
    db.execute("INSERT INTO outbox (rowid, record_id, state, attempts, last_error, sent_at, quarantined_reason) "
               "SELECT saved_rowid, record_id, state, attempts, last_error, sent_at, quarantined_reason "
               "FROM outbox_saved ORDER BY saved_rowid")
    db.execute("DROP TABLE outbox_saved")
    db.execute("CREATE UNIQUE INDEX records_store_seq ON records (store_id, seq)")
    # The order exports and reads use (kiosk_id, seq), unique no more: store_id breaks the tie
    # between a salvaged store's records and the current store's, and the index spares the sort.
    db.execute("CREATE INDEX records_kiosk_seq ON records (kiosk_id, seq, store_id)")
    db.execute("CREATE INDEX records_kind_created ON records (kind, created_at)")
    db.execute("CREATE INDEX records_poll ON records (poll_id, question_version)")
    # The triggers as they were after m003 (see m001 for why they exist).
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
        WHEN OLD.redacted_at IS NOT NULL OR NEW.redacted_at IS NULL
          OR NEW.id IS NOT OLD.id OR NEW.kiosk_id IS NOT OLD.kiosk_id OR NEW.seq IS NOT OLD.seq
          OR NEW.boot_id IS NOT OLD.boot_id OR NEW.session_id IS NOT OLD.session_id
          OR NEW.kind IS NOT OLD.kind OR NEW.exhibit_id IS NOT OLD.exhibit_id
          OR NEW.poll_id IS NOT OLD.poll_id OR NEW.question_version IS NOT OLD.question_version
          OR NEW.content_version IS NOT OLD.content_version OR NEW.flags IS NOT OLD.flags
          OR NEW.created_at IS NOT OLD.created_at OR NEW.store_id IS NOT OLD.store_id
        BEGIN
            SELECT RAISE(ABORT, 'records are immutable; only free text past retention is redacted, once');
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER outbox_never_deleted BEFORE DELETE ON outbox
        BEGIN
            SELECT RAISE(ABORT, 'outbox entries are never deleted; quarantine them instead');
        END
        """
    )
    problems = db.execute("PRAGMA foreign_key_check").fetchall()
    if problems:  # cannot happen with the order above; if it does, the rollback keeps the old store
        raise sqlite3.IntegrityError(f"m004: {len(problems)} outbox entries without their record")


@migrations()
def m005_sync_status(db: Database) -> None:
    # What the last sync pass saw (sync.status.SyncStatus as JSON), one row, so that `kiosk status`
    # in another process reads what the running kiosk knows.
    db.execute(
        """
        CREATE TABLE sync_status (
            one INTEGER PRIMARY KEY CHECK (one = 1),
            status TEXT NOT NULL
        )
        """
    )


@migrations()
def m006_outbox_state(db: Database) -> None:
    # The sync asks for the next pending records after every batch: without this index each
    # ask read the whole outbox and sorted what was pending, so draining a backlog of months
    # took time in the square of its size. The index holds (state, rowid), so the pending
    # entries come in the order they entered the outbox with no sort.
    db.execute("CREATE INDEX outbox_state ON outbox (state)")


@migrations()
def m007_idea_wall(db: Database) -> None:
    # The Ideenwand: the last list of approved ideas (with staff's answers) the central served,
    # kept so the wall shows while the kiosk is offline. A cache of published text, not visitor
    # records: no outbox entry, never exported, replaced wholesale by every new answer (see
    # Store.replace_idea_wall). `position` keeps the central's order (newest change first).
    db.execute(
        """
        CREATE TABLE idea_wall (
            position INTEGER PRIMARY KEY,
            id TEXT NOT NULL,
            text TEXT NOT NULL,
            layer TEXT NOT NULL,
            exhibit_id TEXT,
            created_at TEXT NOT NULL,
            status TEXT NOT NULL,
            answer_de TEXT,
            answer_en TEXT,
            answer_ls TEXT,
            answered_at TEXT
        )
        """
    )
    # When the wall was last replaced: the central's clock in its answer, and the kiosk's.
    db.execute(
        """
        CREATE TABLE idea_wall_pulled (
            one INTEGER PRIMARY KEY CHECK (one = 1),
            server_time TEXT NOT NULL,
            pulled_at TEXT NOT NULL
        )
        """
    )


@migrations()
def m008_boot_ends(db: Database) -> None:
    # How each start of the kiosk ended, for the count of restarts staff and the central see
    # (kiosk/store/boots.py): the kiosk notes its own orderly stop; systemd's ExecStopPost notes
    # what it saw (watchdog, signal, exit code) on the boot its invocation started; a boot with
    # no end at all was a power cut or a crash too hard to note anything. Older boots keep NULL.
    db.execute("ALTER TABLE boots ADD COLUMN invocation_id TEXT")
    db.execute("ALTER TABLE boots ADD COLUMN ended_at TEXT")
    db.execute("ALTER TABLE boots ADD COLUMN end_cause TEXT")
    db.execute("ALTER TABLE boots ADD COLUMN end_detail TEXT")
    db.execute("CREATE INDEX boots_started ON boots (started_at)")
