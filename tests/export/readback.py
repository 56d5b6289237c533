"""Reading the three export formats back the way office tools and scripts do."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from openpyxl import load_workbook

from kiosk.export.columns import GERMAN_FLAGS, GERMAN_HEADERS, GERMAN_KINDS, TIME_COLUMNS
from kiosk.export.period import BERLIN

IDS = {german: column for column, german in GERMAN_HEADERS.items()}
KIND_IDS = {german: kind for kind, german in GERMAN_KINDS.items()}
FLAG_IDS = {german: flag for flag, german in GERMAN_FLAGS.items()}


def csv_rows(path: Path, delimiter: str = ",") -> list[dict]:
    """The rows as Python's csv module reads them; delimiter ";" for the excel-de dialect."""
    with open(path, encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file, delimiter=delimiter))


def xlsx_rows(path: Path, sheet: str = "Daten", *, as_ids: bool = True) -> list[dict]:
    """The raw rows; with `as_ids`, keyed by the column ids CSV and JSON use, kinds and flags as
    ids, and the Berlin date cells (created_at, received_at) turned back into the UTC text CSV and
    JSON carry, so rows compare with the CSV's."""
    book = load_workbook(path, read_only=True)
    try:
        rows = list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()
    header = rows[0]
    if not as_ids:
        return [dict(zip(header, row)) for row in rows[1:]]
    header = [IDS.get(name, name) for name in header]
    out = []
    for row in rows[1:]:
        values = dict(zip(header, row))
        values["kind"] = KIND_IDS.get(values.get("kind"), values.get("kind"))
        if values.get("flags"):
            values["flags"] = ";".join(FLAG_IDS.get(f, f) for f in values["flags"].split(";"))
        for column in TIME_COLUMNS:
            when = values.get(column)
            if isinstance(when, dt.datetime):
                values[column] = when.replace(tzinfo=BERLIN).astimezone(dt.timezone.utc).strftime(
                    "%Y-%m-%dT%H:%M:%S.%fZ")
        out.append(values)
    return out


def xlsx_cells(path: Path, sheet: str) -> list:
    """Every non-empty cell of `sheet` as (value, data_type)."""
    book = load_workbook(path)  # not read_only: data_type tells a formula ('f') from text ('s')
    return [(c.value, c.data_type) for row in book[sheet].iter_rows() for c in row if c.value is not None]


def json_doc(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
