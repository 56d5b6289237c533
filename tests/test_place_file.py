"""place.toml, the StadtLABOR's address and opening hours: optional, checked like the other files."""

from __future__ import annotations

from kiosk.core.content_loader import load_content


def test_the_shipped_place_is_read(content_copy):
    place = load_content(content_copy, decode_pictures=False).place
    assert place.name == "StadtLABOR Soest" and "Soest" in place.address
    assert place.opening_hours.get("en").startswith("Tuesday")


def test_without_place_toml_nothing_is_wrong(content_copy):
    with_place = load_content(content_copy, decode_pictures=False)
    (content_copy / "place.toml").unlink()
    without = load_content(content_copy, decode_pictures=False)
    assert without.place is None and not without.problems
    assert without.version != with_place.version  # the place counts towards the version


def test_a_wrong_place_toml_names_the_field_and_the_rest_still_loads(content_copy):
    (content_copy / "place.toml").write_text('name = "StadtLABOR"\nadress = "Markt 1"\n', encoding="utf-8")
    content = load_content(content_copy, decode_pictures=False)
    assert content.place is None and len(content.exhibits) == 11
    words = " ".join(str(problem) for problem in content.problems)
    assert "place.toml" in words and "adress" in words and "address" in words
