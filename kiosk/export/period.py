"""The export period: calendar days in Soest (Europe/Berlin), turned into UTC bounds.

Staff think in local days ("everything from 1 March"); records carry the kiosk's UTC clock.
A day boundary therefore moves between 23:00 and 22:00 UTC with daylight saving time.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from kiosk.core.clock import UTC, local_zone

from .errors import BadDateError

BERLIN = local_zone()
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Period:
    """[since, until) in UTC; None on a side means open."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    since_day: dt.date | None = None
    until_day: dt.date | None = None

    def contains(self, created_at: str) -> bool:
        # created_at is the store's "YYYY-MM-DDTHH:MM:SS[.ffffff]Z"; comparing against a bound
        # without fraction or "Z" is exact for inclusive-since and exclusive-until because
        # every timestamp within the bound's second sorts at or after the bound's prefix.
        if self.since is not None and created_at < _prefix(self.since):
            return False
        if self.until is not None and created_at >= _prefix(self.until):
            return False
        return True

    def describe(self) -> str:
        if self.since_day and self.until_day:
            return f"{self.since_day:%d.%m.%Y} bis {self.until_day:%d.%m.%Y}"
        if self.since_day:
            return f"ab {self.since_day:%d.%m.%Y}"
        if self.until_day:
            return f"bis {self.until_day:%d.%m.%Y}"
        return "gesamter Zeitraum"


def _prefix(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def parse_day(text: str, argument: str) -> dt.date:
    """A YYYY-MM-DD date; the error names the argument it came from (e.g. '--since')."""
    if not _DAY.match(text.strip()):
        raise BadDateError(f"{argument}: '{text}' is not a date; write it as YYYY-MM-DD, e.g. 2026-03-01")
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as error:
        raise BadDateError(f"{argument}: '{text}' is not a valid date ({error}); write it as YYYY-MM-DD, "
                           "e.g. 2026-03-01") from None


def day_start_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=BERLIN).astimezone(UTC)


def period_from_days(since: str | dt.date | None = None, until: str | dt.date | None = None) -> Period:
    """From the first moment of `since` to the end of `until` (both whole Berlin days, inclusive)."""
    since_day = parse_day(since, "--since") if isinstance(since, str) else since
    until_day = parse_day(until, "--until") if isinstance(until, str) else until
    if since_day and until_day and until_day < since_day:
        raise BadDateError(f"--until {until_day} is before --since {since_day}; the period would be empty")
    return Period(
        since=_bound(since_day),
        until=_bound(until_day, next_day=True),
        since_day=since_day,
        until_day=until_day,
    )


def _bound(day: dt.date | None, *, next_day: bool = False) -> dt.datetime | None:
    """The first moment of `day` (or of the day after) in UTC; None, no bound, where that moment
    is past the calendar's ends (--since 0001-01-01 is "from the start", --until 9999-12-31 "up
    to now"): every record lies between them anyway."""
    if day is None:
        return None
    try:
        return day_start_utc(day + dt.timedelta(days=1) if next_day else day)
    except OverflowError:
        return None
