"""The kiosk's clock and its one local zone.

Records carry UTC, as fixed-width text, so that text order is time order in SQLite and in
every export; people read local time in Soest, so exports, poll windows and event dates turn
UTC into Europe/Berlin. Both are defined here once, for the store, the export and the core.
"""

from __future__ import annotations

import datetime as dt
import functools

UTC = dt.timezone.utc
# The kiosk stands in Soest: calendar days, poll windows and export periods are its local days.
LOCAL_ZONE_NAME = "Europe/Berlin"
UTC_TEXT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@functools.cache
def local_zone() -> dt.tzinfo:
    from zoneinfo import ZoneInfo  # imported on first use: the kiosk's start-up does not need it

    return ZoneInfo(LOCAL_ZONE_NAME)


def utc_now() -> dt.datetime:
    return dt.datetime.now(UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """`moment` in UTC; a naive datetime is taken to be UTC already (the kiosk's clock is UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_text(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with a fixed width and "Z", so that text order is time order."""
    return as_utc(moment).strftime(UTC_TEXT_FORMAT)
