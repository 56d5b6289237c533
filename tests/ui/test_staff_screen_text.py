"""The staff screen speaks German: content tallies, sizes with a decimal comma, no promise of a
transfer on a standalone kiosk, and a warning while the QR codes point at the example address."""

import contextlib
import re

import pytest

from kiosk.core.config import PLACEHOLDER_PUBLIC_URL, PhoneSection, SyncSection
from sync.status import SyncStatus

pytestmark = pytest.mark.ui

ENGLISH_TALLIES = re.compile(r"\b(exhibits|events|themes)\b")


@contextlib.contextmanager
def config_of(app, **sections):
    """The running app with some config sections replaced, as if the kiosk had started with them."""
    original = app.kiosk_config
    app.kiosk_config = original.replace(**sections)
    try:
        yield app.kiosk_config
    finally:
        app.kiosk_config = original


def open_staff(kiosk) -> str:
    app = kiosk.app
    kiosk.wait(lambda: app.recorder is not None and app.recorder.available, what="the store")
    app.go("staff")
    kiosk.wait(lambda: not app.root.transition.is_active, what="the staff screen in place")
    kiosk.settle()
    return kiosk.screen_text()


def test_tallies_and_sizes_are_german(fresh):
    text = open_staff(fresh)
    assert not ENGLISH_TALLIES.search(text), text
    assert "Exponate: " in text and "Termine: " in text and "Themen: " in text
    assert re.search(r"Datei \d+,\d\u00a0MB", text), text
    assert not re.search(r"\d\.\d\s?MB", text)


class SyncShowing:
    """A sync service that shows `status` and counts the visits' kicks (nothing is sent)."""

    def __init__(self, status: SyncStatus):
        self.current = status
        self.kicks = 0

    def status(self) -> SyncStatus:
        return self.current

    def kick(self) -> None:
        self.kicks += 1


def test_sync_words_only_where_something_is_synced(fresh, monkeypatch):
    assert fresh.app.kiosk_config.standalone
    text = open_staff(fresh)
    assert "übertragen" not in text, text
    assert "nur auf diesem Kiosk gespeichert" in text
    assert "Eigenständig – keine Zentrale eingestellt" in text
    fresh.screenshot("staff-standalone")
    monkeypatch.setattr(fresh.app, "sync", SyncShowing(SyncStatus(configured=True, online=True, pending=7)))
    with config_of(fresh.app, sync=SyncSection(central_url="https://zentrale.soest.example", token="t")):
        text = open_staff(fresh)
    assert "Noch nicht übertragen: 7 Einträge" in text, text
    assert "nur auf diesem Kiosk" not in text and "Eigenständig" not in text


def test_warning_while_public_url_is_the_placeholder(fresh):
    assert fresh.app.kiosk_config.phone.public_url == PLACEHOLDER_PUBLIC_URL  # the test config leaves it out
    text = open_staff(fresh)
    assert "QR-Codes führen ins Leere" in text and PLACEHOLDER_PUBLIC_URL in text and "config.toml" in text
    fresh.screenshot("staff-placeholder-warning")
    with config_of(fresh.app, phone=PhoneSection(public_url=PLACEHOLDER_PUBLIC_URL + "/")):
        assert "QR-Codes führen ins Leere" in open_staff(fresh)
    for url in ("https://stadtlabor.soest.de", "https://stadtlabor.example.org.soest.de"):
        with config_of(fresh.app, phone=PhoneSection(public_url=url)):
            assert not fresh.app.kiosk_config.public_url_is_placeholder
            text = open_staff(fresh)
        assert "QR-Codes führen ins Leere" not in text, url


def test_staff_screen_before_an_export_at_both_sizes(fresh):
    for size in ((1920, 1080), (1280, 800)):
        fresh.resize(*size)
        text = open_staff(fresh)
        title = fresh.find(text="Personalbereich")
        assert title.texture_size[1] < title.font_size * 2, size  # one line: never "Personal / bereich"
        assert "Export auf USB-Stick" in text
        fresh.screenshot("staff-before-export")


def test_a_store_fault_is_said_in_german_with_the_detail_for_it(fresh):
    recorder = fresh.app.recorder
    fresh.wait(lambda: recorder is not None and recorder.available, what="the store")
    detail = "StoreForeignFileError: /var/lib/kiosk/kiosk.sqlite3 is a text file, not a store of this kiosk"
    saved, recorder.problem = recorder.problem, detail
    try:
        text = open_staff(fresh)
    finally:
        recorder.problem = saved
    assert "Am Speicherort liegt eine Datei, die kein Speicher dieses Kiosks ist" in text, text
    assert "gerade nicht möglich" in text and f"Für die IT: {detail}" in text
