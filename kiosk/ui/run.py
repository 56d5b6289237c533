"""Start the kiosk: one instance per store, Kivy prepared, then the app (which loads the content).

Stopping from outside: SIGTERM (systemd, `kill`), SIGINT (Ctrl+C) and SIGHUP (xinit ending the X
session, a closed terminal) end the kiosk as the staff screen's exit does: Kivy's loop is left,
the app's on_stop closes the recorder (its writer first writes what is queued, then the store
folds its -wal file back) and the instance lock is released. A stop that was asked for is no
failure, so the exit code is 0 (EXIT_STOPPED); systemd does not count it as a crash.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

from kiosk.core.config import Config
from kiosk.core.instance_lock import InstanceLock

from . import prepare_kivy

EXIT_STOPPED = 0  # ended by staff or by SIGTERM, SIGINT or SIGHUP
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class StopRequested(BaseException):
    """A stop signal arrived before Kivy's loop was running; there is no app to stop yet.

    A BaseException, as KeyboardInterrupt is: Kivy tries its window providers under
    `except Exception`, and a stop must not read as a provider that failed."""


def kivy_home(store_path: Path) -> Path:
    """Kivy's settings folder: beside the store, or in the temporary folder when the store's
    folder cannot be written (the kiosk still starts and tells staff about the store)."""
    beside = store_path.parent / "kivy"
    try:
        beside.mkdir(parents=True, exist_ok=True)
        if os.access(beside, os.W_OK):
            return beside
    except OSError:
        pass
    digest = hashlib.sha256(str(store_path.absolute()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"stadtlabor-kiosk-kivy-{digest}"


def keep_writes_in(data_dir: Path) -> None:
    """Point what the kiosk's libraries write at the data folder, so the rest of the system may
    be read-only (docs/operations.md, *Data folder and snapshots*): temporary files (Python's
    tempfile, SQLite's spill files) in <data folder>/tmp, emptied at each start (the instance
    lock is held: no other kiosk uses it). Mesa's shader cache (~/.cache, up to 1 GB) is switched
    off: the kiosk's few shaders compile in a moment, and the cache would be writes to the SD card
    outside the data folder."""
    tmp = data_dir / "tmp"
    try:
        if tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # a data folder that cannot be written: the store tells staff; /tmp stays the default
    else:
        os.environ["TMPDIR"] = str(tmp)
        tempfile.tempdir = None  # tempfile chose its folder once already, maybe: choose again
    os.environ.setdefault("MESA_SHADER_CACHE_DISABLE", "true")


def start_lines(config: Config, *, fullscreen: bool) -> list[tuple[str, bool]]:
    """What the terminal (or the journal) hears at start: (line, is_warning). The warnings come
    first, so that whoever waits for the `kiosk starting` line has seen them."""
    where = f" --config {config.path}" if config.path else ""
    lines = []
    if not config.staff.pin_hash:
        lines.append(("kiosk: warning: no staff PIN is set, so the staff screen cannot be opened; set one with "
                      f"`kiosk set-pin{where}` and restart the kiosk", True))
    if config.public_url_is_placeholder:
        lines.append((f"kiosk: warning: [phone] public_url is still the placeholder {config.phone.public_url}: "
                      f"the QR codes lead nowhere; set [phone] public_url in {config.path or 'config.toml'} to "
                      "the address of the phone pages", True))
    if fullscreen:
        stop = "full screen (kiosk mode): Escape and window close are ignored; Ctrl+C or SIGTERM stops it"
    else:
        stop = "in a window: Escape, closing the window, Ctrl+C or SIGTERM stop it"
    lines.append((f"kiosk starting {stop}", False))
    return lines


class StopOnSignal:
    """Turns SIGTERM, SIGINT and SIGHUP into a clean stop of the running Kivy app.

    Python's own SIGINT handling raises KeyboardInterrupt wherever Kivy's loop happens to be,
    which skips the app's on_stop, and SDL would make SIGTERM a window-close request that kiosk
    mode refuses. The handler itself must not take Kivy's clock lock (the main thread may hold
    it when the signal arrives), so a short thread schedules the stop on the clock."""

    def __init__(self):
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> "StopOnSignal":
        for number in STOP_SIGNALS:
            self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def _handle(self, number, frame) -> None:
        first = self.received is None
        self.received = number
        base = sys.modules.get("kivy.base")
        loop = getattr(base, "EventLoop", None)
        if loop is None or loop.status == "idle":
            raise StopRequested(signal.Signals(number).name)
        # Once the loop is stopping or stopped, on_stop is closing the store: let it finish.
        if first and loop.status == "started":
            threading.Thread(target=self._stop_on_clock, name="kiosk-stop", daemon=True).start()

    @staticmethod
    def _stop_on_clock() -> None:
        from kivy.base import stopTouchApp
        from kivy.clock import Clock

        # stopTouchApp rather than App.stop: App.run() dispatches on_stop once the loop is left,
        # and App.stop() would dispatch it a second time.
        Clock.schedule_once(lambda dt: stopTouchApp(), 0)


def show_setup_notice(app, config: Config, *, fullscreen: bool) -> None:
    """Put the first-start notice over the window once the app runs (no staff PIN yet)."""
    if not config.staff.pin_hash:
        app.bind(on_start=lambda *args: add_setup_notice(config, fullscreen=fullscreen))


def add_setup_notice(config: Config, *, fullscreen: bool):
    """The notice, added over the running app's window; None when a staff PIN is set."""
    if config.staff.pin_hash:
        return None
    from kivy.core.window import Window

    from .widgets.setup_notice import SetupNotice

    notice = SetupNotice(windowed=not fullscreen)
    Window.add_widget(notice)  # above the screens; the PIN pad and dialogs open above it
    return notice


def run_kiosk(config: Config, *, windowed: bool = False, fullscreen: bool | None = None,
              size: tuple[int, int] | None = None) -> int:
    """Run the kiosk until staff or a stop signal end it. `fullscreen` True or False overrides
    the config (`--fullscreen`, `--windowed`)."""
    if fullscreen is None:
        fullscreen = config.kiosk.fullscreen and not windowed
    with InstanceLock.for_store(config.store.path), StopOnSignal() as stopper:
        try:
            for line, warning in start_lines(config, fullscreen=fullscreen):
                print(line, file=sys.stderr if warning else sys.stdout, flush=True)
            keep_writes_in(config.data_dir)
            prepare_kivy(kivy_home(config.store.path), fullscreen=fullscreen,
                         size=size or (None if fullscreen else (1280, 800)))
            from .app import KioskApp

            # The content is read and checked right after the first frame, in the background.
            app = KioskApp(config, kiosk_mode=fullscreen)
            show_setup_notice(app, config, fullscreen=fullscreen)
            app.run()
        except StopRequested:
            pass  # stopped while starting: no window, no store open yet; the lock goes below
        how = signal.Signals(stopper.received).name if stopper.received is not None else "by the app"
        print(f"kiosk stopped ({how})", flush=True)
    return EXIT_STOPPED
