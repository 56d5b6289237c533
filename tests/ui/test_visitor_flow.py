"""A visitor's way through the kiosk, tapped for real: attract, home, exhibit, language, events, idle."""

import pytest

from kiosk.ui.screens.home import ExhibitTile
from kiosk.ui.widgets.common import Chip

pytestmark = pytest.mark.ui


def current(kiosk) -> str:
    return kiosk.app.root.current


def test_attract_invites_and_a_tap_starts_the_visit(fresh):
    assert current(fresh) == "attract"
    assert "Tippen zum Starten" in fresh.screen_text()
    fresh.tap(pos=(960, 700))
    assert current(fresh) == "home"


def test_home_shows_themes_tiles_with_status_and_next_events(fresh):
    fresh.app.start_visit()
    fresh.settle()
    text = fresh.screen_text()
    for theme in fresh.app.content.themes:
        assert theme.title.de in text
    tiles = [w for w in fresh.walk() if isinstance(w, ExhibitTile)]
    assert len(tiles) == len(fresh.app.content.exhibits)
    assert "In Umsetzung" in text and "In Planung" in text
    assert "Als Nächstes im StadtLABOR" in text
    first_event = fresh.app.content.events[0]
    assert first_event.title.de in text


def test_exhibit_language_switch_and_back(fresh):
    app = fresh.app
    fresh.tap(pos=(960, 700))
    tile = next(w for w in fresh.walk() if isinstance(w, ExhibitTile) and w.exhibit.id == "friedhof-der-zukunft")
    fresh.tap(tile)
    assert current(fresh) == "exhibit"
    exhibit = app.content.exhibit("friedhof-der-zukunft")
    assert exhibit.title.de in fresh.screen_text()
    german_body = fresh.screen_text()

    fresh.tap(fresh.find(text="English", cls=Chip))
    english = fresh.screen_text()
    assert app.layer == "en"
    screen = app.root.get_screen("exhibit")
    assert exhibit.title.en in english and screen.title_text == exhibit.title.en
    assert "Ein Ort für Erinnerung – und für das Leben" not in english and english != german_body
    assert "Continue on your phone" in english

    fresh.tap(fresh.find(text="Leichte Sprache", cls=Chip))
    assert exhibit.title.ls in fresh.screen_text()

    fresh.tap(fresh.find(text="Über·sicht", contains=True))
    assert current(fresh) == "home"
    assert "Was möchten Sie an·sehen?" in fresh.screen_text()


def test_missing_layer_falls_back_to_german_with_a_note(fresh, monkeypatch):
    app = fresh.app
    exhibit = app.content.exhibit("stadtlabor")
    bare = exhibit.model_copy(update={"body": exhibit.body.model_copy(update={"en": None})})
    monkeypatch.setattr(app.content, "exhibits", [bare if e.id == "stadtlabor" else e for e in app.content.exhibits])
    app.set_layer("en")
    app.open_exhibit("stadtlabor")
    fresh.settle()
    text = fresh.screen_text()
    assert "This text is not yet available in English" in text
    assert "Ein Raum für die digitale Stadt" in text   # the German body, shown instead


def test_events_screen_lists_upcoming_events_with_registration_codes(fresh):
    from kiosk.ui.screens.events import EventCard

    fresh.app.start_visit()
    fresh.settle()
    fresh.tap(fresh.find(text="Alle Termine"))
    assert current(fresh) == "events"
    cards = [w for w in fresh.walk() if isinstance(w, EventCard)]
    assert len(cards) >= 4
    with_code = [c for c in cards if c.event.registration_url]
    assert with_code and all(c.ids.code.texture is not None for c in with_code)
    assert "Anmelden: Code scannen" in fresh.screen_text()


def test_larger_text_and_contrast_are_one_tap_and_reset_after_the_visit(fresh):
    app = fresh.app
    app.start_visit()
    fresh.settle()
    body_before = app.fs_body
    fresh.tap(fresh.find(text="Größere Schrift", contains=True, cls=Chip))
    assert app.large_text and app.fs_body > body_before
    fresh.tap(fresh.find(text="Kontrast", cls=Chip))
    assert app.high_contrast
    assert list(app.colors.background) == [0.0, 0.0, 0.0, 1.0]
    heading = fresh.find(text="Was möchten Sie entdecken?")
    assert list(heading.color) == [1.0, 1.0, 1.0, 1.0]  # repainted in place, not only new widgets
    app.end_visit("test")
    assert not app.large_text and not app.high_contrast and app.fs_body == body_before


def test_idle_countdown_then_back_to_attract_with_state_reset(fresh):
    app = fresh.app
    app.idle.timeout_s = 0.5
    app.idle.countdown_s = 2
    fresh.tap(pos=(960, 700))
    app.open_exhibit("open-data")
    app.set_layer("en")
    fresh.settle()
    scroll = app.root.get_screen("exhibit").ids.scroll
    scroll.scroll_y = 0
    fresh.wait(lambda: app.idle.counting_down, timeout=5, what="the idle countdown")
    assert "Are you still there?" in fresh.screen_text()
    fresh.wait(lambda: current(fresh) == "attract", timeout=6, what="the return to attract")
    assert app.layer == "de"
    assert scroll.scroll_y == 1
    assert not app.idle.counting_down


def test_a_touch_during_the_countdown_keeps_the_visit(fresh):
    app = fresh.app
    app.idle.timeout_s = 0.5
    app.idle.countdown_s = 3
    fresh.tap(pos=(960, 700))
    app.set_layer("ls")
    fresh.wait(lambda: app.idle.counting_down, timeout=5, what="the idle countdown")
    fresh.tap(fresh.find(text="Ja, ich bin noch da"))
    assert not app.idle.counting_down
    assert current(fresh) == "home" and app.layer == "ls"
    app.idle.timeout_s = 60


def test_idle_timeout_comes_from_the_config(fresh):
    assert fresh.app.idle.timeout_s == fresh.app.kiosk_config.kiosk.idle_timeout_s == 60


def test_escape_and_window_close_are_refused_in_kiosk_mode(fresh):
    from kivy.core.window import Window

    fresh.app.start_visit()
    assert fresh.key(27) is True
    assert Window.dispatch("on_request_close") is True
    fresh.frames(2)
    assert current(fresh) == "home"


def test_new_content_starts_the_attract_loop_over_with_a_whole_slide(fresh):
    # A reload (or the first content) shows the first slide for a whole SLIDE_S, not for what
    # was left of the last slide's time; the walk test compares that first slide after a visit.
    screen = fresh.app.root.get_screen("attract")
    assert fresh.app.root.current == "attract"
    screen._show(1)
    timer = screen._timer
    screen.refresh()
    assert screen.index == 0 and screen._timer is not timer and screen._timer is not None
