"""The staff screen's "Zentrale / Sync" section: a sync in trouble is said in German, what to act
on is highlighted, and the section follows the sync while the screen is shown."""

import pytest

from sync.status import SyncStatus

from kiosk.core.config import SyncSection

from .test_staff_screen_text import SyncShowing, config_of, open_staff

CENTRAL = SyncSection(central_url="https://zentrale.soest.example", token="t")

pytestmark = pytest.mark.ui

FAILING = SyncStatus(configured=True, online=False, last_error="Zentrale nicht erreichbar (Zeitüberschreitung nach 5 s)",
                     quarantined=3, clock_skew_s=125.0, pending=42, failures=4,
                     last_attempt_at="2026-03-02T09:15:00.000000Z", last_success_at="2026-03-02T08:02:00.000000Z")


def test_a_failing_sync_is_shown_with_what_to_do(fresh, monkeypatch):
    monkeypatch.setattr(fresh.app, "sync", SyncShowing(FAILING))
    monkeypatch.setattr(fresh.app, "kiosk_config", fresh.app.kiosk_config.replace(sync=CENTRAL))
    text = open_staff(fresh)
    assert "Zentrale / Sync" in text
    assert "Verbindung: offline" in text, text
    assert "Letzter Fehler (4 Versuche in Folge): Zentrale nicht erreichbar (Zeitüberschreitung nach 5 s)" in text
    assert "Noch nicht übertragen: 42 Einträge" in text
    assert "3 Einträge von der Zentrale abgelehnt" in text and "nichts wird gelöscht" in text
    assert "Die Uhr des Kiosks geht 2 min 5 s vor" in text
    assert "Zuletzt erfolgreich übertragen: 02.03.2026 09:02 Uhr" in text  # 08:02 UTC, read in Soest
    screen = fresh.app.screen("staff")
    assert "Die Uhr des Kiosks geht 2 min 5 s vor" in screen.sync_alerts  # highlighted: more than 60 s
    fresh.screenshot("staff-sync-failing")
    fresh.resize(1280, 800)
    open_staff(fresh)
    fresh.screenshot("staff-sync-failing")


def test_a_refused_token_says_what_to_do(fresh, monkeypatch):
    monkeypatch.setattr(fresh.app, "sync", SyncShowing(SyncStatus(configured=True, online=True, stopped=True,
                                                                  clock_skew_s=-12.0, last_error="401 Unauthorized")))
    with config_of(fresh.app, sync=CENTRAL):
        text = open_staff(fresh)
    assert "Token in config.toml [sync] prüfen, dann Kiosk neu starten" in text, text
    assert "Die Uhr des Kiosks geht 12 s nach" in text
    screen = fresh.app.screen("staff")
    assert "Token" in screen.sync_alerts and "12 s" not in screen.sync_alerts  # a small skew stays calm
    fresh.screenshot("staff-sync-token-refused")


def test_the_section_follows_the_sync_while_shown_and_stops_after(fresh, monkeypatch):
    sync = SyncShowing(SyncStatus(configured=True, online=None))
    monkeypatch.setattr(fresh.app, "sync", sync)
    assert "Verbindung: noch nicht versucht" in open_staff(fresh)
    sync.current = SyncStatus(configured=True, online=True, last_success_at="2026-11-30T08:02:00.000000Z")
    fresh.wait(lambda: "Verbindung: online" in fresh.screen_text(), timeout=10, what="the sync section refreshed")
    screen = fresh.app.screen("staff")
    screen.leave()
    fresh.settle()
    assert screen._sync_timer is None
    assert sync.kicks == 1  # leaving ends the visit, which wakes the sync


def test_the_standalone_kiosk_runs_its_stand_in_sync(fresh):
    from kiosk.ui.sync_runner import NoSync

    assert fresh.app.kiosk_config.standalone
    assert isinstance(fresh.app.sync, NoSync)
    assert "Eigenständig – keine Zentrale eingestellt" in open_staff(fresh)


def test_a_sync_that_cannot_start_leaves_the_kiosk_running_and_tells_staff(fresh, monkeypatch, capsys):
    from kiosk.ui import sync_runner

    def refuse(*args, **kwargs):
        raise OSError("Netzwerk nicht erreichbar")

    app = fresh.app
    monkeypatch.setattr(app, "sync", app.sync)  # put back after the test
    monkeypatch.setattr(app, "kiosk_config", app.kiosk_config.replace(sync=CENTRAL))
    monkeypatch.setattr(sync_runner, "start_sync", refuse)
    app._start_sync()
    assert "the sync could not start" in capsys.readouterr().err
    text = open_staff(fresh)
    assert "Letzter Fehler: Die Übertragung konnte nicht starten: OSError: Netzwerk nicht erreichbar" in text, text
    app.end_visit("test")  # visits go on: the stand-in takes the kick
    assert app.root.current == "attract"


def test_a_kiosk_with_a_central_that_is_down_shows_it_offline(fresh, monkeypatch):
    """The real runner and client, against a port where nothing listens: the kiosk keeps going,
    the pass runs in the sync's thread, and staff read "offline" with the error."""
    import socket

    from kiosk.ui.sync_runner import SyncRunner

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = fresh.app
    monkeypatch.setattr(app, "sync", app.sync)  # put back after the test
    monkeypatch.setattr(app, "kiosk_config", app.kiosk_config.replace(
        sync=SyncSection(central_url=f"http://127.0.0.1:{port}", token="t")))
    app._start_sync()
    runner = app.sync
    try:
        assert isinstance(runner, SyncRunner)
        assert runner.wait_for_pass(0, timeout=20)
        assert runner.status().online is False
        text = open_staff(fresh)
        assert "Verbindung: offline (Zentrale nicht erreicht)" in text and "Letzter Fehler" in text, text
        assert "Nächster Versuch" in text
        fresh.screenshot("staff-sync-central-down")
    finally:
        runner.stop()
