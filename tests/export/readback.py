"""Reading the three export formats back the way office tools and scripts do."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from openpyxl import load_workbook


def csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def xlsx_rows(path: Path, sheet: str = "Daten") -> list[dict]:
    book = load_workbook(path, read_only=True)
    try:
        rows = list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()
    header = rows[0]
    return [dict(zip(header, row)) for row in rows[1:]]


def xlsx_cells(path: Path, sheet: str) -> list:
    """Every non-empty cell of `sheet` as (value, data_type)."""
    book = load_workbook(path)  # not read_only: data_type tells a formula ('f') from text ('s')
    return [(c.value, c.data_type) for row in book[sheet].iter_rows() for c in row if c.value is not None]


def json_doc(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
