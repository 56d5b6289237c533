"""Cells a spreadsheet would run as a formula open as text in CSV and XLSX; JSON keeps the text."""

import pytest

from kiosk.export import export_records, neutralise

from .readback import csv_rows, json_doc, xlsx_cells

DANGEROUS = ["=SUM(A1)", "+1", "-1", "@x", "\tx", "\rx"]


def test_neutralise_prefixes_only_trigger_characters():
    assert [neutralise(t) for t in DANGEROUS] == ["'" + t for t in DANGEROUS]
    assert neutralise("Mehr Bäume") == "Mehr Bäume"
    assert neutralise("") == ""
    assert neutralise("a=1") == "a=1"


def _records(idea):
    return [idea(seq, text) for seq, text in enumerate(DANGEROUS, start=1)]


def test_csv_cells_are_neutralised(idea, tmp_path):
    out = tmp_path / "export.csv"
    export_records(_records(idea), out, "csv", include_free_text=True)
    assert [r["free_text"] for r in csv_rows(out)] == ["'" + t for t in DANGEROUS]


def test_xlsx_cells_are_text_never_formulas(idea, tmp_path):
    out = tmp_path / "export.xlsx"
    export_records(_records(idea), out, "xlsx", include_free_text=True)
    cells = xlsx_cells(out, "Daten")
    assert not [value for value, kind in cells if kind == "f"]
    texts = [value for value, kind in cells if isinstance(value, str) and value.startswith("'")]
    # xlsxwriter stores a carriage return as OOXML's escape _x000D_, which Excel shows as CR and
    # openpyxl hands back as written; either way the cell starts with the apostrophe.
    assert texts == ["'=SUM(A1)", "'+1", "'-1", "'@x", "'\tx", "'_x000D_x"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_summary_texts_are_neutralised_too(fmt, make_record, tmp_path):
    from kiosk.core.records import Kind

    vote = make_record(1, Kind.VOTE, {"answers": ["=HYPERLINK(\"x\")"]}, exhibit_id="alt", poll_id="weg",
                       question_version="1111222233334444")
    out = tmp_path / f"export.{fmt}"
    export_records([vote], out, fmt)
    if fmt == "csv":
        assert csv_rows(tmp_path / "export-summary.csv")[0]["answer"] == "'=HYPERLINK(\"x\")"
        assert csv_rows(out)[0]["answers"] == "'=HYPERLINK(\"x\")"
    else:
        for sheet in ("Daten", "weg (111122)"):
            cells = xlsx_cells(out, sheet)
            assert not [value for value, kind in cells if kind == "f"]
            assert "'=HYPERLINK(\"x\")" in [value for value, _ in cells]


def test_json_keeps_the_text_as_typed(idea, tmp_path):
    out = tmp_path / "export.json"
    export_records(_records(idea), out, "json", include_free_text=True)
    assert [r["free_text"] for r in json_doc(out)["records"]] == DANGEROUS
