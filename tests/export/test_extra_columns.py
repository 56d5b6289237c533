"""Extra columns from Record.extra (the central's received_at): only when asked for, last, in
all three formats; without them the kiosk's export has none."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kiosk.core.records import RECEIVED_AT, Kind
from kiosk.export import BASE_COLUMNS, FREE_TEXT_COLUMN, export_records, export_store, verify_export
from kiosk.export.columns import GERMAN_HEADERS, UnknownColumnError
from kiosk.export.period import BERLIN

from .readback import csv_rows, json_doc, xlsx_rows

RECEIVED = "2026-03-10T10:05:30.250000Z"


def _records(make_record, vote):
    """Records as the central hands them out: its receive time in `extra` (one without it)."""
    made = [
        vote(1, "programmwerkstatt", "themen", ["klima", "smartphone"]),
        make_record(2, Kind.IDEA, {"text": "=1+1", "layer": "de"}, exhibit_id="stadtlabor"),
        make_record(3, Kind.VIEW, {"dwell_s": 12.5, "layer": "ls"}, exhibit_id="open-data"),
    ]
    return [dataclasses.replace(made[0], extra={RECEIVED_AT: RECEIVED, "source": "kiosk"}),
            dataclasses.replace(made[1], extra={RECEIVED_AT: "2026-07-01T22:30:00.000000Z"}),
            made[2]]


@pytest.mark.parametrize("dialect", ["rfc4180", "excel-de"])
def test_csv_has_received_at_last_as_utc_text(make_record, vote, tmp_path, dialect):
    out = tmp_path / "e.csv"
    export_records(_records(make_record, vote), out, "csv", include_free_text=True, csv_dialect=dialect,
                   extra_columns=[RECEIVED_AT])
    rows = csv_rows(out, ";" if dialect == "excel-de" else ",")
    assert list(rows[0]) == [*BASE_COLUMNS, FREE_TEXT_COLUMN, RECEIVED_AT]
    assert [row[RECEIVED_AT] for row in rows] == [RECEIVED, "2026-07-01T22:30:00.000000Z", ""]
    assert rows[1][FREE_TEXT_COLUMN] == "'=1+1"  # the extra column moves no cell of the kiosk's


def test_the_three_formats_agree_on_received_at(make_record, vote, tmp_path):
    records = _records(make_record, vote)
    for fmt in ("csv", "xlsx", "json"):
        result = export_records(records, tmp_path / f"e.{fmt}", fmt, extra_columns=(RECEIVED_AT,))
        assert verify_export(result.paths[0], fmt, 3).ok
    from_csv = csv_rows(tmp_path / "e.csv")
    from_json = json_doc(tmp_path / "e.json")["records"]
    from_xlsx = xlsx_rows(tmp_path / "e.xlsx")
    assert list(from_csv[0]) == list(from_json[0]) == list(from_xlsx[0]) == [*BASE_COLUMNS, RECEIVED_AT]
    assert [r[RECEIVED_AT] for r in from_json] == [RECEIVED, "2026-07-01T22:30:00.000000Z", None]
    assert [r[RECEIVED_AT] or "" for r in from_xlsx] == [r[RECEIVED_AT] for r in from_csv]


def test_xlsx_shows_received_at_as_a_berlin_date_under_a_german_header(make_record, vote, tmp_path):
    out = tmp_path / "e.xlsx"
    export_records(_records(make_record, vote), out, "xlsx", extra_columns=(RECEIVED_AT,))
    rows = xlsx_rows(out, as_ids=False)
    header = GERMAN_HEADERS[RECEIVED_AT]
    assert header == "Empfangen (Ortszeit)" and list(rows[0])[-1] == header
    # Winter (UTC+1) and summer (UTC+2, past midnight in Soest): wall-clock time, as created_at.
    assert rows[0][header] == dt.datetime(2026, 3, 10, 11, 5, 30, 250000)
    assert rows[1][header] == dt.datetime(2026, 7, 2, 0, 30)
    assert rows[2][header] is None
    assert rows[0][GERMAN_HEADERS["created_at"]] == dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.timezone.utc).astimezone(
        BERLIN).replace(tzinfo=None)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_without_the_option_no_received_at_even_when_records_carry_it(make_record, vote, tmp_path, fmt):
    out = tmp_path / f"e.{fmt}"
    export_records(_records(make_record, vote), out, fmt)
    if fmt == "csv":
        assert out.read_bytes().split(b"\r\n", 1)[0] == b"\xef\xbb\xbf" + ",".join(BASE_COLUMNS).encode()
        keys = list(csv_rows(out)[0])
    elif fmt == "xlsx":
        keys = list(xlsx_rows(out)[0])
        assert GERMAN_HEADERS[RECEIVED_AT] not in list(xlsx_rows(out, as_ids=False)[0])
    else:
        keys = list(json_doc(out)["records"][0])
    assert keys == list(BASE_COLUMNS)
    assert RECEIVED_AT not in keys


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_the_kiosks_store_export_has_no_received_at(store, cast, shipped, tmp_path, fmt):
    for i in range(3):
        cast("programmwerkstatt", "themen", ["klima"], session_id=f"s-{i}")
    out = tmp_path / f"e.{fmt}"
    assert export_store(store, out, fmt, exhibits=shipped.exhibits, include_free_text=True).records == 3
    keys = {"csv": lambda: list(csv_rows(out)[0]), "xlsx": lambda: list(xlsx_rows(out)[0]),
            "json": lambda: list(json_doc(out)["records"][0])}[fmt]()
    assert keys == [*BASE_COLUMNS, FREE_TEXT_COLUMN]


@pytest.mark.parametrize("names", [("store_id",), ("kiosk_id",), (RECEIVED_AT, RECEIVED_AT), "received"])
def test_an_unknown_or_repeated_extra_column_is_refused_before_writing(make_record, vote, tmp_path, names):
    out = tmp_path / "e.json"
    with pytest.raises(UnknownColumnError):
        export_records(_records(make_record, vote), out, "json", extra_columns=names)
    assert list(tmp_path.iterdir()) == []
