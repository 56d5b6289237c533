"""Tile summaries end at a whole word with "…" when they are longer than a tile's three lines."""

import pytest

pytestmark = pytest.mark.ui

TEXT = "Ein offener Raum mitten in Soest: Digitalisierung ansehen, ausprobieren und mitgestalten."


def test_a_text_that_fits_is_kept_and_a_long_one_ends_at_a_word(fresh):
    from kiosk.ui.widgets.text_fit import _lines, fit_lines

    assert fit_lines(TEXT, 2000, 24, 3) == TEXT
    short = fit_lines(TEXT, 260, 24, 2)
    assert short.endswith("…") and TEXT.startswith(short[:-1].rstrip(",: "))
    assert _lines(short, 260, 24, False) <= 2
    last = short[:-1].split()[-1]
    assert any(word.rstrip(",:.") == last for word in TEXT.split())  # a whole word, not part of one


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_every_tile_summary_fits_its_tile(fresh, size):
    from kiosk.ui.screens.home import SUMMARY_LINES, ExhibitTile
    from kiosk.ui.widgets.text_fit import _lines

    fresh.resize(*size)
    fresh.app.start_visit()
    fresh.settle()
    tiles = [w for w in fresh.walk() if isinstance(w, ExhibitTile)]
    assert tiles
    for tile in tiles:
        label = tile.children[2]  # picture, title, summary, badge, filler (children are reversed)
        full = tile.exhibit.summary.get("de")
        assert label.text == " ".join(full.split()) or label.text.endswith("…"), label.text
        assert _lines(label.text, int(label.text_size[0]), int(label.font_size), False) <= SUMMARY_LINES
