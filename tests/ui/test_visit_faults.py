"""Faults a visit showed only after it went somewhere first, each found once by hand (issue 9):
the second poll's "Abstimmen", radio rings on check boxes, words cut inside, a keyboard left
after sending, the header in larger text, singular counts, shares of voters, "Fertig" with
unsent text, where "Danke" and the send buttons sit, Leichte Sprache's lines."""

from __future__ import annotations

import re

import pytest
from kivy.graphics import Color
from kivy.uix.label import Label

from kiosk.core.records import Kind
from kiosk.core.terms import PollType
from kiosk.ui.screens.exhibit import ActionRow
from kiosk.ui.widgets.answers import BigAnswer, ChoiceButton, ResultBar
from kiosk.ui.widgets.body_view import BodyParagraph
from kiosk.ui.widgets.common import PillButton
from kiosk.ui.widgets.keyboard import Key
from kiosk.ui.widgets.top_bar import TopBar

pytestmark = pytest.mark.ui

SIZES = [(1920, 1080), (1280, 800)]
SIZE_IDS = ["1920x1080", "1280x800"]


def poll_of(app, poll_type, skip=0):
    found = [(e, p) for e in app.content.exhibits for p in e.polls if p.type is poll_type]
    return found[skip]


def open_poll(kiosk, exhibit, poll):
    app = kiosk.app
    app.open_exhibit(exhibit.id)
    kiosk.settle()
    row = next(w for w in kiosk.walk() if isinstance(w, ActionRow) and kiosk.visible(w)
               and w.title == poll.question.get(app.layer))
    kiosk.tap(row)
    kiosk.settle()
    return app.root.get_screen("poll")


def targets(screen):
    return [w for w in screen.ids.answers.children[::-1] if isinstance(w, (ChoiceButton, BigAnswer))]


def vote(kiosk, exhibit, poll, picks=1):
    screen = open_poll(kiosk, exhibit, poll)
    for target in targets(screen)[:picks]:
        kiosk.tap(target)
    kiosk.tap(kiosk.find(text="Abstimmen"))
    kiosk.wait(lambda: screen.state == "thanks", what="the vote saved")
    kiosk.settle()
    return screen


def confirm_button(kiosk):
    return kiosk.find(text="Abstimmen", cls=PillButton)


# --- polls one after another ------------------------------------------------------------------

def test_the_second_poll_of_a_visit_cannot_be_sent_before_something_is_chosen(fresh):
    app = fresh.app
    app.start_visit()
    vote(fresh, *poll_of(app, PollType.SINGLE))
    exhibit, poll = poll_of(app, PollType.SCALE)
    screen = open_poll(fresh, exhibit, poll)
    button = confirm_button(fresh)
    assert button.disabled and not screen.can_confirm  # was enabled, and did nothing
    fresh.tap(targets(screen)[0])
    assert not button.disabled


def test_a_multi_poll_after_a_single_one_shows_check_boxes_only(fresh):
    app = fresh.app
    app.start_visit()
    vote(fresh, *poll_of(app, PollType.SINGLE))
    screen = open_poll(fresh, *poll_of(app, PollType.MULTI))
    fresh.tap(targets(screen)[0])
    shot = fresh.screenshot("faults-poll-multi-after-single")
    for button in targets(screen):
        assert button.square
        mark = button.children[-1]  # the drawn mark, then the words
        ring, box, dot, square_fill = [i for i in mark.canvas.children if isinstance(i, Color)]
        assert ring.a == 0 and dot.a == 0, "a radio ring or dot drawn on a check box"
        assert box.a == 1
    assert shot.exists()


# --- words ------------------------------------------------------------------------------------

_TAG = re.compile(r"\[/?(?:b|i|u|s|sub|sup|color|size|font|ref|anchor)(?:=[^\]]*)?\]")


def drawn_words(widget) -> list[str]:
    lines = widget._label._cached_lines
    return " ".join("".join(word.text for word in line.words) for line in lines).split()


def source_words(widget) -> list[str]:
    text = _TAG.sub("", widget.text) if widget.markup else widget.text
    text = text.replace("&bl;", "[").replace("&br;", "]").replace("&amp;", "&") if widget.markup else text
    return text.split()


def cut_labels(kiosk):
    """Visible labels whose words Kivy did not draw whole: lines dropped (max_lines, a fixed
    height), a line shortened with "...", or a word too long for its line broken inside. A "…"
    that fit_lines put at a word's end is part of the text and so counts as whole."""
    cut = []
    for widget in kiosk.walk():
        if not isinstance(widget, Label) or not widget.text.strip() or not kiosk.visible(widget):
            continue
        if not widget.text_size[0] or widget._label is None or not widget._label._cached_lines:
            continue
        if drawn_words(widget) != source_words(widget):
            cut.append(" ".join(drawn_words(widget)))
        elif widget.text_size[1] is not None and widget._label.content_height > widget.text_size[1] + 2:
            cut.append(widget.text)
    return cut


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_no_words_are_cut_on_a_visit(fresh, size):
    app = fresh.app
    fresh.resize(*size)
    app.start_visit()
    seen = {}
    for large in (False, True):
        app.large_text = large
        for layer in ("de", "en", "ls"):
            app.set_layer(layer)
            app.go("home")
            fresh.settle()
            seen[f"home {layer} large={large}"] = cut_labels(fresh)
            exhibit, poll = poll_of(app, PollType.MULTI)
            app.open_exhibit(exhibit.id)
            app.open_poll(exhibit.id, poll.id)
            fresh.settle()
            seen[f"poll {layer} large={large}"] = cut_labels(fresh)
            if layer == "ls" and large:
                fresh.screenshot("faults-poll-multi-ls-large")
            for exhibit in app.content.exhibits:
                app.open_exhibit(exhibit.id)
                fresh.settle()
                seen[f"exhibit {exhibit.id} {layer} large={large}"] = cut_labels(fresh)
            for name, kwargs in (("feedback", {"exhibit_id": next(e.id for e in app.content.exhibits if e.feedback)}),
                                 ("idea", {"exhibit_id": "friedhof-der-zukunft"}),
                                 ("events", {})):
                app.go(name, **kwargs)
                fresh.settle()
                seen[f"{name} {layer} large={large}"] = cut_labels(fresh)
    fresh.screenshot("faults-events-ls-large")
    faults = {where: texts for where, texts in seen.items() if texts}
    assert not faults, faults


def test_leichte_sprache_keeps_its_lines_on_the_exhibit_screen(fresh):
    app = fresh.app
    app.start_visit()
    app.set_layer("ls")
    app.open_exhibit("friedhof-der-zukunft")
    fresh.settle()
    paragraphs = [w.text for w in fresh.walk() if isinstance(w, BodyParagraph) and fresh.visible(w)]
    assert "Auf dem Fried·hof sind die Gräber von toten Menschen.\nDort erinnern wir uns an diese Menschen." \
        in "\n".join(paragraphs)
    fresh.screenshot("faults-exhibit-ls-lines")
    app.set_layer("de")
    fresh.settle()
    assert not any("\n" in w.text for w in fresh.walk() if isinstance(w, BodyParagraph) and fresh.visible(w)
                   and not w.markup)


# --- header in larger text --------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_larger_text_moves_nothing_in_the_header(fresh, size):
    from kivy.core.window import Window

    app = fresh.app
    fresh.resize(*size)
    app.start_visit()
    app.open_exhibit("friedhof-der-zukunft")
    app.set_layer("ls")
    fresh.settle()

    def boxes():
        bar = next(w for w in fresh.walk() if isinstance(w, TopBar) and fresh.visible(w))
        found = []
        for widget in fresh.walk(bar):
            if isinstance(widget, Label) and widget.text and fresh.visible(widget):
                x, y = widget.to_window(widget.x, widget.y)
                found.append((widget.text.split("  ")[0], round(x), round(y), round(widget.width), round(widget.height)))
        return sorted(found)

    normal = boxes()
    fresh.tap(fresh.find(text="A+", contains=True))
    fresh.settle()
    assert app.large_text
    large = boxes()
    fresh.screenshot("faults-header-large-text")
    assert large == normal
    for name, x, y, w, h in large:
        assert x >= 0 and x + w <= Window.width and y >= 0 and y + h <= Window.height, name
    chips = sorted(large, key=lambda b: b[1])
    for one, two in zip(chips, chips[1:]):
        if one[0].startswith("[b]Stadt") and one[3] == 0:
            continue
        assert one[1] + one[3] <= two[1], f"{one[0]} overlaps {two[0]}"


def test_larger_text_does_not_stay_with_the_next_visitor(fresh):
    app = fresh.app
    from kiosk.ui.screens.attract import AttractScreen  # noqa: F401

    attract = app.root.get_screen("attract")
    welcome = next(w for w in fresh.walk(attract) if getattr(w, "text", "") == "Willkommen im StadtLABOR")
    size = welcome.font_size
    app.start_visit()
    app.large_text = True
    fresh.settle()
    app.end_visit("done")
    fresh.settle()
    assert welcome.font_size == size == app.fs_display  # was left at the heading size


# --- numbers and words --------------------------------------------------------------------------

def test_idle_countdown_says_one_second(fresh):
    from kiosk.ui.widgets.idle_dialog import IdleDialog

    app = fresh.app
    for layer, words in (("de", "in 1 Sekunde von vorn"), ("en", "in 1 second"), ("ls", "Noch 1 Sekunde.")):
        app.layer = layer
        dialog = IdleDialog(seconds=1, on_timeout=lambda: None, on_continue=lambda: None)
        dialog.open(animation=False)
        fresh.frames(3)
        assert words in fresh.screen_text()
        dialog._tick.cancel()
        dialog.dismiss(animation=False)
        fresh.frames(2)
    app.layer = "de"


def test_multi_results_show_the_share_of_voters(fresh):
    from kiosk.core.numbers import percent

    app = fresh.app
    app.start_visit()
    exhibit, poll = poll_of(app, PollType.MULTI)
    screen = vote(fresh, exhibit, poll, picks=poll.max_choices)
    counts = app.recorder.store.poll_counts(exhibit.id, poll.id, poll.question_version)
    voters = counts["voters"]
    text = fresh.screen_text()
    assert "Anteil der Abstimmenden, Mehrfachauswahl möglich" in text
    bars = [w for w in fresh.walk(screen) if isinstance(w, ResultBar) and fresh.visible(w)]
    assert bars
    for bar in bars:
        assert bar.share == pytest.approx(bar.count / voters)
        assert bar.figure.endswith(f"({percent(bar.count / voters, 'de')})")
    fresh.screenshot("faults-poll-multi-share-of-voters")


# --- forms ----------------------------------------------------------------------------------

def test_after_an_idea_is_sent_no_keyboard_stays_and_danke_sits_in_the_form(fresh):
    app = fresh.app
    app.start_visit()
    app.go("idea", exhibit_id="friedhof-der-zukunft")
    fresh.settle()
    fresh.type_keys("Bank")
    screen = app.root.get_screen("idea")
    send = fresh.find(text="Absenden")
    field = screen.ids.entry.ids.field
    # The send button sits by the field, right above the keyboard.
    assert abs(send.y - field.y) < app.unit and send.x > field.right
    fresh.tap(send)
    fresh.wait(lambda: screen.state == "thanks", what="the idea saved")
    fresh.settle()
    fresh.screenshot("faults-idea-thanks")
    assert not [k for k in fresh.walk() if isinstance(k, Key) and fresh.visible(k)]
    thanks, area = screen.ids.thanks, screen.ids.form_area
    assert abs(thanks.center_x - area.center_x) < 2 and abs(thanks.center_y - area.center_y) < 2


def test_feedback_send_sits_under_the_scale(fresh):
    app = fresh.app
    app.start_visit()
    exhibit = next(e for e in app.content.exhibits if e.feedback)
    app.go("feedback", exhibit_id=exhibit.id)
    fresh.settle()
    screen = app.root.get_screen("feedback")
    fresh.tap(screen.ids.ratings.children[0])
    send = fresh.find(text="Absenden")
    ratings = screen.ids.ratings
    assert 0 <= ratings.y - send.top <= app.unit * 2 and not send.disabled
    fresh.screenshot("faults-feedback-rated")
    fresh.tap(fresh.find(text="Möchten Sie noch etwas", contains=True))
    fresh.settle()
    send = fresh.find(text="Absenden")
    keyboard = screen._entry.ids.keyboard
    assert 0 <= send.y - keyboard.top <= app.fs_small * 2 + app.unit * 3
    fresh.screenshot("faults-feedback-writing")
    fresh.tap(send)
    fresh.wait(lambda: screen.state == "thanks", what="the feedback saved")
    fresh.settle()
    thanks, area = screen.ids.thanks, screen.ids.form_area
    assert abs(thanks.center_y - area.center_y) < 2
    assert not [k for k in fresh.walk() if isinstance(k, Key) and fresh.visible(k)]


def test_fertig_asks_once_about_a_half_written_idea(fresh):
    app = fresh.app
    app.start_visit()
    app.go("idea", exhibit_id="friedhof-der-zukunft")
    fresh.settle()
    fresh.type_keys("Halb")
    fresh.tap(fresh.find(text="Fertig"))
    assert app.root.current == "idea"
    assert "Ihre Idee ist noch nicht gesendet." in fresh.screen_text()
    fresh.screenshot("faults-fertig-asks")
    fresh.tap(fresh.find(text="Weiter schreiben"))
    assert app.root.current == "idea"
    assert app.root.get_screen("idea").ids.entry.ids.field.text == "Halb"
    fresh.tap(fresh.find(text="Fertig"))  # asked once: the second "Fertig" ends the visit
    assert app.root.current == "attract"
    assert app.root.get_screen("idea").ids.entry.ids.field.text == ""


def test_fertig_asks_about_a_chosen_answer_in_every_layer(fresh):
    app = fresh.app
    for layer, words in (("en", "You chose an answer"), ("ls", "Sie haben eine Antwort an·getippt.")):
        app.start_visit()
        app.set_layer(layer)
        exhibit, poll = poll_of(app, PollType.SINGLE)
        app.open_exhibit(exhibit.id)
        app.open_poll(exhibit.id, poll.id)
        fresh.settle()
        fresh.tap(targets(app.root.get_screen("poll"))[0])
        fresh.tap(fresh.find(text=app.tr("done", layer)))
        assert words in fresh.screen_text()
        fresh.tap(fresh.find(text=app.tr("discard", layer)))
        assert app.root.current == "attract"


def test_idle_reset_discards_unsent_text_without_asking(fresh):
    app = fresh.app
    app.start_visit()
    app.go("idea", exhibit_id="friedhof-der-zukunft")
    fresh.settle()
    fresh.type_keys("Halb")
    count = len(list(app.recorder.store.iter_records(kinds=[Kind.IDEA])))
    app.idle.timeout_s, app.idle.countdown_s = 0.2, 1
    app.idle.touched()
    fresh.wait(lambda: app.root.current == "attract", timeout=10, what="the idle reset")
    assert "noch nicht gesendet" not in fresh.screen_text()
    assert app.root.get_screen("idea").ids.entry.ids.field.text == ""
    assert len(list(app.recorder.store.iter_records(kinds=[Kind.IDEA]))) == count
