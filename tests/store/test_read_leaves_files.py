"""What `kiosk status` and `kiosk export` (Store.open_for_reading) do to a store's files.

- No -wal beside the store (the kiosk closed it cleanly): SQLite makes a -wal and -shm while it
  reads and removes them when the last connection closes; the folder and the store's bytes are
  as before.
- A -wal beside it (the kiosk runs, or was killed): the read is read-only, so the -wal is
  neither folded into the store nor deleted; store and -wal keep their bytes. Only the -shm
  (SQLite's shared index of the -wal, rebuilt from it at will) is written to.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from conftest import PROJECT
from kiosk.store import Store

from .helpers import vote

KILLED_WRITER = """
import os, sys
from kiosk.store import Store
from tests.store.helpers import vote
store = Store.open(sys.argv[1], "k1")
store._conn.execute("PRAGMA wal_autocheckpoint = 0")
for n in range(50):
    store.append(vote(session=f"s{n}"))
os._exit(0)  # as kill -9: no close, no checkpoint
"""


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def files(folder):
    return {p.name: digest(p) for p in folder.iterdir()}


def read_commands(folder, store):
    config = folder / "config.toml"
    config.write_text(f'[kiosk]\nid = "k1"\n[content]\nroot = "{PROJECT}"\n[store]\npath = "{store}"\n',
                      encoding="utf-8")
    for args in (["status"], ["export", "--format", "csv", "--out", str(folder.parent / "out.csv")]):
        result = subprocess.run([sys.executable, "-m", "kiosk.cli", *args, "--config", str(config)], cwd=PROJECT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    config.unlink()


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "var").mkdir()
    return tmp_path / "var"


def test_a_cleanly_closed_store_is_left_exactly_as_it_was(folder):
    store = folder / "kiosk.sqlite3"
    with Store.open(store, "k1") as opened:
        opened.append(vote())
    before = files(folder)
    assert set(before) == {"kiosk.sqlite3"}
    read_commands(folder, store)
    assert files(folder) == before


def test_the_wal_of_a_killed_kiosk_is_neither_folded_in_nor_deleted(folder):
    store = folder / "kiosk.sqlite3"
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(store)], cwd=PROJECT, capture_output=True,
                            text=True, timeout=120)
    assert killed.returncode == 0, killed.stderr
    before = files(folder)
    assert set(before) == {"kiosk.sqlite3", "kiosk.sqlite3-wal", "kiosk.sqlite3-shm"}
    read_commands(folder, store)
    after = files(folder)
    assert set(after) == set(before)
    assert after["kiosk.sqlite3"] == before["kiosk.sqlite3"]
    assert after["kiosk.sqlite3-wal"] == before["kiosk.sqlite3-wal"]
    reader = Store.open_for_reading(store, "k1")
    try:
        assert reader.count() == 50  # the records in the -wal are read, not lost
    finally:
        reader.close()


def test_reading_beside_a_running_kiosk_leaves_its_wal(folder):
    store = folder / "kiosk.sqlite3"
    with Store.open(store, "k1") as running:
        running.append(vote())
        wal = digest(folder / "kiosk.sqlite3-wal")
        read_commands(folder, store)
        assert digest(folder / "kiosk.sqlite3-wal") == wal
        running.append(vote())
        assert running.count() == 2
