"""The watchdog's pings come from the real kiosk's frame loop: a frame that stalls stops them for
as long as it stalls, and they come again after; READY=1 goes once; nothing without $NOTIFY_SOCKET."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid

import pytest

from kiosk.core.sd_notify import Notifier

pytestmark = pytest.mark.ui

LIMIT_S = 0.4  # systemd's WatchdogSec= in this test; the frame loop pings every 0.2 s


class FakeSystemd:
    """A real datagram socket (abstract address) and the time each message arrived."""

    def __init__(self):
        self.name = f"kiosk-watchdog-{uuid.uuid4()}"
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(b"\0" + self.name.encode())
        self.socket.settimeout(0.05)
        self.messages: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self):
        while not self._stop.is_set():
            try:
                self.messages.append((time.monotonic(), self.socket.recv(4096).decode()))
            except TimeoutError:
                continue

    def pings(self) -> list[float]:
        return [at for at, message in self.messages if "WATCHDOG=1" in message.split("\n")]

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()


def run_frames(kiosk, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        kiosk.frames(1)


def test_a_stalled_frame_loop_stops_the_pings_for_as_long_as_it_stalls(fresh):
    from kivy.clock import Clock

    from kiosk.ui.watchdog import FrameWatchdog

    systemd = FakeSystemd()
    watchdog = FrameWatchdog(Notifier(f"@{systemd.name}", watchdog_usec=int(LIMIT_S * 1_000_000))).start()
    try:
        assert watchdog.interval_s == LIMIT_S / 2
        watchdog.ready("first screen up (attract)")
        watchdog.ready("again")  # READY=1 once, however often it is asked
        run_frames(fresh, 1.5)
        before = systemd.pings()
        assert len(before) >= 5, before
        assert max(b - a for a, b in zip(before, before[1:])) < LIMIT_S
        stall_s = 3 * LIMIT_S
        Clock.schedule_once(lambda dt: time.sleep(stall_s), 0)  # a frame that hangs
        run_frames(fresh, stall_s + 1.0)
        pings = systemd.pings()
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        assert max(gaps) >= stall_s - 0.05, gaps  # systemd would have restarted the kiosk here
        assert len(pings[gaps.index(max(gaps)) + 1:]) >= 3  # and back once the frame loop runs again
        watchdog.stop()
        stopped_at = time.monotonic()
        run_frames(fresh, 0.6)
        assert not [at for at in systemd.pings() if at > stopped_at + 0.05]
    finally:
        watchdog.stop()
        systemd.close()
    readies = [message for _, message in systemd.messages if message.startswith("READY=1")]
    assert readies == ["READY=1\nSTATUS=first screen up (attract)"]
    assert systemd.messages[-1][1].startswith("STOPPING=1")


def test_without_notify_socket_the_kiosk_schedules_nothing(fresh):
    from kiosk.ui.watchdog import FrameWatchdog

    watchdog = FrameWatchdog(Notifier.from_environment({"WATCHDOG_USEC": "1000000"})).start()
    watchdog.ready("first screen up")
    watchdog.stop()
    assert watchdog.interval_s is None and watchdog._event is None and watchdog.notifier.sent == 0
    if "NOTIFY_SOCKET" not in os.environ:  # the test kiosk itself, as `kiosk run` in a terminal
        assert not fresh.app.watchdog.notifier.enabled and fresh.app.watchdog._event is None
