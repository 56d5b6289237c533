"""The central's schema: only through these migrations; an applied migration is never edited
(a central in use has run it already); every change is a new `m00N_...` function after them."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .tallies import backfill_vote_tallies

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


