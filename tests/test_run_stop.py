"""Ending `kiosk run` from outside: SIGTERM (systemd), Ctrl+C, SIGHUP (xinit), Escape in a window;
and full screen on a bare X server. Real processes, a real store, a real X server (Xvfb)."""

import os
import queue
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from conftest import PROJECT
from kiosk.core.instance_lock import InstanceLock
from test_run_command import write_config
from xwd_image import image_from_xwd

pytestmark = pytest.mark.ui

RECORDS = 300
SCREEN = (1280, 800)
SCREENSHOTS = PROJECT / "tests" / "screenshots"


class Output:
    """A process's stdout and stderr, read by threads as they come, so that waiting for a line
    keeps its deadline even while the process prints nothing (and a full pipe never blocks it)."""

    def __init__(self, process):
        self.process = process
        self.lines: queue.Queue = queue.Queue()
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(process.stdout, self.lines), daemon=True),
                         threading.Thread(target=self._read, args=(process.stderr, None), daemon=True)]
        for reader in self._readers:
            reader.start()

    def _read(self, stream, lines) -> None:
        for line in stream:
            if lines is None:
                self.err.append(line)
            else:
                lines.put(line)

    def wait_line(self, prefix, timeout=60.0) -> str:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    raise AssertionError(f"kiosk exited with {self.process.returncode}: {self.stderr[-2000:]}")
                continue
            self.out.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError(f"kiosk did not print {prefix!r} within {timeout} s: {self.stdout}{self.stderr[-2000:]}")

    def ended(self, timeout=30.0) -> int:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"kiosk still running {timeout} s after being asked to stop: "
                                 f"{self.stderr[-2000:]}") from None
        for reader in self._readers:
            reader.join(timeout=10)
        while not self.lines.empty():
            self.out.append(self.lines.get())
        return code

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)


def start(command, env) -> Output:
    return Output(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, **env}, cwd=PROJECT))


def start_with_records(config_path, count=RECORDS, *then) -> Output:
    return start([sys.executable, str(PROJECT / "tests" / "kiosk_with_records.py"), str(count), *then, "--config",
                  str(config_path), "--windowed", "--size", "1280x800"], {"SDL_VIDEODRIVER": "offscreen"})


def stop_if_running(kiosk: Output) -> None:
    if kiosk.process.poll() is None:
        kiosk.process.kill()
        kiosk.process.wait()


def views_in(store: Path) -> int:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        return db.execute("SELECT COUNT(*) FROM records WHERE kind = 'view'").fetchone()[0]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=["SIGTERM", "SIGINT", "SIGHUP"])
def test_a_stop_signal_ends_the_kiosk_with_every_record_written_and_the_store_closed(tmp_path, stop_signal):
    config = write_config(tmp_path)
    kiosk = start_with_records(config)
    try:
        kiosk.wait_line("kiosk ready")
        assert kiosk.wait_line("handed").split() == ["handed", str(RECORDS)]
        kiosk.process.send_signal(stop_signal)  # some of the records are still in the writer's queue
        code = kiosk.ended()
    finally:
        stop_if_running(kiosk)
    assert code == 0, kiosk.stderr[-2000:]
    assert f"kiosk stopped ({stop_signal.name})" in kiosk.stdout
    assert "Traceback" not in kiosk.stderr and "KeyboardInterrupt" not in kiosk.stderr
    store = tmp_path / "var" / "kiosk.sqlite3"
    assert not Path(f"{store}-wal").exists()  # closed: the store folded its -wal file back
    assert views_in(store) == RECORDS
    with InstanceLock.for_store(store):  # released: the next kiosk may start
        pass


def test_the_staff_screens_restart_button_ends_the_kiosk_once_with_its_store_closed(tmp_path):
    # Under the service (Restart=always) this is a restart; the app itself ends with 0, its
    # store closed and every record written, and says so once.
    config = write_config(tmp_path)
    kiosk = start_with_records(config, RECORDS, "--then-staff-exit")
    try:
        code = kiosk.ended(timeout=90)
    finally:
        stop_if_running(kiosk)
    assert code == 0, kiosk.stderr[-2000:]
    assert "Traceback" not in kiosk.stderr
    assert kiosk.stdout.count("kiosk stopped") == 1, kiosk.stdout
    store = tmp_path / "var" / "kiosk.sqlite3"
    assert not Path(f"{store}-wal").exists()
    assert views_in(store) == RECORDS
    with InstanceLock.for_store(store):
        pass


def test_a_stop_signal_while_starting_ends_the_kiosk_too(tmp_path):
    config = write_config(tmp_path)
    kiosk = start([sys.executable, "-m", "kiosk.cli", "run", "--config", str(config), "--windowed"],
                  {"SDL_VIDEODRIVER": "offscreen"})
    try:
        kiosk.wait_line("kiosk starting")  # printed before Kivy is even imported
        kiosk.process.send_signal(signal.SIGTERM)
        code = kiosk.ended()
    finally:
        stop_if_running(kiosk)
    assert code == 0, kiosk.stderr[-2000:]
    assert "Traceback" not in kiosk.stderr
    with InstanceLock.for_store(tmp_path / "var" / "kiosk.sqlite3"):
        pass


def test_run_help_names_the_stop_signals_and_their_exit_code():
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "run", "--help"], capture_output=True, text=True,
                            cwd=PROJECT, timeout=60)
    help_text = " ".join(result.stdout.split())
    assert "0 ended by staff or by SIGTERM, SIGINT or SIGHUP" in help_text
    assert "--fullscreen" in help_text


# --- a real X server -------------------------------------------------------------------------------


@pytest.fixture
def bare_x():
    """An X server without a window manager, as the kiosk's X session is before matchbox starts
    (or when it is missing): DISPLAY for it."""
    missing = [tool for tool in ("Xvfb", "xdotool", "xwininfo", "xwd") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} missing; `scripts/setup test` installs them (xvfb, xdotool, x11-utils, "
                    "x11-apps)")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "{}x{}x24".format(*SCREEN),
                               "-nolisten", "tcp"], pass_fds=(write_end,), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 30)
        assert ready, "Xvfb did not start within 30 s"
        number = os.read(read_end, 64).decode().strip()
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(timeout=10)


def start_on_x(display, config_path, *args) -> Output:
    return start([sys.executable, "-m", "kiosk.cli", "run", "--config", str(config_path), *args],
                 {"DISPLAY": display, "SDL_VIDEODRIVER": "x11"})


def kiosk_window(display) -> tuple[str, str]:
    """(window id, geometry WxH+X+Y) of the kiosk's top-level window."""
    tree = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True, timeout=10,
                          env={**os.environ, "DISPLAY": display}).stdout
    line = next(line for line in tree.splitlines() if "StadtLABOR Kiosk" in line)
    # e.g. `0x200006 "StadtLABOR Kiosk – …": ("python3.11" "python3.11")  1280x800+0+0  +0+0`
    return line.split()[0], line.rsplit(None, 2)[-2]


def press_escape(display, window) -> None:
    subprocess.run(["xdotool", "windowfocus", "--sync", window, "key", "Escape"], check=True, timeout=10,
                   env={**os.environ, "DISPLAY": display})


def screenshot(display, name) -> Image.Image:
    """The whole X screen, read with xwd (ZPixmap, 24-bit TrueColor as Xvfb serves it)."""
    raw = subprocess.run(["xwd", "-root", "-silent"], capture_output=True, timeout=20, check=True,
                         env={**os.environ, "DISPLAY": display}).stdout
    image = image_from_xwd(raw)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.save(SCREENSHOTS / f"{name}-{image.width}x{image.height}.png")
    return image


def test_kiosk_mode_fills_a_bare_x_screen_ignores_escape_and_stops_on_sigterm(tmp_path, bare_x):
    config = write_config(tmp_path)
    kiosk = start_on_x(bare_x, config)
    try:
        kiosk.wait_line("kiosk ready")
        window, geometry = kiosk_window(bare_x)
        assert geometry == "{}x{}+0+0".format(*SCREEN)
        # Where the window did not reach, Xvfb's root shows black; the kiosk's background is light.
        image = screenshot(bare_x, "bare-x-kiosk-mode")
        for corner in ((0, 0), (SCREEN[0] - 1, 0), (0, SCREEN[1] - 1), (SCREEN[0] - 1, SCREEN[1] - 1)):
            assert sum(image.getpixel(corner)) > 300, f"screen corner {corner} is not covered by the kiosk"
        press_escape(bare_x, window)
        with pytest.raises(subprocess.TimeoutExpired):  # kiosk mode: Escape changes nothing
            kiosk.process.wait(timeout=3)
        kiosk.process.send_signal(signal.SIGTERM)
        code = kiosk.ended()
    finally:
        stop_if_running(kiosk)
    assert code == 0
    # Kivy's X clipboard probes (xclip, xsel) must not print tracebacks into the journal.
    err = kiosk.stderr
    assert "Traceback" not in err and "xclip" not in err and "xsel" not in err, err[-2000:]


def test_a_windowed_kiosk_ends_on_escape(tmp_path, bare_x):
    config = write_config(tmp_path)
    kiosk = start_on_x(bare_x, config, "--windowed")
    try:
        kiosk.wait_line("kiosk ready")
        window, _ = kiosk_window(bare_x)
        press_escape(bare_x, window)
        code = kiosk.ended()
    finally:
        stop_if_running(kiosk)
    assert code == 0, kiosk.stderr[-2000:]
    assert not Path(f"{tmp_path / 'var' / 'kiosk.sqlite3'}-wal").exists()
