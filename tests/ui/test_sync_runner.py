"""The app's sync thread: passes when due, woken by a visit's end, and alive after a pass that
failed in the kiosk's own store (a full disk must not end the sync for good)."""

from __future__ import annotations

import threading

from kiosk.ui import sync_runner
from kiosk.ui.sync_runner import SyncRunner
from sync.status import SyncStatus


class Passes:
    """Stands in for the sync client's scheduling surface only: how many passes ran, the first
    `failing` of them raising as a store fault does."""

    def __init__(self, failing: int = 0):
        self.runs = 0
        self.failing = failing
        self.due = threading.Event()
        self.store = None

    def run_pass(self) -> SyncStatus:
        self.runs += 1
        self.due.clear()
        if self.runs <= self.failing:
            raise OSError("disk full")
        return SyncStatus(configured=True)

    def seconds_until_due(self, *, kicked: bool) -> float | None:
        return 0.0 if kicked or self.due.is_set() else 3600.0

    def status(self) -> SyncStatus:
        return SyncStatus(configured=True)


def test_a_kick_runs_a_pass_and_the_thread_survives_a_store_fault(monkeypatch, capsys):
    monkeypatch.setattr(sync_runner, "STORE_TROUBLE_WAIT_S", 0.05)
    passes = Passes(failing=1)
    passes.due.set()
    runner = SyncRunner(passes).start()
    try:
        # The first pass raises; the thread waits a little and is still there for the next.
        assert runner.wait_for_pass(0, timeout=10)
        runner.kick()
        assert runner.wait_for_pass(1, timeout=10)
        assert passes.runs == 2 and runner._thread.is_alive()
    finally:
        runner.stop()
    assert not runner._thread.is_alive()
    assert "sync pass failed: OSError: disk full" in capsys.readouterr().err


def test_status_without_a_store_is_the_last_pass_and_says_no_pass_runs():
    runner = SyncRunner(Passes())
    status = runner.status()
    assert status.configured and status.passing is False
