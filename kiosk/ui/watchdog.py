"""The kiosk tells systemd it is alive from its frame loop.

A Kivy Clock callback sends WATCHDOG=1 at half systemd's watchdog interval: callbacks run between
frames on the main thread, so when the frame loop stalls (a hung driver call, a deadlock, a
decode that never ends) the pings stop, and systemd kills and restarts the kiosk after
WatchdogSec. A thread of its own would go on pinging for a kiosk whose screen is frozen.
READY=1 goes once, when the first screen is up; STOPPING=1 when the kiosk is stopped.
"""

from __future__ import annotations

from kivy.clock import Clock

from kiosk.core.sd_notify import Notifier


class FrameWatchdog:
    def __init__(self, notifier: Notifier | None = None):
        self.notifier = notifier if notifier is not None else Notifier.from_environment()
        self._event = None
        self._ready_sent = False

    @property
    def interval_s(self) -> float | None:
        """How often the frame loop pings: half of systemd's interval (None: no watchdog)."""
        limit = self.notifier.watchdog_interval_s
        return limit / 2 if limit else None

    def start(self) -> "FrameWatchdog":
        if self.interval_s is not None and self._event is None:
            self._event = Clock.schedule_interval(self._ping, self.interval_s)
        return self

    def ready(self, status: str) -> None:
        """The first screen is up: systemd counts the kiosk as started (once)."""
        if self.notifier.enabled and not self._ready_sent:
            self._ready_sent = True
            self.notifier.ready(status)
            self.notifier.watchdog()  # the first ping with it, not half an interval later

    def status(self, text: str) -> None:
        if self.notifier.enabled:
            self.notifier.status(text)

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        if self.notifier.enabled:
            self.notifier.stopping("stopping: writing what was recorded, closing the store")

    def _ping(self, dt) -> None:
        self.notifier.watchdog()
