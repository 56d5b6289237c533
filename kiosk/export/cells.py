"""Neutralising cells that a spreadsheet would run as a formula (CSV/formula injection).

A visitor's idea such as "=HYPERLINK(...)" or "+49 2921 ..." must open as text. Excel and
LibreOffice treat a leading = + - @ as a formula and tab or CR as a cue to guess; a leading
apostrophe makes them show the rest as plain text. JSON is data, not a sheet: it keeps the text.
"""

from __future__ import annotations

import re

TRIGGERS = frozenset("=+-@\t\r")
# Characters XML 1.0 cannot hold: one of them in a cell and Excel (and openpyxl) cannot open the
# workbook at all. A visitor's text may hold any; in XLSX they show as U+FFFD.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def neutralise(value: str) -> str:
    return "'" + value if value[:1] in TRIGGERS else value


def neutralise_row(row) -> list:
    """Every text cell of `row` neutralised; numbers and None pass through."""
    return [("'" + v if v[:1] in TRIGGERS else v) if type(v) is str else v for v in row]


def xlsx_text(value: str) -> str:
    """A text cell for XLSX: neutralised, and with characters XML cannot hold replaced."""
    if NOT_XML.search(value):
        value = NOT_XML.sub("\ufffd", value)
    return "'" + value if value[:1] in TRIGGERS else value
