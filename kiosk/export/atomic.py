"""Write to a temporary name in the target folder; rename into place only when complete.

A half-written export (stick pulled, disk full, Ctrl-C) must never sit under the final name,
where someone would open it and take its numbers for the whole truth. The temporary file lives
in the target folder because a rename is only atomic within one filesystem.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import uuid
from pathlib import Path
from typing import Callable

from kiosk.core.files import Protected, check_writable_target, fsync_path

from .errors import ExportError, OutputPathError

PART_SUFFIX = ".part"
NOTHING_PROTECTED = Protected()


def check_target(out: Path, argument: str = "--out", protected: Protected = NOTHING_PROTECTED) -> Path:
    """The file to write, checked before anything is written: its folder exists and is writable,
    and it is not the store, the config, content or a device (ProtectedFileError, exit 2).
    A symlink to a regular file gives the file it points to, which is what gets replaced."""
    out = Path(out)
    folder = out.parent
    if not folder.is_dir():
        raise OutputPathError(f"{argument}: the folder {folder} does not exist; create it first or pick "
                              "another folder (for a USB stick: is it plugged in and mounted?)")
    if out.is_dir():
        raise OutputPathError(f"{argument}: {out} is a folder; name the file to write, e.g. {out / 'export.csv'}")
    if not os.access(folder, os.W_OK):
        raise OutputPathError(f"{argument}: the folder {folder} is not writable; pick another folder "
                              "(a USB stick may be write-protected)")
    return check_writable_target(out, protected, argument)


def temp_path(final: Path) -> Path:
    # Hidden and with a unique part so two exports to the same name never share a temp file.
    return final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}{PART_SUFFIX}")


@contextlib.contextmanager
def atomic_paths(*finals: Path, before_publish: Callable[[], None] | None = None):
    """Yields one temporary path per final path; renames them all when the block completes.

    `before_publish`, when given, runs after the block and before the renames: what it raises
    leaves nothing under the final names (the export's store check, running beside the writing)."""
    temps = [temp_path(Path(f)) for f in finals]
    try:
        yield temps
        if before_publish is not None:
            before_publish()
        for temp, final in zip(temps, finals):
            _keep_owner_and_mode(temp, Path(final))
            fsync_path(temp)
        for temp, final in zip(temps, finals):
            os.replace(temp, final)
        # The renames themselves must reach the stick before staff pull it.
        _fsync_folder(Path(finals[0]).parent)
    except OSError as error:
        _remove(temps)
        raise ExportError(_describe(error, Path(finals[0]))) from None
    except BaseException:
        _remove(temps)
        raise


def _keep_owner_and_mode(temp: Path, final: Path) -> None:
    """A file that is replaced keeps its owner, group and mode: staff who could open the last
    export must be able to open this one (run as root, the new file would be root's otherwise)."""
    try:
        old = os.stat(final)
    except FileNotFoundError:
        return
    os.chmod(temp, stat.S_IMODE(old.st_mode))
    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.chown(temp, old.st_uid, old.st_gid)
        except PermissionError:
            pass  # only root may give a file away; an ordinary user's export is theirs, as before


def _describe(error: OSError, final: Path) -> str:
    if error.errno == errno.ENOSPC:
        return f"cannot write {final}: the disk or stick is full; free some space or pick another folder"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {final}: no permission ({error.strerror}); pick another folder"
    return f"cannot write {final}: {error.strerror or error}; check the folder or stick and try again"


def _fsync_folder(folder: Path) -> None:
    try:
        fsync_path(folder)
    except OSError:
        pass  # some filesystems (vfat on some kernels) refuse fsync on a directory; the files are synced


def _remove(paths) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
