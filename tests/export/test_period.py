"""--since/--until select whole days in Soest (Europe/Berlin), across daylight saving time."""

import datetime as dt

import pytest

from kiosk.export import BadDateError, Selection, export_records, period_from_days

from .readback import json_doc


def test_since_starts_at_berlin_midnight_in_winter():
    period = period_from_days("2026-03-10")
    assert period.since == dt.datetime(2026, 3, 9, 23, 0, tzinfo=dt.timezone.utc)
    assert not period.contains("2026-03-09T22:59:59.999999Z")
    assert period.contains("2026-03-09T23:00:00.000000Z")
    assert period.contains("2026-03-09T23:00:00Z")


def test_until_ends_at_berlin_midnight_on_the_day_clocks_go_forward():
    period = period_from_days(until="2026-03-29")
    assert period.until == dt.datetime(2026, 3, 29, 22, 0, tzinfo=dt.timezone.utc)
    assert period.contains("2026-03-29T21:59:59.999999Z")
    assert not period.contains("2026-03-29T22:00:00Z")
    assert not period.contains("2026-03-29T22:00:00.000001Z")


def test_one_summer_day():
    period = period_from_days("2026-07-01", "2026-07-01")
    assert period.contains("2026-06-30T22:00:00Z") and period.contains("2026-07-01T21:59:59Z")
    assert not period.contains("2026-06-30T21:59:59Z") and not period.contains("2026-07-01T22:00:00Z")


def test_export_selects_records_and_summaries_by_berlin_days(vote, shipped, tmp_path):
    times = ["2026-03-09T22:30:00.000000Z",   # 9 March, 23:30 in Soest: before
             "2026-03-09T23:30:00.000000Z",   # 10 March, 00:30 in Soest: inside
             "2026-03-11T22:59:00.000000Z",   # 11 March, 23:59 in Soest: inside
             "2026-03-11T23:00:00.000000Z"]   # 12 March, 00:00 in Soest: after
    records = [vote(seq, "stadtlabor", "zufriedenheit", ["4"], created_at=at) for seq, at in enumerate(times, 1)]
    out = tmp_path / "export.json"
    result = export_records(records, out, "json", exhibits=shipped.exhibits,
                            selection=Selection(period_from_days("2026-03-10", "2026-03-11")))
    doc = json_doc(out)
    assert [r["seq"] for r in doc["records"]] == [2, 3] and result.records == 2
    s = next(s for s in doc["summaries"] if s["poll_id"] == "zufriedenheit")
    assert s["voters"] == 2
    assert doc["export"]["since"] == "2026-03-10" and doc["export"]["until"] == "2026-03-11"


@pytest.mark.parametrize("text", ["2026-13-01", "1.3.2026", "2026-3-1", "gestern", "2026-02-30"])
def test_a_bad_date_names_the_argument(text):
    with pytest.raises(BadDateError) as since:
        period_from_days(since=text)
    with pytest.raises(BadDateError) as until:
        period_from_days(until=text)
    assert str(since.value).startswith("--since: ") and "YYYY-MM-DD" in str(since.value)
    assert str(until.value).startswith("--until: ")
    assert since.value.exit_code == 2


def test_until_before_since_is_refused():
    with pytest.raises(BadDateError, match="before --since"):
        period_from_days("2026-03-10", "2026-03-09")
