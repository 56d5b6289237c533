"""Both palettes keep every text pair readable by WCAG 2.x, and the arithmetic is right."""

from dataclasses import FrozenInstanceError, fields

import pytest

from kiosk.core.palette import (HIGH_CONTRAST, PALETTES, STANDARD, TEXT_PAIRS, UI_PAIRS, Palette,
                                contrast_ratio, relative_luminance, rgba)

MINIMUM = {"standard": 4.5, "high_contrast": 7.0}


@pytest.mark.parametrize("name", sorted(PALETTES))
@pytest.mark.parametrize("fg, bg", TEXT_PAIRS, ids=[f"{fg}-on-{bg}" for fg, bg in TEXT_PAIRS])
def test_text_pairs_meet_wcag(name, fg, bg):
    palette = PALETTES[name]
    ratio = contrast_ratio(getattr(palette, fg), getattr(palette, bg))
    assert ratio >= MINIMUM[name], f"{name}: {fg} on {bg} is {ratio:.2f}:1"


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_focus_and_buttons_stand_out_from_what_they_sit_on(name):
    palette = PALETTES[name]
    for fg, bg in UI_PAIRS:
        assert contrast_ratio(getattr(palette, fg), getattr(palette, bg)) >= 3.0, f"{name}: {fg} on {bg}"


def test_text_pairs_name_real_fields_and_cover_every_text_colour():
    names = {field.name for field in fields(Palette)}
    assert len(TEXT_PAIRS) == 11
    for fg, bg in TEXT_PAIRS:
        assert fg in names and bg in names
    assert {fg for fg, _ in TEXT_PAIRS} == {"text", "text_muted", "accent_text", "status_text", "danger_text"}


def test_contrast_known_values():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#FFFFFF") < 4.5  # the well-known just-failing grey


def test_luminance_ends_and_middle():
    assert relative_luminance("#000000") == 0.0
    assert relative_luminance("#FFFFFF") == pytest.approx(1.0)
    assert relative_luminance("#FF0000") == pytest.approx(0.2126)
    assert relative_luminance("#808080") == pytest.approx(0.2159, abs=1e-4)


@pytest.mark.parametrize("palette", [STANDARD, HIGH_CONTRAST], ids=["standard", "high_contrast"])
def test_every_field_parses_as_a_colour(palette):
    for field in fields(Palette):
        value = getattr(palette, field.name)
        channels = rgba(value)
        assert len(channels) == 4 and all(0.0 <= c <= 1.0 for c in channels), field.name
        if field.name != "overlay":
            assert channels[3] == 1.0, f"{field.name} must be opaque"
    assert 0.0 < rgba(palette.overlay)[3] < 1.0  # dims, does not hide


def test_rgba_values():
    assert rgba("#FF8000") == (1.0, pytest.approx(128 / 255), 0.0, 1.0)
    assert rgba("#00000080") == (0.0, 0.0, 0.0, pytest.approx(128 / 255))
    assert rgba("#ffffff") == (1.0, 1.0, 1.0, 1.0)


@pytest.mark.parametrize("bad", ["FFFFFF", "#FFF", "#GGGGGG", "#FFFFFFF", "", "#FFFFFF "])
def test_rgba_refuses_what_is_not_a_hex_colour(bad):
    with pytest.raises(ValueError, match="#RRGGBB"):
        rgba(bad)


def test_high_contrast_is_black_white_yellow():
    assert HIGH_CONTRAST.background == "#000000"
    assert HIGH_CONTRAST.text == "#FFFFFF"
    assert HIGH_CONTRAST.accent_text == "#000000"
    red, green, blue, _ = rgba(HIGH_CONTRAST.accent)
    assert red > 0.9 and green > 0.75 and blue < 0.2


def test_palettes_are_frozen():
    with pytest.raises(FrozenInstanceError):
        STANDARD.accent = "#FF0000"
