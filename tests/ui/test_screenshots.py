"""Every screen drawn at the two screen sizes the StadtLABOR uses, saved for people to look at.

Each picture is also checked for what a visitor needs: the screen's own words are there,
and nothing is drawn off the edge of the screen.
"""

import pytest
from kivy.core.window import Window

pytestmark = pytest.mark.ui

SIZES = [(1920, 1080), (1280, 800)]


def show(kiosk, name):
    app = kiosk.app
    if name == "attract":
        app.end_visit("test")
    elif name == "home":
        app.start_visit()
    elif name.startswith("exhibit"):
        layer = name.split("-")[-1]
        app.start_visit()
        app.set_layer(layer)
        app.open_exhibit("friedhof-der-zukunft")
    elif name == "events":
        app.start_visit()
        app.go("events")
    elif name == "home-large-contrast":
        app.start_visit()
        app.large_text = True
        app.high_contrast = True
    elif name == "idle":
        app.start_visit()
        app.idle.timeout_s = 0.1
        app.idle.touched()
        kiosk.wait(lambda: app.idle.counting_down, what="the idle dialog")
    elif name == "staff-pin":
        app.open_staff_gate()
    elif name == "staff":
        app.go("staff")
    elif name == "preparing":
        app.go("preparing")


EXPECTED = {
    "attract": "Tippen zum Starten",
    "home": "Was möchten Sie entdecken?",
    "exhibit-de": "Auf dem Handy weiterlesen",
    "exhibit-en": "Continue on your phone",
    "exhibit-ls": "Auf dem Handy weiter·lesen",
    "events": "Termine und Veranstaltungen",
    "home-large-contrast": "Was möchten Sie entdecken?",
    "idle": "Sind Sie noch da?",
    "staff-pin": "PIN eingeben",
    "staff": "Personalbereich",
    "preparing": "Die Ausstellung wird vorbereitet",
}


def labels_off_screen(kiosk):
    from kivy.uix.label import Label

    width, height = Window.size
    out = []
    for widget in kiosk.walk():
        if isinstance(widget, Label) and widget.text and kiosk.visible(widget):
            x, y = widget.to_window(widget.x, widget.y)
            if x < -1 or x + widget.width > width + 1:
                out.append(widget.text[:40])
    return out


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", list(EXPECTED))
def test_screen_screenshot(fresh, name, size):
    if size != (1920, 1080):
        fresh.resize(*size)
    show(fresh, name)
    path = fresh.screenshot(name)
    assert path.stat().st_size > 10_000
    assert EXPECTED[name] in fresh.screen_text()
    assert labels_off_screen(fresh) == []
    for widget in list(Window.children)[:-1]:
        widget.dismiss(animation=False)
    fresh.app.idle.cancel()
    fresh.app._pin_pad = None
