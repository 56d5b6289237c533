"""Daily snapshots of the store and putting one back (`kiosk snapshot`, `kiosk restore`).

A snapshot is made by SQLite's VACUUM INTO from a read-only connection: one read transaction,
so the copy is the store as it was at one moment, while the kiosk goes on recording beside it
(WAL lets the writer commit during the read). It is written under a temporary name, synced,
checked with integrity_check and only then renamed to `<kiosk id>-<YYYY-MM-DD>.sqlite3`: a full
disk or a stick pulled mid-copy leaves nothing half-written under a snapshot's name. Old ones
are dropped only once `keep` newer snapshots have passed integrity_check, so a failed or damaged
snapshot never costs the last good one.

Restoring never deletes anything: the current store (with its -wal and -shm) is moved to
`<store>.before-restore-<UTC time>` in the data folder, and the snapshot is copied (not moved)
into its place. The restored file gets a new store_id: records written after the snapshot
(kept in the moved-aside file, brought back with `kiosk salvage`) hold the old store_id with
sequence numbers the restored store would otherwise hand out again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import sqlite3
import stat
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from kiosk.core.clock import as_utc, local_zone, utc_now
from kiosk.core.files import fsync_path

from .errors import StoreError, StoreForeignFileError
from .opening import SQLITE_MAGIC, recognise, rename_aside
from .schema import migrations
from .sqlite_errors import BUSY_TIMEOUT_MS, SIDE_FILES

SNAPSHOT_FOLDER = "snapshots"
# On a USB stick: one folder, as the staff screen's export puts its files at the stick's top.
STICK_FOLDER = "stadtlabor-snapshots"
SNAPSHOT_SUFFIX = ".sqlite3"
PART_SUFFIX = ".part"
ALERT_KIND = "snapshot_failed"
STALE_PART_S = 3600
_COPY_CHUNK = 1 << 20


class SnapshotError(StoreError):
    """A snapshot could not be made; the snapshots already there are untouched."""


class RestoreError(StoreError):
    """`kiosk restore` refused the file or could not put it in place; the store is as it was."""

    exit_code = 2


@dataclass
class SnapshotResult:
    path: Path
    records: int
    newest: str | None           # created_at of the newest record in it (UTC text)
    size_bytes: int
    dropped: list[Path] = field(default_factory=list)
    copies: list[Path] = field(default_factory=list)          # on USB sticks
    problems: list[str] = field(default_factory=list)         # a stick that failed, a damaged old snapshot


@dataclass
class RestoreResult:
    snapshot: Path
    store: Path
    kept_aside: Path | None      # the store that was in place, moved aside (None: there was none)
    records: int
    newest: str | None
    store_id: str


def snapshot_folder(data_dir: Path) -> Path:
    return Path(data_dir) / SNAPSHOT_FOLDER


def snapshot_name(kiosk_id: str, day: dt.date) -> str:
    return f"{kiosk_id}-{day.isoformat()}{SNAPSHOT_SUFFIX}"


def local_day(moment: dt.datetime | None = None) -> dt.date:
    """The kiosk's calendar day (Europe/Berlin): the date in a snapshot's name."""
    return as_utc(moment or utc_now()).astimezone(local_zone()).date()


def snapshots_of(folder: Path, kiosk_id: str) -> list[Path]:
    """This kiosk's snapshots in `folder`, oldest first (their names sort by date)."""
    pattern = re.compile(re.escape(kiosk_id) + r"-\d{4}-\d{2}-\d{2}" + re.escape(SNAPSHOT_SUFFIX))
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if entry.is_file(follow_symlinks=False))
    except FileNotFoundError:
        return []
    return [folder / name for name in names if pattern.fullmatch(name)]


def has_snapshot_of(folder: Path, kiosk_id: str, day: dt.date) -> bool:
    return (Path(folder) / snapshot_name(kiosk_id, day)).is_file()


# -- taking a snapshot -------------------------------------------------------------------------


def take_snapshot(store_path: Path, kiosk_id: str, *, keep: int, folder: Path | None = None,
                  sticks: Iterable[Path] = (), now: dt.datetime | None = None) -> SnapshotResult:
    """Snapshot the store at `store_path` into `folder` (default: <data folder>/snapshots), keep
    the newest `keep`, and copy it onto each stick in `sticks` (into stadtlabor-snapshots/).

    Raises SnapshotError when the snapshot in `folder` fails; a stick that fails is only named
    in the result's `problems`, as is an old snapshot found damaged (kept, not counted).
    """
    store_path = Path(store_path).absolute()
    folder = Path(folder) if folder is not None else snapshot_folder(store_path.parent)
    # Another program's file at the store's path is refused (StoreForeignFileError), never copied.
    if not store_path.is_file() or not recognise(store_path):
        raise SnapshotError(f"{store_path}: no store here to snapshot; check [store] path in the config (the "
                            "kiosk creates the store when it first starts)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SnapshotError(f"cannot create the snapshot folder {folder} ({error.strerror}); make the data "
                            f"folder writable for the kiosk's user") from None
    final = folder / snapshot_name(kiosk_id, local_day(now))
    _remove_stale_parts(folder)
    temp = _temp_beside(final)
    try:
        _check_writable(folder)
        _vacuum_into(store_path, temp)
        fsync_path(temp)
        problems = integrity_problems(temp)
        if problems:
            raise SnapshotError(f"the snapshot of {store_path} failed its check ({'; '.join(problems[:3])}); "
                                "the earlier snapshots were kept. Run `kiosk status` to check the store itself")
        os.replace(temp, final)
        fsync_path(folder)
    except OSError as error:
        raise SnapshotError(_disk_words(error, final)) from None
    finally:
        _remove(temp)
    records, newest = _records_and_newest(final)
    result = SnapshotResult(final, records, newest, final.stat().st_size)
    result.dropped, damaged = drop_old(folder, kiosk_id, keep, known_good=final)
    result.problems += [f"{path}: an older snapshot is damaged ({why}); kept, not counted" for path, why in damaged]
    for stick in sticks:
        try:
            copy = copy_to_stick(final, Path(stick))
        except SnapshotError as error:
            result.problems.append(str(error))
            continue
        result.copies.append(copy)
        dropped, damaged = drop_old(copy.parent, kiosk_id, keep, known_good=copy)
        result.dropped += dropped
        result.problems += [f"{path}: an older snapshot on the stick is damaged ({why}); kept" for path, why in damaged]
    return result


def _vacuum_into(store_path: Path, target: Path) -> None:
    # VACUUM INTO reads in one transaction (a consistent copy) while the kiosk records beside it.
    # A store with a -wal (a kiosk has it open, or was killed) is read with mode=ro, which never
    # folds the -wal in; without one, a plain connection reads and, closing last, removes the
    # -wal and -shm it made, leaving the data folder as it was (a read-only one would leave them).
    mode = "mode=ro" if Path(f"{store_path}-wal").exists() else "mode=rw"
    conn = sqlite3.connect(f"file:{urllib.parse.quote(str(store_path))}?{mode}", uri=True)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("VACUUM INTO ?", (str(target),))
    except sqlite3.Error as error:
        code = getattr(error, "sqlite_errorcode", 0) & 0xFF
        if code == 13 or _no_space(target, store_path):  # SQLITE_FULL, or an I/O error at a full disk or file limit
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target)) from None
        raise SnapshotError(f"cannot snapshot {store_path} ({error}); the earlier snapshots were kept. Run "
                            "`kiosk status` to check the store") from None
    finally:
        conn.close()


def _check_writable(folder: Path) -> None:
    # SQLite says only "unable to open database" where the folder cannot be written.
    if not os.access(folder, os.W_OK | os.X_OK):
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
        code = errno.EROFS if read_only else errno.EACCES
        raise OSError(code, os.strerror(code), str(folder))


def _no_space(target: Path, store_path: Path) -> bool:
    # SQLite reports ENOSPC as SQLITE_FULL, but EFBIG (the file-size limit) and some full-disk
    # writes as a plain I/O error; SQLite has removed the partial file by then, so the store's
    # size stands for what the copy needed.
    try:
        stats = os.statvfs(target.parent)
    except OSError:
        return False
    if stats.f_bavail * stats.f_frsize < (1 << 20):
        return True
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    return soft != resource.RLIM_INFINITY and max(_size(target), _size(store_path)) + (1 << 16) > soft


def copy_to_stick(snapshot: Path, stick: Path) -> Path:
    """Copy `snapshot` into <stick>/stadtlabor-snapshots/ under its own name: written to a
    temporary name, synced, read back with integrity_check, then renamed."""
    folder = stick / STICK_FOLDER
    final = folder / snapshot.name
    temp = _temp_beside(final)
    try:
        folder.mkdir(exist_ok=True)
        with open(snapshot, "rb") as source, open(temp, "xb") as target:
            while chunk := source.read(_COPY_CHUNK):
                target.write(chunk)
            target.flush()
            os.fsync(target.fileno())
        problems = integrity_problems(temp)
        if problems:
            raise SnapshotError(f"the copy on the USB stick {stick} reads back damaged ({problems[0]}); the "
                                "snapshot in the data folder is fine. Try another stick")
        os.replace(temp, final)
        with contextlib.suppress(OSError):  # vfat may refuse to sync a folder; the file is synced
            fsync_path(folder)
    except OSError as error:
        raise SnapshotError(f"USB stick {stick}: {_disk_words(error, final)}; the snapshot in the data folder "
                            "is fine") from None
    finally:
        _remove(temp)
    return final


def drop_old(folder: Path, kiosk_id: str, keep: int, *, known_good: Path | None = None,
             ) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Remove this kiosk's snapshots in `folder` older than the newest `keep` that pass
    integrity_check. Returns (removed, [(damaged snapshot, why)]): damaged ones are kept but not
    counted, so the last good ones are never the ones removed. `known_good` was checked just now.

    The check reads each kept snapshot whole (about 19 s for a million records on a busy
    two-core machine), so it runs only when there is something to drop."""
    snapshots = snapshots_of(folder, kiosk_id)
    if len(snapshots) <= keep:
        return [], []
    good, damaged, removed = 0, [], []
    for path in reversed(snapshots):
        if good >= keep:
            try:
                path.unlink()
            except FileNotFoundError:
                continue  # another snapshot run removed it at the same time
            except OSError:
                continue  # left for the next day's run; it takes nothing from the good ones
            removed.append(path)
            continue
        problems = [] if known_good is not None and path == known_good else integrity_problems(path)
        if problems:
            damaged.append((path, problems[0]))
        else:
            good += 1
    if removed:
        with contextlib.suppress(OSError):
            fsync_path(folder)
    return removed, damaged


def integrity_problems(path: Path) -> list[str]:
    """What SQLite's integrity_check finds in the file at `path` ([] when sound). Reads only:
    immutable=1 creates no side file and takes no lock (a snapshot has no -wal)."""
    try:
        conn = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?{_read_mode(path)}", uri=True)
    except sqlite3.Error as error:
        return [str(error)]
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        rows = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.Error as error:
        return [str(error)]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows


def _read_mode(path: Path) -> str:
    # A copy of a live store may come with its -wal: mode=ro reads it without folding it in.
    return "mode=ro" if Path(f"{path}-wal").exists() else "immutable=1"


def _records_and_newest(path: Path) -> tuple[int, str | None]:
    conn = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?{_read_mode(path)}", uri=True)
    try:
        count, newest = conn.execute("SELECT COUNT(*), MAX(created_at) FROM records").fetchone()
    finally:
        conn.close()
    return count, newest


def unchanged_since(folder: Path, store_path: Path, kiosk_id: str) -> Path | None:
    """The newest snapshot in `folder` when the store's records are still what it holds (the same
    count, newest record and newest redaction), else None. The running kiosk then skips the
    day's snapshot: an idle day writes no copy of the store to the SD card."""
    snapshots = snapshots_of(Path(folder), kiosk_id)
    if not snapshots or not Path(store_path).is_file():
        return None
    try:
        if _records_state(snapshots[-1]) == _records_state(Path(store_path)):
            return snapshots[-1]
    except sqlite3.Error:
        return None  # unreadable: take a snapshot, which says what is wrong
    return None


def _records_state(path: Path) -> tuple:
    mode = "mode=ro" if Path(f"{path}-wal").exists() else "immutable=1"
    conn = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?{mode}", uri=True)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return conn.execute("SELECT COUNT(*), MAX(created_at), MAX(redacted_at) FROM records").fetchone()
    finally:
        conn.close()


# -- alerts for staff ----------------------------------------------------------------------------


def snapshot_with_alerts(store, *, keep: int, sticks: Iterable[Path] = (), now: dt.datetime | None = None,
                         folder: Path | None = None, skip_unchanged: bool = False) -> SnapshotResult | None:
    """The running kiosk's daily snapshot of its open `store` (a kiosk.store.Store): a failure
    becomes an alert staff see on the staff screen (and `kiosk status`), a success clears it.
    With `skip_unchanged`, None when the newest snapshot still holds what the store holds.
    Raises SnapshotError as take_snapshot does."""
    folder = Path(folder) if folder is not None else snapshot_folder(Path(store.path).parent)
    if skip_unchanged and unchanged_since(folder, store.path, store.kiosk_id) is not None:
        _clear_alerts(store)  # what a failed snapshot missed is in the newest one after all
        return None
    try:
        result = take_snapshot(store.path, store.kiosk_id, keep=keep, folder=folder, sticks=sticks, now=now)
    except SnapshotError as error:
        # One open alert however often it fails (the kiosk tries again each hour). A full disk
        # refuses the alert too: then the store's own "Speicher voll" fault is what staff see.
        with contextlib.suppress(StoreError):
            if not any(alert.get("kind") == ALERT_KIND for alert in store.alerts()):
                store.add_alert(ALERT_KIND, failed_words(error))
        raise
    _clear_alerts(store)
    return result


def _clear_alerts(store) -> None:
    with contextlib.suppress(StoreError):
        for alert in store.alerts():
            if alert.get("kind") == ALERT_KIND and alert.get("id") is not None:
                store.clear_alert(alert["id"])


def failed_words(error: Exception) -> str:
    """Staff's words for a failed snapshot (German, as the staff screen)."""
    return ("Die tägliche Sicherung des Speichers ist fehlgeschlagen; die früheren Sicherungen sind erhalten, "
            f"die Aufzeichnung läuft weiter. Bitte der IT melden. (Technisch: {error})")


# -- restoring -----------------------------------------------------------------------------------


def check_snapshot(snapshot: Path, store_path: Path, kiosk_id: str, *, any_kiosk: bool = False) -> None:
    """Refuse, with RestoreError and nothing changed, a file that is not a sound snapshot of this
    kiosk's store: missing, not a file, the store itself, not SQLite, another program's database,
    damaged, from a newer kiosk version, or another kiosk's records (unless `any_kiosk`)."""
    snapshot = Path(snapshot)
    try:
        info = os.stat(snapshot)
    except FileNotFoundError:
        raise RestoreError(f"{snapshot}: no such file; name a snapshot, e.g. "
                           f"{snapshot_folder(store_path.parent) / snapshot_name(kiosk_id, local_day())} "
                           f"(`ls {snapshot_folder(store_path.parent)}` lists them)") from None
    except OSError as error:
        raise RestoreError(f"{snapshot}: cannot be read ({error.strerror}); run as the kiosk's user or root") \
            from None
    if not stat.S_ISREG(info.st_mode):
        raise RestoreError(f"{snapshot} is not a file; name a snapshot file (<kiosk id>-<date>.sqlite3)")
    for candidate in (store_path, *(Path(f"{store_path}{suffix}") for suffix in SIDE_FILES)):
        if candidate.exists() and os.path.samefile(snapshot, candidate):
            raise RestoreError(f"{snapshot} is the current store ([store] path) or one of its files; name a "
                               "snapshot to put in its place")
    try:
        with open(snapshot, "rb") as file:
            header = file.read(100)
    except OSError as error:
        raise RestoreError(f"{snapshot}: cannot be read ({error.strerror}); run as the kiosk's user or root") \
            from None
    if not header.startswith(SQLITE_MAGIC):
        raise RestoreError(f"{snapshot} is not an SQLite file (no SQLite header), so no snapshot of a store; "
                           "nothing was changed")
    try:
        is_store = recognise(snapshot)
    except StoreForeignFileError:
        is_store = False
    except sqlite3.Error as error:
        raise RestoreError(f"{snapshot}: cannot be read as SQLite ({error}); nothing was changed") from None
    problems = integrity_problems(snapshot)
    if problems:
        raise RestoreError(f"{snapshot} is damaged (SQLite's integrity_check: {'; '.join(problems[:3])}); "
                           "nothing was changed. Take an older snapshot")
    if not is_store:
        raise RestoreError(f"{snapshot} is an SQLite database but not a kiosk store; nothing was changed")
    conn = sqlite3.connect(f"file:{urllib.parse.quote(str(snapshot))}?{_read_mode(snapshot)}", uri=True)
    try:
        applied = {row[0] for row in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (migrations.name,))}
        kiosks = [row[0] for row in conn.execute(
            "SELECT DISTINCT kiosk_id FROM records WHERE store_id = (SELECT store_id FROM store) LIMIT 20")]
    except sqlite3.Error as error:
        raise RestoreError(f"{snapshot}: not a complete kiosk store ({error}); nothing was changed") from None
    finally:
        conn.close()
    newer = applied - {m.name for m in migrations._migrations}
    if newer:
        raise RestoreError(f"{snapshot} was written by a newer kiosk version ({', '.join(sorted(newer))}); "
                           "update this installation first; nothing was changed")
    if kiosks and kiosk_id not in kiosks and not any_kiosk:
        raise RestoreError(f"{snapshot} is another kiosk's store (its records are from {', '.join(kiosks)}, this "
                           f"kiosk is {kiosk_id}); nothing was changed. Take this kiosk's snapshot, or pass "
                           "--any-kiosk when this terminal is to carry on that kiosk's store")


def restore(snapshot: Path, store_path: Path, kiosk_id: str, *, any_kiosk: bool = False,
            now: dt.datetime | None = None) -> RestoreResult:
    """Put `snapshot` in the place of the store at `store_path`. The caller holds the store's
    instance lock (no kiosk may run on it). Checks first (check_snapshot); then the snapshot is
    copied beside the store and given a new store_id, the current store is moved aside and the
    copy renamed into place. Nothing is deleted."""
    snapshot, store_path = Path(snapshot).absolute(), Path(store_path).absolute()
    check_snapshot(snapshot, store_path, kiosk_id, any_kiosk=any_kiosk)
    folder = store_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RestoreError(f"cannot create the data folder {folder} ({error.strerror}); nothing was changed") \
            from None
    temp = _temp_beside(store_path)
    kept_aside = None
    try:
        _copy_consistent(snapshot, temp)
        store_id = _new_store_id(temp)
        fsync_path(temp)
        kept_aside = _move_current_aside(store_path, now or utc_now())
        os.replace(temp, store_path)
        fsync_path(folder)
    except (OSError, sqlite3.Error) as error:
        if kept_aside is not None and not store_path.exists():
            _put_back(kept_aside, store_path)
        why = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise RestoreError(f"cannot put {snapshot} in place of {store_path} ({why}); the store was left as it "
                           "was. Check the free space and the data folder's permissions") from None
    finally:
        _remove(temp)
    records, newest = _records_and_newest(store_path)
    return RestoreResult(snapshot, store_path, kept_aside, records, newest, store_id)


def _copy_consistent(snapshot: Path, target: Path) -> None:
    """A snapshot with a -wal beside it (a copied live store) is read through SQLite, so what the
    -wal holds comes along; a plain snapshot file is copied byte for byte."""
    if Path(f"{snapshot}-wal").exists():
        conn = sqlite3.connect(f"file:{urllib.parse.quote(str(snapshot))}?mode=ro", uri=True)
        try:
            conn.execute("VACUUM INTO ?", (str(target),))
        finally:
            conn.close()
        return
    with open(snapshot, "rb") as source, open(target, "xb") as out:
        while chunk := source.read(_COPY_CHUNK):
            out.write(chunk)


def _new_store_id(path: Path) -> str:
    # The trigger that keeps a store's id is dropped and made again with its own text, in one
    # transaction: the schema is the same afterwards, only the id is new.
    store_id = str(uuid.uuid4())
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")  # the file is renamed into place alone, without a -wal
        (trigger,) = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                  "AND name = 'store_id_never_changes'").fetchone()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DROP TRIGGER store_id_never_changes")
        conn.execute("UPDATE store SET store_id = ?", (store_id,))
        conn.execute(trigger)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return store_id


def _move_current_aside(store_path: Path, now: dt.datetime) -> Path | None:
    if not any(Path(f"{store_path}{suffix}").exists() for suffix in ("", *SIDE_FILES)):
        return None
    return rename_aside(store_path, "before-restore", now)


def _put_back(kept_aside: Path, store_path: Path) -> None:
    for suffix in ("", *SIDE_FILES):
        source = Path(f"{kept_aside}{suffix}")
        if source.exists():
            with contextlib.suppress(OSError):
                os.rename(source, f"{store_path}{suffix}")


# -- small helpers -------------------------------------------------------------------------------


def _temp_beside(final: Path) -> Path:
    # Hidden, unique, in the same folder (a rename is atomic only within one file system), and
    # never matching a snapshot's name, so a leftover is never taken for one.
    return final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}{PART_SUFFIX}")


def _remove_stale_parts(folder: Path) -> None:
    # A kiosk stopped (or a power cut) mid-snapshot leaves its temporary file; one an hour old is
    # no other run's work in progress.
    cutoff = utc_now().timestamp() - STALE_PART_S
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.startswith(".") and entry.name.endswith(PART_SUFFIX):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _disk_words(error: OSError, final: Path) -> str:
    if error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return (f"cannot write {final}: the disk is full (or the file-size limit is reached); the earlier "
                "snapshots were kept. Free some space")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"cannot write {final}: no permission ({error.strerror}); the earlier snapshots were kept. Make "
                f"{final.parent} writable for the kiosk's user")
    if error.errno == errno.EIO or error.errno == errno.ENODEV or error.errno == errno.ENOENT:
        return (f"cannot write {final} ({error.strerror}): was the disk or stick removed? The earlier snapshots "
                "were kept")
    return f"cannot write {final} ({error.strerror or error}); the earlier snapshots were kept"
