"""Exports the administration opens in a German Excel or LibreOffice: CSV in the excel-de
dialect, XLSX with German headers, Berlin date cells, sheets named by question and a rating
summary per exhibit. Read back the way those tools (and Python's csv and openpyxl) read them."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from kiosk.core.records import Kind
from kiosk.export import BASE_COLUMNS, export_records, export_store
from kiosk.export.columns import GERMAN_HEADERS
from kiosk.export.sheet_names import MAX_LENGTH, SheetNames

from .readback import csv_rows, json_doc
from .test_export_cli import config, run_export  # noqa: F401  (config is a fixture)


def test_excel_de_csv_opens_in_columns_with_decimal_commas(make_record, vote, tmp_path):
    records = [
        vote(1, "programmwerkstatt", "themen", ["klima", "smartphone"]),
        vote(2, "programmwerkstatt", "themen", ["klima"]),
        vote(3, "programmwerkstatt", "themen", ["reparieren"]),
        make_record(4, Kind.VIEW, {"dwell_s": 12.5, "layer": "de"}, exhibit_id="open-data"),
        make_record(5, Kind.IDEA, {"text": "=HYPERLINK(\"x\"); Bänke, Bäume", "layer": "de"}, exhibit_id="stadtlabor"),
    ]
    out = tmp_path / "e.csv"
    export_records(records, out, "csv", include_free_text=True, csv_dialect="excel-de")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid;kiosk_id;seq;")
    assert (tmp_path / "e-summary.csv").read_bytes().startswith(b"\xef\xbb\xbfexhibit_id;poll_id;")
    rows = csv_rows(out, delimiter=";")
    assert list(rows[0]) == list(BASE_COLUMNS) + ["free_text"]
    assert rows[0]["answers"] == "klima;smartphone"  # one cell: quoted, since ';' separates cells
    assert rows[3]["dwell_s"] == "12,5"
    assert rows[4]["free_text"] == "'=HYPERLINK(\"x\"); Bänke, Bäume"  # neutralised, and whole
    summary = {row["answer_id"]: row for row in csv_rows(tmp_path / "e-summary.csv", delimiter=";")
               if row["poll_id"] == "themen"}
    assert summary["klima"]["percent"] == "66,7" and summary["reparieren"]["percent"] == "33,3"
    assert summary["klima"]["voters"] == "3"
    # The default dialect is unchanged: commas, decimal point.
    export_records(records, tmp_path / "r.csv", "csv")
    assert csv_rows(tmp_path / "r.csv")[3]["dwell_s"] == "12.5"


def test_excel_de_from_the_store_matches_export_records(store, cast, tmp_path):
    first = cast("programmwerkstatt", "themen", ["klima", "smartphone"])
    cast("stadtlabor", "zufriedenheit", ["4"])
    export_store(store, tmp_path / "s.csv", "csv", csv_dialect="excel-de")
    export_records(list(store.iter_records()), tmp_path / "r.csv", "csv", csv_dialect="excel-de")
    assert (tmp_path / "s.csv").read_bytes() == (tmp_path / "r.csv").read_bytes()
    rows = csv_rows(tmp_path / "s.csv", delimiter=";")
    assert rows[0]["id"] == first.id and rows[0]["answers"] == "klima;smartphone"


def test_command_line_dialect_and_help(config, tmp_path):  # noqa: F811
    help_text = run_export("--help").stdout
    assert "--csv-dialect" in help_text and "excel-de" in help_text and "rfc4180" in help_text
    from kiosk.store import Store

    Store.open(tmp_path / "var" / "kiosk.sqlite3", "kiosk-01").close()
    out = tmp_path / "de.csv"
    done = run_export("--config", str(config), "--out", str(out), "--csv-dialect", "excel-de")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbfid;kiosk_id;")
    wrong = run_export("--config", str(config), "--out", str(out), "--csv-dialect", "excel")
    assert wrong.returncode == 2 and "excel-de" in wrong.stderr


def _book(path):
    return load_workbook(path)  # not read-only: number formats tell a date cell


def test_xlsx_headers_are_german_and_times_are_berlin_dates(make_record, tmp_path):
    winter = make_record(1, Kind.VIEW, {"dwell_s": 3.0}, created_at="2026-01-15T10:00:00.000000Z")
    summer = make_record(2, Kind.VIEW, {"dwell_s": 4.0}, created_at="2026-07-01T10:30:15.000000Z")
    new_year = make_record(3, Kind.VIEW, {"dwell_s": 5.0}, created_at="2026-12-31T23:30:00.000000Z")
    out = tmp_path / "e.xlsx"
    export_records([winter, summer, new_year], out, "xlsx", include_free_text=True)
    book = _book(out)
    sheet = book["Daten"]
    header = [c.value for c in sheet[1]]
    assert header == [GERMAN_HEADERS[c] for c in BASE_COLUMNS] + ["Freitext"]
    assert not {"id", "kind", "created_at", "free_text"} & set(header)
    assert [sheet.cell(row=r, column=header.index("Art") + 1).value for r in (2, 3, 4)] == ["Ansicht"] * 3
    when = header.index("Zeitpunkt (Ortszeit)") + 1
    cells = [sheet.cell(row=r, column=when) for r in (2, 3, 4)]
    assert all(c.is_date and "dd.mm.yyyy" in c.number_format for c in cells)
    assert [c.value for c in cells] == [dt.datetime(2026, 1, 15, 11, 0), dt.datetime(2026, 7, 1, 12, 30, 15),
                                        dt.datetime(2027, 1, 1, 0, 30)]
    book.close()


def _with_questions(shipped, questions: dict[tuple[str, str], str]):
    """The shipped exhibits with some poll questions (German layer) replaced."""
    exhibits = []
    for exhibit in shipped.exhibits:
        polls = [poll.model_copy(update={"question": poll.question.model_copy(update={"de": questions[key]})})
                 if (key := (exhibit.id, poll.id)) in questions else poll for poll in exhibit.polls]
        exhibits.append(exhibit.model_copy(update={"polls": polls}))
    return exhibits


def test_poll_sheets_are_named_by_question(make_record, shipped, tmp_path):
    long = "Wie finden Sie digitale Angebote auf dem Friedhof der Zukunft insgesamt?"
    forbidden = "Was/wo? [Ort]: Markt*Platz\\Rathaus"
    apostrophe = "Wie geht's dem Rathaus?"
    exhibits = _with_questions(shipped, {
        ("stadtlabor", "wie-gefunden"): long,
        ("stadtlabor", "zufriedenheit"): long,          # the same question twice
        ("programmwerkstatt", "themen"): forbidden,
        ("programmwerkstatt", "selbst-anbieten"): apostrophe,
    })
    by_id = {(e.id, p.id): p for e in exhibits for p in e.polls}
    records = [make_record(n, Kind.VOTE, {"answers": [by_id[key].answer_ids()[0]], "layer": "de"}, exhibit_id=key[0],
                           poll_id=key[1], question_version=by_id[key].question_version)
               for n, key in enumerate(by_id, 1)]
    out = tmp_path / "e.xlsx"
    export_records(records, out, "xlsx", exhibits=exhibits)
    book = _book(out)
    names = book.sheetnames
    assert all(len(n) <= MAX_LENGTH and not set("[]:*?/\\") & set(n) for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert "Wie finden Sie digitale…" in names and "Wie finden Sie digitale… 2" in names
    assert "Was-wo (Ort) - MarktPlatz-Rath…" in names
    assert "Wie geht's dem Rathaus" in names
    assert "Wie gefällt Ihnen das…" not in names  # the replaced question is gone, the new one is used
    # The overview links each poll to its sheet, quoting names as Excel wants them.
    links = {c.hyperlink.location for row in book["Übersicht"].iter_rows() for c in row if c.hyperlink}
    assert "'Wie geht''s dem Rathaus'!A1" in links
    assert all(link.split("!")[0].strip("'").replace("''", "'") in names for link in links)
    book.close()


def test_sheet_names_cut_long_questions_and_keep_suffixes():
    names = SheetNames()
    question = "Zu welchen Themen wünschen Sie sich Angebote im StadtLABOR?"
    first = names.take(question)
    second = names.take(question)
    earlier = names.take(question, " (0a1b2c)")
    assert first == "Zu welchen Themen wünschen Sie…" and len(first) <= MAX_LENGTH
    assert second.endswith(" 2") and second != first and len(second) <= MAX_LENGTH
    assert earlier.endswith(" (0a1b2c)") and len(earlier) <= MAX_LENGTH
    assert names.take("History") == "History 2"  # Excel keeps that name for itself
    assert names.take("?*") == "Blatt" and names.take("'Blatt'") == "Blatt 2"
    assert names.take("a\x01b: [c]") == "a_b - (c)"


def test_ratings_summary_per_exhibit(make_record, shipped, tmp_path):
    def rating(seq, exhibit, value, comment=None):
        return make_record(seq, Kind.FEEDBACK, {"rating": value, "comment": comment, "layer": "de"}, exhibit_id=exhibit)

    records = [rating(1, "stadtlabor", 5, "Toll"), rating(2, "stadtlabor", 4), rating(3, "stadtlabor", 4, "Gut"),
               rating(4, "stadtlabor", 1), rating(5, "open-data", 3),
               rating(6, "open-data", "5"), rating(7, "open-data", None),  # not a 1-5 rating: not counted
               make_record(8, Kind.VIEW, {"dwell_s": 2.0}, exhibit_id="stadtlabor"),
               rating(9, "weg-damit", 2)]  # an exhibit no longer in the content
    out = tmp_path / "e.xlsx"
    result = export_records(records, out, "xlsx", exhibits=shipped.exhibits)
    book = _book(out)
    sheet = book["Bewertungen"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if r[0] == "Exponat")
    assert header[:4] == ["Exponat", "Kennung", "Bewertungen", "Durchschnitt"]
    by_id = {r[1]: dict(zip(header, r)) for r in rows[rows.index(header) + 1:]}
    stadtlabor = by_id["stadtlabor"]
    assert stadtlabor["Exponat"] == shipped.exhibit("stadtlabor").title.de
    assert stadtlabor["Bewertungen"] == 4 and stadtlabor["Durchschnitt"] == pytest.approx(3.5)
    assert [stadtlabor[k] for k in ("1 Stern", "2 Sterne", "3 Sterne", "4 Sterne", "5 Sterne")] == [1, 0, 0, 2, 1]
    assert stadtlabor["mit Kommentar"] == 2
    assert by_id["open-data"]["Bewertungen"] == 1 and by_id["open-data"]["Durchschnitt"] == 3
    assert by_id["weg-damit"]["Bewertungen"] == 1 and by_id["weg-damit"]["Exponat"] == "(nicht mehr im Inhalt)"
    unrated = next(e.id for e in shipped.exhibits if e.id not in ("stadtlabor", "open-data"))
    assert by_id[unrated]["Bewertungen"] == 0 and by_id[unrated]["Durchschnitt"] is None
    assert book.sheetnames[:3] == ["Übersicht", "Bewertungen", "Daten"]
    book.close()
    # JSON carries the same numbers; the result hands them to the staff screen.
    export_records(records, tmp_path / "e.json", "json", exhibits=shipped.exhibits)
    ratings = {r["exhibit_id"]: r for r in json_doc(tmp_path / "e.json")["ratings"]}
    assert ratings["stadtlabor"]["distribution"] == {"1": 1, "2": 0, "3": 0, "4": 2, "5": 1}
    assert ratings["stadtlabor"]["average"] == 3.5
    assert {r.exhibit_id: r.count for r in result.ratings}["stadtlabor"] == 4
    assert result.kinds == {"feedback": 8, "view": 1}


def test_command_line_names_the_dialects_the_export_knows():
    from kiosk.export import cli, csv_out

    assert cli.CSV_DIALECTS == csv_out.DIALECTS and cli.CSV_DIALECTS[0] == csv_out.DEFAULT_DIALECT
