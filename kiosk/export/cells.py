"""Neutralising cells that a spreadsheet would run as a formula (CSV/formula injection).

A visitor's idea such as "=HYPERLINK(...)" or "+49 2921 ..." must open as text. Excel and
LibreOffice treat a leading = + - @ as a formula and tab or CR as a cue to guess; a leading
apostrophe makes them show the rest as plain text. JSON is data, not a sheet: it keeps the text.
"""

from __future__ import annotations

TRIGGERS = frozenset("=+-@\t\r")


def neutralise(value: str) -> str:
    return "'" + value if value[:1] in TRIGGERS else value


def neutralise_row(row) -> list:
    """Every text cell of `row` neutralised; numbers and None pass through."""
    return [("'" + v if v[:1] in TRIGGERS else v) if type(v) is str else v for v in row]
