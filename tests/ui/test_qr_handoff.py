"""The exhibit's QR code, read back from a screenshot with libzbar, leads to that exhibit's phone page."""

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from kiosk.core.handoff import phone_url

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


def test_switching_language_changes_the_code(fresh):
    app = fresh.app
    app.start_visit()
    app.open_exhibit("open-data")
    german = decoded(fresh.screenshot("qr-open-data-de"))
    app.set_layer("en")
    english = decoded(fresh.screenshot("qr-open-data-en"))
    assert german[0].endswith("lang=de") and english[0].endswith("lang=en")
