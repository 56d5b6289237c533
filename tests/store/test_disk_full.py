"""A full disk for real: appends fail with StoreFullError, nothing acknowledged is lost, and
recording resumes on the same open store once there is space again."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from kiosk.core.records import Record
from kiosk.store import Store, StoreFullError, StoreWriter

from .helpers import PROJECT, idea, wait_for

FILL_WORKER = Path(__file__).with_name("fill_worker.py")


def acked_ids_are_stored(store: Path, ack_log: Path) -> int:
    acked = ack_log.read_text().splitlines()
    db = sqlite3.connect(store)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {row[0] for row in db.execute("SELECT id FROM records")}
    finally:
        db.close()
    assert len(set(acked)) == len(acked)
    assert set(acked) <= stored
    return len(acked)


def test_file_size_limit_fills_the_store_then_recording_resumes(tmp_path):
    # RLIMIT_FSIZE in the child: past 2 MB every write fails with EFBIG, which SQLite reports
    # as an I/O error; the store must still call it "full", and recover when the limit is lifted.
    store, ack_log = tmp_path / "kiosk.db", tmp_path / "acks.txt"
    result = subprocess.run([sys.executable, str(FILL_WORKER), "--store", str(store), "--ack-log", str(ack_log),
                             "--limit", str(2 * 1024 * 1024), "--after", "25"],
                            cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    print(f"file-size limit: {summary['acked_before_full']} acknowledged before full, "
          f"{len(summary['full_errors'])} refused while full, {summary['acked_after']} after")
    assert summary["other_errors"] == []
    assert summary["acked_before_full"] >= 10
    assert len(summary["full_errors"]) == 4 and all(str(store) in e for e in summary["full_errors"])
    assert summary["alerts_while_full"] == ["store_full"]
    assert summary["acked_after"] == 25
    assert summary["alerts_after"] == ["store_was_full"]
    assert acked_ids_are_stored(store, ack_log) == summary["acked_before_full"] + 25


def _mount_small_filesystem(size: str) -> Path | None:
    if os.geteuid() != 0:
        return None
    folder = Path(tempfile.mkdtemp(prefix="kiosk-full-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
                          capture_output=True)
    if done.returncode != 0:
        folder.rmdir()
        return None
    return folder


def test_small_filesystem_fills_and_recording_resumes_when_space_is_freed():
    folder = _mount_small_filesystem("4m")
    if folder is None:
        pytest.skip("mounting a small filesystem needs root (CAP_SYS_ADMIN)")
    try:
        store = Store.open(folder / "kiosk.db", "k1")
        writer = StoreWriter(store)
        try:
            # Leave ~1 MB free: the store fills after a few dozen records (a commit adds ~30 kB of WAL).
            free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
            filler = folder / "filler.bin"
            with open(filler, "wb") as f:
                f.write(b"\0" * (free - 1024 * 1024))
            acknowledged, refused = [], []

            def write():
                outcome = []
                writer.submit(idea("Ein Trinkbrunnen am Bahnhof wäre großartig 💧 " * 8), outcome.append)
                assert wait_for(lambda: outcome, timeout=30)
                (acknowledged if isinstance(outcome[0], Record) else refused).append(outcome[0])
                return outcome[0]

            while not refused and len(acknowledged) < 5000:
                write()
            for _ in range(3):
                write()
            assert acknowledged and len(refused) == 4
            assert all(isinstance(error, StoreFullError) for error in refused), refused
            assert [a["kind"] for a in store.alerts()] == ["store_full"]
            full_at = len(acknowledged)

            filler.unlink()  # staff free space; the kiosk is not restarted
            for _ in range(20):
                assert isinstance(write(), Record)
            assert [a["kind"] for a in store.alerts()] == ["store_was_full"]
            assert "4 Eingabe(n)" in store.alerts()[0]["message"]
            stored = {r.id for r in store.iter_records()}
            assert {r.id for r in acknowledged} == stored
            assert len(stored) == full_at + 20
            print(f"small filesystem: {full_at} acknowledged before full, 4 refused, 20 after freeing space")
        finally:
            writer.close()
            store.close()
        db = sqlite3.connect(folder / "kiosk.db")
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        db.close()
    finally:
        subprocess.run(["umount", str(folder)], check=True)
        folder.rmdir()
