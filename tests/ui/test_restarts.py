"""Restarts and their causes: a kiosk killed by the watchdog, one cut off (power cut) and one
stopped in order are counted right at the next start, in the heartbeat a real central receives
and on the staff screen. The real `kiosk run` under a stand-in for systemd (tests/systemd_stand_in.py)."""

from __future__ import annotations

import json
import signal
import time
import uuid

import pytest

from central_server import running_central
from conftest import PROJECT
from kiosk.core.restarts import UNNOTED, WATCHDOG, service_end
from kiosk.store import Store
from kiosk.store.boots import note_service_end, restart_count
from systemd_stand_in import ServiceRun

from .test_staff_screen_text import open_staff

pytestmark = pytest.mark.ui

KIOSK_ID = "k-restarts"


def write_config(folder, central_url: str, token: str):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(f'[kiosk]\nid = "{KIOSK_ID}"\n[content]\nroot = "{PROJECT}"\n[store]\npath = "var/kiosk.sqlite3"\n'
                    f'[sync]\ncentral_url = "{central_url}"\ntoken = "{token}"\ninterval_s = 5\n', encoding="utf-8")
    return path


def heartbeat_with(central, restarts: int, timeout: float = 60.0) -> dict:
    """The central's latest heartbeat of the kiosk, once it says `restarts`."""
    deadline = time.monotonic() + timeout
    beat = None
    while time.monotonic() < deadline:
        rows = central.rows("SELECT heartbeat FROM heartbeats WHERE kiosk_id = ?", (KIOSK_ID,))
        beat = json.loads(rows[0][0]) if rows else None
        if beat is not None and beat["restarts"] == restarts:
            return beat
        time.sleep(0.2)
    raise AssertionError(f"no heartbeat with restarts={restarts} within {timeout} s; the last: {beat}")


def test_a_hung_a_cut_off_and_a_stopped_kiosk_are_counted_at_the_next_start(tmp_path):
    with running_central(tmp_path) as central:
        config = write_config(tmp_path / "kiosk", central.url, central.add_kiosk(KIOSK_ID))

        # 1. The frame loop pings at half the interval; a hang stops the pings and the watchdog ends it.
        run = ServiceRun(config, watchdog_s=2.0)
        run.wait_for("READY=1")
        run.wait_for("WATCHDOG=1", count=4, timeout=15)
        pings = run.pings()
        assert max(b - a for a, b in zip(pings, pings[1:])) < 2.0, pings
        assert heartbeat_with(central, 0)["restarts"] == 0
        run.process.send_signal(signal.SIGSTOP)  # the kiosk hangs: no frame, no ping
        hung_at = time.monotonic()
        ended = run.end()
        assert run.watchdog_fired and ended["SERVICE_RESULT"] == "watchdog", ended
        assert not [at for at in run.pings() if at > hung_at + 0.1]
        assert len(run.lines("READY=1")) == 1
        assert "noted watchdog" in ended["said"], ended

        # 2. The next start counts it and tells the central; then the power is cut.
        run = ServiceRun(config, watchdog_s=20.0)
        run.wait_for("READY=1")
        heartbeat_with(central, 1)
        run.kill_hard()

        # 3. Both counted; this one is stopped in order (systemctl stop: SIGTERM).
        run = ServiceRun(config, watchdog_s=20.0)
        run.wait_for("READY=1")
        beat = heartbeat_with(central, 2)
        assert beat["uptime_s"] < 60
        run.process.send_signal(signal.SIGTERM)
        ended = run.end()
        assert ended["SERVICE_RESULT"] == "success" and "stopped noted already" in ended["said"], ended
        assert run.lines("STOPPING=1")

    store = Store.open_for_reading(tmp_path / "kiosk" / "var" / "kiosk.sqlite3", KIOSK_ID)
    try:
        count = restart_count(store)
        ends = store._read("SELECT end_cause FROM boots ORDER BY rowid")
    finally:
        store.close()
    assert [cause for (cause,) in ends] == [WATCHDOG, None, "stopped"]
    assert count.causes == {WATCHDOG: 1, UNNOTED: 1} and count.stopped == 1
    assert count.staff_line() == ("Neustarts (7 Tage): 2 — 1× Anzeige hing (Watchdog), 1× Stromausfall oder harter "
                                  "Absturz  ·  regulär beendet: 1×")


def test_the_staff_screen_shows_the_restarts_and_their_causes(fresh):
    store = fresh.app.recorder.store
    ours = f"test-{uuid.uuid4()}"
    note_service_end(store.path, f"{ours}-1", service_end("watchdog", "dumped", "ABRT"))
    note_service_end(store.path, f"{ours}-2", service_end("exit-code", "exited", "1"))
    note_service_end(store.path, f"{ours}-3", service_end("watchdog", "killed", "ABRT"))
    store._write("INSERT INTO boots (boot_id, started_at, invocation_id) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ'), ?)",
                 (str(uuid.uuid4()), f"{ours}-4"))  # started, never ended: a power cut
    try:
        text = open_staff(fresh)
        line = next(line for line in text.splitlines() if line.startswith("Neustarts"))
        assert line.startswith("Neustarts (7 Tage): 4 — 2× Anzeige hing (Watchdog), 1× Absturz, 1× Stromausfall "
                               "oder harter Absturz"), line
        fresh.screenshot("staff-restarts")
        fresh.resize(1280, 800)
        assert line in open_staff(fresh)
        fresh.screenshot("staff-restarts")
    finally:
        store._write("DELETE FROM boots WHERE invocation_id LIKE ?", (f"{ours}-%",))
    assert "Neustarts (7 Tage): keine" in open_staff(fresh)
