"""Reading an export back: is the file complete and does it hold the records we wrote?

For the staff screen's USB export: a stick can accept the write and still lose it (pulled
too early, a failing cell), so the file is read back from the stick and the result shown.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from .columns import GERMAN_HEADERS
from .csv_out import summary_path
from .xlsx_out import OVERVIEW, RAW

_CHUNK = 1 << 20


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    path: Path
    format: str
    expected: int
    found: int | None     # records read back; None when the file could not be read at all
    message: str          # German, for the staff screen

    def __bool__(self) -> bool:
        return self.ok


def verify_export(path: Path | str, format: str, expected_records: int) -> VerifyResult:
    path = Path(path)
    readers = {"csv": _count_csv, "xlsx": _count_xlsx, "json": _count_json}
    if format not in readers:
        raise ValueError(f"unknown export format {format!r}; expected one of {', '.join(readers)}")
    try:
        found = readers[format](path)
    except FileNotFoundError as error:
        return VerifyResult(False, path, format, expected_records, None,
                            f"Datei nicht gefunden: {error.filename}. Ist der USB-Stick noch eingesteckt?")
    except Exception as error:  # noqa: BLE001 - zipfile, openpyxl, csv and json each raise their own
        # types for a damaged file; every one of them means the same to staff: export again.
        return VerifyResult(False, path, format, expected_records, None,
                            f"Die Datei {path.name} ist nicht lesbar oder beschädigt ({error}). "
                            "Bitte erneut exportieren.")
    if found != expected_records:
        return VerifyResult(False, path, format, expected_records, found,
                            f"{path.name}: {found} von {expected_records} Datensätzen gelesen. Bitte erneut exportieren.")
    return VerifyResult(True, path, format, expected_records, found,
                        f"{path.name} geprüft: alle {found} Datensätze lesbar.")


def _count_csv(path: Path) -> int:
    # The summary file is checked too: raw records without their summary are not a complete export.
    for file in (path, summary_path(path)):
        with open(file, "rb") as raw:
            if raw.read(3) != b"\xef\xbb\xbf":
                raise ValueError(f"{file.name} has no UTF-8 byte order mark")
    with open(path, encoding="utf-8-sig", newline="") as file:
        # Either dialect (kiosk.export.csv_out): the header, plain ids, tells which separator.
        header = file.readline()
        file.seek(0)
        rows = csv.reader(file, delimiter=";" if ";" in header and "," not in header else ",")
        if next(rows, None) is None:
            raise ValueError("no header row")
        return sum(1 for _ in rows)


def _count_xlsx(path: Path) -> int:
    from openpyxl import load_workbook  # a test and staff-screen dependency, not the kiosk's core

    book = load_workbook(path, read_only=True)
    try:
        if OVERVIEW not in book.sheetnames:
            raise ValueError(f"sheet '{OVERVIEW}' missing")
        raw = [n for n in book.sheetnames if n == RAW or (n.startswith(RAW + " ") and n[len(RAW) + 1:].isdigit())]
        if not raw:
            raise ValueError(f"sheet '{RAW}' missing")
        total = 0
        for name in raw:
            rows = book[name].iter_rows(min_col=1, max_col=1, values_only=True)
            if next(rows, None) not in (("id",), (GERMAN_HEADERS["id"],)):
                raise ValueError(f"sheet '{name}' has no header row")
            total += sum(1 for row in rows if row[0] is not None)
        return total
    finally:
        book.close()


def _count_json(path: Path) -> int:
    """Counts the records with a streaming parse, so a million records need no gigabytes."""
    with open(path, encoding="utf-8") as file:
        reader = _Reader(file)
        reader.expect("{")
        count, keys = None, set()
        while True:
            key = reader.value()
            reader.expect(":")
            keys.add(key)
            if key == "records":
                count = reader.count_array()
            else:
                reader.value()
            if reader.expect(",}") == "}":
                break
        reader.end()
    if "summaries" not in keys or count is None:
        raise ValueError("'summaries' or 'records' missing")
    return count


class _Reader:
    """Just enough of an incremental JSON reader for one top-level object."""

    def __init__(self, file):
        self._file, self._buf, self._pos, self._eof = file, "", 0, False
        self._decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._file.read(_CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._buf = self._buf[self._pos:] + chunk
        self._pos = 0
        return True

    def _skip_ws(self) -> str:
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in " \t\r\n":
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def expect(self, chars: str) -> str:
        char = self._skip_ws()
        if not char or char not in chars:
            raise ValueError(f"expected one of {chars!r} in the JSON, found {char or 'the end of the file'!r}")
        self._pos += 1
        return char

    def value(self):
        while True:
            self._skip_ws()
            try:
                value, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError:
                if self._fill():
                    continue
                raise
            # A number ending at the buffer's end may continue in the next chunk.
            if end == len(self._buf) and not self._eof and self._fill():
                continue
            self._pos = end
            return value

    def count_array(self) -> int:
        self.expect("[")
        if self._skip_ws() == "]":
            self._pos += 1
            return 0
        count = 0
        while True:
            self.value()
            count += 1
            if self.expect(",]") == "]":
                return count

    def end(self) -> None:
        if self._skip_ws():
            raise ValueError("text after the end of the JSON object")
