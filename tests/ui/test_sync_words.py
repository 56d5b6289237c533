"""The staff screen's sentences about the sync, from a SyncStatus (no Kivy)."""

import datetime as dt

from kiosk.ui.sync_words import (STANDALONE, TOKEN_REFUSED, clock_skew_words, duration_words, moment_words,
                                 sync_words)
from sync.status import SyncStatus

NOW = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.timezone.utc)  # 15:00 in Soest


def test_standalone_is_one_calm_line():
    words = sync_words(SyncStatus(configured=False), NOW)
    assert words.lines == [STANDALONE] and words.alerts == []


def test_a_healthy_sync_has_no_alerts():
    words = sync_words(SyncStatus(configured=True, online=True, last_success_at="2026-11-30T13:57:10.000000Z",
                                  clock_skew_s=0.3), NOW)
    assert words.alerts == []
    assert words.lines == ["Verbindung: online",
                           "Zuletzt erfolgreich übertragen: heute 14:57 Uhr (vor 2 min)",
                           "Noch nicht übertragen: nichts, alles ist bei der Zentrale",
                           "Die Uhr des Kiosks stimmt mit der Zentrale überein"]


def test_not_tried_yet_and_never_succeeded():
    words = sync_words(SyncStatus(configured=True), NOW)
    assert "Verbindung: noch nicht versucht" in words.lines
    assert "Zuletzt erfolgreich übertragen: noch nie" in words.lines


def test_failures_offline_error_and_next_attempt():
    words = sync_words(SyncStatus(configured=True, online=False, last_error="Zentrale antwortet mit HTML", failures=3,
                                  pending=1, next_attempt_at="2026-11-30T14:04:30.000000Z"), NOW)
    assert "Verbindung: offline (Zentrale nicht erreicht)" in words.lines
    assert "Noch nicht übertragen: 1 Eintrag" in words.lines
    assert "Letzter Fehler (3 Versuche in Folge): Zentrale antwortet mit HTML" in words.lines
    assert "Nächster Versuch: heute 15:04 Uhr (in 4 min)" in words.lines


def test_what_staff_must_act_on_is_an_alert():
    words = sync_words(SyncStatus(configured=True, online=True, stopped=True, quarantined=1200,
                                  clock_skew_s=-125.0), NOW)
    assert words.alerts[0] == TOKEN_REFUSED
    assert "Token in config.toml [sync] prüfen, dann Kiosk neu starten" in TOKEN_REFUSED
    assert words.alerts[1].startswith("1.200 Einträge von der Zentrale abgelehnt")
    assert words.alerts[2].startswith("Die Uhr des Kiosks geht 2 min 5 s nach: Uhrzeit des Kiosks prüfen")
    assert "Verbindung: gestoppt" in words.lines
    assert not any("Nächster Versuch" in line for line in words.lines)


def test_clock_skew_in_words():
    assert clock_skew_words(None) is None
    assert clock_skew_words(12.4) == "Die Uhr des Kiosks geht 12 s vor"
    assert clock_skew_words(-12.4) == "Die Uhr des Kiosks geht 12 s nach"
    assert clock_skew_words(0.5) == "Die Uhr des Kiosks stimmt mit der Zentrale überein"
    # A kiosk that woke up in 1970 after a power cut.
    assert clock_skew_words(-1.7e9) == "Die Uhr des Kiosks geht 19.675 Tage nach"


def test_a_small_skew_stays_calm_a_large_one_alerts():
    calm = sync_words(SyncStatus(configured=True, clock_skew_s=60.0), NOW)
    loud = sync_words(SyncStatus(configured=True, clock_skew_s=61.0), NOW)
    assert calm.alerts == [] and "Die Uhr des Kiosks geht 1 min vor" in calm.lines
    assert loud.alerts and not any("Uhr" in line for line in loud.lines)


def test_durations():
    assert duration_words(5) == "5 s"
    assert duration_words(125) == "2 min 5 s"
    assert duration_words(3600) == "1 h"
    assert duration_words(7500) == "2 h 5 min"
    assert duration_words(90000) == "1 Tag 1 h"
    assert duration_words(86400 * 400) == "400 Tage"


def test_moments_in_soest():
    assert moment_words(None, NOW) is None
    assert moment_words("2026-11-30T13:59:40.000000Z", NOW) == "heute 14:59 Uhr (vor weniger als 1 min)"
    assert moment_words("2026-11-29T18:30:00.000000Z", NOW) == "gestern 19:30 Uhr (vor 19 h 30 min)"
    assert moment_words("2026-11-28T08:12:00.000000Z", NOW) == "28.11.2026 09:12 Uhr"
    summer = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.timezone.utc)
    assert moment_words("2026-07-01T11:00:00.000000Z", summer) == "heute 13:00 Uhr (vor 1 h)"
    assert moment_words("not a time", NOW) == "not a time"


def test_a_pass_under_way_is_said_as_such():
    words = sync_words(SyncStatus(configured=True, online=False, passing=True, pending=12))
    assert "Verbindung: Übertragung läuft …" in words.lines
    assert "Noch nicht übertragen: 12 Einträge" in words.lines


def test_passing_is_never_saved():
    assert "passing" not in SyncStatus(configured=True, passing=True).as_dict()
    assert SyncStatus.from_dict(SyncStatus(passing=True).as_dict()).passing is False


def test_the_ideenwand_s_last_fetch_or_why_it_failed():
    fetched = sync_words(SyncStatus(configured=True, online=True, last_success_at="2026-11-30T13:57:10.000000Z",
                                    ideas_pulled_at="2026-11-30T13:57:10.000000Z"), NOW)
    assert any(line.startswith("Ideenwand abgeholt: ") for line in fetched.lines) and not fetched.alerts
    failed = sync_words(SyncStatus(configured=True, online=True, ideas_pulled_at="2026-11-30T13:57:10.000000Z",
                                   ideas_error="Ideenwand nicht abgeholt: Fehler in der Zentrale (500)"), NOW)
    assert "Ideenwand nicht abgeholt: Fehler in der Zentrale (500)" in failed.lines and not failed.alerts
