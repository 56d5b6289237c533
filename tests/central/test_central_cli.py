"""kiosk-central add-kiosk / revoke-kiosk / list-kiosks and wrong arguments, run for real."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from central_server import PROJECT, CentralServer


@pytest.fixture
def offline(tmp_path):
    """A central's settings and database without the service running."""
    return CentralServer(tmp_path / "central")


def kiosk_central(*args, cwd=PROJECT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "central.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def test_add_kiosk_prints_the_token_alone_on_the_last_line_and_keeps_only_its_hash(offline):
    done = offline.cli("add-kiosk", "kiosk-01")
    assert done.returncode == 0, done.stderr
    token = done.stdout.splitlines()[-1]
    assert token == token.strip() and len(token) >= 40 and " " not in token
    ((kept,),) = offline.rows("SELECT token_hash FROM kiosks WHERE kiosk_id = 'kiosk-01'")
    assert kept == hashlib.sha256(token.encode()).hexdigest()
    if offline.db_path is not None:  # the SQLite file's bytes
        assert token.encode() not in offline.db_path.read_bytes()


def test_adding_a_kiosk_twice_needs_rotate(offline):
    first = offline.add_kiosk("kiosk-01")
    again = offline.cli("add-kiosk", "kiosk-01")
    assert again.returncode == 1 and "--rotate" in again.stderr and again.stdout == ""
    second = offline.add_kiosk("kiosk-01", rotate=True)
    assert second != first
    ((kept,),) = offline.rows("SELECT token_hash FROM kiosks")
    assert kept == hashlib.sha256(second.encode()).hexdigest()


def test_a_revoked_kiosk_can_be_added_again(offline):
    offline.add_kiosk("kiosk-01")
    offline.revoke_kiosk("kiosk-01")
    again = offline.cli("add-kiosk", "kiosk-01")
    assert again.returncode == 0
    assert offline.rows("SELECT revoked_at FROM kiosks") == [(None,)]


def test_revoke_and_list(offline):
    offline.add_kiosk("kiosk-01")
    offline.add_kiosk("kiosk-02")
    assert offline.cli("revoke-kiosk", "kiosk-02").returncode == 0
    twice = offline.cli("revoke-kiosk", "kiosk-02")
    assert twice.returncode == 0 and "already" in twice.stdout
    unknown = offline.cli("revoke-kiosk", "kiosk-09")
    assert unknown.returncode == 1 and "kiosk-09" in unknown.stderr
    listing = offline.cli("list-kiosks")
    assert listing.returncode == 0
    header, one, two = listing.stdout.splitlines()
    assert header.split()[:2] == ["kiosk", "added"]
    assert one.split()[0] == "kiosk-01" and one.split()[2] == "-" and one.split()[-1] == "0"
    ((revoked_at,),) = offline.rows("SELECT revoked_at FROM kiosks WHERE kiosk_id = 'kiosk-02'")
    assert two.split()[0] == "kiosk-02" and two.split()[2] == revoked_at


def test_list_without_kiosks_says_so(offline):
    done = offline.cli("list-kiosks")
    assert done.returncode == 0 and "add-kiosk" in done.stdout


@pytest.mark.parametrize("args", [
    ["add-kiosk"], ["add-kiosk", "no spaces"], ["add-kiosk", "-x"], ["revoke-kiosk"], ["serve", "--port", "http"],
    ["serve", "--port", "70000"], ["export"], ["export", "--out", "x.csv", "--format", "pdf"], ["dance"], [],
])
def test_wrong_arguments_are_usage_errors(tmp_path, args):
    done = kiosk_central(*args, cwd=tmp_path)
    assert done.returncode == 2, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", ["serve", "add-kiosk", "revoke-kiosk", "list-kiosks", "export"])
def test_help_everywhere(tmp_path, command):
    done = kiosk_central(command, "--help", cwd=tmp_path)
    assert done.returncode == 0 and "--config" in done.stdout and "Exit codes" in done.stdout


def test_commands_work_without_a_settings_file_in_the_current_folder(tmp_path):
    done = kiosk_central("add-kiosk", "kiosk-01", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "central.sqlite3").exists()


def test_a_named_settings_file_must_exist(tmp_path):
    done = kiosk_central("list-kiosks", "--config", str(tmp_path / "missing.toml"))
    assert done.returncode == 2 and "missing.toml" in done.stderr and "not found" in done.stderr


def test_a_database_that_is_not_the_centrals_is_refused(tmp_path):
    (tmp_path / "central.toml").write_text('[central]\ndb = "other.sqlite3"\n', encoding="utf-8")
    import sqlite3

    conn = sqlite3.connect(tmp_path / "other.sqlite3")
    conn.execute("CREATE TABLE mine (x)")
    conn.commit()
    conn.close()
    done = kiosk_central("list-kiosks", "--config", str(tmp_path / "central.toml"))
    assert done.returncode == 1 and "not the central's database" in done.stderr


def test_serve_on_a_taken_port_fails_with_exit_1(central):
    done = kiosk_central("serve", "--config", str(central.config_path), "--port", str(central.port))
    assert done.returncode == 1
