"""Numbers in the words of each layer: German screens never show "0.4 MB"."""

import pytest

from kiosk.core.numbers import decimal, megabytes, percent, whole


@pytest.mark.parametrize("layer, expected", [("de", "1.234,5"), ("ls", "1.234,5"), ("en", "1,234.5")])
def test_decimals_follow_the_layer(layer, expected):
    assert decimal(1234.5, layer) == expected


def test_megabytes_and_whole_numbers():
    assert megabytes(412_000, "de") == "0,4\u00a0MB"
    assert megabytes(412_000, "en") == "0.4\u00a0MB"
    assert whole(12345, "de") == "12.345"
    assert whole(12345, "en") == "12,345"


def test_percent_rounds_and_spaces_as_each_language_writes_it():
    assert percent(1 / 3, "de") == "33\u00a0%"
    assert percent(2 / 3, "en") == "67%"
    assert percent(0, "ls") == "0\u00a0%"
