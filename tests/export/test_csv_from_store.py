"""CSV straight from a store (SQLite renders the lines and counts the votes) writes the same bytes
as the record-by-record path for the same records: tricky text, odd values, selections, batches."""

import datetime as dt
import random

import pytest

from kiosk.core.records import Flag, Kind, RecordDraft
from kiosk.export import (BASE_COLUMNS, FREE_TEXT_COLUMN, Selection, SummaryBuilder, columns, export_records,
                          export_store, period_from_days, verify_export)
from kiosk.export.csv_out import write_lines

from .readback import csv_rows

TRICKY_TEXTS = [
    "Mehr Bäume am Übergang, Öko-Grün für Süß und Äöüß 😀🌳",
    'Sehr gut, "wirklich"\r\nZweite Zeile',
    "eine\nneue Zeile", "ein\rWagenrücklauf", "=SUM(A1)", "+49 2921 123456", "-1", "@x", "\tx", "\rx",
    "a=1, b=2", '=HYPERLINK("http://example.org")', "null true false [1] {x}", "Null\x00Zeichen", ";;",
    "'schon mit Apostroph", "ß",
]


def _draft(kind, payload, *, session="s-1", exhibit="stadtlabor", poll=None, version=None, flags=(),
           content_version="c0ffee0123456789"):
    return RecordDraft(kind=kind, session_id=session, content_version=content_version, payload=payload,
                       exhibit_id=exhibit, poll_id=poll, question_version=version, flags=flags)


def _vote(poll_of, exhibit, poll, answers, *, suspect=False, version=None, session="s-1", layer="de"):
    version = version or poll_of(exhibit, poll).question_version
    return _draft(Kind.VOTE, {"answers": answers, "layer": layer}, session=session, exhibit=exhibit, poll=poll,
                  version=version, flags=(Flag.SUSPECT_BURST,) if suspect else ())


@pytest.fixture
def poll_of(shipped):
    return lambda exhibit, poll: shipped.exhibit(exhibit).poll(poll)


def _fill_votes(store, shipped, poll_of, clock, n=300):
    """Votes on every shipped poll (every poll type), some suspect, some to an earlier wording."""
    rnd = random.Random(11)
    polls = [(e.id, p) for e in shipped.exhibits for p in e.polls]
    for i in range(n):
        clock.at = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=53 * i)
        exhibit, poll = polls[i % len(polls)] if i < len(polls) else rnd.choice(polls)
        ids = poll.answer_ids()
        answers = rnd.sample(ids, rnd.randint(1, 3)) if poll.type.value == "multi" else [rnd.choice(ids)]
        old = "00000000deadbeef" if rnd.random() < 0.08 else None
        store.append(_vote(poll_of, exhibit, poll.id, answers, suspect=rnd.random() < 0.1, version=old,
                           session=f"s-{i}"))


def _fill_tricky(store, poll_of, clock):
    """Every kind of record, with text that needs quoting or neutralising in every column that
    can carry text, and numbers as the kiosk writes them."""
    clock.at = dt.datetime(2026, 3, 20, 12, tzinfo=dt.timezone.utc)
    for i, text in enumerate(TRICKY_TEXTS):
        store.append(_draft(Kind.IDEA, {"text": text, "layer": "de"}, session=f"i-{i}"))
        store.append(_draft(Kind.FEEDBACK, {"rating": 1 + i % 5, "comment": text if i % 3 else None, "layer": "en"},
                            flags=(Flag.CONTACT_DATA,) if i % 4 == 0 else ()))
    for dwell in (12.5, 0.1 + 0.2, 1e16, 7, 0.0, 123.4):
        store.append(_draft(Kind.VIEW, {"dwell_s": dwell, "layer": "ls"}))
    store.append(_draft(Kind.SESSION, {"started_at": "2026-03-20T11:58:00Z", "ended_at": "2026-03-20T12:00:00Z",
                                       "layer": "de", "ended_by": "idle"}, exhibit=None))
    # Ids, versions and answers are the caller's text too: a poll gone from the content, odd ids.
    for session, exhibit, poll, version, answers, layer in [
        ('s,"1"', "alt", "weg", "1111222233334444", ['=HYPERLINK("x")', "a,b", "x;y", "Grün 🌳"], "de"),
        ("-s2", "=evil", "@weg", "+qv", ["-1", "\tx"], "-"),
        ("s3\r\n", "alt", "weg", "1111222233334444", ["a,b"], "de,en"),
    ]:
        store.append(_draft(Kind.VOTE, {"answers": answers, "layer": layer}, session=session, exhibit=exhibit,
                            poll=poll, version=version))
    store.append(_draft(Kind.VIEW, {"dwell_s": -3.5, "layer": "=de"}, session="=s", exhibit="-x"))
    store.append(_draft(Kind.FEEDBACK, {"rating": -2, "comment": "", "layer": ""}))
    store.append(_vote(poll_of, "stadtlabor", "zufriedenheit", ["4"], session="@s"))


def _unusual(store, clock):
    """Values of types the kiosk never writes where it writes them, which SQLite cannot render
    or count the way Python does; the export must still write what the record path writes."""
    clock.at = dt.datetime(2026, 3, 21, 12, tzinfo=dt.timezone.utc)
    for rating in (None, True, False, "5", "-5", [1], [], {}, 2.5, 1e100):
        store.append(_draft(Kind.FEEDBACK, {"rating": rating, "comment": None, "layer": "de"}))
    for dwell in (None, "12", [1, 2], float("nan"), float("inf"), -0.0):
        store.append(_draft(Kind.VIEW, {"dwell_s": dwell, "layer": "de"}))
    for layer in (None, 0, False, "", [], {}, 0.0):
        store.append(_draft(Kind.VIEW, {"dwell_s": 1.5, "layer": layer}))
    store.append(_draft(Kind.VIEW, {"layer": "de"}))
    store.append(_draft(Kind.IDEA, {"text": None, "layer": "de"}))
    store.append(_draft(Kind.IDEA, {"layer": "de"}))
    store.append(_draft(Kind.SESSION, {}, exhibit=None))
    for poll, answers in [("zahlen", [1, 2.5, 3]), ("zeichen", "abc"), ("leer", []), ("nichts", None),
                          ("ohne", "missing"), ("nan", ["x"])]:
        payload = {"answers": answers, "layer": "de"} if answers != "missing" else {"layer": "de"}
        if poll == "nan":
            payload["weight"] = float("nan")  # Python's json writes NaN, which SQLite does not read
        store.append(_draft(Kind.VOTE, payload, exhibit="alt", poll=poll, version="1111222233334444"))


DIALECTS = ["rfc4180", "excel-de"]


def _reference(store, shipped, out, selection=Selection(), include_free_text=False, dialect="rfc4180"):
    """What export_store wrote before the store rendered the lines: the records, one by one."""
    period = selection.period
    records = store.iter_records(since=period.since, until=period.until, poll_id=selection.poll_id)
    return export_records(records, out, "csv", exhibits=shipped.exhibits, selection=selection,
                          include_free_text=include_free_text, csv_dialect=dialect)


def _assert_same(store, shipped, tmp_path, selection=Selection(), include_free_text=False, dialect="rfc4180"):
    fast = export_store(store, tmp_path / "fast.csv", "csv", exhibits=shipped.exhibits, selection=selection,
                        include_free_text=include_free_text, csv_dialect=dialect)
    slow = _reference(store, shipped, tmp_path / "slow.csv", selection, include_free_text, dialect)
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "slow.csv").read_bytes()
    assert (tmp_path / "fast-summary.csv").read_bytes() == (tmp_path / "slow-summary.csv").read_bytes()
    assert fast.records == slow.records and fast.summaries == slow.summaries
    assert fast.paths == [tmp_path / "fast.csv", tmp_path / "fast-summary.csv"]
    return fast


def test_store_and_export_name_the_same_columns(store):
    # Both take them from kiosk.core.records; the byte-for-byte tests here check the SQL's cells.
    with store.export_lines() as lines:
        assert lines.columns == BASE_COLUMNS
    with store.export_lines(include_free_text=True) as lines:
        assert lines.columns == BASE_COLUMNS + (FREE_TEXT_COLUMN,)


@pytest.mark.parametrize("include_free_text", [False, True])
def test_tricky_text_gives_the_same_bytes(include_free_text, store, shipped, poll_of, clock, tmp_path):
    _fill_votes(store, shipped, poll_of, clock, n=60)
    _fill_tricky(store, poll_of, clock)
    result = _assert_same(store, shipped, tmp_path, include_free_text=include_free_text)
    assert result.records == store.count()
    assert verify_export(tmp_path / "fast.csv", "csv", store.count()).ok
    rows = csv_rows(tmp_path / "fast.csv")
    texts = [r for r in rows if r["kind"] == "idea"]
    if include_free_text:
        assert texts[0]["free_text"] == TRICKY_TEXTS[0] and texts[4]["free_text"] == "'=SUM(A1)"
        assert texts[1]["free_text"] == 'Sehr gut, "wirklich"\r\nZweite Zeile'
    else:
        assert FREE_TEXT_COLUMN not in rows[0]
    by_session = {r["session_id"]: r for r in rows}
    assert by_session['s,"1"']["answers"] == "'=HYPERLINK(\"x\");a,b;x;y;Grün 🌳"
    assert by_session["'-s2"]["exhibit_id"] == "'=evil" and by_session["'-s2"]["layer"] == "'-"
    assert by_session["'=s"]["dwell_s"] == "'-3.5"
    assert [r["dwell_s"] for r in rows if r["kind"] == "view"][:6] == ["12.5", "0.30000000000000004", "1e+16", "7",
                                                                     "0.0", "123.4"]


@pytest.mark.parametrize("include_free_text", [False, True])
def test_tricky_text_gives_the_same_bytes_in_excel_de(include_free_text, store, shipped, poll_of, clock, tmp_path):
    _fill_votes(store, shipped, poll_of, clock, n=60)
    _fill_tricky(store, poll_of, clock)
    _assert_same(store, shipped, tmp_path, include_free_text=include_free_text, dialect="excel-de")
    assert verify_export(tmp_path / "fast.csv", "csv", store.count()).ok
    rows = csv_rows(tmp_path / "fast.csv", delimiter=";")
    by_session = {r["session_id"]: r for r in rows}
    assert by_session['s,"1"']["answers"] == "'=HYPERLINK(\"x\");a,b;x;y;Grün 🌳"
    assert by_session["'=s"]["dwell_s"] == "'-3,5"
    assert [r["dwell_s"] for r in rows if r["kind"] == "view"][:6] == ["12,5", "0,30000000000000004", "1e+16", "7",
                                                                     "0,0", "123,4"]
    if include_free_text:
        texts = [r for r in rows if r["kind"] == "idea"]
        assert texts[0]["free_text"] == TRICKY_TEXTS[0] and texts[4]["free_text"] == "'=SUM(A1)"
        assert [t["free_text"] for t in texts if t["free_text"] == ";;"] == [";;"]


@pytest.mark.parametrize("include_free_text", [False, True])
def test_values_sqlite_cannot_render_come_out_as_python_writes_them(include_free_text, store, shipped, poll_of,
                                                                   clock, tmp_path):
    _fill_votes(store, shipped, poll_of, clock, n=30)
    _unusual(store, clock)
    assert any(row[7] for row in store.vote_tallies())  # the summaries are counted in Python here
    _assert_same(store, shipped, tmp_path, include_free_text=include_free_text, dialect="excel-de")
    ratings = [r["rating"] for r in csv_rows(tmp_path / "fast.csv", delimiter=";") if r["kind"] == "feedback"]
    assert ratings == ["", "True", "False", "5", "'-5", "[1]", "[]", "{}", "2,5", "1e+100"]
    _assert_same(store, shipped, tmp_path, include_free_text=include_free_text)
    ratings = [r["rating"] for r in csv_rows(tmp_path / "fast.csv") if r["kind"] == "feedback"]
    assert ratings == ["", "True", "False", "5", "'-5", "[1]", "[]", "{}", "2.5", "1e+100"]


@pytest.mark.parametrize("selection", [
    Selection(period_from_days("2026-03-05", "2026-03-12")),
    Selection(period_from_days(since="2026-03-10")),
    Selection(poll="zufriedenheit"),
    Selection(poll="stadtlabor/zufriedenheit"),
    Selection(poll="freies-wlan/zufrieden"),
    Selection(poll="alt/weg"),
    Selection(poll="/weg"),
    Selection(poll="gibt-es-nicht"),
])
def test_selections_give_the_same_bytes(selection, store, shipped, poll_of, clock, tmp_path):
    _fill_votes(store, shipped, poll_of, clock)
    _fill_tricky(store, poll_of, clock)
    for dialect in DIALECTS:
        _assert_same(store, shipped, tmp_path, selection=selection, include_free_text=True, dialect=dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_empty_store_gives_the_same_bytes(dialect, store, shipped, tmp_path):
    result = _assert_same(store, shipped, tmp_path, dialect=dialect)
    assert result.records == 0 and len(result.summaries) == sum(len(e.polls) for e in shipped.exhibits)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("batch", [1, 3, 7])
def test_small_batches_mixing_plain_and_odd_lines(batch, dialect, store, shipped, poll_of, clock, tmp_path):
    # Plain lines first, then odd ones between plain ones: the first odd batch comes mid-stream,
    # where the store switches to reading the rowids as well.
    _fill_votes(store, shipped, poll_of, clock, n=40)
    _fill_tricky(store, poll_of, clock)
    _fill_votes(store, shipped, poll_of, clock, n=20)
    _reference(store, shipped, tmp_path / "slow.csv", include_free_text=True, dialect=dialect)
    with store.export_lines(include_free_text=True, batch=batch) as lines:
        count = write_lines(tmp_path / "fast.csv", lines, columns(True), dialect)
    assert count == store.count()
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "slow.csv").read_bytes()


def test_summaries_counted_by_sqlite_equal_those_counted_per_record(store, shipped, poll_of, clock, tmp_path):
    _fill_votes(store, shipped, poll_of, clock)
    store.append(_vote(poll_of, "stadtlabor", "zufriedenheit", [], session="leer"))  # a vote with no answer
    from_records, from_tallies = SummaryBuilder(), SummaryBuilder()
    for record in store.iter_records(kinds=[Kind.VOTE]):
        from_records.add(record)
    tallies = store.vote_tallies()
    assert not any(row[7] for row in tallies)
    for row in tallies:
        from_tallies.add_tally(*row[:7])
    summaries = from_tallies.summaries(shipped.exhibits)
    assert summaries == from_records.summaries(shipped.exhibits)
    assert {s.type for s in summaries} == {"single", "multi", "scale", "smiley", "yesno"}
    assert any(s.status == "frühere Fassung" and s.voters for s in summaries)
    assert any(s.suspect_voters for s in summaries)
    for s in summaries:
        assert s.counts() == store.poll_counts(s.exhibit_id, s.poll_id, s.question_version)
        everything = store.poll_counts(s.exhibit_id, s.poll_id, s.question_version, include_suspect=True)
        assert s.voters + s.suspect_voters == everything["voters"]
    # and the summary file written from them is the record path's, byte for byte
    _assert_same(store, shipped, tmp_path)
