"""The central's CSV export straight from its database (SQLite renders the lines and counts the
votes, CentralDb.export_lines) writes the same bytes as the record-by-record path
(iter_records through kiosk.export's export_records) for the same records: tricky text, values
SQLite cannot render, several kiosks and phones with the same created_at, selections, batches."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from types import SimpleNamespace

import pytest

from export.conftest import clock, shipped, store  # noqa: F401  (fixtures)
from export.test_csv_from_store import _fill_tricky, _fill_votes, _unusual

from central.db import CentralDb
from central.export import ExportRequest, write_export
from conftest import PROJECT
from kiosk.core.records import RECEIVED_AT, RECORD_FIELDS
from kiosk.export import Selection, columns, export_records, period_from_days
from kiosk.export.csv_out import write_lines
from sync.protocol import canonical_json, row_fingerprint

SETTINGS = SimpleNamespace(content_root=PROJECT)


@pytest.fixture
def poll_of(shipped):  # noqa: F811
    return lambda exhibit, poll: shipped.exhibit(exhibit).poll(poll)


@pytest.fixture(params=["sqlite", "postgres"])
def central_db(request, tmp_path):
    """The central's database on both backends: on PostgreSQL the lines are left to kiosk.export
    (RecordLines), and must still be the record path's bytes."""
    target = tmp_path / "central.sqlite3" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    db = CentralDb.open(target)
    yield db
    db.close()


def copy_to_central(store, db: CentralDb) -> int:  # noqa: F811
    """The kiosk store's records into the central, as kiosk-01 and again (new ids, the same
    created_at) as kiosk-02 and as kiosk-01's phone records, in an order that is not the export's."""
    rows = []
    for record in store.iter_records():
        values = {name: getattr(record, name) for name in RECORD_FIELDS}
        values["kind"] = getattr(record.kind, "value", record.kind)
        values["payload"] = canonical_json(record.payload)
        values["flags"] = canonical_json([getattr(f, "value", f) for f in record.flags]) if record.flags else "[]"
        for kiosk_id, store_id, source in (("kiosk-02", "b" * 8, "kiosk"), ("kiosk-01", "a" * 8, "kiosk"),
                                           ("kiosk-01", "f" * 8, "phone")):
            row = dict(values, id=str(uuid.uuid4()) if kiosk_id != "kiosk-01" or source == "phone" else values["id"],
                       kiosk_id=kiosk_id, store_id=store_id)
            fields = tuple(row[name] for name in RECORD_FIELDS)
            received = (dt.datetime.fromisoformat(record.created_at.replace("Z", "+00:00"))
                        + dt.timedelta(seconds=len(rows))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            rows.append(fields + (source, received, row_fingerprint(fields)))
    rows.reverse()
    insert = (f"INSERT INTO records ({', '.join(RECORD_FIELDS)}, source, received_at, fingerprint) "
              f"VALUES ({', '.join('?' for _ in range(len(RECORD_FIELDS) + 3))})")
    if db.path is None:
        import psycopg

        with psycopg.connect(db._store.url) as conn:
            conn.cursor().executemany(insert.replace("?", "%s"), rows)
        return len(rows)
    conn = sqlite3.connect(db.path)
    with conn:
        conn.executemany(insert, rows)
    conn.close()
    return len(rows)


def reference(db: CentralDb, shipped, out, request: ExportRequest):  # noqa: F811
    """What the central wrote before its database rendered the lines: the records, one by one."""
    period = period_from_days(request.since, request.until)
    selection = Selection(period, request.poll)
    text = lambda when: when.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if when else None  # noqa: E731
    records = db.iter_records(since=text(period.since), until=text(period.until), poll_id=selection.poll_id,
                              exhibit_id=selection.exhibit_id or None, kiosk_id=request.kiosk, source=request.source)
    return export_records(records, out, "csv", exhibits=shipped.exhibits, selection=selection,
                          include_free_text=request.include_free_text, extra_columns=(RECEIVED_AT,))


def assert_same(db, shipped, tmp_path, **asked):  # noqa: F811
    request = ExportRequest("csv", **asked)
    fast = write_export(db, SETTINGS, request, tmp_path / "fast.csv", protected=_nothing())
    slow = reference(db, shipped, tmp_path / "slow.csv", request)
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "slow.csv").read_bytes()
    assert (tmp_path / "fast-summary.csv").read_bytes() == (tmp_path / "slow-summary.csv").read_bytes()
    assert fast.records == slow.records and fast.summaries == slow.summaries
    return fast


def _nothing():
    from kiosk.core.files import Protected

    return Protected()


@pytest.mark.parametrize("include_free_text", [False, True])
def test_tricky_text_gives_the_same_bytes(include_free_text, store, shipped, poll_of, clock, tmp_path,  # noqa: F811
                                          central_db):
    _fill_votes(store, shipped, poll_of, clock, n=60)
    _fill_tricky(store, poll_of, clock)
    count = copy_to_central(store, central_db)
    result = assert_same(central_db, shipped, tmp_path, include_free_text=include_free_text)
    assert result.records == count
    text = (tmp_path / "fast.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and text.splitlines()[0].endswith(b",received_at")
    assert (b"'=SUM(A1)" in text) == include_free_text
    assert central_db.export_log()[0]["records"] == count


@pytest.mark.parametrize("include_free_text", [False, True])
def test_values_sqlite_cannot_render_come_out_as_python_writes_them(include_free_text, store, shipped,  # noqa: F811
                                                                   poll_of, clock, tmp_path, central_db):
    _fill_votes(store, shipped, poll_of, clock, n=30)
    _unusual(store, clock)
    copy_to_central(store, central_db)
    assert any(row[7] for row in central_db.export_vote_counts())  # the summaries are counted in Python here
    assert_same(central_db, shipped, tmp_path, include_free_text=include_free_text)


@pytest.mark.parametrize("asked", [
    {"since": "2026-03-05", "until": "2026-03-12"}, {"since": "2026-03-10"}, {"poll": "zufriedenheit"},
    {"poll": "stadtlabor/zufriedenheit"}, {"poll": "alt/weg"}, {"poll": "/weg"}, {"poll": "gibt-es-nicht"},
    {"kiosk": "kiosk-02"}, {"source": "phone"}, {"source": "kiosk", "kiosk": "kiosk-01", "poll": "zufriedenheit"},
])
def test_selections_give_the_same_bytes(asked, store, shipped, poll_of, clock, tmp_path, central_db):  # noqa: F811
    _fill_votes(store, shipped, poll_of, clock)
    _fill_tricky(store, poll_of, clock)
    copy_to_central(store, central_db)
    assert_same(central_db, shipped, tmp_path, include_free_text=True, **asked)


def test_an_empty_database_gives_the_same_bytes(shipped, tmp_path, central_db):  # noqa: F811
    result = assert_same(central_db, shipped, tmp_path)
    assert result.records == 0 and len(result.summaries) == sum(len(e.polls) for e in shipped.exhibits)


@pytest.mark.parametrize("batch", [1, 3, 7])
def test_small_batches_mixing_plain_and_odd_lines(batch, store, shipped, poll_of, clock, tmp_path,  # noqa: F811
                                                  central_db):
    _fill_votes(store, shipped, poll_of, clock, n=40)
    _fill_tricky(store, poll_of, clock)
    _fill_votes(store, shipped, poll_of, clock, n=20)
    count = copy_to_central(store, central_db)
    reference(central_db, shipped, tmp_path / "slow.csv", ExportRequest("csv", include_free_text=True))
    cols = columns(True, (RECEIVED_AT,))
    with central_db.export_lines(include_free_text=True, batch=batch) as lines:
        assert tuple(lines.columns) == cols
        assert write_lines(tmp_path / "fast.csv", lines, cols) == count
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "slow.csv").read_bytes()
