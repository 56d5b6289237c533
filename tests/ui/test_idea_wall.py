"""The Ideenwand on the kiosk (issue 12, point 3), from ideas the store keeps: reached from the
home screen, statuses and answers in the visitor's layer with the German fallback, plain text
for what visitors wrote, scrolling by touch, a friendly empty wall, and whole visits that leave
nothing behind (the wall from the top and as stored now, every time it is entered)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.ui

SERVER_TIME = "2026-12-01T10:00:00.000000Z"
HOSTILE = ["[b]fett[/b] und [color=ff0000]rot[/color]", "<script>alert('xss')</script>", "[size=200]groß[/size] & [i]"]


def wall_idea(number: int, text: str, status: str = "reviewing", answer: dict | None = None,
              exhibit_id: str | None = "friedhof-der-zukunft", layer: str = "de") -> dict:
    return {"id": f"00000000-0000-4000-8000-{number:012d}", "text": text, "layer": layer, "exhibit_id": exhibit_id,
            "created_at": "2026-11-20T09:00:00.000000Z", "status": status,
            "answer": answer, "answered_at": "2026-11-28T09:00:00.000000Z" if answer else None}


WALL = [
    wall_idea(1, "Mehr Sitzbänke unter Bäumen, damit ältere Menschen beim Besuch eine Pause machen können.", "done",
              {"de": "Umgesetzt: Im Frühjahr stehen sechs neue Bänke am Hauptweg.",
               "en": "Done: six new benches stand along the main path since spring.",
               "ls": "Es gibt jetzt 6 neue Bänke.\nSie stehen am Haupt·weg."}),
    wall_idea(2, "Ein QR-Code an jedem Grab, der zur Lebensgeschichte führt.", "reviewing",
              {"de": "Wir prüfen das gerade mit der Friedhofsverwaltung und dem Datenschutz."}),
    wall_idea(3, "Free Wi-Fi at the bus station, please!", "not_possible",
              {"de": "Der Busbahnhof gehört nicht der Stadt; wir haben die Idee an den Betreiber gegeben.",
               "en": "The bus station is not the city's; we passed the idea on to its operator."},
              exhibit_id="freies-wlan", layer="en"),
    wall_idea(4, "Eine Karte mit allen öffentlichen Toiletten als offene Daten.", "received", None,
              exhibit_id=None),
]


@pytest.fixture
def wall(fresh):
    """The kiosk's store with a wall to show; `wall(ideas)` replaces it. Emptied afterwards."""
    store = fresh.app.recorder.store

    def put(ideas):
        store.replace_idea_wall(ideas, server_time=SERVER_TIME)

    yield put
    put([])
    fresh.app.large_text = False


def open_wall_from_home(kiosk):
    app = kiosk.app
    if app.root.current != "home":
        app.start_visit()
        kiosk.settle()
    home = app.screen("home")
    kiosk.tap(home.ids.idea_wall)
    kiosk.settle()
    assert app.root.current == "idea_wall"
    return app.screen("idea_wall")


def cards(kiosk):
    screen = kiosk.app.screen("idea_wall")
    shown = [card for column in screen.ids.columns.children for card in column.children]
    assert sorted(map(id, shown)) == sorted(map(id, screen.cards))
    return screen.cards


def card_labels(kiosk, card) -> list[str]:
    return [w.text for w in kiosk.walk(card) if hasattr(w, "texture_size") and w.text and w.opacity > 0
            and w.parent is not None]


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_the_home_screen_leads_to_the_wall_and_back(wall, fresh, size):
    fresh.resize(*size)
    wall(WALL)
    fresh.app.start_visit()
    fresh.screenshot("kiosk-home-idea-wall")
    screen = open_wall_from_home(fresh)
    shown = fresh.screen_text()
    assert "Ideenwand" in shown
    for idea in WALL:
        assert idea["text"] in shown
    for words in ("Umgesetzt", "In Prüfung", "Nicht möglich", "Eingegangen"):
        assert words in shown
    assert WALL[0]["answer"]["de"] in shown and "Antwort der Stadt" in shown
    assert "Die Stadt hat noch nicht geantwortet." in shown  # the idea without an answer
    assert "Idee zu: Friedhof der Zukunft" in shown
    assert not screen.empty
    fresh.screenshot("kiosk-idea-wall-stored")
    fresh.tap(fresh.find(text="Übersicht", contains=True))
    assert fresh.app.root.current == "home"


@pytest.mark.parametrize("layer, status, answer, note", [
    ("en", "Done", "Done: six new benches stand along the main path since spring.", None),
    ("ls", "Ist gemacht", "Es gibt jetzt 6 neue Bänke.\nSie stehen am Haupt·weg.", None),
])
def test_status_and_answer_follow_the_visitor_s_layer(wall, fresh, layer, status, answer, note):
    from kiosk.core.ui_text import text

    wall(WALL)
    open_wall_from_home(fresh)
    fresh.app.set_layer(layer)
    fresh.settle()
    first, second = cards(fresh)[:2]
    assert status in card_labels(fresh, first) and answer in card_labels(fresh, first)
    # The second idea has only a German answer: shown in German, with the kiosk's note.
    assert WALL[1]["answer"]["de"] in card_labels(fresh, second)
    assert text("fallback_note", layer) in card_labels(fresh, second)
    fresh.screenshot(f"kiosk-idea-wall-{layer}")


def test_what_visitors_wrote_shows_as_typed_never_as_markup(wall, fresh):
    from kivy.core.text import Label as CoreLabel

    wall([wall_idea(10 + n, text, "received", {"de": f"Antwort {text}"}) for n, text in enumerate(HOSTILE)])
    open_wall_from_home(fresh)
    labels = [w for w in fresh.walk() if hasattr(w, "markup") and fresh.visible(w) and w.text]
    for payload in HOSTILE:
        showing = [label for label in labels if payload in label.text]
        assert len(showing) == 2, payload  # the idea and the answer that quotes it
        assert all(not label.markup for label in showing)
    # Rendered literally: as wide as the brackets typed out, not as the markup would make it.
    idea_label = next(label for label in labels if label.text == HOSTILE[0])
    literal = CoreLabel(text=HOSTILE[0], font_size=idea_label.font_size)
    literal.refresh()
    assert idea_label.texture_size[0] >= literal.texture.size[0] - 2
    fresh.screenshot("kiosk-idea-wall-markup-inert")


def test_an_empty_wall_says_when_ideas_appear(wall, fresh):
    wall([])
    screen = open_wall_from_home(fresh)
    assert screen.empty and not cards(fresh)
    assert "Hier erscheinen Ideen, sobald die Stadt sie beantwortet hat." in fresh.screen_text()
    fresh.screenshot("kiosk-idea-wall-empty")


def test_a_long_wall_scrolls_by_touch(wall, fresh):
    wall([wall_idea(20 + n, f"Idee Nummer {n}: " + "Mehr Grün in der Innenstadt. " * 6, "reviewing",
                    {"de": "Wir prüfen das. " * 8}) for n in range(12)])
    screen = open_wall_from_home(fresh)
    scroll = screen.ids.scroll
    assert scroll.scroll_y == 1
    x, y = scroll.to_window(scroll.center_x, scroll.center_y)
    touch = fresh.press((x, y))
    for step in range(1, 11):
        touch.touch_move(x, y + step * 40)
        fresh.frames(1)
    touch.touch_up()
    fresh.frames(30)
    assert scroll.scroll_y < 1


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_no_word_is_cut_in_larger_text(wall, fresh, size):
    from kiosk.ui.widgets.text_fit import longest_word_fits

    fresh.resize(*size)
    long_words = ("Friedhofsdigitalisierungsstrategie und Grabpflegebenachrichtigungsdienst: "
                  "Bürgerbeteiligungsplattform für Soest.")
    wall([wall_idea(30, long_words, "reviewing", {"de": long_words, "en": "Short."}), *WALL])
    fresh.app.start_visit()
    fresh.app.large_text = True
    fresh.settle()
    open_wall_from_home(fresh)
    for card in cards(fresh):
        for label in (w for w in fresh.walk(card) if hasattr(w, "markup") and w.text and w.opacity > 0):
            if label.text_size[0] is None:  # the status badge: one line, as wide as its words
                assert label.right <= card.right, label.text
                continue
            width = int(label.text_size[0])
            assert longest_word_fits(label.text, width, int(label.font_size), label.bold), label.text
            assert label.height >= label.texture_size[1] - 1, label.text  # no line clipped off
            assert label.right <= card.right and label.x >= card.x
    fresh.screenshot("kiosk-idea-wall-large-text")


def test_a_whole_visit_leaves_nothing_behind(wall, fresh):
    """Entered again, the wall is at the top and as the store keeps it now: cards used again
    keep no answer, note or status of the idea they showed before."""
    many = [wall_idea(40 + n, f"Idee {n}: " + "Schattenplätze am Markt. " * 5, "done",
                      {"de": f"Antwort {n}", "en": None}) for n in range(10)]
    wall(many)
    screen = open_wall_from_home(fresh)
    fresh.app.set_layer("en")
    screen.ids.scroll.scroll_y = 0
    fresh.settle()
    fresh.app.end_visit("done")
    fresh.settle()
    # Meanwhile a sync pass brought a new wall: fewer ideas, no answers, other statuses.
    wall([wall_idea(60, "Ein Trinkbrunnen am Bahnhof.", "received", None),
          wall_idea(61, "Ein Lesesaal mit WLAN.", "not_possible", {"de": None, "en": None, "ls": "Geht nicht."})])
    screen = open_wall_from_home(fresh)
    assert screen.ids.scroll.scroll_y == 1
    shown = cards(fresh)
    assert [card.idea_text for card in shown] == ["Ein Trinkbrunnen am Bahnhof.", "Ein Lesesaal mit WLAN."]
    first, second = (card_labels(fresh, card) for card in shown)
    assert "Eingegangen" in first and "Die Stadt hat noch nicht geantwortet." in first
    assert not any(label.startswith("Antwort ") and label[8:].isdigit() for label in first + second)
    assert "Antwort der Stadt" not in first
    assert "Nicht möglich" in second and "Geht nicht." in second
    assert "Diesen Text gibt es nur auf Deutsch." not in fresh.screen_text()
    # Back home and in again, nothing changed in the store: still from the top.
    screen.ids.scroll.scroll_y = 0
    fresh.tap(fresh.find(text="Übersicht", contains=True))
    open_wall_from_home(fresh)
    assert screen.ids.scroll.scroll_y == 1


def test_the_thanks_for_an_idea_leads_to_the_wall(wall, fresh):
    from .test_participation import take_part

    wall(WALL)
    take_part(fresh, "friedhof-der-zukunft", "Idee einbringen")
    screen = fresh.app.root.get_screen("idea")
    button = screen.ids.to_wall
    assert button.width == 0 and button.height == 0  # nothing to catch a touch over the keyboard
    fresh.type_keys(list("Mehr") + ["Leerzeichen"] + list("licht"))
    fresh.tap(fresh.find(text="Absenden"))
    fresh.wait(lambda: screen.state == "thanks", what="the idea saved")
    fresh.settle()
    assert fresh.visible(button) and button.height >= fresh.app.touch
    fresh.screenshot("kiosk-idea-thanks-to-wall")
    fresh.tap(button)
    fresh.settle()
    assert fresh.app.root.current == "idea_wall"
    assert WALL[0]["text"] in fresh.screen_text()


def test_high_contrast_keeps_every_status_readable(wall, fresh):
    from kiosk.core.palette import HIGH_CONTRAST, STANDARD, TEXT_PAIRS

    # The badges' colour pairs are ones the palette test holds to WCAG in both palettes.
    for pair in (("text", "surface_alt"), ("status_text", "status_planned"), ("status_text", "status_in_progress"),
                 ("status_text", "status_done")):
        assert pair in TEXT_PAIRS
    wall(WALL)
    open_wall_from_home(fresh)
    fresh.app.high_contrast = True
    fresh.settle()
    badge = cards(fresh)[2].ids.badge  # "Nicht möglich"
    assert tuple(badge.color) == tuple(fresh.app.colors.text)
    fresh.screenshot("kiosk-idea-wall-contrast")
    fresh.app.high_contrast = False
    assert STANDARD != HIGH_CONTRAST


def test_a_store_that_cannot_be_read_keeps_the_wall_last_shown(wall, fresh, monkeypatch):
    from kiosk.store import StoreError

    wall(WALL)
    open_wall_from_home(fresh)
    fresh.tap(fresh.find(text="Übersicht", contains=True))

    def failing():
        raise StoreError("disk I/O error")

    monkeypatch.setattr(fresh.app.recorder.store, "idea_wall", failing)
    screen = open_wall_from_home(fresh)
    assert [card.idea_text for card in screen.cards] == [idea["text"] for idea in WALL]
