"""`kiosk-central move-db --to postgresql://...` (issue 13, point 3): a SQLite central filled by
simulated kiosks (records of three kiosks and two stores each, a refused record, heartbeats,
staff and a session, the export log, moderation with a redaction and an answer) is copied into
an empty PostgreSQL database; every table's count and checksum are checked and said; a central
started on the copy answers as the original did (sync state, the export, a staff login, the
Ideenwand); a second move into the now full database, a SQLite target, a central already on
PostgreSQL and an unreachable server are refused with words, and nothing is written."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from central_records import push, record, records
from central_server import CentralServer, central_command
from sync.protocol import IDEAS_PATH, SYNC_STATE_PATH

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "dashboard"))

from staff_helpers import PASSWORD, add_staff, log_in  # noqa: E402
from test_fleet_page import beat  # noqa: E402

# A SQLite source and a PostgreSQL target in every test: once, not once per backend.
pytestmark = pytest.mark.postgres_only("move-db copies a SQLite central into PostgreSQL")


def move_db(config, target: str) -> subprocess.CompletedProcess:
    return subprocess.run(central_command("move-db", "--to", target, "--config", str(config)), capture_output=True,
                          text=True, timeout=300)


def export_json(central, out) -> dict:
    done = central.cli("export", "--format", "json", "--include-free-text", "--out", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    return data["records"]


@pytest.fixture
def filled(tmp_path):
    """A SQLite central as simulated kiosks and staff leave it, stopped."""
    central = CentralServer(tmp_path / "sqlite", db="central.sqlite3").start()
    try:
        tokens = {f"kiosk-{n}": central.add_kiosk(f"kiosk-{n}") for n in range(1, 4)}
        for kiosk, token in tokens.items():
            for _ in range(2):
                store = str(uuid.uuid4())
                assert push(central, token, records(400, kiosk_id=kiosk, store_id=store), kiosk_id=kiosk).status_code == 200
        idea = record("kiosk-1", str(uuid.uuid4()), 1, kind="idea", poll_id=None, question_version=None,
                      payload={"text": "Ruft mich an: 0171 2345678, mehr Bänke bitte", "layer": "de"},
                      flags=["contact_data"])
        wrong = record("kiosk-2", str(uuid.uuid4()), 1)  # pushed with kiosk-1's token: refused, kept as a rejection
        answer = push(central, tokens["kiosk-1"], [idea, wrong], kiosk_id="kiosk-1")
        assert answer.status_code == 200
        for kiosk, token in tokens.items():
            beat(central, token, kiosk, outbox_depth=3)
        assert add_staff(central, "anna", PASSWORD, "--admin").returncode == 0
        session = requests.Session()
        assert log_in(session, central, "anna").status_code == 303
        page = session.get(central.url + f"/staff/ideas/{idea['id']}").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        base = f"{central.url}/staff/ideas/{idea['id']}"
        for action, form in (("redact", {"text": "Ruft mich an: [entfernt], mehr Bänke bitte",
                                         "note": "Telefonnummer entfernt"}),
                             ("approve", {}), ("answer", {"status": "reviewing", "answer_de": "Wir prüfen das."})):
            assert session.post(f"{base}/{action}", data={"csrf": csrf, **form}, allow_redirects=False,
                                timeout=30).status_code == 303, action
        before = export_json(central, tmp_path / "before.json")
        states = {kiosk: requests.get(central.url + SYNC_STATE_PATH, headers=central.auth(token), timeout=30).json()
                  ["stores"] for kiosk, token in tokens.items()}
    finally:
        central.stop()
    return central, tokens, before, states


def test_a_sqlite_central_moves_into_postgresql_whole_and_checked(filled, postgres_url, tmp_path):
    central, tokens, before, states = filled
    size_before = central.db_path.stat().st_size
    done = move_db(central.config_path, postgres_url)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "  records: 2401 of 2401 rows, checksum" in "\n".join(lines) and "DIFFERENT" not in done.stdout, done.stdout
    for table in ("rejections", "progress", "kiosks", "heartbeats", "staff", "moderation", "answers", "redactions",
                  "vote_tallies"):
        assert any(line.startswith(f"  {table}: ") and line.endswith(" ok") for line in lines), table
    assert "moved 2401 records" in lines[-1] and "[central] db =" in lines[-1]
    assert central.db_path.stat().st_size == size_before  # the SQLite file is the way back

    moved = CentralServer(tmp_path / "postgres", db=postgres_url).start()
    try:
        assert export_json(moved, tmp_path / "after.json") == before
        for kiosk, token in tokens.items():
            state = requests.get(moved.url + SYNC_STATE_PATH, headers=moved.auth(token), timeout=30).json()
            assert state["stores"] == states[kiosk]
        session = requests.Session()
        assert log_in(session, moved, "anna").status_code == 303  # the same password, the same account
        wall = requests.get(moved.url + IDEAS_PATH, headers=moved.auth(tokens["kiosk-1"]), timeout=30).json()
        assert [(i["text"], i["status"], i["answer"]["de"]) for i in wall["ideas"]] == \
            [("Ruft mich an: [entfernt], mehr Bänke bitte", "reviewing", "Wir prüfen das.")]
        # The copied counters go on: the next export gets the next number in the export log.
        export_json(moved, tmp_path / "again.json")
        ids = [row[0] for row in moved.rows("SELECT id FROM export_log ORDER BY id")]
        assert ids == sorted(set(ids)) and len(ids) == 3
    finally:
        moved.stop()


def test_a_second_move_into_the_full_database_is_refused_and_writes_nothing(filled, postgres, postgres_url):
    central, _, _, _ = filled
    assert move_db(central.config_path, postgres_url).returncode == 0
    count = postgres.rows(postgres_url, "SELECT count(*) FROM records")
    again = move_db(central.config_path, postgres_url)
    assert again.returncode == 1 and "holds a central's data already (records: 2401" in again.stderr
    assert "wrote nothing" in again.stderr
    assert postgres.rows(postgres_url, "SELECT count(*) FROM records") == count


def test_wrong_targets_and_sources_are_named(filled, postgres, postgres_url, tmp_path):
    central, _, _, _ = filled
    sqlite_target = move_db(central.config_path, str(tmp_path / "other.sqlite3"))
    assert sqlite_target.returncode == 2 and "is not a PostgreSQL URL" in sqlite_target.stderr
    unreachable = move_db(central.config_path, f"postgresql://central@127.0.0.1:{postgres.port + 1}/nothing")
    assert unreachable.returncode == 1 and "cannot connect" in unreachable.stderr
    on_postgres = tmp_path / "pg.toml"
    on_postgres.write_text(f'[central]\ndb = "{postgres_url}"\n', encoding="utf-8")
    already = move_db(on_postgres, postgres.new_database())
    assert already.returncode == 2 and "runs on PostgreSQL already" in already.stderr
    missing = tmp_path / "missing.toml"
    missing.write_text('[central]\ndb = "nowhere.sqlite3"\n', encoding="utf-8")
    nothing = move_db(missing, postgres_url)
    assert nothing.returncode == 1 and "does not exist" in nothing.stderr
    assert postgres.rows(postgres_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
