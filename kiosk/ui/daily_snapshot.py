"""The running kiosk's daily snapshot of its store, taken in a thread of its own.

Checked a while after the start and then every hour rather than every 24 hours: a kiosk
switched on each morning and off each evening would otherwise never reach its first day. A check
takes a snapshot only when there is none of today yet, so restarts never take a second one, and
only when the records changed since the newest snapshot: an idle day copies nothing (the SD
card's write budget).
What fails becomes an alert on the staff screen (kiosk.store.snapshot.snapshot_with_alerts).
"""

from __future__ import annotations

import sys
from pathlib import Path

from kivy.clock import Clock

from kiosk.core.config import Config
from kiosk.store.snapshot import has_snapshot_of, local_day, snapshot_folder, snapshot_with_alerts

from .background import in_background

# Not at once: the first minutes after a start belong to the first visitors and the warm-up.
FIRST_CHECK_S = 10 * 60
CHECK_EVERY_S = 3600


class DailySnapshot:
    def __init__(self, recorder, config: Config, *, first_after_s: float = FIRST_CHECK_S,
                 every_s: float = CHECK_EVERY_S, folder: Path | None = None):
        self._recorder = recorder
        self._config = config
        self._first_after_s, self._every_s = first_after_s, every_s
        self.folder = folder or snapshot_folder(config.data_dir)
        self.running = False
        self.last = None  # the last SnapshotResult, or the exception of the last failure
        self._events = []

    def start(self) -> "DailySnapshot":
        self._events = [Clock.schedule_once(lambda dt: self.check(), self._first_after_s),
                        Clock.schedule_interval(lambda dt: self.check(), self._every_s)]
        return self

    def stop(self) -> None:
        for event in self._events:
            event.cancel()
        self._events = []

    def check(self) -> bool:
        """Start today's snapshot in the background unless it is there or under way; True if started."""
        store = self._recorder.store if self._recorder is not None else None
        if store is None or self.running:
            return False
        if has_snapshot_of(self.folder, store.kiosk_id, local_day()):
            return False
        self.running = True
        in_background(lambda: self._take(store), self._done, name="kiosk-snapshot")
        return True

    def _take(self, store):
        # Imported here: the export package is not needed at start-up.
        from kiosk.export.media import find_removable_media

        return snapshot_with_alerts(store, keep=self._config.store.snapshots_kept, folder=self.folder,
                                    sticks=find_removable_media()[:1], skip_unchanged=True)

    def _done(self, result) -> None:
        self.running = False
        self.last = result
        if isinstance(result, Exception):
            print(f"kiosk: warning: the daily snapshot failed, trying again in an hour: {result}", file=sys.stderr,
                  flush=True)
            return
        if result is None:
            return  # nothing recorded since the newest snapshot: no copy today (checked again hourly)
        copies = "".join(f", copied onto {copy}" for copy in result.copies)
        print(f"kiosk snapshot: {result.path} ({result.records} records{copies})", flush=True)
        for problem in result.problems:
            print(f"kiosk: warning: snapshot: {problem}", file=sys.stderr, flush=True)
