"""`kiosk status` as people read it, and --json for machines, on a real store."""

import json
import re

import pytest

from conftest import run_kiosk
from kiosk.store import Store

VISITORS = 5


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "kiosk.sqlite3"
    result = run_kiosk("simulate", "--store", str(path), "--visitors", str(VISITORS), "--seed", "7")
    assert result.returncode == 0, result.stderr
    return path


def config(tmp_path, central_url=""):
    path = tmp_path / "config.toml"
    path.write_text(f'[sync]\ncentral_url = "{central_url}"\n', encoding="utf-8")
    return str(path)


def no_python_reprs(text):
    for repr_mark in ("{'", "['", "[]", "{}", "':", "None", "True", "False"):
        assert repr_mark not in text, f"{repr_mark!r} in:\n{text}"


def test_a_standalone_kiosk_reads_as_lines_and_says_nothing_is_sent(tmp_path, store):
    result = run_kiosk("status", "--config", config(tmp_path), "--store", str(store))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    no_python_reprs(text)
    lines = dict(re.match(r"(\w[\w ]*):\s+(.*)", line).groups() for line in text.splitlines())
    assert lines["store"] == str(store)
    assert re.fullmatch(r"\d+\.\d\s?MB", lines["size"])
    assert lines["integrity"] == "ok" and lines["alerts"] == "none"
    assert lines["sync"].startswith("standalone: nothing is sent")
    assert "outbox" not in lines and "waiting" not in text  # no counts that suggest sending
    # The values line up in one column.
    assert len({len(line) - len(line[line.index(":") + 1:].lstrip()) for line in text.splitlines()}) == 1


def test_a_kiosk_with_a_central_shows_its_outbox_in_words(tmp_path, store):
    records = json.loads(run_kiosk("status", "--store", str(store), "--json", "--quick",
                                   "--config", config(tmp_path)).stdout)["records"]
    result = run_kiosk("status", "--config", config(tmp_path, "https://zentrale.soest.de"), "--store", str(store))
    no_python_reprs(result.stdout)
    assert "sync:" in result.stdout and "to https://zentrale.soest.de" in result.stdout
    assert re.search(rf"^outbox:\s+{records} waiting, 0 sent, 0 quarantined$", result.stdout, re.M), result.stdout


def test_alerts_are_lines_with_a_readable_time_and_exit_1(tmp_path, store):
    with Store.open(store, "kiosk-01") as writable:
        writable.add_alert("disk_full", "Speicher voll: nichts wird aufgezeichnet")
    result = run_kiosk("status", "--config", config(tmp_path), "--store", str(store), "--quick")
    assert result.returncode == 1
    no_python_reprs(result.stdout)
    assert re.search(r"^alerts:\s+1 open$", result.stdout, re.M)
    assert re.search(r"^  \d{4}-\d\d-\d\d \d\d:\d\d \w+  disk_full: Speicher voll: nichts wird aufgezeichnet$",
                     result.stdout, re.M), result.stdout


def test_json_keeps_its_shape(tmp_path, store):
    result = run_kiosk("status", "--config", config(tmp_path), "--store", str(store), "--json")
    assert result.returncode == 0
    health = json.loads(result.stdout)
    assert set(health) == {"path", "size_bytes", "records", "outbox", "last_seq", "kiosk_id", "store_id", "boot_id",
                           "pragmas", "alerts", "integrity", "sync"}
    assert health["outbox"] == {"pending": health["records"], "sent": 0, "quarantined": 0}
    assert health["sync"] == {"central_url": None, "standalone": True}
    assert health["alerts"] == [] and health["integrity"] == "ok"
