"""The store's schema, as sqlite-utils migrations.

An applied migration is never edited: a kiosk in the field has already run it, and editing it
would leave that kiosk with a schema nobody can reproduce. Every change is a new `m00N_...`
function appended below.
"""

from __future__ import annotations

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
