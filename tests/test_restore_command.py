"""`kiosk snapshot` while `kiosk simulate` records, then `kiosk restore`: every record acknowledged
before the snapshot started is in the restored store, and `kiosk salvage` brings back the rest
from the store kept aside. Restore refuses a running kiosk, a file that is no SQLite, a damaged
one, another kiosk's store and a missing file, each with words and the current store untouched."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PROJECT, run_kiosk
from kiosk.core.instance_lock import InstanceLock
from kiosk.core.records import Kind, RecordDraft
from kiosk.store import Store
from kiosk.store.snapshot import integrity_problems, snapshots_of


def write_config(folder: Path, kiosk_id: str = "kiosk-01") -> Path:
    path = folder / "config.toml"
    path.write_text(f'[kiosk]\nid = "{kiosk_id}"\n[content]\nroot = "{PROJECT}"\n[store]\npath = "data/kiosk.sqlite3"\n',
                    encoding="utf-8")
    return path


def ids_in(path: Path) -> set[str]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {row[0] for row in db.execute("SELECT id FROM records")}
    finally:
        db.close()


def acked(ack_log: Path) -> list[str]:
    try:
        text = ack_log.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return text.splitlines()[:-1] if not text.endswith("\n") else text.splitlines()  # a line being written


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_snapshot_taken_while_recording_restores_every_acknowledged_record(tmp_path):
    config = write_config(tmp_path)
    store, ack_log = tmp_path / "data" / "kiosk.sqlite3", tmp_path / "acks.txt"
    simulate = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "simulate", "--config", str(config), "--store",
                                 str(store), "--visitors", "20000", "--seed", "14", "--ack-log", str(ack_log)],
                                cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: len(acked(ack_log)) >= 300 or simulate.poll() is not None)
        before = acked(ack_log)  # acknowledged before the snapshot started
        snapshot = run_kiosk("snapshot", "--config", str(config), "--no-stick")
        during = len(acked(ack_log))
        # Records go on after the snapshot (more than a commit's worth beyond what the snapshot
        # can hold), however the machine shares its cores between the two processes.
        wait_until(lambda: len(acked(ack_log)) > during + 1000 or simulate.poll() is not None)
        still_recording = simulate.poll() is None
        # Ended as a power cut ends it: what was acknowledged is committed, the rest never was.
        simulate.kill()
        simulate.wait()
    finally:
        if simulate.poll() is None:
            simulate.kill()
            simulate.wait()
    assert snapshot.returncode == 0, snapshot.stderr
    # Taken while records went in: simulate wrote before it began and was still writing when it ended.
    assert still_recording and len(before) >= 300, (still_recording, len(before), during)
    (taken,) = snapshots_of(tmp_path / "data" / "snapshots", "kiosk-01")
    assert str(taken) in snapshot.stdout and "integrity ok" in snapshot.stdout
    assert integrity_problems(taken) == []
    in_snapshot = ids_in(taken)
    assert set(before) <= in_snapshot, sorted(set(before) - in_snapshot)[:5]

    all_acked = set(acked(ack_log))
    assert len(all_acked) > len(in_snapshot)  # records were written after the snapshot, too
    restored = run_kiosk("restore", str(taken), "--config", str(config))
    assert restored.returncode == 0, restored.stderr
    (aside,) = [p for p in (tmp_path / "data").iterdir() if ".before-restore-" in p.name and p.name.endswith("Z")]
    assert f"{len(in_snapshot):,} in the restored store" in restored.stdout
    assert f"kiosk salvage {aside}" in restored.stdout
    assert ids_in(store) == in_snapshot and set(before) <= ids_in(store)
    assert all_acked <= ids_in(aside)  # the store that was in place, kept whole
    assert integrity_problems(store) == []

    # What the kept-aside store has beyond the snapshot comes back through `kiosk salvage`, and
    # the restored store records on: its new store_id keeps new sequence numbers apart.
    salvaged = run_kiosk("salvage", str(aside), "--config", str(config), "--json", timeout=120)
    assert salvaged.returncode == 0, salvaged.stdout + salvaged.stderr
    assert ids_in(store) >= all_acked
    with Store.open(store, "kiosk-01") as opened:
        record = opened.append(RecordDraft(kind=Kind.VIEW, session_id="s", content_version="cv", exhibit_id="x",
                                           payload={"dwell_s": 1.0, "layer": "de"}))
        assert opened.store_id != Store.open_for_reading(aside, "kiosk-01").store_id
    assert record.seq == 1


# --- refusals -------------------------------------------------------------------------------------


def make_store(path: Path, kiosk_id: str, count: int = 20) -> None:
    with Store.open(path, kiosk_id) as store:
        for number in range(count):
            store.append(RecordDraft(kind=Kind.VIEW, session_id=f"s{number}", content_version="cv",
                                     exhibit_id="radwege", payload={"dwell_s": 2.0, "layer": "de"}))


def fingerprint(folder: Path) -> dict[str, str]:
    # The lock file is the running kiosk's (held by the test itself below), not the store's.
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.endswith(".lock")}


@pytest.fixture
def installed(tmp_path):
    """A kiosk with a store of 20 records and one good snapshot of it."""
    config = write_config(tmp_path)
    make_store(tmp_path / "data" / "kiosk.sqlite3", "kiosk-01")
    result = run_kiosk("snapshot", "--config", str(config), "--no-stick")
    assert result.returncode == 0, result.stderr
    (snapshot,) = snapshots_of(tmp_path / "data" / "snapshots", "kiosk-01")
    return config, snapshot


def damaged_copy(snapshot: Path, target: Path) -> Path:
    data = bytearray(snapshot.read_bytes())
    data[4096:4096 * 3] = b"\x5a" * (4096 * 2)  # pages 2 and 3 overwritten: a worn card, a bad copy
    target.write_bytes(bytes(data))
    return target


def foreign_store(snapshot: Path, target: Path) -> Path:
    make_store(target, "kiosk-07")
    return target


REFUSALS = {
    "missing file": (lambda snapshot, tmp: tmp / "nowhere.sqlite3", 2, "no such file"),
    "not SQLite": (lambda snapshot, tmp: _write(tmp / "notes.sqlite3", b"Einkaufsliste: Milch, Brot\n" * 20), 2,
                   "not an SQLite file"),
    "damaged": (lambda snapshot, tmp: damaged_copy(snapshot, tmp / "damaged.sqlite3"), 2, "is damaged"),
    "another kiosk's store": (lambda snapshot, tmp: foreign_store(snapshot, tmp / "other" / "kiosk.sqlite3"), 2,
                              "another kiosk's store (its records are from kiosk-07, this kiosk is kiosk-01)"),
    "another program's database": (lambda snapshot, tmp: _sqlite_of_another_program(tmp / "app.sqlite3"), 2,
                                   "not a kiosk store"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _sqlite_of_another_program(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE contacts (name TEXT)")
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize("case", list(REFUSALS))
def test_restore_refuses_with_words_and_leaves_the_store_as_it_was(installed, tmp_path, case):
    config, snapshot = installed
    make_file, code, words = REFUSALS[case]
    bad = make_file(snapshot, tmp_path)
    data = tmp_path / "data"
    before = fingerprint(data)
    result = run_kiosk("restore", str(bad), "--config", str(config))
    assert result.returncode == code, result.stdout + result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert fingerprint(data) == before
    assert len(ids_in(data / "kiosk.sqlite3")) == 20


def test_restore_refuses_while_a_kiosk_runs_on_the_store(installed, tmp_path):
    config, snapshot = installed
    data = tmp_path / "data"
    before = fingerprint(data)
    # The very lock `kiosk run` holds for as long as it runs.
    with InstanceLock.for_store(data / "kiosk.sqlite3"):
        result = run_kiosk("restore", str(snapshot), "--config", str(config))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"another kiosk is already running (PID {os.getpid()}" in result.stderr
    assert fingerprint(data) == before


def test_another_kiosks_store_is_taken_when_asked_for(installed, tmp_path):
    config, _snapshot = installed
    other = foreign_store(None, tmp_path / "other" / "kiosk.sqlite3")
    result = run_kiosk("restore", str(other), "--config", str(config), "--any-kiosk")
    assert result.returncode == 0, result.stderr
    assert "20 in the restored store" in result.stdout
    assert ids_in(tmp_path / "data" / "kiosk.sqlite3") == ids_in(other)


@pytest.mark.parametrize("name, words", [
    ("fifo", "is not a file"),
    ("/dev/zero", "is not a file"),
    ("a-folder", "is not a file"),
    ("data/kiosk.sqlite3", "is the current store"),
])
def test_restore_refuses_what_is_no_snapshot_file_without_opening_it(installed, tmp_path, name, words):
    config, _snapshot = installed
    os.mkfifo(tmp_path / "fifo")  # opening it would wait for a writer forever
    (tmp_path / "a-folder").mkdir()
    before = fingerprint(tmp_path / "data")
    path = name if name.startswith("/") else str(tmp_path / name)
    result = run_kiosk("restore", path, "--config", str(config), timeout=30)
    assert result.returncode == 2, result.stdout + result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert fingerprint(tmp_path / "data") == before


@pytest.mark.parametrize("value, words", [
    ("0", "[store] snapshots_kept: must be between 1 and 366, got 0"),
    ('"sieben"', "[store] snapshots_kept: must be a whole number, got 'sieben'"),
])
def test_snapshots_kept_is_checked_with_words(tmp_path, value, words):
    config = tmp_path / "config.toml"
    config.write_text(f'[content]\nroot = "{PROJECT}"\n[store]\nsnapshots_kept = {value}\n', encoding="utf-8")
    result = run_kiosk("snapshot", "--config", str(config), "--no-stick")
    assert result.returncode == 2 and words in result.stderr, result.stderr
    assert not (tmp_path / "var").exists()
