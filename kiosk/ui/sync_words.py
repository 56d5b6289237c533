"""How the sync is doing, in staff's words (German): the staff screen's "Zentrale / Sync" section.

Pure Python on a SyncStatus, so the sentences are tested without Kivy. What staff must act on
(a refused token, a clock far off, records the central rejected) comes apart from the calm
state, so the screen can highlight only that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kiosk.core.clock import UTC, local_zone
from kiosk.core.numbers import whole

from sync.status import SyncStatus

STANDALONE = "Eigenständig – keine Zentrale eingestellt"
TOKEN_REFUSED = ("Übertragung gestoppt: die Zentrale hat den Token dieses Kiosks abgelehnt. "
                 "Token in config.toml [sync] prüfen, dann Kiosk neu starten.")
# Beyond this the kiosk's times in records and on screen are visibly wrong (a power cut without
# a network clock); a few seconds are normal and not worth anyone's attention.
SKEW_ALERT_S = 60.0
SKEW_UNNOTICED_S = 1.0


@dataclass(frozen=True)
class SyncWords:
    alerts: list[str] = field(default_factory=list)  # what staff must act on, shown highlighted
    lines: list[str] = field(default_factory=list)   # how the sync is doing


def sync_words(status: SyncStatus, now: dt.datetime | None = None) -> SyncWords:
    """The staff screen's sentences for `status`; `now` (aware, default: this moment) gives
    "vor 3 Minuten" its reference."""
    if not status.configured:
        return SyncWords(lines=[STANDALONE])
    now = now or dt.datetime.now(UTC)
    alerts, lines = [], []
    if status.stopped:
        alerts.append(TOKEN_REFUSED)
    if status.quarantined:
        alerts.append(f"{_records(status.quarantined)} von der Zentrale abgelehnt: sie bleiben auf diesem "
                      "Kiosk gespeichert, nichts wird gelöscht. Bitte der IT melden.")
    skew = clock_skew_words(status.clock_skew_s)
    if skew is not None and abs(status.clock_skew_s) > SKEW_ALERT_S:
        alerts.append(f"{skew}: Uhrzeit des Kiosks prüfen (Zeitabgleich über das Netz, NTP).")

    lines.append(f"Verbindung: {_connection(status)}")
    success = moment_words(status.last_success_at, now)
    lines.append(f"Zuletzt erfolgreich übertragen: {success or 'noch nie'}")
    lines.append(f"Noch nicht übertragen: {_waiting(status)}")
    if skew is not None and abs(status.clock_skew_s) <= SKEW_ALERT_S:
        lines.append(skew)
    if status.last_error:
        failures = f" ({whole(status.failures, 'de')} Versuche in Folge)" if status.failures > 1 else ""
        lines.append(f"Letzter Fehler{failures}: {status.last_error}")
    if status.failures and not status.stopped:
        upcoming = moment_words(status.next_attempt_at, now)
        if upcoming:
            lines.append(f"Nächster Versuch: {upcoming}")
    if status.ideas_error:
        lines.append(status.ideas_error)  # the wall shown stays the last one fetched
    elif status.ideas_pulled_at:
        lines.append(f"Ideenwand abgeholt: {moment_words(status.ideas_pulled_at, now)}")
    return SyncWords(alerts=alerts, lines=lines)


def _connection(status: SyncStatus) -> str:
    if status.stopped:
        return "gestoppt"
    if status.passing:
        return "Übertragung läuft …"
    if status.online is None:
        return "noch nicht versucht"
    return "online" if status.online else "offline (Zentrale nicht erreicht)"


def _waiting(status: SyncStatus) -> str:
    if status.pending:
        return _records(status.pending)
    # "all at the central" only once it answered: before that nothing was recorded yet.
    return "nichts, alles ist bei der Zentrale" if status.last_success_at else "nichts"


def _records(n: int) -> str:
    return f"{whole(n, 'de')} {'Eintrag' if n == 1 else 'Einträge'}"


def clock_skew_words(skew_s: float | None) -> str | None:
    """"Die Uhr des Kiosks geht 2 min 5 s vor" (kiosk clock minus the central's); None when not
    measured yet."""
    if skew_s is None:
        return None
    if abs(skew_s) < SKEW_UNNOTICED_S:
        return "Die Uhr des Kiosks stimmt mit der Zentrale überein"
    return f"Die Uhr des Kiosks geht {duration_words(abs(skew_s))} {'vor' if skew_s > 0 else 'nach'}"


def duration_words(seconds: float) -> str:
    """125 -> "2 min 5 s", 7500 -> "2 h 5 min", 3 days and more -> "3 Tage": the two largest units."""
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{whole(days, 'de')} {'Tag' if days == 1 else 'Tage'}" + (f" {hours} h" if hours and days < 3 else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    if minutes:
        return f"{minutes} min" + (f" {secs} s" if secs else "")
    return f"{secs} s"


def moment_words(utc: str | None, now: dt.datetime) -> str | None:
    """A UTC text from the status as staff in Soest read it: "heute 14:05 Uhr (vor 3 min)",
    "gestern 18:30 Uhr", "28.11.2026 09:12 Uhr"; an unreadable text as it is."""
    if not utc:
        return None
    try:
        moment = dt.datetime.fromisoformat(utc.replace("Z", "+00:00"))
    except ValueError:
        return utc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = local_zone()
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = local.strftime("%H:%M Uhr")
    if local.date() == today:
        day = "heute"
    elif local.date() == today - dt.timedelta(days=1):
        day = "gestern"
    elif local.date() == today + dt.timedelta(days=1):
        day = "morgen"
    else:
        day = local.strftime("%d.%m.%Y")
    return f"{day} {clock}{_distance((now - moment).total_seconds())}"


def _distance(ago_s: float) -> str:
    # Within a day "vor 3 min" is what staff compare with; beyond it the date says enough.
    if abs(ago_s) >= 86400:
        return ""
    if abs(ago_s) < 60:
        return " (vor weniger als 1 min)" if ago_s >= 0 else " (in weniger als 1 min)"
    span = duration_words(abs(ago_s) // 60 * 60)  # to the minute: seconds would change on every look
    return f" (vor {span})" if ago_s >= 0 else f" (in {span})"
