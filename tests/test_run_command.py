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


def started_and_stopped(command, env=None, timeout=60.0) -> tuple[str, str, int]:
    """Run a kiosk start command until its first line (printed before Kivy starts), then SIGTERM
    it: (stdout, stderr, exit code). `env` replaces this process's environment."""
    from test_run_stop import Output, stop_if_running

    env = {**(os.environ if env is None else env), "SDL_VIDEODRIVER": "offscreen"}
    kiosk = Output(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                    cwd=PROJECT))
    try:
        kiosk.wait_line("kiosk starting", timeout)
        kiosk.process.send_signal(signal.SIGTERM)
        code = kiosk.ended()
    finally:
        stop_if_running(kiosk)
    return kiosk.stdout, kiosk.stderr, code


def kiosk_run(config, *args):
    return [sys.executable, "-m", "kiosk.cli", "run", "--config", str(config), *args]


def test_first_start_without_a_pin_says_how_to_set_one_and_how_to_stop(tmp_path):
    config = write_config(tmp_path)
    out, err, code = started_and_stopped(kiosk_run(config))
    assert code == 0
    assert "Ctrl+C or SIGTERM stops it" in out
    assert f"no staff PIN is set, so the staff screen cannot be opened; set one with `kiosk set-pin --config " \
           f"{config}`" in err


def test_a_kiosk_with_a_pin_and_its_own_address_starts_without_warnings(tmp_path):
    from kiosk.core.staff_pin import hash_pin

    config = write_config(tmp_path)
    config.write_text(config.read_text(encoding="utf-8") + f'[staff]\npin_hash = "{hash_pin("2468")}"\n'
                      '[phone]\npublic_url = "https://stadtlabor.soest.de"\n', encoding="utf-8")
    out, err, code = started_and_stopped(kiosk_run(config))
    assert code == 0
    assert "warning" not in err


def test_the_placeholder_address_is_named_at_start(tmp_path):
    config = write_config(tmp_path)
    out, err, code = started_and_stopped(kiosk_run(config))
    assert "[phone] public_url is still the placeholder https://stadtlabor.example.org: the QR codes lead " \
           "nowhere" in err


@pytest.mark.parametrize(("args", "env", "expected"), [
    ((), {"DISPLAY": ":99"}, "in a window"),
    (("--fullscreen",), {"DISPLAY": ":99"}, "full screen"),
    ((), {"DISPLAY": ":99", "INVOCATION_ID": "0123456789abcdef"}, "full screen"),  # started by systemd
    ((), {}, "full screen"),  # no display: a console
], ids=["desktop", "desktop-fullscreen", "systemd", "console"])
def test_run_kiosk_script_opens_a_window_on_a_desktop_only(tmp_path, args, env, expected):
    config = write_config(tmp_path)
    desktop_words = ("DISPLAY", "WAYLAND_DISPLAY", "INVOCATION_ID")
    clean = {key: value for key, value in os.environ.items() if key not in desktop_words}
    # The script's own --config config.toml comes first; the test's, later, wins.
    command = [str(PROJECT / "scripts" / "run-kiosk"), *args, "--config", str(config)]
    out, err, code = started_and_stopped(command, env={**clean, **env})
    assert f"kiosk starting {expected}" in out, out + err
    assert code == 0
