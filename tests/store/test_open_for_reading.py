"""Reading a store (exports, `kiosk status`) leaves it exactly as it was found."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import subprocess
import sys

import pytest

from conftest import PROJECT
from kiosk.store import Store
from kiosk.store.errors import StoreClosedError, StoreError

from .helpers import vote


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def boots(path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT COUNT(*) FROM boots").fetchone()[0]


@pytest.fixture
def closed_store(store_path, clock):
    store = Store.open(store_path, "kiosk-test", app_version="test", clock=clock)
    for i in range(5):
        store.append(vote(session=f"s{i}"))
    store.close()
    return store_path


def config_for(tmp_path, store_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[content]\nroot = "{PROJECT}"\n[store]\npath = "{store_path}"\n', encoding="utf-8")
    return config


def kiosk(*args):
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], cwd=PROJECT, capture_output=True,
                          text=True, timeout=120)


def test_export_and_status_change_nothing_in_the_store(closed_store, tmp_path):
    before, boots_before = digest(closed_store), boots(closed_store)
    config = config_for(tmp_path, closed_store)
    exported = kiosk("export", "--config", str(config), "--format", "csv", "--out", str(tmp_path / "out.csv"))
    assert exported.returncode == 0, exported.stderr
    status = kiosk("status", "--config", str(config))
    assert status.returncode == 0, status.stderr
    assert re.search(r"^records: +5\b", status.stdout, re.M), status.stdout
    assert digest(closed_store) == before and boots(closed_store) == boots_before


def test_reading_refuses_to_write(closed_store):
    store = Store.open_for_reading(closed_store, "kiosk-test")
    try:
        assert store.count() == 5
        with pytest.raises(StoreClosedError, match="reading only"):
            store.append(vote())
    finally:
        store.close()


def test_a_damaged_store_is_named_and_left_where_it_is(tmp_path):
    damaged = tmp_path / "kiosk.sqlite3"
    Store.open(damaged, "kiosk-test").close()
    damaged.write_bytes(damaged.read_bytes()[:100] + b"\x13" * 8000)  # the kiosk's header, then garbage
    before = digest(damaged)
    with pytest.raises(StoreError, match="cannot read this store"):
        Store.open_for_reading(damaged, "kiosk-test")
    status = kiosk("status", "--config", str(config_for(tmp_path, damaged)))
    assert status.returncode == 1 and "cannot read this store" in status.stderr
    assert digest(damaged) == before and sorted(p.name for p in tmp_path.iterdir()) == ["config.toml",
                                                                                         "kiosk.sqlite3"]


def test_a_missing_store_is_not_created(tmp_path):
    missing = tmp_path / "var" / "kiosk.sqlite3"
    status = kiosk("status", "--config", str(config_for(tmp_path, missing)))
    assert status.returncode == 1 and "no store here" in status.stderr
    assert not missing.exists()


def test_a_store_from_a_newer_kiosk_is_refused_with_the_reason(closed_store):
    with sqlite3.connect(closed_store) as conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('kiosk_store', 'm999_future', '2030-01-01')")
    with pytest.raises(StoreError, match="newer kiosk version .*m999_future"):
        Store.open_for_reading(closed_store, "kiosk-test")
