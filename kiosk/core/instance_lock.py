"""One kiosk per store: an exclusive lock on a file next to the SQLite store.

flock rather than a PID file because the kernel drops the lock when the holder dies, even by
kill -9 or a power cut, so a crashed kiosk never blocks the next start. The PID written into the
file is only for the message.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path

from .errors import KioskError


class AlreadyRunningError(KioskError):
    """Another kiosk process holds the lock on this store."""

    exit_code = 1


class LockFileError(KioskError):
    """The lock file cannot be created or opened."""

    exit_code = 2


class InstanceLock:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._fd: int | None = None

    @classmethod
    def for_store(cls, store_path: Path | str) -> "InstanceLock":
        """The lock beside a store file: `var/kiosk.sqlite3` -> `var/kiosk.sqlite3.lock`.

        Where that folder cannot be written (a read-only store), the lock lives in the system's
        temporary folder under a name made from the store's path: the kiosk must still start,
        show the exhibition and tell staff about the store, not fail and restart in a loop.
        """
        store_path = Path(store_path).absolute()
        beside = store_path.with_name(store_path.name + ".lock")
        folder = _existing_parent(beside.parent)
        if os.access(folder, os.W_OK | os.X_OK) and (not beside.exists() or os.access(beside, os.W_OK)):
            return cls(beside)
        digest = hashlib.sha256(str(store_path).encode()).hexdigest()[:16]
        return cls(Path(tempfile.gettempdir()) / f"stadtlabor-kiosk-{digest}.lock")

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # No O_TRUNC: the file may hold the running kiosk's PID, needed for the message.
            # Python opens it close-on-exec, so helpers we start do not inherit the lock.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise LockFileError(f"cannot create the lock file {self.path} ({error.strerror}); "
                                "check that the [store] path folder is writable") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            pid = f"PID {holder}" if holder else "PID unknown"
            raise AlreadyRunningError(f"another kiosk is already running ({pid}, lock file {self.path}); "
                                      "stop it first or use another [store] path") from None
        except OSError as error:
            os.close(fd)
            raise LockFileError(f"cannot lock {self.path} ({error.strerror}); the folder must be on a local "
                                "disk that supports file locks") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd

    def release(self) -> None:
        # The file stays: unlinking it would let a starting kiosk lock a fresh file while another
        # still holds the old one open.
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> "InstanceLock":
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


def _existing_parent(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
