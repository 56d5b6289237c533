"""Only a store of this kiosk is ever moved aside (when damaged). Any other file at the store's
path is refused with a named error and left exactly as it is: bytes, folder listing, no -wal."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys

import pytest

from conftest import PROJECT
from kiosk.store import Store
from kiosk.store.errors import StoreForeignFileError

from .helpers import vote

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(3000)


def listing(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None for p in folder.iterdir()}


def other_programs_database(path, journal_mode):
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    conn.commit()
    conn.close()


FOREIGN = {
    "text": lambda p: p.write_text("Einkaufsliste: Brot, Milch\n", encoding="utf-8"),
    "jpeg": lambda p: p.write_bytes(JPEG),
    "config": lambda p: p.write_bytes((PROJECT / "config.toml").read_bytes()),
    "sqlite_rollback": lambda p: other_programs_database(p, "delete"),
    "sqlite_wal": lambda p: other_programs_database(p, "wal"),
}


@pytest.mark.parametrize("kind", FOREIGN)
def test_store_open_refuses_a_file_that_is_not_this_kiosks_store(tmp_path, kind):
    path = tmp_path / "kiosk.sqlite3"
    FOREIGN[kind](path)
    before = listing(tmp_path)
    with pytest.raises(StoreForeignFileError, match="not a store of this kiosk"):
        Store.open(path, "k1")
    assert listing(tmp_path) == before


@pytest.mark.parametrize("kind", ["text", "sqlite_wal"])
def test_simulate_refuses_it_through_the_command(tmp_path, kind):
    path = tmp_path / "kiosk.sqlite3"
    FOREIGN[kind](path)
    before = listing(tmp_path)
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "simulate", "--config", str(PROJECT / "config.toml"),
                             "--store", str(path), "--visitors", "2"], cwd=PROJECT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and "not a store of this kiosk" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert listing(tmp_path) == before


def test_reading_names_the_foreign_file_too(tmp_path):
    path = tmp_path / "kiosk.sqlite3"
    FOREIGN["sqlite_rollback"](path)
    before = listing(tmp_path)
    with pytest.raises(StoreForeignFileError, match="without the kiosk's tables"):
        Store.open_for_reading(path, "k1")
    assert listing(tmp_path) == before


def test_devices_and_fifos_are_refused_without_opening_them(tmp_path):
    device = tmp_path / "dev"
    os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it would block: the check must not open it
    for path, name in ((device, "a character device"), (fifo, "a named pipe")):
        with pytest.raises(StoreForeignFileError, match=name):
            Store.open(path, "k1")
        with pytest.raises(StoreForeignFileError, match=name):
            Store.open_for_reading(path, "k1")
    assert stat.S_ISCHR(os.lstat(device).st_mode) and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_an_empty_file_is_a_new_store(tmp_path):
    path = tmp_path / "kiosk.sqlite3"
    path.touch()
    with Store.open(path, "k1") as store:
        assert store.append(vote()).seq == 1


def test_a_store_made_before_the_application_id_is_still_this_kiosks(tmp_path):
    path = tmp_path / "kiosk.sqlite3"
    with Store.open(path, "k1") as store:
        store.append(vote())
    with sqlite3.connect(path) as conn:  # as an m001-only kiosk left it
        conn.execute("PRAGMA application_id = 0")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm002_application_id'")
    conn.close()
    with Store.open(path, "k1") as store:
        assert store.count() == 1 and store.alerts() == []
    assert path.read_bytes()[68:72] == b"SLKS"  # m002 stamped it


def test_a_damaged_old_store_is_known_by_its_schema_and_moved_aside(tmp_path):
    path = tmp_path / "kiosk.sqlite3"
    with Store.open(path, "k1") as store:
        store.append(vote())
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id = 0")
    conn.close()
    data = bytearray(path.read_bytes())
    data[16:18] = b"\x00\x07"  # an impossible page size: SQLite cannot read the file at all
    path.write_bytes(bytes(data))
    with Store.open(path, "k1") as store:
        assert [a["kind"] for a in store.alerts()] == ["corrupt_store"]
    assert [p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name]
