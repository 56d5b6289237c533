"""`kiosk export --out` never writes over the store, its SQLite files, the config, content or a
device: refused with exit 2 before anything is written, however the name is spelled."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys

import pytest

from conftest import PROJECT
from kiosk.core.errors import ProtectedFileError
from kiosk.core.files import Protected
from kiosk.export import export_store
from kiosk.store import Store

KIOSK = "kiosk-01"


@pytest.fixture
def site(tmp_path):
    """A config and a closed store with a few records in tmp_path."""
    store_path = tmp_path / "var" / "kiosk.sqlite3"
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "simulate", "--config", str(write_config(tmp_path)),
                             "--store", str(store_path), "--visitors", "3", "--seed", "1"],
                            cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return tmp_path


def write_config(folder):
    config = folder / "config.toml"
    config.write_text(f'[kiosk]\nid = "{KIOSK}"\n[content]\nroot = "{PROJECT}"\n[store]\npath = "var/kiosk.sqlite3"\n',
                      encoding="utf-8")
    return config


def export(site, out, *extra):
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "export", "--config", str(site / "config.toml"),
                           "--format", "csv", "--out", str(out), *extra],
                          cwd=site, capture_output=True, text=True, timeout=120)


def snapshot(folder):
    """Every file under `folder`: its kind, bytes' digest, owner and mode."""
    seen = {}
    for path in sorted(folder.rglob("*")):
        info = os.lstat(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(info.st_mode) else None
        seen[str(path.relative_to(folder))] = (stat.S_IFMT(info.st_mode), digest, info.st_uid, info.st_mode)
    return seen


def refused(site, out, message, *extra):
    before = snapshot(site)
    result = export(site, out, *extra)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert snapshot(site) == before  # nothing written, renamed or left behind


def test_the_store_itself(site):
    refused(site, site / "var" / "kiosk.sqlite3", "is the kiosk's store")


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_the_stores_sqlite_files(site, suffix):
    refused(site, site / "var" / f"kiosk.sqlite3{suffix}", "the store's SQLite file")


def test_the_store_by_a_roundabout_path(site):
    (site / "x").mkdir()
    refused(site, "./x/../var/kiosk.sqlite3", "is the kiosk's store")


def test_a_symlink_to_the_store(site):
    (site / "link.csv").symlink_to(site / "var" / "kiosk.sqlite3")
    refused(site, site / "link.csv", "is the kiosk's store")


def test_a_hard_link_to_the_store(site):
    os.link(site / "var" / "kiosk.sqlite3", site / "hard.csv")
    refused(site, site / "hard.csv", "is the kiosk's store")


def test_a_store_named_with_store_is_protected_too(site):
    other = site / "other.sqlite3"
    other.write_bytes((site / "var" / "kiosk.sqlite3").read_bytes())
    refused(site, other, "is the kiosk's store", "--store", str(other))


def test_the_config(site):
    refused(site, site / "config.toml", "is the kiosk's config")


def test_the_summary_beside_out_is_checked_too(site):
    (site / "results-summary.csv").symlink_to(site / "config.toml")
    refused(site, site / "results.csv", "-summary.csv")
    assert not (site / "results.csv").exists()


def test_content(site):
    before = snapshot(PROJECT / "exhibits")
    result = export(site, PROJECT / "exhibits" / "results.csv")
    assert result.returncode == 2 and "inside the content folder" in result.stderr
    assert snapshot(PROJECT / "exhibits") == before


def test_a_device_node(site):
    device = site / "null-device"
    os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    refused(site, device, "is a character device")
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_a_fifo_and_a_symlink_to_it(site):
    fifo = site / "pipe"
    os.mkfifo(fifo)
    refused(site, fifo, "named pipe")
    (site / "pipe-link.csv").symlink_to(fifo)
    refused(site, site / "pipe-link.csv", "named pipe")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_symlink_to_an_export_replaces_the_file_it_points_to(site):
    (site / "exports").mkdir()
    real = site / "exports" / "latest.csv"
    real.write_text("old\n")
    (site / "latest.csv").symlink_to(real)
    result = export(site, site / "latest.csv")
    assert result.returncode == 0, result.stderr
    assert (site / "latest.csv").is_symlink() and real.read_text(encoding="utf-8-sig").startswith("id,")


def test_the_staff_screens_export_api_refuses_the_config_and_the_store(site):
    before = snapshot(site)
    store = Store.open_for_reading(site / "var" / "kiosk.sqlite3", KIOSK)
    protected = Protected(configs=[site / "config.toml"], content_roots=[PROJECT])
    try:
        for target in (site / "config.toml", site / "var" / "kiosk.sqlite3"):
            with pytest.raises(ProtectedFileError):
                export_store(store, target, "xlsx", protected=protected)
    finally:
        store.close()
    assert snapshot(site) == before
