"""Visitors' free text leaves the kiosk only when asked for."""

import pytest

from kiosk.core.records import Kind
from kiosk.export import export_records

from .readback import csv_rows, json_doc, xlsx_rows

SECRET = "Ruft mich an: 02921 123456"


def _records(idea, make_record):
    return [idea(1, SECRET),
            make_record(2, Kind.FEEDBACK, {"rating": 4, "comment": "Toller Raum, danke!", "layer": "de"},
                        exhibit_id="stadtlabor")]


def _read(fmt, out):
    if fmt == "csv":
        return csv_rows(out), out.read_text(encoding="utf-8-sig")
    if fmt == "xlsx":
        return xlsx_rows(out), ""
    return json_doc(out)["records"], out.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_free_text_is_absent_by_default(fmt, idea, make_record, tmp_path):
    out = tmp_path / f"export.{fmt}"
    export_records(_records(idea, make_record), out, fmt)
    rows, raw = _read(fmt, out)
    assert all("free_text" not in row for row in rows)
    assert SECRET not in raw and "Toller Raum" not in raw
    assert [row["rating"] for row in rows][1] in (4, "4")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_free_text_is_present_with_the_flag(fmt, idea, make_record, tmp_path):
    out = tmp_path / f"export.{fmt}"
    export_records(_records(idea, make_record), out, fmt, include_free_text=True)
    rows, _ = _read(fmt, out)
    assert [row["free_text"] for row in rows] == [SECRET, "Toller Raum, danke!"]


def test_xlsx_free_text_absent_from_every_sheet(idea, make_record, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "export.xlsx"
    export_records(_records(idea, make_record), out, "xlsx")
    book = load_workbook(out, read_only=True)
    values = [v for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row]
    book.close()
    assert SECRET not in values and "free_text" not in values
