"""How each start of the kiosk ended, in the store's `boots` table (migration m008), and the
count of restarts (see kiosk/core/restarts.py for what is noted when and what counts).

The running kiosk notes through its open Store; systemd's ExecStopPost (`kiosk service-stopped`)
runs after the kiosk's process is gone and notes through a connection of its own, without the
integrity check, the migrations or the boot row that Store.open makes: it must be quick (the
restart waits for it) and must never upgrade or move a store behind the kiosk's back.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from pathlib import Path

from kiosk.core.clock import as_utc, utc_now, utc_text
from kiosk.core.restarts import RESTART_WINDOW_DAYS, STOPPED, UNNOTED, RestartCount, ServiceEnd

MIGRATION = "m008_boot_ends"
_NOTE_END = "UPDATE boots SET ended_at = ?, end_cause = ?, end_detail = ? WHERE boot_id = ?"


def note_invocation(store, invocation_id: str | None) -> None:
    """Tie this boot to systemd's run of the service ($INVOCATION_ID), so that ExecStopPost
    notes its end on this boot and no other."""
    if invocation_id and store.boot_id:
        store._write("UPDATE boots SET invocation_id = ? WHERE boot_id = ?", (invocation_id, store.boot_id))


def note_stopped(store, detail: str = "the kiosk stopped in order") -> None:
    """The kiosk ends in order: what visitors did is written and the store is about to close."""
    if store.boot_id:
        store._write(_NOTE_END + " AND end_cause IS NULL",
                     (utc_text(utc_now()), STOPPED, detail, store.boot_id))


def note_service_end(path: Path | str, invocation_id: str, end: ServiceEnd, *,
                     now: dt.datetime | None = None) -> str:
    """Note systemd's view of how the run `invocation_id` ended; says what was done, in words.

    systemd's word beats the kiosk's own `stopped` when it saw something else (a crash while the
    store closed). A run that ended before it opened the store (X never came, the config was
    broken) has no boot row: one is added, so that the restart it causes is counted too."""
    path = Path(path)
    moment = utc_text(now or utc_now())
    if not path.is_file():
        return f"no store at {path}: nothing noted"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=10, isolation_level=None)
    except sqlite3.Error as error:
        return f"cannot open {path} ({error}): nothing noted"
    try:
        conn.execute("PRAGMA synchronous = FULL")  # the store's setting, as Store.open makes it
        if not _has_end_columns(conn):
            return f"{path} is not upgraded yet (the kiosk upgrades it when it starts): nothing noted"
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT boot_id, end_cause FROM boots WHERE invocation_id = ? ORDER BY rowid DESC LIMIT 1",
                           (invocation_id,)).fetchone()
        if row is None and end.cause == STOPPED:
            conn.execute("COMMIT")
            return "stopped before the store was open: nothing noted"
        if row is None:
            boot_id = str(uuid.uuid4())
            conn.execute("INSERT INTO boots (boot_id, started_at, app_version, invocation_id, ended_at, end_cause, "
                         "end_detail) VALUES (?, ?, '', ?, ?, ?, ?)",
                         (boot_id, moment, invocation_id, moment, end.cause, f"{end.detail} (before the store was open)"))
            conn.execute("COMMIT")
            return f"noted {end.cause} ({end.detail}) for a start that never opened the store"
        boot_id, noted = row
        if end.cause == STOPPED and noted is not None:
            conn.execute("COMMIT")
            return f"boot {boot_id}: {noted} noted already"
        conn.execute(_NOTE_END, (moment, end.cause, end.detail, boot_id))
        conn.execute("COMMIT")
        return f"boot {boot_id}: noted {end.cause} ({end.detail})"
    except sqlite3.Error as error:
        return f"cannot note the end in {path} ({error}): nothing noted"
    finally:
        conn.close()


def restart_count(store, *, now: dt.datetime | None = None, days: int = RESTART_WINDOW_DAYS) -> RestartCount:
    """The ends of the runs started in the last `days` days, this run left out. Boots from before
    the upgrade that added the notes (m008) are not counted: their end was never noted."""
    since = as_utc(now or utc_now()) - dt.timedelta(days=days)
    applied = store._read("SELECT applied_at FROM _sqlite_migrations WHERE migration_set = 'kiosk_store' "
                          "AND name = ?", (MIGRATION,))
    if applied:
        since = max(since, as_utc(dt.datetime.fromisoformat(applied[0][0])))
    # A boot with neither a run of the service nor an end noted is a command that opened the store
    # (`kiosk sync`, `kiosk simulate`), or a kiosk started by hand and cut off: no restart of the service.
    rows = store._read("SELECT end_cause, COUNT(*) FROM boots WHERE started_at >= ? AND boot_id != ? "
                       "AND (invocation_id IS NOT NULL OR end_cause IS NOT NULL) GROUP BY end_cause",
                       (utc_text(since), store.boot_id or ""))
    causes: dict[str, int] = {}
    stopped = 0
    for cause, count in rows:
        if cause == STOPPED:
            stopped = count
        else:
            causes[cause or UNNOTED] = causes.get(cause or UNNOTED, 0) + count
    return RestartCount(causes=causes, stopped=stopped, days=days)


def _has_end_columns(conn: sqlite3.Connection) -> bool:
    return "end_cause" in {row[1] for row in conn.execute("PRAGMA table_info(boots)")}
