"""One real kiosk app for all UI tests, rendered headless with SDL's offscreen driver."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from conftest import PROJECT

_KIVY_HOME = Path(tempfile.mkdtemp(prefix="kiosk-kivy-home-"))
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")

from kiosk.ui import prepare_kivy  # noqa: E402  (no kivy import happens here)

prepare_kivy(_KIVY_HOME, fullscreen=False, size=(1920, 1080))

from kiosk.core.config import load_config  # noqa: E402
from kiosk.core.staff_pin import PinGate, hash_pin  # noqa: E402

STAFF_PIN = "2468"
SCREENSHOTS = PROJECT / "tests" / "screenshots"


class FakeClock:
    """Monotonic time that a test can move forward (for the PIN lockout)."""

    def __init__(self):
        self.offset = 0.0

    def __call__(self) -> float:
        import time

        return time.monotonic() + self.offset


CLOCK = FakeClock()


@pytest.fixture(scope="session")
def kiosk_config(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kiosk")
    path = folder / "config.toml"
    path.write_text(
        "[kiosk]\nid = \"test-kiosk\"\nname = \"Testkiosk\"\nidle_timeout_s = 60\n"
        f"[content]\nroot = \"{PROJECT}\"\n[store]\npath = \"var/kiosk.sqlite3\"\n"
        f"[staff]\npin_hash = \"{hash_pin(STAFF_PIN)}\"\n", encoding="utf-8")
    return load_config(path)


@pytest.fixture(scope="session")
def kiosk(kiosk_config):
    from kivy.base import runTouchApp, stopTouchApp

    from kiosk.ui.app import KioskApp

    from .harness import Driver

    # As `kiosk run` starts it: no content yet; it is read in the background after the first frame.
    app = KioskApp(kiosk_config, kiosk_mode=True, pin_gate=PinGate(kiosk_config.staff.pin_hash, clock=CLOCK))
    app._run_prepare()
    runTouchApp(embedded=True)
    driver = Driver(app, SCREENSHOTS)
    driver.wait(lambda: app.started, what="content loaded, store opened, screens built")
    driver.settle()
    yield driver
    stopTouchApp()
    app._stop()


@pytest.fixture
def fresh(kiosk):
    """The kiosk back at its attract screen, as a new visitor finds it."""
    from kivy.core.window import Window

    if tuple(Window.size) != (1920, 1080):
        kiosk.resize(1920, 1080)
    kiosk.app.end_visit("test")
    kiosk.app.idle.timeout_s = kiosk.app.kiosk_config.kiosk.idle_timeout_s
    kiosk.app.idle.countdown_s = 10
    # A test taps faster than people read; the burst rules have their own tests.
    kiosk.app.visits.min_answer_s = 0
    kiosk.app.visits.min_gap_between_votes_s = 0
    kiosk.app.visits.vote_cooldown_s = 0
    kiosk.settle()
    return kiosk
