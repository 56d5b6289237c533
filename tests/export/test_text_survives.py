"""Umlauts and emoji survive CSV (read as utf-8-sig), XLSX (openpyxl) and JSON."""

import pytest

from kiosk.export import export_records

from .readback import csv_rows, json_doc, xlsx_rows

TEXT = "Mehr Bäume am Übergang, Öko-Grün für Süß und Äöüß 😀🌳"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_umlauts_and_emoji_survive(fmt, idea, vote, shipped, tmp_path):
    out = tmp_path / f"export.{fmt}"
    records = [idea(1, TEXT), vote(2, "friedhof-der-zukunft", "wichtig", ["grabformen", "natur"])]
    export_records(records, out, fmt, exhibits=shipped.exhibits, include_free_text=True)
    if fmt == "csv":
        assert out.read_bytes().startswith(b"\xef\xbb\xbf")
        texts = [r["free_text"] for r in csv_rows(out)]
        summary = csv_rows(tmp_path / "export-summary.csv")
        labels = {r["answer"] for r in summary}
    elif fmt == "xlsx":
        texts = [r["free_text"] for r in xlsx_rows(out)]
        labels = _poll_labels(out)
    else:
        doc = json_doc(out)
        texts = [r["free_text"] for r in doc["records"]]
        labels = {a["label"] for s in doc["summaries"] for a in s["answers"]}
    assert TEXT in texts
    # The summaries carry the content's German option labels, umlauts included.
    poll = shipped.exhibit("friedhof-der-zukunft").poll("wichtig")
    assert {o.label.de for o in poll.options} <= labels


def _poll_labels(path) -> set:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return {row[0] for name in book.sheetnames if name not in ("Übersicht", "Daten")
                for row in book[name].iter_rows(values_only=True) if row and isinstance(row[0], str)}
    finally:
        book.close()
