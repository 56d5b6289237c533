"""The validator's Markdown subset check, including its fast path for plain text."""

import pytest

from kiosk.core import markup

UNSUPPORTED = {
    "image": "Text\n\n![Bild](media/x.png)\n",
    "html": "Text <b>fett</b>\n",
    "html block": "<div>\nx\n</div>\n",
    "code": "Ein `code` Wort\n",
    "code block": "Absatz\n\n    eingerückt\n",
    "fence": "```\ncode\n```\n",
    "table": "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "quote": "> Zitat\n",
    "rule": "oben\n\n---\n\nunten\n",
    "h1": "# Titel\n",
    "setext h1": "Titel\n=====\n",
}


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_each_unsupported_construct_is_found(name):
    found = markup.unsupported(UNSUPPORTED[name])
    assert found, name
    assert all(line is None or line >= 1 for line, _ in found)


def test_subset_text_is_clean():
    text = ("## Überschrift\n\nEin Absatz mit **fett**, *kursiv* und [Link](https://www.soest.de)!\n\n"
            "- eins\n- zwei\n  - verschachtelt\n\n1. erstens\n2. zweitens\n\nEscaped \\* und &amp; 😀\n")
    assert markup.unsupported(text) == []


def test_line_of_the_construct_is_reported():
    assert markup.unsupported("## Kopf\n\nText\n\n> Zitat\n") == [(5, "block quotes")]
