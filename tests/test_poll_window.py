"""Poll windows: open_from / open_until as dates, local times or times with an offset, mixed freely."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kiosk.core.content_checks import check_exhibit
from kiosk.core.content_model import Poll
from kiosk.core.visit import poll_is_open

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc


def poll(open_from=None, open_until=None) -> Poll:
    return Poll.model_validate({"id": "p", "type": "yesno", "question": {"de": "Frage?"},
                                "open_from": open_from, "open_until": open_until})


def test_an_offset_names_an_exact_moment():
    # 10:00 UTC is 12:00 in Soest in summer; before, the offset was dropped and 10:00 Soest time used.
    window = poll(open_from=dt.datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    assert not poll_is_open(window, dt.datetime(2026, 7, 1, 11, 59, tzinfo=BERLIN))
    assert poll_is_open(window, dt.datetime(2026, 7, 1, 12, 0, tzinfo=BERLIN))


@pytest.mark.parametrize("open_from, open_until", [
    (dt.date(2026, 7, 1), dt.datetime(2026, 7, 2, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))),
    (dt.datetime(2026, 7, 1, 9, 0, tzinfo=UTC), dt.date(2026, 7, 2)),
    (dt.datetime(2026, 7, 1, 9, 0), dt.datetime(2026, 7, 2, 18, 0, tzinfo=UTC)),
])
def test_mixed_dates_local_times_and_offsets_compare(open_from, open_until):
    window = poll(open_from, open_until)
    assert poll_is_open(window, dt.datetime(2026, 7, 2, 12, 0, tzinfo=BERLIN))
    assert not poll_is_open(window, dt.datetime(2026, 7, 3, 12, 0, tzinfo=BERLIN))
    assert not list(check_exhibit_of(window))


@pytest.mark.parametrize("edge", [
    dt.datetime(1, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-1))),
    dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.datetime(9999, 12, 31, 23, 59, 59),
])
def test_windows_at_the_edges_of_the_calendar_work(edge):
    now = dt.datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    early = edge.year == 1
    assert poll_is_open(poll(open_from=edge), now) is early
    assert poll_is_open(poll(open_until=edge), now) is not early


def test_until_before_from_across_an_offset_is_found():
    # 12:00+04:00 is 10:00 in Soest (+02:00 in July): before open_from, 11:00 Soest time.
    window = poll(dt.datetime(2026, 7, 1, 11, 0), dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=4))))
    assert [loc for loc, _, _ in check_exhibit_of(window)] == [("polls", 0, "open_until")]


def test_one_day_window_is_valid():
    assert not list(check_exhibit_of(poll(dt.date(2026, 7, 1), dt.date(2026, 7, 1))))


def check_exhibit_of(window: Poll):
    class Stub:
        theme, media, polls = "t", [object()], [window]
    return check_exhibit(Stub(), None)
