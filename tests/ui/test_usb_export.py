"""Staff export poll results onto a USB stick: asked with or without the ideas' text, written
off the frame, read back, and what was written said in German."""

from pathlib import Path

import openpyxl
import pytest

from usb_stick import mounted_stick

pytestmark = pytest.mark.ui

IDEA = "Mehr Bänke am Marktplatz, bitte – Anna Beispiel"
COMMENT = "Sehr anschaulich erklärt"


@pytest.fixture
def usb_stick():
    """A real mount point under /media (a small tmpfs), as udisks mounts a stick."""
    with mounted_stick("kiosk-test-stick", "64m") as mount_point:
        yield mount_point


def _visit_with_text(kiosk):
    """A vote, a rating with a comment and an idea, recorded through the app as a visitor's would be."""
    app = kiosk.app
    kiosk.wait(lambda: app.recorder is not None and app.recorder.available, what="the store")
    before = app.recorder.store.count()
    app.start_visit()
    exhibit = app.content.exhibit("stadtlabor")
    poll = exhibit.polls[0]
    app.record(app.visits.vote(exhibit, poll, [poll.options[0].id], 0.0))
    app.record(app.visits.feedback(exhibit, 4, COMMENT))
    app.record(app.visits.idea(exhibit, IDEA))
    kiosk.wait(lambda: app.recorder.store.count() >= before + 3, what="three records")


def _open_staff_and_ask(kiosk):
    app = kiosk.app
    app.go("staff")
    # The screen manager takes no touch while it slides a screen in.
    kiosk.wait(lambda: not app.root.transition.is_active, what="the staff screen in place")
    kiosk.settle()
    kiosk.tap(kiosk.find(text="Export auf USB-Stick"))
    screen = app.root.get_screen("staff")
    assert screen.choosing, screen.export_message
    text = kiosk.screen_text()
    assert "personenbezogene Daten" in text and "nach der Übergabe löschen" in text
    for label in ("Mit Ideen und Kommentaren", "Nur Zahlen"):
        button = kiosk.find(text=label)
        assert button.height >= app.touch and button.width >= app.touch  # at least 15 mm
    return screen


def _sheet_texts(path: Path) -> tuple[list, set[str]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        header = next(book["Daten"].iter_rows(max_row=1, values_only=True))
        texts = {v for row in book["Daten"].iter_rows(min_row=2, values_only=True) for v in row if isinstance(v, str)}
        return list(header), texts
    finally:
        book.close()  # a file left open would keep the stick busy


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_export_with_ideas_and_comments(fresh, usb_stick, size):
    app = fresh.app
    _visit_with_text(fresh)
    if size != (1920, 1080):
        fresh.resize(*size)
    screen = _open_staff_and_ask(fresh)
    fresh.screenshot("staff-export-choice")
    fresh.tap(fresh.find(text="Mit Ideen und Kommentaren"))
    fresh.wait(lambda: not screen.exporting, timeout=60, what="the export")
    files = list(usb_stick.glob("stadtlabor-*.xlsx"))
    assert len(files) == 1, screen.export_message
    header, texts = _sheet_texts(files[0])
    assert "Freitext" in header and IDEA in texts and COMMENT in texts
    message = screen.export_message
    records = app.recorder.store.count()
    assert files[0].name in message
    assert f"{records} Datensätze" in message
    assert "Umfragen" in message and "Ideen" in message
    assert "Mit dem Text der Ideen und Kommentare" in message and "löschen" in message
    assert not screen.choosing
    fresh.screenshot("staff-export-done")


def test_export_of_numbers_only_leaves_the_text_out(fresh, usb_stick):
    app = fresh.app
    _visit_with_text(fresh)
    screen = _open_staff_and_ask(fresh)
    fresh.tap(fresh.find(text="Nur Zahlen"))
    fresh.wait(lambda: not screen.exporting, timeout=60, what="the export")
    files = list(usb_stick.glob("stadtlabor-*.xlsx"))
    assert len(files) == 1, screen.export_message
    header, texts = _sheet_texts(files[0])
    assert "Freitext" not in header and IDEA not in texts and COMMENT not in texts
    assert f"{app.recorder.store.count()} Datensätze" in screen.export_message
    assert "Nur Zahlen: ohne den Text" in screen.export_message


def test_cancel_writes_nothing(fresh, usb_stick):
    screen = _open_staff_and_ask(fresh)
    fresh.tap(fresh.find(text="Abbrechen"))
    assert not screen.choosing and "nichts geschrieben" in screen.export_message
    assert not list(usb_stick.iterdir())
    with pytest.raises(AssertionError):
        fresh.find(text="Nur Zahlen")  # hidden again, and no longer taken for a tap


def test_no_stick_says_so(fresh):
    app = fresh.app
    app.go("staff")
    fresh.wait(lambda: not app.root.transition.is_active, what="the staff screen in place")
    fresh.settle()
    fresh.tap(fresh.find(text="Export auf USB-Stick"))
    screen = app.root.get_screen("staff")
    if screen.choosing:  # a real stick is plugged into this machine: nothing to assert here
        fresh.tap(fresh.find(text="Abbrechen"))
        return
    assert "Kein USB-Stick gefunden" in screen.export_message
