""""Weiter auf dem Handy" after a vote, a rating and an idea: the thank-you shows the exhibit's phone
page as a QR code, read back from a screenshot with libzbar; with a `[sync] token` it carries the
visit's hand-off (its id, language and the exhibits marked "Mitnehmen")."""

import pytest

from kiosk.core.config import SyncSection
from kiosk.core.handoff import handoff_key, phone_url, read_handoff, token_digest
from kiosk.core.ui_text import text

from .test_qr_handoff import KIOSK_TOKEN, decoded

pytestmark = pytest.mark.ui

POLL = ("friedhof-der-zukunft", 0)  # a multiple choice with results: the most beside the code
QUIET_POLL = ("buergerservice-online", 1)  # a scale without results
RATED = "stadtlabor"
IDEA = "friedhof-der-zukunft"
KINDS = ["vote", "rating", "idea"]
SCREEN = {"vote": "poll", "rating": "feedback", "idea": "idea"}


@pytest.fixture
def handing_off(fresh):
    """The kiosk with a `[sync] token` (the sync itself stays off: no central_url)."""
    app = fresh.app
    plain = app.kiosk_config
    app.kiosk_config = plain.replace(sync=SyncSection(token=KIOSK_TOKEN))
    yield fresh
    app.large_text = False
    app.end_visit("test")
    app.kiosk_config = plain


def vote(kiosk, exhibit_id: str = POLL[0], index: int = POLL[1]) -> str:
    from kiosk.ui.widgets.answers import BigAnswer, ChoiceButton

    app = kiosk.app
    app.open_exhibit(exhibit_id)
    app.open_poll(exhibit_id, app.content.exhibit(exhibit_id).polls[index].id)
    kiosk.settle()
    screen = app.root.get_screen("poll")
    kiosk.tap(next(w for w in screen.ids.answers.children[::-1] if isinstance(w, (ChoiceButton, BigAnswer))))
    kiosk.tap(kiosk.find(text=text("confirm_vote", app.layer)))
    kiosk.wait(lambda: screen.state == "thanks", what="the thanks for the vote")
    return exhibit_id


def rate(kiosk, exhibit_id: str = RATED) -> str:
    app = kiosk.app
    app.open_exhibit(exhibit_id)
    app.go("feedback", exhibit_id=exhibit_id)
    kiosk.settle()
    screen = app.root.get_screen("feedback")
    kiosk.tap(next(w for w in screen.ids.ratings.children if w.answer == "4"))
    kiosk.tap(kiosk.find(text=text("send", app.layer)))
    kiosk.wait(lambda: screen.state == "thanks", what="the thanks for the rating")
    return exhibit_id


def write_idea(kiosk, exhibit_id: str = IDEA) -> str:
    app = kiosk.app
    app.open_exhibit(exhibit_id)
    app.go("idea", exhibit_id=exhibit_id)
    kiosk.settle()
    screen = app.root.get_screen("idea")
    kiosk.type_keys(list("Bänke"))
    kiosk.tap(kiosk.find(text=text("send", app.layer)))
    kiosk.wait(lambda: screen.state == "thanks", what="the thanks for the idea")
    return exhibit_id


TAKE_PART = {"vote": vote, "rating": rate, "idea": write_idea}


def read_back(kiosk, name: str) -> str:
    """The one code's address, the same at full size and at half size."""
    path = kiosk.screenshot(name)
    full, half = decoded(path), decoded(path, 0.5)
    assert len(full) == 1 and half == full, (full, half)
    return full[0]


def handoff_in(url: str, app):
    assert "&h=" in url, url
    keys = {app.kiosk_config.kiosk.id: handoff_key(token_digest(KIOSK_TOKEN))}
    return read_handoff(url.split("&h=", 1)[1], keys.get, [e.id for e in app.content.exhibits])


def handoff_block(kiosk):
    from kiosk.ui.widgets.phone_handoff import PhoneHandoff

    return kiosk.find(cls=PhoneHandoff)


def exhibit_code_side(kiosk, exhibit_id: str) -> float:
    from kiosk.ui.widgets.qr_code import QRCode

    kiosk.app.open_exhibit(exhibit_id)
    kiosk.settle()
    return kiosk.find(cls=QRCode).width


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_the_thanks_code_carries_the_visit(handing_off, kind, size):
    kiosk, app = handing_off, handing_off.app
    if size != (1920, 1080):
        kiosk.resize(*size)
    app.start_visit()
    app.set_layer("en")
    app.visits.toggle_take_home("open-data")
    exhibit_side = exhibit_code_side(kiosk, "open-data")
    exhibit_id = TAKE_PART[kind](kiosk)
    assert app.root.current == SCREEN[kind]
    assert text("continue_on_phone", "en") in kiosk.labels()
    url = read_back(kiosk, f"thanks-handoff-{kind}")
    assert url.startswith(phone_url(app.kiosk_config.phone.public_url, exhibit_id, "en") + "&h=")
    handoff = handoff_in(url, app)
    assert (handoff.handoff_id, handoff.layer) == (app.visits.session.handoff_id, "en")
    assert handoff.marked == ("open-data",) and handoff.kiosk_id == app.kiosk_config.kiosk.id
    # Readable from a step away: no smaller than the exhibit screen's code.
    assert handoff_block(kiosk).qr_side >= exhibit_side


@pytest.mark.parametrize("kind", KINDS)
def test_without_a_token_the_plain_address(fresh, kind):
    app = fresh.app
    fresh.resize(1280, 800)
    app.start_visit()
    app.set_layer("ls")
    exhibit_id = TAKE_PART[kind](fresh)
    assert read_back(fresh, f"thanks-plain-{kind}") == phone_url(app.kiosk_config.phone.public_url, exhibit_id, "ls")


@pytest.mark.parametrize("kind", KINDS)
def test_a_second_visitor_gets_a_new_handoff(handing_off, kind):
    kiosk, app = handing_off, handing_off.app
    app.start_visit()
    app.visits.toggle_take_home("freies-wlan")
    TAKE_PART[kind](kiosk)
    first = handoff_in(read_back(kiosk, f"thanks-first-visitor-{kind}"), app)
    assert first.marked == ("freies-wlan",)
    app.end_visit("idle")
    screen = app.root.get_screen(SCREEN[kind])
    assert screen.ids.handoff.link == ""  # nothing of the first visit left on the reused screen
    app.start_visit()
    TAKE_PART[kind](kiosk)
    second = handoff_in(read_back(kiosk, f"thanks-second-visitor-{kind}"), app)
    assert second.handoff_id == app.visits.session.handoff_id != first.handoff_id
    assert second.marked == ()


def test_switching_language_on_the_thanks_changes_the_code(handing_off):
    kiosk, app = handing_off, handing_off.app
    app.start_visit()
    rate(kiosk)
    assert "lang=de&h=" in read_back(kiosk, "thanks-language-de")
    kiosk.tap(kiosk.find(text="English"))
    english = read_back(kiosk, "thanks-language-en")
    assert "lang=en&h=" in english and handoff_in(english, app).layer == "en"
    assert text("thanks_feedback", "en") in kiosk.labels()


def test_a_poll_without_results_shows_the_code_too(handing_off):
    kiosk, app = handing_off, handing_off.app
    app.start_visit()
    exhibit_id = vote(kiosk, *QUIET_POLL)
    assert read_back(kiosk, "thanks-handoff-quiet-poll").startswith(
        phone_url(app.kiosk_config.phone.public_url, exhibit_id, "de") + "&h=")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("large_text", [False, True], ids=["text", "large-text"])
@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_the_block_fits_calmly_in_every_language(handing_off, kind, large_text, size):
    """Every word whole, the block inside the window, clear of the thanks and the results."""
    from kivy.core.window import Window

    from kiosk.ui.widgets.text_fit import longest_word_fits

    kiosk, app = handing_off, handing_off.app
    if size != (1920, 1080):
        kiosk.resize(*size)
    app.start_visit()
    app.large_text = large_text
    TAKE_PART[kind](kiosk)
    screen = app.root.get_screen(SCREEN[kind])
    for layer in ("de", "en", "ls"):
        app.set_layer(layer)
        kiosk.settle()
        block = handoff_block(kiosk)
        x, y = block.to_window(*block.pos)
        assert x >= 0 and y >= 0 and x + block.width <= Window.width and y + block.height <= Window.height, layer
        words = block.ids.words
        assert words.width >= app.fs_small * 6, (layer, words.width)
        for label in words.children:
            assert longest_word_fits(label.text, int(label.width), int(label.font_size), label.bold), (layer, label.text)
            assert label.y >= block.y and label.top <= block.top, (layer, label.text)
        thanks = screen.ids.thanks
        others = [w for w in kiosk.walk(thanks) if w is not block and w.__class__.__name__ == "Heading"]
        for heading in others:
            assert heading.text == text({"vote": "thanks_vote", "rating": "thanks_feedback", "idea": "thanks_idea"}[kind], layer)
            assert longest_word_fits(heading.text, int(heading.width), int(heading.font_size), True), (layer, heading.text)
            hx, hy = heading.to_window(*heading.pos)
            assert hy >= 0 and hy + heading.height <= Window.height, (layer, heading.text)
            # Beside or above the code, never over it.
            assert hx + heading.width <= x + 1 or hy >= y + block.height - 1, (layer, heading.text)
        if kind == "vote":
            results = screen.ids.results.parent.parent  # the results card
            rx, _ = results.to_window(*results.pos)
            assert x + block.width <= rx + 1, layer
        kiosk.screenshot(f"thanks-fit-{kind}-{layer}{'-large' if large_text else ''}")
