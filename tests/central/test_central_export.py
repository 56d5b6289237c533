"""kiosk-central export: the kiosk's export shapes over every kiosk's records, and its safety."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from central_records import push, record
from export.readback import csv_rows, json_doc, xlsx_rows
from kiosk.core.clock import utc_now
from kiosk.export import BASE_COLUMNS
from kiosk.export.columns import GERMAN_HEADERS
from kiosk.export.period import BERLIN


@pytest.fixture
def filled(central):
    one, two = central.add_kiosk("kiosk-01"), central.add_kiosk("kiosk-02")
    push(central, one, [
        record(seq=1),
        record(seq=2, kind="idea", poll_id=None, payload={"text": "=HYPERLINK(\"http://x\")", "layer": "de"}),
        record(seq=3, created_at="2026-01-10T10:00:00.000000Z"),
    ])
    push(central, two, [record("kiosk-02", seq=1, payload={"answers": ["nein"], "layer": "en"})], "kiosk-02")
    return central


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV without a BOM"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_across_kiosks_with_bom(filled, tmp_path):
    out = tmp_path / "all.csv"
    done = filled.cli("export", "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = read_csv(out)
    assert sorted(row["kiosk_id"] for row in rows) == ["kiosk-01", "kiosk-01", "kiosk-01", "kiosk-02"]
    assert "free_text" not in rows[0]
    assert (tmp_path / "all-summary.csv").exists()
    assert "wrote 4 records" in done.stdout


def test_free_text_only_with_the_flag_and_formulas_neutralised(filled, tmp_path):
    out = tmp_path / "ideas.csv"
    assert filled.cli("export", "--out", str(out), "--include-free-text").returncode == 0
    (idea,) = [row for row in read_csv(out) if row["kind"] == "idea"]
    assert idea["free_text"].startswith("'=")
    out_json = tmp_path / "ideas.json"
    assert filled.cli("export", "--out", str(out_json)).returncode == 0
    assert "HYPERLINK" not in out_json.read_text(encoding="utf-8")


def test_since_until_and_poll_select(filled, tmp_path):
    out = tmp_path / "jan.json"
    assert filled.cli("export", "--out", str(out), "--since", "2026-01-01", "--until", "2026-01-31").returncode == 0
    records = json.loads(out.read_text(encoding="utf-8"))["records"]
    assert [r["seq"] for r in records] == [3]
    out = tmp_path / "poll.json"
    assert filled.cli("export", "--out", str(out), "--poll", "zukunft").returncode == 0
    assert len(json.loads(out.read_text(encoding="utf-8"))["records"]) == 3


def received(central) -> dict[str, str]:
    """record id -> the central's received_at, as its database holds it."""
    return dict(central.rows("SELECT id, received_at FROM records"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_every_format_has_the_centrals_received_at_last(filled, tmp_path, fmt):
    out = tmp_path / f"all.{fmt}"
    done = filled.cli("export", "--out", str(out), "--include-free-text")
    assert done.returncode == 0, done.stderr
    rows = {"csv": csv_rows, "xlsx": xlsx_rows, "json": lambda path: json_doc(path)["records"]}[fmt](out)
    # The kiosk's columns in the kiosk's order, then the received time.
    assert list(rows[0]) == [*BASE_COLUMNS, "free_text", "received_at"]
    assert {row["kiosk_id"] for row in rows} == {"kiosk-01", "kiosk-02"}
    want = received(filled)
    assert len(want) == 4 and all(when.endswith("Z") for when in want.values())
    got = {row["id"]: row["received_at"] for row in rows}
    if fmt == "xlsx":
        # A date cell in Soest's time; Excel keeps times to the millisecond. Back in UTC it is
        # the database's time.
        assert got.keys() == want.keys()
        assert all(abs(utc(got[id_]) - utc(want[id_])) <= MILLISECOND for id_ in want)
    else:
        assert got == want


MILLISECOND = dt.timedelta(milliseconds=1)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_received_at_is_the_centrals_clock_not_the_kiosks(central, tmp_path):
    token = central.add_kiosk("kiosk-01")
    before = utc_now()
    push(central, token, [record(seq=1, created_at="1970-01-01T00:00:01.000000Z")])
    out = tmp_path / "all.json"
    assert central.cli("export", "--out", str(out)).returncode == 0
    (row,) = json_doc(out)["records"]
    assert row["created_at"] == "1970-01-01T00:00:01.000000Z"
    when = utc(row["received_at"])
    assert before - dt.timedelta(seconds=5) <= when <= utc_now() + dt.timedelta(seconds=5)


def test_xlsx_shows_received_at_in_berlin_under_a_german_header(filled, tmp_path):
    out = tmp_path / "all.xlsx"
    assert filled.cli("export", "--out", str(out)).returncode == 0
    rows = xlsx_rows(out, as_ids=False)
    header = GERMAN_HEADERS["received_at"]
    assert list(rows[0])[-1] == header == "Empfangen (Ortszeit)"
    want = received(filled)
    for row in rows:
        wall_clock = utc(want[row[GERMAN_HEADERS["id"]]]).astimezone(BERLIN).replace(tzinfo=None)
        assert isinstance(row[header], dt.datetime) and abs(row[header] - wall_clock) <= MILLISECOND


def test_xlsx_is_written(filled, tmp_path):
    out = tmp_path / "all.xlsx"
    done = filled.cli("export", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"PK")


@pytest.mark.sqlite_only("the SQLite file and its -wal and -shm files")
@pytest.mark.parametrize("target", ["db", "wal", "shm", "config"])
def test_never_writes_over_the_database_or_the_settings(filled, target):
    filled.stop()  # so that nothing but the export could change the files
    path = {"db": filled.db_path, "wal": filled.db_path.with_name(filled.db_path.name + "-wal"),
            "shm": filled.db_path.with_name(filled.db_path.name + "-shm"), "config": filled.config_path}[target]
    before = path.read_bytes() if path.exists() else None
    done = filled.cli("export", "--format", "csv", "--out", str(path))
    assert done.returncode == 2 and "never writes over" in done.stderr
    assert "kiosk's" not in done.stderr
    assert ("the central's settings" if target == "config" else "the central's database") in done.stderr
    assert (path.read_bytes() if path.exists() else None) == before
    assert filled.rows("SELECT COUNT(*) FROM records") == [(4,)]


def test_bad_dates_and_missing_folders_are_usage_errors(filled, tmp_path):
    assert filled.cli("export", "--out", str(tmp_path / "x.csv"), "--since", "1.3.2026").returncode == 2
    assert filled.cli("export", "--out", str(tmp_path / "nowhere" / "x.csv")).returncode == 2
    assert filled.cli("export", "--out", str(tmp_path / "x.pdf")).returncode == 2


def test_export_never_makes_a_database(tmp_path):
    from central_server import CentralServer

    offline = CentralServer(tmp_path / "empty")
    done = offline.cli("export", "--out", str(tmp_path / "x.csv"))
    assert done.returncode == 2 and "no central database" in done.stderr
    assert not offline.db_path.exists()
