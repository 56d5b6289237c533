"""Opening the store's file: whether it may be written, whether it is this kiosk's store at all,
whether it is intact, moving a damaged one aside, and the pragmas durability rests on.

A file that is not this kiosk's store is refused and left exactly as it is; a damaged store of
this kiosk is moved aside (never deleted) so that recording goes on in a new one, and whoever
rescues its records finds it as it was. The looks at an existing file are read-only.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
import urllib.parse
from pathlib import Path
from typing import Callable

from kiosk.core.bounded_files import kind_of
from kiosk.core.clock import as_utc
from kiosk.core.files import fsync_path

from .errors import StoreForeignFileError, StoreNotWritableError, StorePragmaError
from .schema import APPLICATION_ID, migrations
from .sqlite_errors import (
    BUSY_TIMEOUT_MS,
    SIDE_FILES,
    SQLITE_CORRUPT,
    SQLITE_NOTADB,
    can_access,
    not_writable,
    open_failed,
    primary_code,
)

Connect = Callable[..., sqlite3.Connection]

# What the store sets, and what reading each pragma back must give.
REQUIRED_PRAGMAS = {
    "journal_mode": ("wal", "wal"),
    "synchronous": ("FULL", 2),
    "busy_timeout": (str(BUSY_TIMEOUT_MS), BUSY_TIMEOUT_MS),
    "foreign_keys": ("ON", 1),
}
SQLITE_MAGIC = b"SQLite format 3\x00"
# A trigger only this kiosk's schema has (m001): found in the raw bytes of a store made before
# the application id, when the store is too damaged for SQLite to read its migrations.
KIOSK_SCHEMA_MARKER = b"records_never_deleted"
MARKER_SCAN_BYTES = 4 << 20


class CorruptFile(Exception):
    """The file at the store path is not a usable SQLite database (moved aside by Store.open)."""


def check_writable(path: Path) -> None:
    if path.is_dir():
        raise StoreNotWritableError(f"{path} is a folder; [store] path must name a file, e.g. {path / 'kiosk.db'}")
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise not_writable(path, folder, f"cannot create the store folder ({error.strerror})") from None
    # SQLite creates <name>-wal and <name>-shm beside the file: the folder itself must be writable.
    if not can_access(folder, os.W_OK | os.X_OK):
        raise not_writable(path, folder, "the store folder is not writable")
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in SIDE_FILES)):
        if candidate.exists() and not can_access(candidate, os.R_OK | os.W_OK):
            raise not_writable(path, candidate, "the file is not writable")


def recognise(path: Path) -> bool:
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
        if primary_code(error) in (SQLITE_CORRUPT, SQLITE_NOTADB):
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


def check_intact(path: Path) -> None:
    """Raise CorruptFile when the file at `path` is not a sound SQLite database.

    The look is read-only (mode=ro): a read-write connection would, on closing, checkpoint a
    damaged file's -wal into it and delete the -wal, and the damaged files must be kept as
    they were for whoever tries to rescue records from them.
    """
    if not path.exists() or path.stat().st_size == 0:
        return  # a new store (SQLite takes an empty file for an empty database)
    try:
        conn = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise open_failed(path, error) from error
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as error:
        # Only damage moves the file aside; a lock or a permission problem must never do so.
        if primary_code(error) in (SQLITE_CORRUPT, SQLITE_NOTADB):
            raise CorruptFile(str(error)) from error
        raise open_failed(path, error) from error
    finally:
        conn.close()
    if problems != ["ok"]:
        raise CorruptFile("quick_check: " + "; ".join(problems[:3]))


def connect_writer(path: Path, connect: Connect) -> sqlite3.Connection:
    try:
        conn = connect(str(path), check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except sqlite3.Error as error:
        raise open_failed(path, error) from error
    return conn


def set_pragmas(conn: sqlite3.Connection, path: Path) -> dict:
    try:
        for name, (value, _expected) in REQUIRED_PRAGMAS.items():
            conn.execute(f"PRAGMA {name} = {value}").fetchall()
        got = {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in REQUIRED_PRAGMAS}
    except sqlite3.Error as error:
        raise open_failed(path, error) from error
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


def open_reader(path: Path, connect: Connect, *, read_only: bool = False) -> sqlite3.Connection:
    try:
        if read_only:
            conn = connect(f"file:{urllib.parse.quote(str(path))}?mode=ro", uri=True, check_same_thread=False)
        else:
            conn = connect(str(path), check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Reads only: a mistake in a read path must not become a write beside the writer.
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.Error as error:
        raise open_failed(path, error) from error
    return conn


def move_aside(path: Path, now: dt.datetime) -> Path:
    """Rename a damaged store to <name>.corrupt-<UTC stamp> (its -wal/-shm alike); never delete."""
    try:
        return rename_aside(path, "corrupt", now)
    except OSError as error:
        raise not_writable(path, path, f"the file is damaged and cannot be moved aside ({error.strerror})") from None


def rename_aside(path: Path, label: str, now: dt.datetime) -> Path:
    """Rename the store at `path` with its -wal/-shm to <name>.<label>-<UTC stamp> (-2, -3, ...
    when taken), durably; the new name. Raises OSError when a rename fails."""
    stamp = as_utc(now).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{label}-{stamp}")
    number = 2
    while any(Path(f"{target}{suffix}").exists() for suffix in ("", *SIDE_FILES)):
        target = path.with_name(f"{path.name}.{label}-{stamp}-{number}")
        number += 1
    # The side files first: a stale -wal left beside a new store would be replayed into it.
    for suffix in (*SIDE_FILES, ""):
        source = Path(f"{path}{suffix}")
        if source.exists():
            os.rename(source, f"{target}{suffix}")
    fsync_path(path.parent)  # the renames must survive a power cut, or the old file comes back
    return target
