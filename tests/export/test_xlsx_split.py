"""Raw records continue on "Daten 2", "Daten 3", ... once a sheet reaches Excel's row limit."""

from openpyxl import load_workbook

from kiosk.core.records import Kind
from kiosk.export import EXCEL_MAX_ROWS, export_records, verify_export

from .readback import xlsx_rows


def test_excel_limit_counts_the_header_row():
    assert EXCEL_MAX_ROWS == 1_048_576


def test_records_split_at_the_injected_row_limit(make_record, shipped, tmp_path):
    records = [make_record(seq, Kind.VIEW, {"dwell_s": 1.5, "layer": "de"}, exhibit_id="stadtlabor")
               for seq in range(1, 24)]
    out = tmp_path / "export.xlsx"
    # 10 rows per sheet: a header and 9 records, as Excel's limit would be with 1,048,575.
    result = export_records(records, out, "xlsx", exhibits=shipped.exhibits, xlsx_max_rows=10)
    assert result.raw_sheets == ["Daten", "Daten 2", "Daten 3"]
    book = load_workbook(out, read_only=True)
    names = book.sheetnames
    book.close()
    assert names[:2] == ["Übersicht", "Bewertungen"] and names[2:5] == ["Daten", "Daten 2", "Daten 3"]
    seqs = [[row["seq"] for row in xlsx_rows(out, name)] for name in result.raw_sheets]
    assert seqs == [list(range(1, 10)), list(range(10, 19)), list(range(19, 24))]
    assert verify_export(out, "xlsx", 23).ok


def test_exactly_full_sheet_opens_no_empty_next_sheet(make_record, tmp_path):
    records = [make_record(seq, Kind.VIEW, {"dwell_s": 2.0, "layer": "en"}) for seq in range(1, 10)]
    result = export_records(records, tmp_path / "export.xlsx", "xlsx", xlsx_max_rows=10)
    assert result.raw_sheets == ["Daten"]


def test_poll_sheet_names_are_safe_unique_and_short(make_record, tmp_path):
    long_id = "a-very-long-poll-identifier-that-goes-on-and-on"
    records = [make_record(1, Kind.VOTE, {"answers": ["x"]}, exhibit_id="one", poll_id=long_id,
                           question_version="1" * 16),
               make_record(2, Kind.VOTE, {"answers": ["x"]}, exhibit_id="two", poll_id=long_id,
                           question_version="1" * 16),
               make_record(3, Kind.VOTE, {"answers": ["x"]}, exhibit_id="one", poll_id="daten",
                           question_version="2" * 16)]
    out = tmp_path / "export.xlsx"
    export_records(records, out, "xlsx")
    book = load_workbook(out, read_only=True)
    names = book.sheetnames
    book.close()
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names) == 6
