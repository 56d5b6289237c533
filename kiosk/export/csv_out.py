"""CSV: the raw records in `<out>`, the poll summaries in `<out stem>-summary.csv` beside it.

UTF-8 with a byte order mark, because Excel opens a BOM-less UTF-8 CSV as Windows-1252 and
turns "Müll" into "MÃ¼ll"; comma-separated with RFC 4180 quoting and CRLF line ends.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .cells import TRIGGERS, neutralise_row
from .columns import csv_fields
from .summary import PollSummary

SUMMARY_COLUMNS = ("exhibit_id", "poll_id", "question_version", "status", "question", "type", "answer_id",
                   "answer", "count", "percent", "suspect", "voters", "suspect_voters")
_BUFFER = 1 << 20
_BATCH = 2000


def _plain(line: str) -> bool:
    """True when `line` needs neither quoting nor neutralising: no quote or line break, and no
    field starts with a formula trigger. Nearly every record is plain ids and numbers; this
    check (a few C-speed substring scans, faster than a regex here) lets them skip the csv module."""
    return not ('"' in line or "\r" in line or "\n" in line or ",=" in line or ",+" in line or ",-" in line
                or ",@" in line or ",\t" in line or line[:1] in TRIGGERS)


def summary_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}-summary.csv")


def _open(path: Path):
    return open(path, "w", encoding="utf-8-sig", newline="", buffering=_BUFFER)


class CsvExport:
    def __init__(self, raw_path: Path, summary_tmp: Path, columns: tuple[str, ...]):
        self._summary_tmp = summary_tmp
        self._include_free_text = columns[-1] == "free_text"
        self._commas = len(columns) - 1
        self._file = _open(raw_path)
        self._writer = csv.writer(self._file, lineterminator="\r\n")
        self._writer.writerow(columns)
        self._lines: list[str] = []

    def add(self, record) -> None:
        fields = csv_fields(record, self._include_free_text)
        line = ",".join(fields)
        if line.count(",") != self._commas or not _plain(line):
            self._flush()
            self._writer.writerow(neutralise_row(fields))
            return
        self._lines.append(line)
        if len(self._lines) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._lines:
            self._lines.append("")
            self._file.write("\r\n".join(self._lines))
            self._lines = []

    def finish(self, summaries: list[PollSummary], meta: dict) -> None:
        self._flush()
        self._file.close()
        with _open(self._summary_tmp) as file:
            writer = csv.writer(file, lineterminator="\r\n")
            writer.writerow(SUMMARY_COLUMNS)
            for s in summaries:
                poll = (s.exhibit_id, s.poll_id, s.question_version, s.status, s.question, s.type)
                totals = (s.voters, s.suspect_voters)
                for a in s.answers:
                    percent = "" if a.percent is None else a.percent
                    writer.writerow(neutralise_row(poll + (a.answer_id, a.label, a.count, percent, a.suspect) + totals))
                if not s.answers:  # a poll nobody answered still shows, with zero voters
                    writer.writerow(neutralise_row(poll + ("", "", 0, "", 0) + totals))

    def close(self) -> None:
        self._file.close()
