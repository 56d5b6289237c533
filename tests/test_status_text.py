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
    assert lines["sync"].startswith("standalone (no central_url): nothing is sent")
    assert "last sync" not in lines and "online" not in lines
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
                           "pragmas", "alerts", "integrity", "sync", "sync_status"}
    assert health["sync_status"] == {}
    assert health["outbox"] == {"pending": health["records"], "sent": 0, "quarantined": 0}
    assert health["sync"] == {"central_url": None, "standalone": True}
    assert health["alerts"] == [] and health["integrity"] == "ok"


def status_lines(text: str) -> dict:
    no_python_reprs(text)
    return dict(re.match(r"(\w[\w ]*):\s+(.*)", line).groups() for line in text.splitlines()
                if not line.startswith("  "))


def test_a_kiosk_that_never_synced_says_so(tmp_path, store):
    result = run_kiosk("status", "--config", config(tmp_path, "https://zentrale.soest.de"), "--store", str(store),
                       "--quick")
    assert result.returncode == 0, result.stderr
    lines = status_lines(result.stdout)
    assert lines["last sync"] == "never synced" and "online" not in lines


def test_the_sync_section_shows_what_the_last_pass_saw(tmp_path, store):
    with Store.open(store, "kiosk-01") as writable:
        writable.save_sync_status({
            "configured": True, "online": False, "last_attempt_at": "2026-11-30T18:05:00.000000Z",
            "last_success_at": "2026-11-30T17:55:00.000000Z",
            "last_error": "Zentrale nicht erreichbar: Zeitüberschreitung nach 30 s",
            "clock_skew_s": 12.4, "stopped": False, "next_attempt_at": "2026-11-30T18:07:00.000000Z",
            "failures": 3, "pending": 40, "quarantined": 1})
    result = run_kiosk("status", "--config", config(tmp_path, "https://zentrale.soest.de"), "--store", str(store),
                       "--quick")
    lines = status_lines(result.stdout)
    time = r"\d{4}-\d\d-\d\d \d\d:\d\d \w+"
    assert re.fullmatch(rf"no \(last try {time}\)", lines["online"]), lines
    assert re.fullmatch(time, lines["last sync"])
    assert lines["last error"] == "Zentrale nicht erreichbar: Zeitüberschreitung nach 30 s"
    assert re.fullmatch(rf"{time} \(3 failed in a row\)", lines["next try"])
    assert lines["clock"] == "12 s ahead of the central"
    assert re.fullmatch(r"\d+ waiting, 0 sent, 0 quarantined", lines["outbox"])
    assert len({len(line) - len(line[line.index(":") + 1:].lstrip()) for line in result.stdout.splitlines()}) == 1
    as_json = json.loads(run_kiosk("status", "--config", config(tmp_path, "https://zentrale.soest.de"), "--store",
                                   str(store), "--quick", "--json").stdout)
    assert as_json["sync_status"]["clock_skew_s"] == 12.4 and as_json["sync_status"]["failures"] == 3


@pytest.mark.parametrize("status, words", [
    ({"online": True, "clock_skew_s": -0.4}, {"online": "yes", "clock": "in step with the central"}),
    ({"online": True, "clock_skew_s": -1_700_000_000.0},
     {"clock": "1,700,000,000 s behind the central (about 19,676 days: set the kiosk's clock)"}),
    ({"online": False, "stopped": True, "last_error": "Token abgelehnt (401)"},
     {"online": "STOPPED", "last error": "Token abgelehnt (401)"}),
    ({"online": True, "ideas_pulled_at": "2026-11-30T18:05:00.000000Z"}, {"idea wall": "fetched "}),
    ({"online": True, "ideas_pulled_at": "2026-11-30T18:05:00.000000Z",
      "ideas_error": "Ideenwand nicht abgeholt: Fehler in der Zentrale (500)"},
     {"idea wall": "Ideenwand nicht abgeholt: Fehler in der Zentrale (500) (the kiosk shows the last"}),
])
def test_online_clock_and_stop_in_words(status, words):
    from kiosk.cli import sync_lines

    lines = dict(sync_lines({"configured": True, "last_attempt_at": "2026-11-30T18:05:00Z",
                             "last_success_at": "2026-11-30T18:05:00Z", **status}))
    for key, start in words.items():
        assert lines[key].startswith(start), lines
