"""Write to a temporary name in the target folder; rename into place only when complete.

A half-written export (stick pulled, disk full, Ctrl-C) must never sit under the final name,
where someone would open it and take its numbers for the whole truth. The temporary file lives
in the target folder because a rename is only atomic within one filesystem.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from pathlib import Path

from kiosk.core.files import fsync_path

from .errors import ExportError, OutputPathError

PART_SUFFIX = ".part"


def check_target(out: Path, argument: str = "--out") -> Path:
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
    return out


def temp_path(final: Path) -> Path:
    # Hidden and with a unique part so two exports to the same name never share a temp file.
    return final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}{PART_SUFFIX}")


@contextlib.contextmanager
def atomic_paths(*finals: Path):
    """Yields one temporary path per final path; renames them all when the block completes."""
    temps = [temp_path(Path(f)) for f in finals]
    try:
        yield temps
        for temp in temps:
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
