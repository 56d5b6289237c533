"""Exports of a real store: counts equal `Store.poll_counts`, periods through the store's own filter."""

import datetime as dt
import random

import pytest

from kiosk.core.records import Kind, RecordDraft
from kiosk.export import Selection, export_store, period_from_days, verify_export

from .readback import csv_rows, json_doc


def _fill(store, cast, shipped, clock, n=400):
    rnd = random.Random(7)
    polls = [(e.id, p) for e in shipped.exhibits for p in e.polls]
    for i in range(n):
        clock.at = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=37 * i)
        exhibit_id, poll = rnd.choice(polls)
        answers = poll.answer_ids()
        chosen = rnd.sample(answers, rnd.randint(1, 3)) if poll.type.value == "multi" else [rnd.choice(answers)]
        old = "00000000deadbeef" if rnd.random() < 0.05 else None  # an answer to an earlier wording
        cast(exhibit_id, poll.id, chosen, suspect=rnd.random() < 0.1, question_version=old, session_id=f"s-{i}")
        if i % 5 == 0:
            store.append(RecordDraft(kind=Kind.VIEW, session_id=f"s-{i}", content_version=shipped.version,
                                     payload={"dwell_s": 12.5, "layer": "en"}, exhibit_id=exhibit_id))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_counts_per_poll_equal_the_stores(fmt, store, cast, shipped, clock, tmp_path):
    _fill(store, cast, shipped, clock)
    out = tmp_path / f"export.{fmt}"
    result = export_store(store, out, fmt, exhibits=shipped.exhibits)
    assert result.records == store.count() == 480
    assert verify_export(out, fmt, store.count()).ok
    assert len({(s.exhibit_id, s.poll_id, s.question_version) for s in result.summaries}) == len(result.summaries)
    assert any(s.status == "frühere Fassung" and s.voters for s in result.summaries)
    for s in result.summaries:
        assert s.counts() == store.poll_counts(s.exhibit_id, s.poll_id, s.question_version)
        with_suspect = store.poll_counts(s.exhibit_id, s.poll_id, s.question_version, include_suspect=True)
        assert s.voters + s.suspect_voters == with_suspect["voters"]
        assert {a.answer_id: a.count + a.suspect for a in s.answers if a.count + a.suspect} == with_suspect["answers"]


def test_the_written_summaries_carry_the_stores_counts(store, cast, shipped, clock, tmp_path):
    _fill(store, cast, shipped, clock, n=150)
    export_store(store, tmp_path / "e.csv", "csv", exhibits=shipped.exhibits)
    export_store(store, tmp_path / "e.json", "json", exhibits=shipped.exhibits)
    from_csv: dict = {}
    for row in csv_rows(tmp_path / "e-summary.csv"):
        if int(row["count"]):
            from_csv.setdefault((row["exhibit_id"], row["poll_id"], row["question_version"]), {})[row["answer_id"]] = \
                int(row["count"])
    for s in json_doc(tmp_path / "e.json")["summaries"]:
        key = (s["exhibit_id"], s["poll_id"], s["question_version"])
        expected = store.poll_counts(*key)
        assert {a["answer_id"]: a["count"] for a in s["answers"] if a["count"]} == expected["answers"]
        assert s["voters"] == expected["voters"]
        assert from_csv.get(key, {}) == expected["answers"]


def test_since_until_select_berlin_days_through_the_store(store, cast, clock, tmp_path):
    moments = [dt.datetime(2026, 3, 9, 22, 59, 59, 999999),  # 9 March, 23:59:59 in Soest
               dt.datetime(2026, 3, 9, 23, 0),               # 10 March, 00:00 in Soest
               dt.datetime(2026, 3, 29, 21, 59, 59),         # 29 March, 23:59:59 (summer time)
               dt.datetime(2026, 3, 29, 22, 0)]              # 30 March, 00:00
    for moment in moments:
        clock.at = moment.replace(tzinfo=dt.timezone.utc)
        cast("stadtlabor", "zufriedenheit", ["3"])
    result = export_store(store, tmp_path / "e.json", "json",
                          selection=Selection(period_from_days("2026-03-10", "2026-03-29")))
    assert [r["seq"] for r in json_doc(tmp_path / "e.json")["records"]] == [2, 3]
    assert result.records == 2


def test_poll_option_selects_one_poll(store, cast, shipped, tmp_path):
    cast("stadtlabor", "zufriedenheit", ["3"])
    cast("stadtlabor", "wie-gefunden", ["presse"])
    cast("freies-wlan", "zufrieden", ["1"])
    result = export_store(store, tmp_path / "e.csv", "csv", exhibits=shipped.exhibits,
                          selection=Selection(poll="zufriedenheit"))
    assert [r["poll_id"] for r in csv_rows(tmp_path / "e.csv")] == ["zufriedenheit"]
    assert [(s.exhibit_id, s.poll_id, s.voters) for s in result.summaries] == [("stadtlabor", "zufriedenheit", 1)]
