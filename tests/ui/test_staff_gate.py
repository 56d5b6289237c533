"""The staff gate: hidden corner hold, PIN pad, lockout after five wrong PINs, staff screen."""

import time

import pytest
from kivy.core.window import Window

from kiosk.ui.widgets.pin_pad import PinPad

from .conftest import CLOCK, STAFF_PIN

pytestmark = pytest.mark.ui


def pin_pad(kiosk):
    return next((w for w in Window.children if isinstance(w, PinPad)), None)


def hold_corner(kiosk, seconds: float):
    touch = kiosk.press((20, Window.height - 20))
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        kiosk.frames(1)
    touch.touch_up()
    kiosk.frames(2)


def enter(kiosk, pin: str):
    pad = pin_pad(kiosk)
    for digit in pin:
        kiosk.tap(kiosk.find(text=digit, root=pad))
    kiosk.tap(kiosk.find(text="OK", root=pad))


def test_short_corner_press_opens_nothing(fresh):
    hold_corner(fresh, 0.5)
    assert pin_pad(fresh) is None


def test_wrong_pin_lockout_and_right_pin(fresh):
    app = fresh.app
    app.corner.hold_s = 0.3  # the gesture's length is a setting; the mechanism is what is tested
    hold_corner(fresh, 0.6)
    pad = pin_pad(fresh)
    assert pad is not None and "PIN eingeben" in fresh.screen_text()

    enter(fresh, "1111")
    assert "Falsche PIN. Noch 4 Versuche." in pad.message
    for _ in range(4):
        enter(fresh, "1111")
    assert "Gesperrt" in pad.message
    enter(fresh, STAFF_PIN)  # the right PIN does not open a locked pad
    assert app.root.current != "staff" and pin_pad(fresh) is pad
    fresh.screenshot("pin-pad-locked")

    CLOCK.offset += 301  # five minutes pass
    fresh.frames(2)
    enter(fresh, STAFF_PIN)
    fresh.wait(lambda: app.root.current == "staff", what="the staff screen")
    text = fresh.screen_text()
    assert app.content.version in text
    assert str(app.store_path) in text
    assert "Keine Probleme" in text
    fresh.screenshot("staff")
    fresh.tap(fresh.find(text="Zurück zum Kiosk"))
    assert app.root.current == "attract"
    app.corner.hold_s = 3.0
