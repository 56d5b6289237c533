"""A store with one damaged page: `kiosk status` finds it and says what to do (exit 1), `--quick`
skips the check, and `kiosk export` fails with a clear message, exit 1, and no file left."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys

import pytest

from conftest import PROJECT
from kiosk.export import export_store
from kiosk.store import Store
from kiosk.store.errors import StoreDamagedError

from .helpers import idea


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    """A real store of 3000 records with one leaf page of the records table, in the middle of
    the file, overwritten with garbage."""
    folder = tmp_path_factory.mktemp("damaged")
    path = folder / "kiosk.sqlite3"
    with Store.open(path, "k1") as store:
        for n in range(3000):
            store.append(idea(f"Idee {n}: mehr Schatten auf dem Marktplatz 🌳"))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    leaves = [row[0] for row in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'records' AND pagetype = 'leaf' ORDER BY pageno")]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    page = leaves[len(leaves) // 2]
    assert page > 1
    with open(path, "r+b") as file:
        file.seek((page - 1) * page_size)
        file.write(os.urandom(page_size))
    config = folder / "config.toml"
    config.write_text(f'[kiosk]\nid = "k1"\n[content]\nroot = "{PROJECT}"\n[store]\npath = "kiosk.sqlite3"\n',
                      encoding="utf-8")
    return path


def kiosk(*args, cwd):
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_status_finds_the_damaged_page_and_says_what_to_do(damaged):
    before, listing = digest(damaged), sorted(p.name for p in damaged.parent.iterdir())
    result = kiosk("status", "--config", "config.toml", cwd=damaged.parent)
    assert result.returncode == 1, result.stdout
    assert "DAMAGED" in result.stderr and "give it to IT" in result.stderr and "moves the damaged file aside" \
        in result.stderr
    assert "Traceback" not in result.stderr
    assert digest(damaged) == before and sorted(p.name for p in damaged.parent.iterdir()) == listing


def test_status_quick_skips_the_check(damaged):
    result = kiosk("status", "--config", "config.toml", "--quick", cwd=damaged.parent)
    assert "SQLite's check found" not in result.stderr and "Traceback" not in result.stderr
    # SQLite counts the records from an index, so the damaged table page goes unread: --quick
    # reports as before and says the check was left out.
    assert result.returncode == 0 and re.search(r"^integrity: +not checked \(--quick\)$", result.stdout, re.M)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_fails_cleanly(damaged, tmp_path, fmt):
    out = tmp_path / f"results.{fmt}"
    result = kiosk("export", "--config", str(damaged.parent / "config.toml"), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 1 and "damaged" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_the_export_api_reading_a_damaged_page_leaves_no_file(damaged, tmp_path, fmt):
    # The staff screen's path: no integrity check first; the read itself meets the damage.
    store = Store.open_for_reading(damaged, "k1")
    try:
        with pytest.raises(StoreDamagedError, match="damaged"):
            export_store(store, tmp_path / f"results.{fmt}", fmt)
    finally:
        store.close()
    assert list(tmp_path.iterdir()) == []


def test_export_refuses_a_store_damaged_where_the_export_does_not_read(tmp_path):
    # A damaged index page: the export reads the records table only, so it is the integrity check
    # running beside it that must stop the file from appearing under its name.
    path = tmp_path / "store" / "kiosk.sqlite3"
    path.parent.mkdir()
    with Store.open(path, "k1") as store:
        for n in range(3000):
            store.append(idea(f"Idee {n}"))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    pages = [row[0] for row in conn.execute(
        "SELECT s.pageno FROM dbstat s JOIN sqlite_master m ON m.name = s.name "
        "WHERE m.type = 'index' AND m.tbl_name = 'records' AND s.pagetype = 'leaf' ORDER BY s.pageno")]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as file:
        file.seek((pages[len(pages) // 2] - 1) * page_size)
        file.write(os.urandom(page_size))
    (path.parent / "config.toml").write_text(
        f'[kiosk]\nid = "k1"\n[content]\nroot = "{PROJECT}"\n[store]\npath = "kiosk.sqlite3"\n', encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = kiosk("export", "--config", str(path.parent / "config.toml"), "--out", str(out / "results.csv"),
                   cwd=out)
    assert result.returncode == 1 and "damaged" in result.stderr and "Traceback" not in result.stderr, result
    assert list(out.iterdir()) == []
