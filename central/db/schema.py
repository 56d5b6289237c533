"""The central's schema: only through these migrations, the same on SQLite and PostgreSQL.

An applied migration is never edited in what it makes (a central in use has run it already);
every change is a new `m00N_...` function after them. Each takes a `Schema`: `execute` runs
SQLite-style DDL, which the dialect turns into its own (dialects.py), and the few statements
the two write differently (triggers, the header mark) come from the dialect by name.

The migration runner is ours (it was sqlite-utils' Migrations): it runs on both databases, and
on SQLite it reads and writes sqlite-utils' `_sqlite_migrations` rows of the set
"stadtlabor_central", so a central migrated before runs nothing twice. Each migration runs in a
write transaction with its record of having run; concurrent starts (several workers, a command
beside serve) wait for each other's transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: an
advisory lock) and then find it done.
"""

from __future__ import annotations

from typing import Callable, Iterable

from .dialects import APPLICATION_ID, MIGRATION_SET, now_text
from .tallies import backfill_vote_tallies

__all__ = ["APPLICATION_ID", "MIGRATIONS", "Schema", "apply", "applied", "migrations"]

MIGRATIONS: list[Callable] = []


def migration(fn: Callable) -> Callable:
    MIGRATIONS.append(fn)
    return fn


class Schema:
    """What a migration sees: the connection of its transaction and the dialect."""

    def __init__(self, conn, dialect):
        self.conn, self.dialect = conn, dialect

    def execute(self, ddl: str) -> None:
        self.conn.execute(self.dialect.ddl(ddl))

    def run(self, statements: Iterable[str]) -> None:
        for statement in statements:
            self.conn.execute(statement)

    def refuse(self, name: str, event: str, table: str, message: str) -> None:
        """A trigger that refuses every `event` (DELETE or UPDATE) on `table` with `message`."""
        self.run(self.dialect.refuse(name, event, table, message))


def _ensure_table(conn, dialect) -> None:
    # sqlite-utils made this table (id, migration_set, name, applied_at) on the centrals that
    # ran its Migrations; IF NOT EXISTS leaves theirs as it is.
    conn.execute(dialect.ddl(
        f"CREATE TABLE IF NOT EXISTS {dialect.migrations_table} (id INTEGER PRIMARY KEY, migration_set TEXT, "
        "name TEXT, applied_at TEXT)"))
    conn.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {dialect.migrations_table}_set_name "
                 f"ON {dialect.migrations_table} (migration_set, name)")


def applied(conn, dialect) -> list[str]:
    return [row[0] for row in conn.execute(
        f"SELECT name FROM {dialect.migrations_table} WHERE migration_set = ? ORDER BY id", (MIGRATION_SET,))]


def apply(store, *, stop_before: str | None = None) -> None:
    """Run the migrations `store`'s database has not run, each in a write transaction of its
    own with its record; stop before the one named `stop_before` (tests of a central from
    before it)."""
    dialect = store.dialect
    with store.write() as conn:
        dialect.lock(conn, "central migrations")
        _ensure_table(conn, dialect)
        done = set(applied(conn, dialect))
    if stop_before is not None and stop_before in done:
        raise ValueError(f"cannot stop before {stop_before}: it ran already")
    for fn in MIGRATIONS:
        if fn.__name__ == stop_before:
            return
        if fn.__name__ in done:
            continue
        with store.write() as conn:
            dialect.lock(conn, "central migrations")
            if fn.__name__ in applied(conn, dialect):  # another process ran it meanwhile
                continue
            fn(Schema(conn, dialect))
            conn.execute(f"INSERT INTO {dialect.migrations_table} (migration_set, name, applied_at) "
                         "VALUES (?, ?, ?)", (MIGRATION_SET, fn.__name__, now_text()))


# The migrations' names in order (tests compare them with a central's record).
migrations = MIGRATIONS


@migration
def m001_initial(s: Schema) -> None:
    # The record's fields as the kiosk's store keeps them (payload and flags as JSON text),
    # written out rather than built from RECORD_FIELDS: this migration must stay as it ran even
    # when the record's shape grows (a new field is a new migration; a test compares the two).
    # (kiosk_id, store_id, seq) and not (store_id, seq) is unique: kiosks cloned from one
    # SD-card image share a store_id until their stores are remade.
    s.run(s.dialect.helpers())  # PostgreSQL's central_jsonb() and central_refuse() (dialects.py)
    s.execute(
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
    s.execute("CREATE INDEX records_created ON records (created_at)")
    s.execute("CREATE INDEX records_poll ON records (poll_id, question_version)")
    # A record that was refused still fills its place in the kiosk's sequence: the kiosk
    # quarantines it and never sends it again, so without this the central's contiguous seq
    # would stop at it for ever.
    s.execute(
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
    s.execute(
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
    s.execute(
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
    s.execute(
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
    s.refuse("records_never_deleted", "DELETE", "records", "records are never deleted")
    s.refuse("records_immutable", "UPDATE", "records", "records are immutable")
    s.run(s.dialect.mark_central())


@migration
def m002_phone_votes(s: Schema) -> None:
    # One vote per poll per hand-off from the phone pages (issue 11): the key is taken in the
    # same transaction as the vote's record, so two taps at once store one vote.
    s.execute(
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
    s.execute("CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)")


@migration
def m003_staff(s: Schema) -> None:
    # Staff accounts for the dashboard (issue 12): a scrypt hash per user (central/passwords.py),
    # failed logins counted towards a lockout; sessions kept as the hash of their cookie.
    s.execute(
        """
        CREATE TABLE staff (
            "user" TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            admin INTEGER NOT NULL DEFAULT 0,
            added_at TEXT NOT NULL,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT
        )
        """
    )
    s.execute(
        """
        CREATE TABLE staff_sessions (
            token_hash TEXT PRIMARY KEY,
            "user" TEXT NOT NULL REFERENCES staff ("user") ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )
        """
    )


@migration
def m004_export_log(s: Schema) -> None:
    # Every export of records, from the dashboard or the command line (issue 12): who, when,
    # what and with which filters; administrators read it on the dashboard.
    s.execute(
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


@migration
def m005_vote_tallies(s: Schema) -> None:
    # The results page (issue 12) counts votes from this table, never from the records: votes
    # per local day (Europe/Berlin), poll, question version, kiosk, source, suspect or not and
    # answer; the row with answer '' counts the voters (a multi-choice vote ticks several
    # answers but is one voter). Kept up to date in each batch's transaction (_count_votes).
    # The key's order is the page's GROUP BY (poll, version, suspect, answer), so SQLite sums
    # a million records' tallies in one pass along the key, without sorting; day, kiosk and
    # source filter rows on the way.
    s.execute(
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
    backfill_vote_tallies(s.conn)


@migration
def m006_moderation(s: Schema) -> None:
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
    s.execute(
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
    s.execute("CREATE INDEX moderation_state ON moderation (state, at)")
    s.execute(
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
    s.execute(
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
    s.execute("CREATE INDEX moderation_log_record ON moderation_log (record_id, id)")
    s.execute(
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
    s.execute("CREATE INDEX redactions_waiting ON redactions (record_id) WHERE applied = 0")
    # The queue reads ideas and feedback among a million votes and views.
    s.execute("CREATE INDEX records_free_text ON records (created_at) WHERE kind IN ('idea', 'feedback')")
    s.run(s.dialect.drop_trigger("records_immutable", "records"))
    s.run(s.dialect.records_redaction_triggers())
    # The evidence of what staff did is kept like the records: never deleted, never rewritten
    # (a redaction only ever turns applied from 0 to 1).
    for table in ("moderation_log", "redactions"):
        s.refuse(f"{table}_never_deleted", "DELETE", table, f"{table} entries are never deleted")
    s.refuse("moderation_log_unchanged", "UPDATE", "moderation_log", "moderation_log entries are never changed")
    s.run(s.dialect.redactions_unchanged())


@migration
def m007_rate_windows(s: Schema) -> None:
    # The phone forms' and the login's rate limits (central/phone/security.py RateLimit), kept
    # in the database so that every worker of the central counts against the same window: a
    # limit counted in each process's memory would let N workers take N times as much. A row
    # per key, a fixed window from its first event; old rows are dropped as new ones come.
    # Not moved by move-db (central/db/move.py): a window lasts minutes.
    s.execute("CREATE TABLE rate_windows (key TEXT PRIMARY KEY, started REAL NOT NULL, hits INTEGER NOT NULL)")
    s.execute("CREATE INDEX rate_windows_started ON rate_windows (started)")
