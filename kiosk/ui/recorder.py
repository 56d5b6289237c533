"""The screens' way to record: drafts go to the store's writer thread, results come back
on the Kivy thread. A visitor is told "thank you" only after the commit returned.

If the store cannot be opened (not writable) the kiosk still runs: visitors can read
everything, recording answers "gerade nicht möglich", and staff see why.
"""

from __future__ import annotations

import datetime as dt
import threading

from kivy.clock import Clock

from kiosk.core.records import Record, RecordDraft


class Recorder:
    """Opens the store in a thread of its own (a large store's integrity check must not hold up
    a frame); drafts recorded before it is open wait and are written, in order, once it is."""

    def __init__(self, store_path, kiosk_id: str, app_version: str, *, on_open=None):
        self.problem: str | None = None
        self.store = None
        self.writer = None
        self._lock = threading.Lock()
        self._waiting: list = []  # (draft, on_done) recorded before the store was open
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._open, args=(store_path, kiosk_id, app_version, on_open),
                                        name="kiosk-store-open", daemon=True)
        self._thread.start()

    def _open(self, store_path, kiosk_id, app_version, on_open) -> None:
        from kiosk.store import Store, StoreWriter

        store = writer = problem = None
        try:
            store = Store.open(store_path, kiosk_id, app_version=app_version)
            writer = StoreWriter(store)
        except Exception as error:  # noqa: BLE001 - any store failure must leave the exhibition usable
            problem = f"{type(error).__name__}: {error}"
        with self._lock:  # drafts that waited go first, in the order they came
            self.store, self.writer, self.problem = store, writer, problem
            for draft, on_done in self._waiting:
                self._submit(draft, on_done)
            self._waiting = []
            self._opened.set()
        if on_open is not None:
            on_open()

    @property
    def opened(self) -> bool:
        """The store was opened, or found unusable (then `problem` says why)."""
        return self._opened.is_set()

    def wait_opened(self, timeout: float | None = None) -> bool:
        return self._opened.wait(timeout)

    def redact_old_free_text(self, retention_days: int) -> int:
        """Blank ideas and comments older than the retention, where the central store has them."""
        if self.store is None:
            return 0
        cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=retention_days)
        return self.store.redact_free_text(cutoff)

    @property
    def available(self) -> bool:
        return self.writer is not None

    def record(self, draft: RecordDraft, on_done=None) -> None:
        """Write `draft`; `on_done(record_or_error)` runs on the Kivy thread after the commit."""
        with self._lock:
            if self._opened.is_set():
                self._submit(draft, on_done)
            else:
                self._waiting.append((draft, on_done))

    def _submit(self, draft: RecordDraft, on_done) -> None:
        if self.writer is None:
            if on_done is not None:
                Clock.schedule_once(lambda dt: on_done(RuntimeError(self.problem or "store unavailable")))
            return
        self.writer.submit(draft, lambda result: Clock.schedule_once(lambda dt: self._done(result, on_done)))

    def _done(self, result, on_done) -> None:
        # The latest write decides: a full disk that has space again is no longer a problem
        # (the store keeps its own alert of the time it was full).
        self.problem = None if isinstance(result, Record) else f"{type(result).__name__}: {result}"
        if on_done is not None:
            on_done(result)

    def poll_counts(self, exhibit_id: str, poll_id: str, question_version: str, include_suspect: bool) -> dict:
        if self.store is None:
            return {"answers": {}, "voters": 0}
        return self.store.poll_counts(exhibit_id, poll_id, question_version, include_suspect=include_suspect)

    def health(self) -> dict:
        if self.store is None:
            return {"problem": self.problem}
        return self.store.health()

    def close(self) -> None:
        self._opened.wait(30)  # a store still being checked is closed once that is done
        if self.writer is not None:
            self.writer.close()
        if self.store is not None:
            self.store.close()  # also folds the -wal file back into the store
