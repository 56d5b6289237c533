"""The exhibit's QR code, read back from a screenshot with libzbar, leads to that exhibit's phone page;
with a `[sync] token` it carries the visit's hand-off: the language and the exhibits marked "Mitnehmen"."""

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from kiosk.core.config import SyncSection
from kiosk.core.handoff import handoff_key, phone_url, read_handoff, token_digest
from kiosk.core.ui_text import text

pytestmark = pytest.mark.ui


def decoded(path, scale: float = 1.0) -> list[str]:
    image = Image.open(path).convert("L")
    if scale != 1.0:
        image = image.resize((int(image.width * scale), int(image.height * scale)), Image.Resampling.BILINEAR)
    return [symbol.data.decode("utf-8") for symbol in decode(image)]


@pytest.mark.parametrize("exhibit_id, layer", [("digitale-modellregion", "de"), ("friedhof-der-zukunft", "ls")])
@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_exhibit_qr_decodes_to_its_phone_url_also_at_half_size(fresh, exhibit_id, layer, size):
    app = fresh.app
    if size != (1920, 1080):
        fresh.resize(*size)
    app.start_visit()
    app.set_layer(layer)
    app.open_exhibit(exhibit_id)
    path = fresh.screenshot(f"qr-{exhibit_id}-{layer}")
    expected = phone_url(app.kiosk_config.phone.public_url, exhibit_id, layer)
    assert expected.endswith(f"/m/{exhibit_id}?lang={layer}")
    assert decoded(path) == [expected]
    assert decoded(path, 0.5) == [expected]
    # Without a token nothing could be taken home: no "Mitnehmen" to tap, and no room kept for it.
    assert text("take_home", layer) not in fresh.labels()
    assert_code_in_place(fresh, layer)


def assert_code_in_place(kiosk, layer):
    """The code sits below its heading, inside its card, whole."""
    from kiosk.ui.widgets.qr_code import QRCode

    code = kiosk.find(cls=QRCode)
    heading = kiosk.find(text=text("read_on_phone", layer))
    card = heading.parent
    assert code.top <= heading.y + 1, (code.top, heading.y)
    assert card.y <= code.y and code.top <= card.top and code.width >= 150


def test_switching_language_changes_the_code(fresh):
    app = fresh.app
    app.start_visit()
    app.open_exhibit("open-data")
    german = decoded(fresh.screenshot("qr-open-data-de"))
    app.set_layer("en")
    english = decoded(fresh.screenshot("qr-open-data-en"))
    assert german[0].endswith("lang=de") and english[0].endswith("lang=en")


# --- with a hand-off: a [sync] token is configured ---------------------------------------------

KIOSK_TOKEN = "Qx3k9V0_token-from-add-kiosk_0123456789abcdefghijk"


@pytest.fixture
def handing_off(fresh):
    """The kiosk with a `[sync] token` (the sync itself stays off: no central_url)."""
    app = fresh.app
    plain = app.kiosk_config
    app.kiosk_config = plain.replace(sync=SyncSection(token=KIOSK_TOKEN))
    yield fresh
    app.end_visit("test")
    app.kiosk_config = plain


def take_home_button(kiosk):
    from kiosk.ui.screens.exhibit import TakeHomeButton

    kiosk.settle()  # laid out: a tap lands where the visitor sees the button
    return kiosk.find(cls=TakeHomeButton)


def handoff_in(url: str, app):
    assert "&h=" in url, url
    keys = {app.kiosk_config.kiosk.id: handoff_key(token_digest(KIOSK_TOKEN))}
    return read_handoff(url.split("&h=", 1)[1], keys.get, [e.id for e in app.content.exhibits])


def read_back(kiosk, name: str):
    """The code's address from a screenshot, at full size and at half size (the same both times)."""
    path = kiosk.screenshot(name)
    full, half = decoded(path), decoded(path, 0.5)
    assert len(full) == 1 and half == full, (full, half)
    return full[0]


@pytest.mark.parametrize("layer", ["de", "en", "ls"])
@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_marked_exhibits_travel_in_the_code(handing_off, layer, size):
    kiosk, app = handing_off, handing_off.app
    if size != (1920, 1080):
        kiosk.resize(*size)
    app.start_visit()
    app.set_layer(layer)
    app.open_exhibit("open-data")
    kiosk.tap(take_home_button(kiosk))
    app.open_exhibit("buergerservice-online")
    button = take_home_button(kiosk)
    assert button.text == text("take_home", layer) and not button.marked
    kiosk.tap(button)
    assert button.text == text("taken_home", layer) and button.marked
    assert_code_in_place(kiosk, layer)
    url = read_back(kiosk, f"exhibit-take-home-{layer}")
    assert url.startswith(phone_url(app.kiosk_config.phone.public_url, "buergerservice-online", layer) + "&h=")
    handoff = handoff_in(url, app)
    assert handoff.marked == ("buergerservice-online", "open-data")
    assert (handoff.layer, handoff.handoff_id) == (layer, app.visits.session.handoff_id)
    assert app.visits.take_home() == ("open-data", "buergerservice-online")


@pytest.mark.parametrize("large_text", [False, True])
@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_the_toggle_words_are_whole_in_every_language(handing_off, size, large_text):
    from kiosk.ui.widgets.text_fit import longest_word_fits

    kiosk, app = handing_off, handing_off.app
    if size != (1920, 1080):
        kiosk.resize(*size)
    app.start_visit()
    app.large_text = large_text
    app.open_exhibit("digitale-modellregion")
    for layer in ("de", "en", "ls"):
        app.set_layer(layer)
        for marked in (False, True):
            button = take_home_button(kiosk)
            if button.marked != marked:
                kiosk.tap(button)
            kiosk.settle()
            words = button.ids.words
            assert longest_word_fits(words.text, int(words.width), int(words.font_size), True), (layer, words.text)
            assert len(words._label._cached_lines) == 1, (layer, words.text)  # one calm line
            assert button.height >= app.touch and button.y >= 0 and button.top <= kiosk.app.root.height
    if large_text and size == (1280, 800):
        kiosk.screenshot("exhibit-take-home-ls-large")


def test_unmarking_and_switching_language_change_the_code(handing_off):
    kiosk, app = handing_off, handing_off.app
    app.start_visit()
    app.open_exhibit("freies-wlan")
    unmarked = read_back(kiosk, "qr-take-home-none")
    assert handoff_in(unmarked, app).marked == ()
    kiosk.tap(take_home_button(kiosk))
    assert handoff_in(read_back(kiosk, "qr-take-home-one"), app).marked == ("freies-wlan",)
    app.set_layer("en")
    english = read_back(kiosk, "qr-take-home-en")
    assert "lang=en&h=" in english
    assert handoff_in(english, app).layer == "en" and handoff_in(english, app).marked == ("freies-wlan",)
    kiosk.tap(take_home_button(kiosk))
    assert handoff_in(read_back(kiosk, "qr-take-home-unmarked"), app).marked == ()


def test_a_new_visitor_does_not_inherit_the_list(handing_off):
    kiosk, app = handing_off, handing_off.app
    app.start_visit()
    app.open_exhibit("open-data")
    kiosk.tap(take_home_button(kiosk))
    first = handoff_in(read_back(kiosk, "qr-first-visitor"), app)
    assert first.marked == ("open-data",)
    app.end_visit("idle")
    assert app.visits.take_home() == ()
    app.start_visit()
    app.open_exhibit("open-data")
    button = take_home_button(kiosk)
    assert not button.marked and button.text == text("take_home", "de")
    second = handoff_in(read_back(kiosk, "qr-second-visitor"), app)
    assert second.marked == () and second.handoff_id != first.handoff_id


def test_back_from_a_poll_the_code_still_carries_the_list(handing_off):
    kiosk, app = handing_off, handing_off.app
    app.start_visit()
    app.open_exhibit("open-data")
    kiosk.tap(take_home_button(kiosk))
    exhibit = app.content.exhibit("open-data")
    if not exhibit.polls:
        pytest.skip("the shipped open-data exhibit has no poll")
    app.open_poll("open-data", exhibit.polls[0].id)
    app.go("exhibit")
    assert take_home_button(kiosk).marked
    assert handoff_in(read_back(kiosk, "qr-back-from-poll"), app).marked == ("open-data",)
