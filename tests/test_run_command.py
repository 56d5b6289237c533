"""`kiosk run` and `kiosk set-pin` as a city IT admin uses them: real processes, real lock."""

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import PROJECT, run_kiosk
from kiosk.core.config import load_config
from kiosk.core.staff_pin import verify_pin

pytestmark = pytest.mark.ui


def write_config(folder, content_root=PROJECT):
    path = folder / "config.toml"
    path.write_text(f'[content]\nroot = "{content_root}"\n[store]\npath = "var/kiosk.sqlite3"\n', encoding="utf-8")
    return path


def start_kiosk(config_path):
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen"}
    return subprocess.Popen([sys.executable, "-m", "kiosk.cli", "run", "--config", str(config_path), "--windowed",
                             "--size", "1280x800"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=PROJECT)


def wait_ready(process, timeout=60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("kiosk ready"):
            return line
        if not line and process.poll() is not None:
            raise AssertionError(f"kiosk exited with {process.returncode}: {process.stderr.read()[-2000:]}")
    raise AssertionError("kiosk did not report ready")


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_second_instance_refuses_with_a_clear_message(tmp_path):
    config = write_config(tmp_path)
    first = start_kiosk(config)
    try:
        ready = wait_ready(first)
        assert "11 exhibits" in ready or "exhibits" in ready
        second = run_kiosk("run", "--config", str(config), "--windowed")
        assert second.returncode == 1
        assert "another kiosk is already running" in second.stderr
        assert f"PID {first.pid}" in second.stderr
    finally:
        stop(first)


def test_kiosk_starts_on_content_with_no_valid_exhibit(tmp_path):
    root = tmp_path / "content"
    (root / "exhibits" / "kaputt").mkdir(parents=True)
    (root / "exhibits" / "kaputt" / "exhibit.toml").write_text("id = ", encoding="utf-8")
    kiosk = start_kiosk(write_config(tmp_path, root))
    try:
        assert "0 exhibits" in wait_ready(kiosk)
        assert kiosk.poll() is None
    finally:
        stop(kiosk)


def test_bad_config_stops_before_any_window(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[kiosk]\nidle_timeout = 5\n", encoding="utf-8")
    result = run_kiosk("run", "--config", str(config))
    assert result.returncode == 2
    assert "[kiosk] idle_timeout: unknown key" in result.stderr


def test_set_pin_writes_a_salted_hash_and_keeps_comments(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text((PROJECT / "config.toml").read_text(encoding="utf-8"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "set-pin", "--config", str(config), "--pin-stdin"],
                            input="2468\n", capture_output=True, text=True, cwd=PROJECT)
    assert result.returncode == 0, result.stderr
    stored = load_config(config).staff.pin_hash
    assert stored.startswith("scrypt$") and verify_pin("2468", stored) and not verify_pin("2469", stored)
    assert "# StadtLABOR kiosk settings" in config.read_text(encoding="utf-8")


def test_set_pin_refuses_a_short_pin(tmp_path):
    config = write_config(tmp_path)
    before = config.read_text(encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "set-pin", "--config", str(config), "--pin-stdin"],
                            input="12\n", capture_output=True, text=True, cwd=PROJECT)
    assert result.returncode == 2
    assert "4" in result.stderr and "digits" in result.stderr
    assert config.read_text(encoding="utf-8") == before


@pytest.fixture
def read_only_folder(tmp_path):
    """A read-only filesystem (root ignores permission bits, not a read-only mount)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a read-only filesystem needs root (CI runs as root)")
    folder = tmp_path / "ro"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_read_only_store_starts_the_exhibition_and_says_why_it_cannot_record(tmp_path, read_only_folder):
    config = tmp_path / "config.toml"
    config.write_text(f'[content]\nroot = "{PROJECT}"\n[store]\npath = "{read_only_folder}/kiosk.sqlite3"\n',
                      encoding="utf-8")
    kiosk = start_kiosk(config)
    try:
        ready = wait_ready(kiosk)
        assert "NOT RECORDING" in ready and "StoreNotWritableError" in ready
        assert str(read_only_folder) in ready
        assert kiosk.poll() is None  # running, not crashing into a restart loop
    finally:
        stop(kiosk)
    status = run_kiosk("status", "--config", str(config))
    assert status.returncode != 0 and "not writable" in (status.stderr + status.stdout).lower()
