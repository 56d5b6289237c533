"""When a poll takes votes: open_from and open_until as moments in Soest time.

Editors write a date (a whole day), a local date and time (Soest time), or a date and time
with an offset (that exact moment). Every bound becomes an aware datetime, so any two of
them, and the kiosk's clock, compare without a TypeError and without dropping an offset.
Aware datetimes compare by their difference, which cannot overflow even at year 1 or 9999,
where converting to another zone (astimezone) would.
"""

from __future__ import annotations

import datetime as dt

from .clock import local_zone


def soest():
    return local_zone()


def opens_at(value: dt.date) -> dt.datetime:
    """The first moment of open_from."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=soest())
    return dt.datetime.combine(value, dt.time(), tzinfo=soest())


def closes_at(value: dt.date) -> dt.datetime:
    """The last moment of open_until: a date alone means until the end of that day."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=soest())
    return dt.datetime.combine(value, dt.time.max, tzinfo=soest())


def is_open(open_from: dt.date | None, open_until: dt.date | None, now: dt.datetime) -> bool:
    if now.tzinfo is None:
        now = now.replace(tzinfo=soest())  # a clock without a zone is read as Soest time
    return (open_from is None or now >= opens_at(open_from)) and \
        (open_until is None or now <= closes_at(open_until))
