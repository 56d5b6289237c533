"""Checking pushed batches in a process of their own, beside the one that writes them.

Checking a batch (parsing it, checking each record, its canonical JSON and fingerprint) is
pure Python and holds the GIL throughout; storing it is SQLite, which mostly does not. In
one process the two take turns on one core, and twenty kiosks pushing together queue behind
both. Here one child process checks while the central's own threads write what was checked
before: each kiosk's answer comes sooner, and the second core does the other half.

The child is the central's own code (`python -m central.checker`), fed through its stdin and
answering on its stdout, one batch at a time: a length-prefixed kiosk id and body in, a
pickled result out (a pipe between the central and its own child, never a network). It ends
when its stdin closes, so it never outlives the central, even one killed with SIGKILL.

Whatever goes wrong with the child (it died, was killed, answered nonsense), the batch is
checked here, in the central's process, as it would be without a child, and a new child is
started for the next batch: a push never fails because of this process.
"""

from __future__ import annotations

import logging
import pickle
import queue
import struct
import subprocess
import sys
from typing import NamedTuple

from pydantic import ValidationError

from .batches import read_batch, sort_records
from .db import Candidate, Refused

log = logging.getLogger("central")

_LENGTH = struct.Struct("!I")


class Checked(NamedTuple):
    """A batch as checked: the kiosk its envelope names, and each record as the database
    takes it (None when the envelope names another kiosk than the token's: nothing more is
    done with it). `problems` is pydantic's list of errors when the envelope itself is wrong,
    and then nothing else is set."""

    named_kiosk: str | None
    items: list[Candidate | Refused] | None
    problems: list[dict] | None = None


def check_batch(body: bytes, kiosk_id: str) -> Checked:
    """`body`, pushed with `kiosk_id`'s token, checked (see batches.py)."""
    try:
        named, records, checked = read_batch(body)
    except ValidationError as error:
        return Checked(None, None, error.errors(include_url=False))
    if named != kiosk_id:
        return Checked(named, None)
    return Checked(named, sort_records(kiosk_id, records, checked))


class Checker:
    """The child processes that check batches, started with the app and stopped with it; a
    batch goes to whichever is free."""

    def __init__(self, processes: int = 2) -> None:
        self._idle: queue.Queue[_Child] = queue.Queue()
        self._children = [_Child() for _ in range(processes)]
        for child in self._children:
            self._idle.put(child)

    def start(self) -> None:
        for child in self._children:
            child.start()

    def stop(self) -> None:
        for child in self._children:
            child.end()

    def check(self, body: bytes, kiosk_id: str) -> Checked:
        child = self._idle.get()
        try:
            answer = child.ask(body, kiosk_id)
        finally:
            self._idle.put(child)
        # None also when the child could not send its result (an error that does not pickle):
        # checked here, where it can be said in full.
        return check_batch(body, kiosk_id) if answer is None else Checked(*answer)

    @property
    def pids(self) -> list[int]:
        return [child.process.pid for child in self._children if child.process is not None]


class _Child:
    """One checking process, (re)started when it is needed and not running."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # Its imports take a moment; the first batch waits for them only if it comes sooner.
        self.process = subprocess.Popen([sys.executable, "-m", "central.checker"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, close_fds=True)

    def end(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            _end(process)

    def ask(self, body: bytes, kiosk_id: str) -> tuple | None:
        try:
            if self.process is None or self.process.poll() is not None:
                self.start()
            process = self.process
            kiosk = kiosk_id.encode()
            process.stdin.write(_LENGTH.pack(len(kiosk)) + kiosk + _LENGTH.pack(len(body)))
            process.stdin.write(body)
            process.stdin.flush()
            size = _LENGTH.unpack(_read_exactly(process.stdout, 4))[0]
            return pickle.loads(_read_exactly(process.stdout, size))
        except (OSError, EOFError, ValueError, pickle.UnpicklingError, struct.error) as error:
            log.warning("a checking process failed (%s); this batch is checked in the central's own process, "
                        "and a new checking process is started for the next", error)
            self.end()
            return None


def _end(child: subprocess.Popen) -> None:
    for stream in (child.stdin, child.stdout):
        try:
            stream.close()
        except OSError:
            pass
    try:
        child.wait(5)  # its stdin closed: it ends by itself
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def _read_exactly(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the checking process ended")
    return data


def main() -> None:
    """The child: check each batch that comes in on stdin, answer on stdout, until stdin ends."""
    import gc
    import signal

    # Ctrl-C in the central's terminal reaches the whole process group: the central stops
    # and closes this child's stdin, which ends it without a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()  # what the imports made is never garbage; the collector need not walk it again
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed by accident may get into the answers
    while True:
        head = source.read(4)
        if len(head) < 4:
            return
        kiosk_id = source.read(_LENGTH.unpack(head)[0]).decode()
        body = source.read(_LENGTH.unpack(source.read(4))[0])
        try:
            answer = pickle.dumps(tuple(check_batch(body, kiosk_id)), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - e.g. an error that does not pickle: the central checks it itself
            answer = pickle.dumps(None)
        sink.write(_LENGTH.pack(len(answer)) + answer)
        sink.flush()


if __name__ == "__main__":
    main()
