"""Python's full cycle collections, run when nobody is touching the screen.

A full collection over Kivy's many objects takes longer than a frame; left automatic,
it strikes in the middle of a tap now and then. The kiosk keeps the cheap young-generation
passes automatic, moves the full passes to pauses between touches and the end of each
visit, and forces one at least every MAX_GAP_S, so memory stays bounded on a busy day too.
"""

from __future__ import annotations

import gc
import time

from kivy.clock import Clock

CHECK_S = 2.0
QUIET_S = 1.5     # no touch for this long counts as a pause
MAX_GAP_S = 30.0  # collect at the latest after this long, visitors or not
# Young-generation passes stay automatic (Python's defaults); full passes come three times less
# often than by default, and in pauses. The screens reuse their widgets (widgets/reuse.py), so a
# visit leaves almost no cyclic garbage; before they did, a full pass found ~200,000 objects and
# took 300-450 ms, on whatever tap it fell.
THRESHOLDS = (700, 10, 30)


class QuietCollector:
    def __init__(self):
        self.last_touch = time.monotonic()
        self.last_collect = time.monotonic()
        self.collections = 0
        self._event = None

    def start(self) -> None:
        gc.collect()
        gc.freeze()  # start-up objects live as long as the app: no collector pass needs to see them
        self._thresholds = gc.get_threshold()
        gc.set_threshold(*THRESHOLDS)
        self._event = Clock.schedule_interval(self._check, CHECK_S)

    def touched(self) -> None:
        self.last_touch = time.monotonic()

    def collect(self) -> None:
        gc.collect()
        self.collections += 1
        self.last_collect = time.monotonic()

    def _check(self, dt) -> None:
        now = time.monotonic()
        visited = self.last_touch > self.last_collect  # a visitor made garbage since the last pass
        if visited and now - self.last_touch >= QUIET_S:
            self.collect()
        elif now - self.last_collect >= MAX_GAP_S:
            self.collect()  # the attract loop makes a little garbage too; now and then is enough

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
        gc.set_threshold(*getattr(self, "_thresholds", (700, 10, 10)))
