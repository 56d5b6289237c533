"""SQLite's errors in words a staff member or city IT admin can act on.

SQLite reports a full disk, a read-only mount, a lock held by a sqlite3 shell and a damaged
page each as a result code; the store turns each into its own error (kiosk.store.errors) with
the file's path and what to do, and the UI shows staff the short German note beside it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .errors import (
    StoreDamagedError,
    StoreError,
    StoreFullError,
    StoreNotWritableError,
    StoreWriteError,
)

try:  # Unix only; the kiosk runs on Linux, but importing the store must not fail elsewhere
    import resource
except ImportError:  # pragma: no cover
    resource = None

BUSY_TIMEOUT_MS = 5000
# The files SQLite keeps beside the store: they belong to it (moved, measured and checked with it).
SIDE_FILES = ("-wal", "-shm", "-journal")
# Below this much free space an I/O error is taken for a full disk: SQLite reports ENOSPC as
# SQLITE_FULL, but some writes (an fsync, a truncate) surface a full disk as a plain I/O error.
FREE_SPACE_MARGIN = 1 << 20
# A write that ends within this much of RLIMIT_FSIZE failed because of the limit (EFBIG),
# which SQLite reports as SQLITE_IOERR_WRITE rather than SQLITE_FULL. A WAL frame is a page.
FSIZE_MARGIN = 1 << 16

# SQLite primary result codes (the low byte of sqlite_errorcode).
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_AUTH, SQLITE_NOTADB = 10, 11, 13, 14, 23, 26


def primary_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def rollback(conn: sqlite3.Connection) -> None:
    # After an I/O error SQLite may already have rolled back; a failing ROLLBACK must not
    # replace the error that explains what happened.
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def space_exhausted(path: Path) -> bool:
    try:
        stats = os.statvfs(path.parent)
        if stats.f_bavail * stats.f_frsize < FREE_SPACE_MARGIN:
            return True
    except OSError:
        pass
    if resource is not None:
        soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        if soft != resource.RLIM_INFINITY:
            biggest = max(file_size(Path(f"{path}{suffix}")) for suffix in ("", *SIDE_FILES))
            if biggest + FSIZE_MARGIN > soft:
                return True
    return False


def can_access(path: Path, mode: int) -> bool:
    # effective ids: a kiosk started through sudo/setuid is judged by the user it runs as.
    if os.access in os.supports_effective_ids:
        return os.access(path, mode, effective_ids=True)
    return os.access(path, mode)  # pragma: no cover


def not_writable(path: Path, what: Path, why: str) -> StoreNotWritableError:
    return StoreNotWritableError(
        f"{what}: {why}; the kiosk cannot record into {path}. Make the folder and the file writable for "
        f"the user the kiosk runs as (uid {os.geteuid()}), or set [store] path in the config to a writable "
        f"place on a local disk")


def open_failed(path: Path, error: sqlite3.Error) -> Exception:
    code = primary_code(error)
    if code in (SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN, SQLITE_AUTH, SQLITE_IOERR):
        return not_writable(path, path, f"SQLite cannot open it for writing ({error})")
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return StoreWriteError(f"{path}: the store is locked by another program ({error}); close any sqlite3 "
                               "shell or backup tool using it, or check that no second kiosk uses this path")
    if code == SQLITE_FULL:
        return StoreFullError(f"{path}: the disk is full; the store cannot start. Free space on that disk")
    return StoreWriteError(f"{path}: cannot open the store ({error})")


def read_failure(path: Path, error: sqlite3.Error) -> StoreError:
    """The store's error for a failed read."""
    if primary_code(error) in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return StoreDamagedError(
            f"{path}: the store is damaged ({error}). Nothing is lost yet: back up the file (with its "
            f"-wal beside it, if there is one) and give it to IT, who may recover its records "
            f"(sqlite3 shell: .recover). The kiosk moves a damaged store aside by itself on its next start (it is "
            f"never deleted) and starts a new one; restart it to record again")
    return StoreError(f"{path}: cannot read the store ({error})")


def write_failure(path: Path, error: sqlite3.Error) -> tuple[Exception, str, str]:
    """The store's error for a failed write, with the kind and German note of the alert staff see
    while the fault lasts."""
    code = primary_code(error)
    if code == SQLITE_FULL or (code == SQLITE_IOERR and space_exhausted(path)):
        exc: Exception = StoreFullError(
            f"{path}: the disk is full (or the kiosk's file-size limit is reached); the record was "
            f"NOT stored. Free space on the disk holding {path.parent} (kiosk status shows the "
            f"store); recording resumes by itself, no restart needed. ({error})")
        kind, note = "store_full", (
            f"Speicher voll: {path.parent} hat keinen Platz mehr. Besucher sehen „gerade nicht möglich“; "
            f"bisher gespeicherte Einträge sind sicher. Bitte Platz schaffen: die Aufzeichnung läuft dann "
            f"von selbst weiter.")
    elif code in (SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN, SQLITE_AUTH):
        exc = StoreWriteError(
            f"{path}: the store became read-only ({error}); check that the disk is still mounted "
            f"read-write and the kiosk user may write the file and its folder, then restart the kiosk")
        kind, note = "store_write_error", f"Speicher nicht beschreibbar: {path} ({error})."
    elif code in (SQLITE_BUSY, SQLITE_LOCKED):
        exc = StoreWriteError(
            f"{path}: another program has held the store locked for {BUSY_TIMEOUT_MS // 1000} s "
            f"({error}); close any sqlite3 shell or backup tool using it")
        kind, note = "store_write_error", f"Speicher gesperrt durch ein anderes Programm: {path}."
    elif code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        exc = StoreWriteError(
            f"{path}: the store file is damaged ({error}); restart the kiosk: it moves the file "
            f"aside (nothing is deleted) and starts a new store")
        kind, note = "store_write_error", f"Speicherdatei beschädigt: {path}. Bitte Kiosk neu starten."
    else:
        exc = StoreWriteError(f"{path}: the record was NOT stored: {error}")
        kind, note = "store_write_error", f"Speichern fehlgeschlagen: {error}"
    return exc, kind, note
