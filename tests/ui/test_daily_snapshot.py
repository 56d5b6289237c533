"""The running kiosk's daily snapshot: taken off the frame into the data folder, once a day, and a
failing one (a read-only snapshot folder, mounted for real) is an alert on the staff screen."""

from __future__ import annotations

import os
import subprocess

import pytest

from kiosk.store.snapshot import ALERT_KIND, integrity_problems, snapshots_of

pytestmark = pytest.mark.ui


def test_the_app_has_its_daily_snapshot_timer_on_the_data_folder(fresh):
    daily = fresh.app.daily_snapshot
    assert daily is not None and daily._events  # started with the store
    assert daily.folder == fresh.app.kiosk_config.data_dir / "snapshots"


def test_a_check_takes_todays_snapshot_off_the_frame_and_only_once(fresh, tmp_path):
    from kiosk.ui.daily_snapshot import DailySnapshot

    app = fresh.app
    daily = DailySnapshot(app.recorder, app.kiosk_config, folder=tmp_path / "snapshots")
    assert daily.check()
    fresh.wait(lambda: not daily.running, what="the snapshot")
    (taken,) = snapshots_of(tmp_path / "snapshots", app.kiosk_config.kiosk.id)
    assert daily.last.path == taken and integrity_problems(taken) == []
    assert not daily.check()  # today's is there: nothing more today


def test_a_failing_snapshot_is_an_alert_on_the_staff_screen(fresh, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root (CI runs as root); root ignores chmod")
    from kiosk.ui.daily_snapshot import DailySnapshot

    app = fresh.app
    folder = tmp_path / "read-only"
    folder.mkdir()
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        daily = DailySnapshot(app.recorder, app.kiosk_config, folder=folder)
        assert daily.check()
        fresh.wait(lambda: not daily.running, what="the snapshot")
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
    store = app.recorder.store
    try:
        assert isinstance(daily.last, Exception)
        app.go("staff")
        fresh.wait(lambda: not app.root.transition.is_active, what="the staff screen")
        fresh.settle()
        text = fresh.screen_text()
        assert "ACHTUNG: Die tägliche Sicherung des Speichers ist fehlgeschlagen" in text, text
        assert str(folder) in text
    finally:
        for alert in store.alerts():
            if alert["kind"] == ALERT_KIND:
                store.clear_alert(alert["id"])
        app.end_visit("test")
