"""Event dates in words, per language layer, without depending on the OS locale."""

from __future__ import annotations

import datetime as dt

_WEEKDAYS = {
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


def _clock(value: dt.datetime, layer: str) -> str:
    if layer == "ls" and value.minute == 0:
        return f"{value.hour} Uhr"
    return f"{value.hour}:{value.minute:02d}" + (" Uhr" if layer == "ls" else "")


def _day(value: dt.datetime, layer: str) -> str:
    if layer == "en":
        return f"{_WEEKDAYS['en'][value.weekday()]}, {value.day} {_MONTHS['en'][value.month - 1]} {value.year}"
    return f"{_WEEKDAYS['de'][value.weekday()]}, {value.day}. {_MONTHS['de'][value.month - 1]} {value.year}"


def event_when(start: dt.datetime, end: dt.datetime, layer: str) -> str:
    """'Donnerstag, 3. Dezember 2026, 17:00–19:30 Uhr' and its English and Leichte Sprache forms."""
    same_day = start.date() == end.date()
    if layer == "ls":
        until = _clock(end, layer) if same_day else f"{_day(end, layer)}, {_clock(end, layer)}"
        return f"{_day(start, layer)}.\nVon {_clock(start, layer)} bis {until}."
    suffix = " Uhr" if layer == "de" else ""
    if not same_day:
        return f"{_day(start, layer)}, {_clock(start, layer)}{suffix} – {_day(end, layer)}, {_clock(end, layer)}{suffix}"
    return f"{_day(start, layer)}, {_clock(start, layer)}–{_clock(end, layer)}{suffix}"


def short_date(start: dt.datetime, layer: str) -> tuple[str, str]:
    """('3.', 'Dez.') style day and month for a calendar badge."""
    if layer == "en":
        return str(start.day), _MONTHS["en"][start.month - 1][:3]
    name = _MONTHS["de"][start.month - 1]
    return f"{start.day}.", name if len(name) <= 4 else name[:3] + "."


def event_time(start: dt.datetime, end: dt.datetime, layer: str) -> str:
    """The time of day only, for lists where a date badge shows the day: '17:00–19:30 Uhr'."""
    if start.date() != end.date():
        return event_when(start, end, layer)
    if layer == "ls":
        return f"Von {_clock(start, layer)} bis {_clock(end, layer)}"
    return f"{_clock(start, layer)}–{_clock(end, layer)}" + (" Uhr" if layer == "de" else "")
