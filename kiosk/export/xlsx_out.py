"""XLSX: "Übersicht", "Bewertungen", the raw records in "Daten", "Daten 2", ..., one sheet per poll.

Written for the administration: German column headers, times as date cells in Soest's time
(Europe/Berlin; the records carry UTC), poll sheets named by their question.

xlsxwriter in constant_memory mode writes each row to disk once the next row starts, so a
million records never sit in memory; every sheet is therefore written top to bottom in one
pass. The summaries are only known once all records went past, so the "Übersicht" sheet is
created first (it stays the first tab, "Bewertungen" the second) and filled at the end, and the
poll sheets follow the raw sheets. Text always goes through write_string: a visitor's "=..." is text, never a formula.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kiosk.core.clock import UTC

from .cells import NOT_XML, TRIGGERS, xlsx_text
from .columns import BASE_COLUMNS, GERMAN_FLAGS, GERMAN_HEADERS, GERMAN_KINDS, TIME_COLUMNS, flat_row, layout
from .period import BERLIN
from .sheet_names import SheetNames, sheet_reference
from .summary import CURRENT, NOT_IN_CONTENT, RATINGS, PollSummary, RatingSummary

# Excel's sheet holds 1,048,576 rows, the header row included.
EXCEL_MAX_ROWS = 1_048_576
OVERVIEW = "Übersicht"
RAW = "Daten"
RATINGS_SHEET = "Bewertungen"
_KIND = BASE_COLUMNS.index("kind")
_FLAGS = BASE_COLUMNS.index("flags")
_UTC = UTC
HONEST = ("Stimmen hier vor Ort, nicht repräsentativ. Verdächtige Stimmen (schneller abgegeben, als Menschen "
          "abstimmen) sind nicht mitgezählt und stehen in einer eigenen Spalte.")
_WIDTHS = {"id": 36, "boot_id": 36, "session_id": 36, "created_at": 27, "received_at": 27, "content_version": 18,
           "question_version": 18, "exhibit_id": 24, "poll_id": 18, "answers": 20, "free_text": 60}


class XlsxExport:
    def __init__(self, path: Path, columns: tuple[str, ...], *, tmpdir: Path | None = None,
                 max_rows: int = EXCEL_MAX_ROWS):
        if max_rows < 2:
            raise ValueError("max_rows must leave room for the header and one record")
        self._columns = columns
        self._include_free_text, self._extra = layout(columns)
        # Where the UTC texts are that become Berlin date cells: created_at, and received_at when asked for.
        self._times = frozenset(col for col, column in enumerate(columns) if column in TIME_COLUMNS)
        self._max_rows = max_rows
        # Imported here: `kiosk run` imports the export package through the CLI and never needs it.
        import xlsxwriter

        self._book = xlsxwriter.Workbook(str(path), {
            "constant_memory": True, "tmpdir": str(tmpdir) if tmpdir else None,
            "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
        })
        self._bold = self._book.add_format({"bold": True})
        self._title = self._book.add_format({"bold": True, "font_size": 14})
        self._percent = self._book.add_format({"num_format": "0.0%"})
        self._wrap = self._book.add_format({"text_wrap": True, "valign": "top"})
        self._when = self._book.add_format({"num_format": "dd.mm.yyyy hh:mm:ss"})
        self._average = self._book.add_format({"num_format": "0.00"})
        self._names = SheetNames()
        self._overview = self._book.add_worksheet(self._names.take(OVERVIEW))
        self._ratings = self._book.add_worksheet(self._names.take(RATINGS_SHEET))
        self.raw_sheets: list[str] = []
        self._sheet = None
        self._row = 0
        self._finished = False

    def add(self, record) -> None:
        if self._sheet is None or self._row >= self._max_rows:
            self._new_raw_sheet()
        sheet, row = self._sheet, self._row
        write_string, write_number = sheet.write_string, sheet.write_number
        row_values = flat_row(record, self._include_free_text, self._extra)
        kind, flags = row_values[_KIND], row_values[_FLAGS]
        row_values[_KIND] = GERMAN_KINDS.get(kind, kind)
        if flags:
            row_values[_FLAGS] = ";".join(GERMAN_FLAGS.get(f, f) for f in flags.split(";"))
        times = self._times
        for col, value in enumerate(row_values):
            if value is None:
                continue
            if col in times:
                when = berlin_time(value)
                if when is not None:
                    sheet.write_datetime(row, col, when, self._when)
                    continue
            if type(value) is str:
                write_string(row, col, xlsx_text(value) if value[:1] in TRIGGERS or NOT_XML.search(value)
                             else value)
            else:
                write_number(row, col, value)
        self._row = row + 1

    def _new_raw_sheet(self) -> None:
        name = self._names.take(RAW if not self.raw_sheets else f"{RAW} {len(self.raw_sheets) + 1}")
        self._close_raw_sheet()
        sheet = self._book.add_worksheet(name)
        for col, column in enumerate(self._columns):
            sheet.set_column(col, col, _WIDTHS.get(column, 16))
            sheet.write_string(0, col, GERMAN_HEADERS.get(column, column), self._bold)
        sheet.freeze_panes(1, 0)
        self.raw_sheets.append(name)
        self._sheet, self._row = sheet, 1

    def _close_raw_sheet(self) -> None:
        if self._sheet is not None and self._row > 1:
            self._sheet.autofilter(0, 0, self._row - 1, len(self._columns) - 1)

    def finish(self, summaries: list[PollSummary], meta: dict, ratings: list[RatingSummary] = ()) -> None:
        if self._sheet is None:
            self._new_raw_sheet()  # an empty export still has the raw sheet with its header
        self._close_raw_sheet()
        poll_sheets = [self._poll_sheet(s) for s in summaries]
        self._write_ratings(ratings, meta)
        self._write_overview(summaries, poll_sheets, meta)
        self._book.close()
        self._finished = True

    def close(self) -> None:
        if self._finished:
            return
        # A failed export: xlsxwriter cannot abandon a workbook, and its per-sheet row files
        # would stay open until garbage collection. The caller removes the folder they are in.
        for sheet in self._book.worksheets():
            handle = getattr(sheet, "row_data_fh", None)
            if handle is not None and not handle.closed:
                handle.close()

    def _text(self, sheet, row: int, col: int, value, fmt=None) -> None:
        if value is None or value == "":
            return
        if isinstance(value, str):
            sheet.write_string(row, col, xlsx_text(value), fmt)
        else:
            sheet.write_number(row, col, value, fmt)

    def _write_overview(self, summaries: list[PollSummary], poll_sheets: list[str], meta: dict) -> None:
        sheet = self._overview
        sheet.set_column(0, 0, 26)
        sheet.set_column(1, 1, 20)
        sheet.set_column(2, 3, 18)
        sheet.set_column(4, 4, 60)
        sheet.set_column(5, 8, 14)
        self._text(sheet, 0, 0, "StadtLABOR – Umfrageergebnisse", self._title)
        facts = [
            ("Erstellt", dt.datetime.fromisoformat(meta["created_at"]).strftime("%d.%m.%Y %H:%M Uhr")),
            ("Zeitraum", meta["period"]),
            ("Auswahl", f"Umfrage {meta['poll']}" if meta["poll"] else "alle Datensätze"),
            ("Datensätze", meta["records"]),
            ("Rohdaten", ", ".join(self.raw_sheets) + " (Zeiten in Ortszeit, Europe/Berlin)"),
            ("Bewertungen", f"Blatt „{self._ratings.name}“: Anzahl, Durchschnitt und Verteilung je Exponat"),
            ("Freitexte", "enthalten – vertraulich behandeln" if meta["include_free_text"]
             else "nicht enthalten (beim Export „Mit Ideen und Kommentaren“ wählen, oder --include-free-text)"),
        ]
        for row, (label, value) in enumerate(facts, start=1):
            self._text(sheet, row, 0, label, self._bold)
            self._text(sheet, row, 1, value)
        row = len(facts) + 1
        self._text(sheet, row, 0, HONEST)
        row += 2
        header = ("Ausstellung", "Umfrage", "Fassung", "Stand", "Frage", "Art", "Stimmen",
                  "Verdächtig (nicht mitgezählt)", "Blatt")
        for col, label in enumerate(header):
            self._text(sheet, row, col, label, self._bold)
        for summary, name in zip(summaries, poll_sheets):
            row += 1
            values = (summary.exhibit_id, summary.poll_id, summary.question_version, summary.status,
                      summary.question, summary.type_label, summary.voters, summary.suspect_voters)
            for col, value in enumerate(values):
                self._text(sheet, row, col, value)
            sheet.write_url(row, len(values), f"internal:{sheet_reference(name)}!A1", string=xlsx_text(name))

    def _poll_sheet(self, s: PollSummary) -> str:
        # Named by the question staff know it by; a poll no longer in the content by its id. An
        # earlier version keeps its version mark, which the cut never takes away.
        wanted = s.poll_id if s.status == NOT_IN_CONTENT or not s.question else s.question
        name = self._names.take(wanted, "" if s.status == CURRENT else f" ({s.question_version[:6]})")
        sheet = self._book.add_worksheet(name)
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, 1, 14)
        sheet.set_column(2, 4, 16)
        facts = [
            ("Frage", s.question or "(nicht mehr im Inhalt)"),
            ("Ausstellung", f"{s.exhibit_title} ({s.exhibit_id})" if s.exhibit_title else s.exhibit_id),
            ("Umfrage", s.poll_id),
            ("Fassung", s.question_version),
            ("Stand", f"{s.status}: {s.note}" if s.note else s.status),
            ("Art", s.type_label),
            ("Stimmen", s.voters),
            ("Verdächtige Stimmen (nicht mitgezählt)", s.suspect_voters),
        ]
        for row, (label, value) in enumerate(facts):
            self._text(sheet, row, 0, label, self._bold)
            self._text(sheet, row, 1, value, self._wrap if label == "Frage" else None)
        row = len(facts)
        self._text(sheet, row, 0, "Stimmen hier vor Ort, nicht repräsentativ.")
        row += 2
        first = row + 1
        for col, label in enumerate(("Antwort", "Kennung", "Anzahl", "Anteil der Abstimmenden",
                                     "Verdächtig (nicht mitgezählt)")):
            self._text(sheet, row, col, label, self._bold)
        for a in s.answers:
            row += 1
            self._text(sheet, row, 0, a.label)
            self._text(sheet, row, 1, a.answer_id)
            sheet.write_number(row, 2, a.count)
            if a.percent is not None:
                # The ratio itself, not the rounded percent, so Excel's own sums stay exact.
                sheet.write_number(row, 3, a.count / s.voters, self._percent)
            sheet.write_number(row, 4, a.suspect)
        if s.answers:
            chart = self._book.add_chart({"type": "bar"})
            chart.add_series({"name": "Anzahl", "categories": [name, first, 0, row, 0],
                              "values": [name, first, 2, row, 2], "data_labels": {"value": True}})
            chart.set_legend({"none": True})
            chart.set_y_axis({"reverse": True})
            chart.set_title({"none": True})
            sheet.insert_chart(0, 6, chart)
        return name

    def _write_ratings(self, ratings: list[RatingSummary], meta: dict) -> None:
        sheet = self._ratings
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, 1, 24)
        sheet.set_column(2, 9, 12)
        self._text(sheet, 0, 0, "Bewertungen je Exponat (1 bis 5)", self._title)
        self._text(sheet, 1, 0, "Bewertungen hier vor Ort, nicht repräsentativ.")
        row = 3
        header = ("Exponat", "Kennung", "Bewertungen", "Durchschnitt") + tuple(f"{r} Sterne" if r > 1 else "1 Stern"
                                                                              for r in RATINGS) + ("mit Kommentar",)
        for col, label in enumerate(header):
            self._text(sheet, row, col, label, self._bold)
        if not ratings:
            self._text(sheet, row + 1, 0, "Keine Bewertungen in dieser Auswahl" if not meta["poll"]
                       else "Export einer einzelnen Umfrage: ohne Bewertungen")
            return
        for r in ratings:
            row += 1
            self._text(sheet, row, 0, r.exhibit_title or "(nicht mehr im Inhalt)")
            self._text(sheet, row, 1, r.exhibit_id)
            sheet.write_number(row, 2, r.count)
            if r.average is not None:
                sheet.write_number(row, 3, r.average, self._average)
            for col, rating in enumerate(RATINGS, start=4):
                sheet.write_number(row, col, r.distribution[rating])
            sheet.write_number(row, 4 + len(RATINGS), r.comments)


def berlin_time(created_at: str) -> dt.datetime | None:
    """The store's UTC text as Soest's wall-clock time, for a date cell (Excel has no time zones);
    None when the text is no time, which then stays text."""
    try:
        moment = dt.datetime.fromisoformat(created_at)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_UTC)
    return moment.astimezone(BERLIN).replace(tzinfo=None)
