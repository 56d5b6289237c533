"""The Ideenwand's words (kiosk.core.idea_wall, no Kivy): status labels and the answer's layer."""

import pytest

from kiosk.core.idea_wall import STATUSES, answer_in, status_words
from kiosk.core.ui_text import text
from sync.protocol import IdeaStatus


def test_the_statuses_are_the_wire_s():
    assert set(STATUSES) == {status.value for status in IdeaStatus}


@pytest.mark.parametrize("layer, expected", [
    ("de", ["Eingegangen", "In Prüfung", "Umgesetzt", "Nicht möglich"]),
    ("en", ["Received", "Under review", "Done", "Not possible"]),
    ("ls", ["Angekommen", "Wird geprüft", "Ist gemacht", "Geht leider nicht"]),
])
def test_every_status_has_a_clear_label_in_every_layer(layer, expected):
    assert [status_words(status, layer) for status in STATUSES] == expected


def test_an_unknown_status_reads_as_received():
    assert status_words("archived", "de") == "Eingegangen"


def test_the_answer_in_the_visitor_s_layer():
    answer = {"de": "Wir prüfen das.", "en": "We are looking into it.", "ls": None}
    assert answer_in(answer, "en").text == "We are looking into it." and answer_in(answer, "en").note == ""
    assert answer_in(answer, "de").text == "Wir prüfen das." and answer_in(answer, "de").note == ""


@pytest.mark.parametrize("layer", ["en", "ls"])
def test_a_missing_layer_falls_back_to_german_with_the_kiosk_s_note(layer):
    shown = answer_in({"de": "Wir prüfen das.", "en": "  ", "ls": None}, layer)
    assert shown.text == "Wir prüfen das." and shown.layer == "de"
    assert shown.note == text("fallback_note", layer)


def test_an_answer_without_german_is_shown_in_the_layer_there_is():
    assert answer_in({"de": None, "en": "Done.", "ls": None}, "ls").text == "Done."


def test_no_answer_yet():
    assert answer_in(None, "de").text == "" and answer_in({"de": None}, "en").text == ""
