"""The kiosk's words with counts: singular forms in every layer, numbers as each layer writes
them (no Kivy)."""

import pytest

from kiosk.core.numbers import percent
from kiosk.core.ui_text import TEXTS, count_text, text


@pytest.mark.parametrize("layer, expected", [("de", "in 1 Sekunde von vorn"), ("en", "1 second."), ("ls", "Noch 1 Sekunde.")])
def test_one_second_is_singular_in_every_layer(layer, expected):
    words = text("still_there_sub", layer, n=1)
    assert "Sekunden" not in words and "seconds" not in words
    assert expected.lower() in words.lower()


@pytest.mark.parametrize("key", ["still_there_sub", "cooldown", "voters", "voters_multi", "chars_left"])
@pytest.mark.parametrize("layer", ["de", "en", "ls"])
def test_every_count_has_a_singular_that_reads_one(key, layer):
    one, two = count_text(key, 1, layer), count_text(key, 2, layer)
    assert "1" in one and "2" in two and one.replace("1", "2") != two or key == "chars_left" and layer != "en"
    for plural in ("Sekunden", "seconds", "Stimmen", "votes", "Antworten", "characters", "voters", "Abstimmende "):
        assert f"1 {plural}" not in one


def test_cooldown_singular():
    assert text("cooldown", "de", n=1).endswith("in 1 Sekunde noch einmal.")
    assert text("cooldown", "en", n=1).endswith("in 1 second.")
    assert text("cooldown", "ls", n=1).endswith("1 Sekunde.")


@pytest.mark.parametrize("layer, expected", [("de", "1.234 Stimmen"), ("ls", "1.234 Antworten"), ("en", "1,234 votes")])
def test_counts_are_written_as_the_layer_writes_numbers(layer, expected):
    assert text("voters", layer, n=1234) == expected


def test_percent_on_german_and_ls_screens_has_a_space():
    assert percent(1 / 3, "de") == "33\u00a0%" and percent(1 / 3, "ls") == "33\u00a0%" and percent(1 / 3, "en") == "33%"


def test_every_singular_has_its_plural_and_the_three_layers():
    for key in TEXTS:
        if key.endswith("_one") and key != "pick_one":
            assert key[: -len("_one")] in TEXTS, key
        words = TEXTS[key]
        assert words.de and words.en and words.ls, key


def test_multi_results_say_what_the_share_is_of():
    assert text("results_share_of_voters", "de") == "Anteil der Abstimmenden, Mehrfachauswahl möglich"
    assert "voters" in text("results_share_of_voters", "en")
    assert "\n" in text("results_share_of_voters", "ls")  # one sentence per line
