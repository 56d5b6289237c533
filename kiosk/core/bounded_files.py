"""Read a file the kiosk was handed (content, config) without trusting what it is.

A content folder comes from a USB stick or a network share: a name like de.md may be a
named pipe (reading it waits forever), a device such as /dev/zero (reading it never
ends), a folder, or a symbolic link to anywhere. The size a folder listing shows only
means something for a regular file. So every file is checked to be a regular file
before it is opened, opened without blocking, checked again on the open descriptor (it
may have been swapped in between), and read with a bound of limit + 1 bytes.

Standard library only: config.toml is read through here before the kiosk's first frame.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 64 * 1024


class FileRefused(Exception):
    """The file cannot be used as it is; `reason` and `hint` are words for the editor."""

    def __init__(self, path: Path | str, reason: str, hint: str):
        super().__init__(f"{path}: {reason}; {hint}")
        self.path, self.reason, self.hint = Path(path), reason, hint

    @property
    def words(self) -> str:
        """`reason; hint`, for messages that name the file themselves."""
        return f"{self.reason}; {self.hint}"


class FileMissing(FileRefused):
    def __init__(self, path):
        super().__init__(path, "does not exist", "check the name or create the file")


class NotRegularFile(FileRefused):
    def __init__(self, path, kind: str):
        hint = ("name a file, not a folder" if kind == "a folder"
                else "replace it with an ordinary file (a copy of the real file)")
        super().__init__(path, f"is {kind}, not an ordinary file", hint)
        self.kind = kind


class FileTooLarge(FileRefused):
    def __init__(self, path, size: int, limit: int):
        super().__init__(path, f"is {size:,} bytes, over the limit of {describe_size(limit)}",
                         "shorten it")
        self.size, self.limit = size, limit


class NoPermission(FileRefused):
    def __init__(self, path, what: str = "file"):
        super().__init__(path, "cannot be read: permission denied",
                         f"make the {what} readable for the user the kiosk runs as (e.g. chmod a+r"
                         f"{'X' if what == 'folder' else ''})")


class OutsideRoot(FileRefused):
    def __init__(self, path, target: str, root_name: str):
        super().__init__(path, f"is a symbolic link leading outside the {root_name} (to {target})",
                         f"copy the file into the {root_name} instead of linking to it")
        self.target = target


class UnreadableFile(FileRefused):
    def __init__(self, path, error: OSError | ValueError):
        why = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        super().__init__(path, f"cannot be read ({why})", "check the file and the disk it is on")


def describe_size(limit: int) -> str:
    """512 KiB, 5 MB: a limit in the words docs/content.md and docs/configuration.md use."""
    if limit % 1024 == 0 and limit < 1_000_000:
        return f"{limit // 1024} KiB"
    return f"{limit / 1_000_000:g} MB"


def kind_of(mode: int) -> str:
    """What a file is, in words, from its st_mode."""
    if stat.S_ISREG(mode):
        return "an ordinary file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def status(path: Path | str, what: str = "file") -> os.stat_result | None:
    """os.stat(path), following links; None if nothing is there. Other failures are FileRefused."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except PermissionError:
        raise NoPermission(path, "folder") from None
    except (OSError, ValueError) as error:  # a link loop, a name too long, a NUL byte
        raise UnreadableFile(path, error) from None


def check_inside(path: Path | str, root: Path | str, root_name: str = "content folder") -> None:
    """Refuse a path whose real location (after symbolic links) is outside `root`."""
    real = os.path.realpath(path)
    real_root = os.path.realpath(root)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise OutsideRoot(path, real, root_name)


def list_folder(path: Path) -> list[Path]:
    """The entries of a folder, sorted; FileRefused when it cannot be listed."""
    try:
        return sorted(path.iterdir())
    except PermissionError:
        raise NoPermission(path, "folder") from None
    except NotADirectoryError:
        raise NotRegularFile(path, "an ordinary file") from None
    except OSError as error:
        raise UnreadableFile(path, error) from None


def read_bounded(path: Path | str, limit: int, root: Path | str | None = None,
                 root_name: str = "content folder") -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them, else FileRefused.

    With `root`, the file must lie inside it after following symbolic links.
    """
    if root is not None:
        check_inside(path, root, root_name)
    # Look before opening: opening a device can have effects of its own (a tape rewinds).
    _check_regular(path, status(path), limit)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise FileMissing(path) from None
    except PermissionError:
        raise NoPermission(path) from None
    except OSError as error:
        raise UnreadableFile(path, error) from None
    try:
        _check_regular(path, os.fstat(fd), limit)
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as error:
        if error.errno == errno.EACCES:
            raise NoPermission(path) from None
        raise UnreadableFile(path, error) from None
    finally:
        os.close(fd)
    if total > limit:  # it grew while being read
        raise FileTooLarge(path, total, limit)
    return b"".join(chunks)


def _check_regular(path, info: os.stat_result | None, limit: int) -> None:
    if info is None:
        raise FileMissing(path)
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(path, kind_of(info.st_mode))
    if info.st_size > limit:
        raise FileTooLarge(path, info.st_size, limit)
