"""The store's writer thread: records are committed off the UI's frame, one after another.

The UI submits a draft with a callback and carries on drawing; the callback runs in the writer
thread once the commit returned (with the Record) or failed (with the exception), and the UI
hops back to its own thread from there. The order of callbacks is the order of submits, which
is the order of seq.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

from kiosk.core.records import Record, RecordDraft

from .errors import StoreClosedError
from .store import Store

log = logging.getLogger(__name__)

Callback = Callable[[Record | BaseException], None]
_STOP = object()


class StoreWriter:
    def __init__(self, store: Store, *, name: str = "kiosk-store-writer"):
        self.store = store
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        self._submit_lock = threading.Lock()
        # A daemon: if the process ends without close(), what was not committed is simply not
        # acknowledged, the same as after a crash; it must not keep the process alive.
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, draft: RecordDraft, callback: Callback | None = None) -> None:
        """Queue `draft`; `callback(record_or_exception)` runs in the writer thread after the commit."""
        with self._submit_lock:
            if self._closed:
                raise StoreClosedError(f"{self.store.path}: the store writer was closed; the record was not queued")
            self._queue.put((draft, callback))

    def close(self, timeout: float = 5) -> bool:
        """Write what was submitted, then stop; True when the thread finished within `timeout`."""
        with self._submit_lock:
            if not self._closed:
                self._closed = True
                self._queue.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            draft, callback = item
            try:
                result: Record | BaseException = self.store.append(draft)
            except Exception as error:  # every failure goes to the one who asked; the thread goes on
                result = error
            if callback is None:
                if isinstance(result, BaseException):
                    log.error("store write failed and nobody was waiting for it: %s", result)
                continue
            try:
                callback(result)
            except Exception:  # a faulty callback must not stop recording for everyone else
                log.exception("store writer callback failed")
