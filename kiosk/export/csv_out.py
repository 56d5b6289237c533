"""CSV: the raw records in `<out>`, the poll summaries in `<out stem>-summary.csv` beside it.

UTF-8 with a byte order mark, because Excel opens a BOM-less UTF-8 CSV as Windows-1252 and
turns "Müll" into "MÃ¼ll"; RFC 4180 quoting and CRLF line ends. Two dialects:

rfc4180   comma-separated, decimal point: what scripts, databases and English Excel read.
excel-de  semicolon-separated, decimal comma (12,5): a German Excel or LibreOffice opens it in
          columns with a double click; with commas it shows everything in column A.

The ids keep their column names in both; lists in a cell (answers, flags) are joined by ";",
which the German dialect quotes.

Two ways to the same bytes: `CsvExport` takes Records (any iterable, as `export_records` is
given), `write_lines` takes the lines the store renders in SQLite (`Store.export_lines`),
which is what makes `export_store` to CSV fast. Both write a plain line as the cells joined
by ","; anything else goes through `record_line`, i.e. csv.writer on the neutralised cells.
In excel-de a plain line is re-cut in Python (`_german_plain`), anything else goes through
`german_line`; tests/export/test_csv_from_store.py holds both dialects to the same bytes.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from itertools import accumulate, repeat
from pathlib import Path

from .cells import TRIGGERS, neutralise_row
from .columns import csv_fields, layout
from .errors import ExportError
from .summary import PollSummary

RFC4180 = "rfc4180"
EXCEL_DE = "excel-de"
DIALECTS = CSV_DIALECTS = (RFC4180, EXCEL_DE)
# rfc4180 stays the default: scripts already read it, and bench/bench_export.py holds it to twice
# the sqlite3 shell's time (excel-de adds about a fifth). Staff take the XLSX, which opens in
# columns everywhere; excel-de is for whoever wants the CSV in a German Excel.
DEFAULT_DIALECT = RFC4180
_DELIMITERS = {RFC4180: ",", EXCEL_DE: ";"}
# Cells that hold numbers with a fraction, by column position (see columns.BASE_COLUMNS).
_DECIMAL_CELLS = (12, 14)  # rating, dwell_s


class UnknownDialectError(ExportError):
    exit_code = 2


def check_dialect(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise UnknownDialectError(f"--csv-dialect: '{dialect}' is not one of {', '.join(DIALECTS)} (excel-de for a "
                                  "German Excel or LibreOffice: ';' between cells, decimal comma)")
    return dialect


def german_decimal(text: str) -> str:
    """'12.5' -> '12,5': the number as a German spreadsheet reads it."""
    return text.replace(".", ",")

SUMMARY_COLUMNS = ("exhibit_id", "poll_id", "question_version", "status", "question", "type", "answer_id",
                   "answer", "count", "percent", "suspect", "voters", "suspect_voters")
_BUFFER = 1 << 20
_BATCH = 2000
_BOM = "\ufeff".encode("utf-8")
_CRLF = b"\r\n"
# Byte forms of the formula triggers, for checking lines the store rendered.
_FIRST_BYTES = frozenset(t.encode("ascii") for t in TRIGGERS) | {b""}
_LATER_TRIGGERS = tuple(t.encode("ascii") for t in sorted(TRIGGERS - {"-", "\r"}))
# Anything in a store-rendered line that must not be written as it is: quoting is needed ('"',
# CR, LF), a cell the store could not render (its marker '"', or a JSON array or object), or a
# cell that starts with a trigger.
_LINE_NEEDLES = (b'"', b"\r", b"\n", b"[", b"{") + tuple(b"," + t.encode("ascii") for t in sorted(TRIGGERS - {"\r"}))


def _plain(line: str) -> bool:
    """True when `line` needs neither quoting nor neutralising: no quote or line break, and no
    field starts with a formula trigger. Nearly every record is plain ids and numbers; this
    check (a few C-speed substring scans, faster than a regex here) lets them skip the csv module."""
    return not ('"' in line or "\r" in line or "\n" in line or ",=" in line or ",+" in line or ",-" in line
                or ",@" in line or ",\t" in line or line[:1] in TRIGGERS)


def record_line(record, include_free_text: bool, commas: int, extra: tuple[str, ...] = ()) -> str:
    """The record's CSV line, without its line end: csv.writer's quoting of the neutralised cells."""
    fields = csv_fields(record, include_free_text, extra)
    line = ",".join(fields)
    if line.count(",") == commas and _plain(line):
        return line
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(neutralise_row(fields))
    return buffer.getvalue()[:-2]


def summary_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}-summary.csv")


def _open(path: Path):
    return open(path, "w", encoding="utf-8-sig", newline="", buffering=_BUFFER)


def _header(columns: tuple[str, ...], dialect: str = RFC4180) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", delimiter=_DELIMITERS[dialect]).writerow(columns)
    return buffer.getvalue()


class CsvExport:
    def __init__(self, raw_path: Path, summary_tmp: Path, columns: tuple[str, ...], dialect: str = DEFAULT_DIALECT):
        self._summary_tmp = summary_tmp
        self._dialect = check_dialect(dialect)
        self._include_free_text, self._extra = layout(columns)
        self._commas = len(columns) - 1
        self._file = _open(raw_path)
        self._file.write(_header(columns, dialect))
        self._lines: list[str] = []
        self._german = None
        if dialect == EXCEL_DE:
            self._german = csv.writer(self._file, lineterminator="\r\n", delimiter=";")

    def add(self, record) -> None:
        if self._german is not None:
            self._german.writerow(german_fields(record, self._include_free_text, self._extra))
            return
        self._lines.append(record_line(record, self._include_free_text, self._commas, self._extra))
        if len(self._lines) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._lines:
            self._lines.append("")
            self._file.write("\r\n".join(self._lines))
            self._lines = []

    def finish(self, summaries: list[PollSummary], meta: dict, ratings=()) -> None:
        self._flush()
        self._file.close()
        write_summaries(self._summary_tmp, summaries, self._dialect)

    def close(self) -> None:
        self._file.close()


def write_summaries(path: Path, summaries: list[PollSummary], dialect: str = DEFAULT_DIALECT) -> None:
    with _open(path) as file:
        writer = csv.writer(file, lineterminator="\r\n", delimiter=_DELIMITERS[dialect])
        writer.writerow(SUMMARY_COLUMNS)
        for s in summaries:
            poll = (s.exhibit_id, s.poll_id, s.question_version, s.status, s.question, s.type)
            totals = (s.voters, s.suspect_voters)
            for a in s.answers:
                percent = "" if a.percent is None else a.percent
                if dialect == EXCEL_DE and percent != "":
                    percent = german_decimal(str(percent))
                writer.writerow(neutralise_row(poll + (a.answer_id, a.label, a.count, percent, a.suspect) + totals))
            if not s.answers:  # a poll nobody answered still shows, with zero voters
                writer.writerow(neutralise_row(poll + ("", "", 0, "", 0) + totals))


def german_fields(record, include_free_text: bool, extra: tuple[str, ...] = ()) -> list:
    """The record's cells for the excel-de dialect: decimal commas, neutralised."""
    fields = csv_fields(record, include_free_text, extra)
    for i in _DECIMAL_CELLS:
        fields[i] = german_decimal(fields[i])
    return neutralise_row(fields)


def german_line(record, include_free_text: bool, extra: tuple[str, ...] = ()) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", delimiter=";").writerow(german_fields(record, include_free_text, extra))
    return buffer.getvalue()[:-2].encode("utf-8")


def _german_plain(text: bytes) -> bytes:
    """A plain store line (see `_plain_batch`: no quote, line break or formula start, every ','
    a separator) in the excel-de dialect, as csv.writer would write it: ';' between cells,
    decimal commas, and a cell quoted only where it holds a ';' (a list of answers or flags)."""
    fields = text.split(b",")
    for i in _DECIMAL_CELLS:
        fields[i] = fields[i].replace(b".", b",")
    if b";" in text:
        fields = [b'"' + f + b'"' if b";" in f else f for f in fields]
    return b";".join(fields)


def write_lines(path: Path, lines, columns: tuple[str, ...], dialect: str = RFC4180) -> int:
    """Write the header and the records of `lines` (a `Store.export_lines` stream, or the
    central's `CentralDb.export_lines`, which renders the extra column received_at too) to
    `path`; returns the number of records. The same bytes as `CsvExport` for the same records.
    `lines` must render exactly `columns`: the caller checks `lines.columns`."""
    include_free_text, extra = layout(columns)
    commas = len(columns) - 1
    count = 0
    with open(path, "wb", buffering=_BUFFER) as file:
        file.write(_BOM + _header(columns, dialect).encode("utf-8"))
        for texts in lines:
            if dialect == EXCEL_DE:
                # Line by line in Python: about 1 µs a record on top of SQLite's rendering.
                data = _CRLF.join(_german_batch(texts, lines, include_free_text, commas, extra))
            else:
                data = _CRLF.join(texts)
                if not _plain_batch(data, texts, commas):
                    data = _CRLF.join(_render_odd(texts, lines, include_free_text, commas, extra))
            file.write(data)
            file.write(_CRLF)
            count += len(texts)
    return count


def _german_batch(texts: list[bytes], lines, include_free_text: bool, commas: int,
                  extra: tuple[str, ...] = ()) -> list[bytes]:
    odd = [] if _plain_batch(_CRLF.join(texts), texts, commas) else _odd_lines(texts, commas)
    if not odd:
        return list(map(_german_plain, texts))
    skip = set(odd)
    out = [b"" if i in skip else _german_plain(text) for i, text in enumerate(texts)]
    if odd:
        for i, record in zip(odd, lines.records(odd)):
            out[i] = german_line(record, include_free_text, extra)
    return out


def _plain_batch(data: bytes, texts: list[bytes], commas: int) -> bool:
    """True when every line of the batch (`data`: the lines joined by CRLF) can be written as
    it is. Whole-batch scans, since per-line checks in Python would cost what SQLite saved:
    single bytes are found at memchr speed, so the rarer triggers are looked for as pairs only
    when the byte occurs at all."""
    n = len(texts)
    if (data.count(b",") != commas * n or data.count(b"\n") != n - 1 or data.count(b"\r") != n - 1
            or b'"' in data or b"[" in data or b"{" in data or b",-" in data):
        return False
    for trigger in _LATER_TRIGGERS:
        if trigger in data and b"," + trigger in data:
            return False
    return _FIRST_BYTES.isdisjoint({text[:1] for text in texts})


def _odd_lines(texts: list[bytes], commas: int) -> list[int]:
    """The positions of the lines that cannot be written as they are. Each needle is searched
    for in the whole batch and its finds mapped back to lines, so the cost grows with the odd
    lines, not with every line (an export with free text has a few in every batch)."""
    odd: set[int] = set()
    counts = list(map(bytes.count, texts, repeat(b",")))
    if counts.count(commas) != len(counts):
        odd.update(i for i, n in enumerate(counts) if n != commas)
    if not _FIRST_BYTES.isdisjoint({text[:1] for text in texts}):
        odd.update(i for i, text in enumerate(texts) if text[:1] in _FIRST_BYTES)
    data = b"".join(texts)
    ends = list(accumulate(map(len, texts)))
    for needle in _LINE_NEEDLES:
        if needle[-1:] not in data:  # one memchr instead of a slower scan for the pair
            continue
        at = data.find(needle)
        while at >= 0:
            # A pair may span two lines (an empty last cell, then a line starting with the
            # trigger): it marks the first one, the second is caught by its first byte.
            line = bisect_right(ends, at)
            odd.add(line)
            at = data.find(needle, ends[line])
    return sorted(odd)


def _render_odd(texts: list[bytes], lines, include_free_text: bool, commas: int,
                extra: tuple[str, ...] = ()) -> list[bytes]:
    """The batch with each line that cannot be written as it is rendered from its Record."""
    odd = _odd_lines(texts, commas)
    texts = list(texts)
    for i, record in zip(odd, lines.records(odd)):
        texts[i] = record_line(record, include_free_text, commas, extra).encode("utf-8")
    return texts
