"""kiosk-central export: the kiosk's export shapes over every kiosk's records, and its safety."""

from __future__ import annotations

import csv
import io
import json

import pytest

from central_records import push, record


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


def test_xlsx_is_written(filled, tmp_path):
    out = tmp_path / "all.xlsx"
    done = filled.cli("export", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"PK")


@pytest.mark.parametrize("target", ["db", "wal", "shm", "config"])
def test_never_writes_over_the_database_or_the_settings(filled, target):
    filled.stop()  # so that nothing but the export could change the files
    path = {"db": filled.db_path, "wal": filled.db_path.with_name(filled.db_path.name + "-wal"),
            "shm": filled.db_path.with_name(filled.db_path.name + "-shm"), "config": filled.config_path}[target]
    before = path.read_bytes() if path.exists() else None
    done = filled.cli("export", "--format", "csv", "--out", str(path))
    assert done.returncode == 2 and "never writes over" in done.stderr
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
