"""For any text a visitor or a content editor can put into an export cell (free text, ids,
poll answers, session ids, layers), no CSV or XLSX cell read back starts a formula."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core.records import Kind, Record
from kiosk.export import export_records
from kiosk.export.cells import TRIGGERS

from .readback import csv_rows

# Text with a trigger character first half of the time: the case that matters, found at once.
texts = st.one_of(st.text(max_size=12),
                  st.builds(str.__add__, st.sampled_from(sorted(TRIGGERS)), st.text(max_size=12)))


def record(seq: int, kind: Kind, payload: dict, *, exhibit: str, poll: str | None, version: str | None,
           session: str, content_version: str) -> Record:
    return Record(id=f"00000000-0000-4000-8000-{seq:012d}", kiosk_id="kiosk-01", store_id="store", seq=seq,
                  boot_id="boot",
                  session_id=session, kind=kind, exhibit_id=exhibit, poll_id=poll, question_version=version,
                  content_version=content_version, payload=payload, flags=(), created_at="2026-03-10T10:00:00.000000Z")


@st.composite
def records(draw):
    exhibit, poll, version, session, layer, content_version = (draw(texts) for _ in range(6))
    answers = draw(st.lists(texts, min_size=1, max_size=3))
    return [
        record(1, Kind.VOTE, {"answers": answers, "layer": layer}, exhibit=exhibit, poll=poll, version=version,
               session=session, content_version=content_version),
        record(2, Kind.IDEA, {"text": draw(texts), "layer": layer}, exhibit=exhibit, poll=None, version=None,
               session=session, content_version=content_version),
        record(3, Kind.FEEDBACK, {"rating": 3, "comment": draw(texts), "layer": layer}, exhibit=exhibit, poll=None,
               version=None, session=session, content_version=content_version),
    ]


def starts_formula(value) -> bool:
    return isinstance(value, str) and value[:1] in TRIGGERS


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(records())
def test_no_csv_cell_starts_a_formula(batch):
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "export.csv"
        export_records(batch, out, "csv", include_free_text=True)
        for path in (out, Path(folder) / "export-summary.csv"):
            for row in csv_rows(path):
                assert not [value for value in row.values() if starts_formula(value)], row


@SETTINGS
@given(records())
def test_no_german_excel_csv_cell_starts_a_formula(batch):
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "export.csv"
        export_records(batch, out, "csv", include_free_text=True, csv_dialect="excel-de")
        for path in (out, Path(folder) / "export-summary.csv"):
            for row in csv_rows(path, delimiter=";"):
                assert not [value for value in row.values() if starts_formula(value)], row


@SETTINGS
@given(records())
def test_no_xlsx_cell_is_or_starts_a_formula(batch):
    from openpyxl import load_workbook

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "export.xlsx"
        export_records(batch, out, "xlsx", include_free_text=True)
        book = load_workbook(out)
        try:
            for sheet in book.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f" and not starts_formula(cell.value), (sheet.title, cell.value)
        finally:
            book.close()
