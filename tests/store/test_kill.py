"""kill -9 at random moments while recording: every acknowledged record survives, exactly once.

A child process records in a loop and appends each acknowledged record's id to an ack-log
(fsynced). The test kills it with SIGKILL 0-150 ms after it started writing, checks the store
as the next start would find it, and starts the next child on the same store. The child's
command line is the one parameter, so the same harness drives `kiosk simulate`.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import PROJECT, wait_for

WORKER = Path(__file__).with_name("append_worker.py")
KIOSK = Path(sys.executable).with_name("kiosk")
KILLS_PER_RUN = 40
MAX_DELAY_S = 0.150


def append_worker(store: Path, ack_log: Path, seed: int) -> list[str]:
    return [sys.executable, str(WORKER), "--store", str(store), "--ack-log", str(ack_log), "--seed", str(seed)]


def kiosk_simulate(store: Path, ack_log: Path, seed: int) -> list[str]:
    # Enough visitors to still be recording when the kill comes; the shipped content and config.
    return [str(KIOSK), "simulate", "--config", str(PROJECT / "config.toml"), "--store", str(store),
            "--visitors", "3000", "--seed", str(seed), "--ack-log", str(ack_log)]


def simulate_available() -> bool:
    if not KIOSK.exists():
        return False
    return subprocess.run([str(KIOSK), "simulate", "--help"], capture_output=True, cwd=PROJECT).returncode == 0


def read_acks(ack_log: Path) -> list[str]:
    """The acknowledged ids; a line cut off by the kill was never acknowledged and is dropped
    from the file, so the next child's first id starts on a line of its own."""
    if not ack_log.exists():
        return []
    data = ack_log.read_bytes()
    if data and not data.endswith(b"\n"):
        data = data[: data.rfind(b"\n") + 1]
        with open(ack_log, "r+b") as log:
            log.truncate(len(data))
    return data.decode().splitlines()


def check_store(store: Path, acked: list[str]) -> None:
    # A plain sqlite3 connection, as the next start finds the file: hot WAL and all.
    db = sqlite3.connect(store)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        seq_of = dict(db.execute("SELECT id, seq FROM records"))
        total, distinct_seqs = db.execute("SELECT COUNT(*), COUNT(DISTINCT seq) FROM records").fetchone()
        assert distinct_seqs == total, "duplicate seq"
        assert db.execute("SELECT COUNT(*) FROM records r LEFT JOIN outbox o ON o.record_id = r.id "
                          "WHERE o.record_id IS NULL").fetchone() == (0,), "a record without its outbox entry"
        assert db.execute("SELECT COUNT(*) FROM outbox").fetchone() == (total,)
    finally:
        db.close()
    assert len(set(acked)) == len(acked), "an id was acknowledged twice"
    missing = [record_id for record_id in acked if record_id not in seq_of]
    assert not missing, f"{len(missing)} acknowledged record(s) lost, e.g. {missing[:3]}"
    seqs = [seq_of[record_id] for record_id in acked]
    assert all(a < b for a, b in zip(seqs, seqs[1:])), "seq not strictly increasing in the order of acks"


def kill_repeatedly(command, folder: Path, kills: int, seed: int) -> dict:
    rng = random.Random(seed)
    store, ack_log, stderr_path = folder / "kiosk.db", folder / "acks.txt", folder / "child-stderr.txt"
    acked: list[str] = []
    killed_while_writing = 0
    for attempt in range(kills):
        size_before = ack_log.stat().st_size if ack_log.exists() else 0
        with open(stderr_path, "wb") as stderr:
            child = subprocess.Popen(command(store, ack_log, seed * 1000 + attempt), cwd=PROJECT,
                                     stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            started = wait_for(lambda: (ack_log.exists() and ack_log.stat().st_size > size_before)
                               or child.poll() is not None, timeout=30)
            assert started and child.poll() is None, (
                f"the child did not start recording (exit {child.poll()}): {stderr_path.read_text()[-2000:]}")
            time.sleep(rng.uniform(0, MAX_DELAY_S))  # the random moment of the kill
            killed_while_writing += child.poll() is None
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.kill()
            child.wait()
        assert child.returncode == -signal.SIGKILL
        acked = read_acks(ack_log)
        check_store(store, acked)
    return {"kills": kills, "acknowledged": len(acked), "killed_while_writing": killed_while_writing}


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_kill_9_append_worker(tmp_path, seed):
    figures = kill_repeatedly(append_worker, tmp_path, KILLS_PER_RUN, seed)
    print(f"append_worker seed {seed}: {figures}")
    assert figures["killed_while_writing"] == KILLS_PER_RUN
    assert figures["acknowledged"] >= KILLS_PER_RUN


@pytest.mark.slow
@pytest.mark.skipif(not simulate_available(), reason="`kiosk simulate` is not installed yet")
def test_kill_9_kiosk_simulate(tmp_path):
    figures = kill_repeatedly(kiosk_simulate, tmp_path, 20, seed=99)
    print(f"kiosk simulate: {figures}")
    assert figures["acknowledged"] >= 20
