"""QR hand-off addresses for the phone pages and event registration."""

import pytest

from kiosk.core.handoff import event_url, phone_url


def test_phone_url_for_an_exhibit():
    assert phone_url("https://stadtlabor.example.org", "freies-wlan", "de") == \
        "https://stadtlabor.example.org/m/freies-wlan?lang=de"


@pytest.mark.parametrize("base", ["https://x.example/", "https://x.example//", "https://x.example"])
def test_trailing_slashes_do_not_double(base):
    assert phone_url(base, "open-data", "ls") == "https://x.example/m/open-data?lang=ls"


def test_base_with_a_path_is_kept():
    assert phone_url("https://www.soest.de/stadtlabor/", "open-data", "en") == \
        "https://www.soest.de/stadtlabor/m/open-data?lang=en"


def test_id_is_quoted_as_one_path_segment():
    assert phone_url("https://x.example", "a b/c?d", "de") == "https://x.example/m/a%20b%2Fc%3Fd?lang=de"
    assert phone_url("https://x.example", "grün", "de") == "https://x.example/m/gr%C3%BCn?lang=de"


def test_unknown_layer_is_refused():
    with pytest.raises(ValueError, match="de, en, ls"):
        phone_url("https://x.example", "open-data", "fr")


def test_event_url_is_unchanged():
    url = "https://www.soest.de/termine/ideenabend?id=42&utm=kiosk"
    assert event_url(url) == url
