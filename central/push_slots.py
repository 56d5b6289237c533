"""The places for pushes in flight that the push gate (central/gate.py) hands out:
`max_concurrent_pushes` of them for the whole `kiosk-central serve`, however many workers it runs.

One worker counts in memory (`CountedSlots`). Several workers (central/workers.py) share a
folder of slot files, one per place (`SlotFiles`): a push takes a place by holding an exclusive
`flock` on one file, without waiting, and gives it back by closing it. The kernel drops the lock
of a worker that dies, a kill -9 included, so no place is ever lost; and a lock is per opened
file, so two pushes of the same worker exclude each other as two workers' do. Nothing is written
into the files. The folder is the supervisor's, made for one run (`slot_folder`).
"""

from __future__ import annotations

import fcntl
import os
import random
import tempfile
from pathlib import Path

# Where serve tells its workers the slot folder (beside the settings file's variable).
SLOTS_ENV = "STADTLABOR_CENTRAL_PUSH_SLOTS"


class CountedSlots:
    """One process's places, counted on its event loop (no lock needed there)."""

    def __init__(self, count: int):
        self.count = count
        self.taken = 0

    def take(self) -> object | None:
        if self.taken >= self.count:
            return None
        self.taken += 1
        return True

    def give(self, place: object) -> None:
        self.taken -= 1


class SlotFiles:
    """Places shared by the processes that open the same folder: `count` files, a place taken
    while its file is locked."""

    def __init__(self, folder: Path, count: int):
        self.folder, self.count = Path(folder), count
        self._paths = [str(self.folder / f"push-{number}") for number in range(count)]

    def take(self) -> int | None:
        """A held place (an open file descriptor), or None when all are taken."""
        start = random.randrange(self.count)  # spread the tries: the first files are not always tried first
        for offset in range(self.count):
            fd = os.open(self._paths[(start + offset) % self.count], os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        return None

    def give(self, place: int) -> None:
        os.close(place)  # closing the file drops its lock


def slot_folder() -> Path:
    """A new folder for one run's slot files, only the central's user may enter."""
    return Path(tempfile.mkdtemp(prefix="stadtlabor-central-pushes-"))


def slots_for(count: int) -> CountedSlots | SlotFiles:
    """The places of this process: shared through the folder serve named, when it runs workers."""
    folder = os.environ.get(SLOTS_ENV)
    return SlotFiles(Path(folder), count) if folder else CountedSlots(count)
