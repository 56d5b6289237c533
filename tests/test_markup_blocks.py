"""Exhibit bodies become Kivy-markup blocks: the subset renders, everything else shows as text."""

from pathlib import Path

import pytest

from kiosk.core.markup import Block, escape, to_blocks, to_plain

PROJECT = Path(__file__).resolve().parent.parent
BODY_FILES = sorted(PROJECT.glob("exhibits/*/*.md"))


def test_headings_keep_their_level():
    assert to_blocks("## Worum es geht\n\n### Im Detail\n") == [
        Block("heading", "Worum es geht", 2), Block("heading", "Im Detail", 3)]


def test_paragraphs_are_separate_blocks_with_level_zero():
    blocks = to_blocks("Erster Absatz.\n\nZweiter Absatz.\n")
    assert blocks == [Block("paragraph", "Erster Absatz."), Block("paragraph", "Zweiter Absatz.")]
    assert all(block.number is None for block in blocks)


def test_bold_italic_and_nesting():
    [block] = to_blocks("Ein **fetter *und kursiver*** Satz mit *Betonung*.")
    # The full stop goes inside the italics: Kivy could break the line between "Betonung" and "."
    assert block.markup == "Ein [b]fetter [i]und kursiver[/i][/b] Satz mit [i]Betonung.[/i]"


def test_soft_break_is_a_space_and_hard_break_a_newline():
    [block] = to_blocks("eins\nzwei  \ndrei\\\nvier")
    assert block.markup == "eins zwei\ndrei\nvier"


def test_bullet_list_with_nesting_depth():
    blocks = to_blocks("- Natur\n- Begegnung\n  - Bänke\n  - Café\n- Wege\n")
    assert [(b.kind, b.markup, b.level) for b in blocks] == [
        ("bullet", "Natur", 1), ("bullet", "Begegnung", 1), ("bullet", "Bänke", 2),
        ("bullet", "Café", 2), ("bullet", "Wege", 1)]


def test_numbered_list_counts_from_its_start():
    blocks = to_blocks("3. Anmelden\n1. Termin wählen\n1. Kommen\n")
    assert [(b.kind, b.number, b.level) for b in blocks] == [("number", 3, 1), ("number", 4, 1), ("number", 5, 1)]
    assert [b.markup for b in blocks] == ["Anmelden", "Termin wählen", "Kommen"]


def test_numbered_list_nested_in_bullets():
    blocks = to_blocks("- Schritte:\n  1. eins\n  2. zwei\n- danach\n")
    assert [(b.kind, b.level, b.number) for b in blocks] == [
        ("bullet", 1, None), ("number", 2, 1), ("number", 2, 2), ("bullet", 1, None)]


def test_list_item_with_paragraphs_joins_them_with_newline():
    [block] = to_blocks("1. Erster Gedanke.\n\n   Noch ein Absatz dazu.\n")
    assert block == Block("number", "Erster Gedanke.\nNoch ein Absatz dazu.", 1, 1)


def test_text_after_a_nested_list_stays_at_the_items_depth():
    blocks = to_blocks("- oben\n  - innen\n\n  weiter oben\n")
    assert blocks[-1] == Block("paragraph", "weiter oben", 1)


def test_link_shows_its_text_underlined_without_the_address():
    [block] = to_blocks("Mehr unter [soest.de](https://www.soest.de/digital) und <https://x.example>.")
    assert block.markup == "Mehr unter [u]soest.de[/u] und [u]https://x.example[/u]."
    assert "www.soest.de/digital" not in block.markup


def test_markup_typed_by_an_editor_is_escaped():
    [block] = to_blocks("So sieht [b]Kivy[/b] aus & [i] auch.")
    assert block.markup == "So sieht &bl;b&br;Kivy&bl;/b&br; aus &amp; &bl;i&br; auch."
    assert "[b]" not in block.markup


def test_escape_handles_ampersand_first():
    assert escape("&bl; [x]") == "&amp;bl; &bl;x&br;"


def test_umlauts_eszett_and_emoji_are_kept():
    [heading, paragraph] = to_blocks("## Grüße aus Soest 🌳\n\nStraße, Öffnungszeiten, 🚲 und ✨.\n")
    assert heading.markup == "Grüße aus Soest 🌳"
    assert paragraph.markup == "Straße, Öffnungszeiten, 🚲 und ✨."


UNSUPPORTED = {
    "table": ("| Ort | Zeit |\n|---|---|\n| Markt | 10 Uhr |\n", "Markt"),
    "fenced code": ("```\nprint([1])\n```\n", "print(&bl;1&br;)"),
    "indented code": ("Absatz\n\n    eingerückt\n", "eingerückt"),
    "image": ("![Luftbild vom Markt](media/markt.png)\n", "Luftbild vom Markt"),
    "inline html": ("Text mit <b>HTML</b>.\n", "<b>HTML</b>"),
    "html block": ("<div>\nKasten\n</div>\n", "Kasten"),
    "quote": ("> Ein Zitat.\n", "Ein Zitat."),
    "inline code": ("Der Befehl `kiosk run`.\n", "kiosk run"),
    "rule and top heading": ("# Titel\n\n---\n\nText\n", "Text"),
}


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_unsupported_constructs_show_their_text(name):
    source, expected = UNSUPPORTED[name]
    blocks = to_blocks(source)
    assert blocks
    assert any(expected in block.markup for block in blocks)
    assert to_plain(source)


def test_odd_input_never_raises():
    for source in ["", "\n\n", "-", "1.", "- \n- ", "**", "[x](", "<", "|a|\n|-|", "&amp; &#x1F600;",
                   "> - > 1. > ## tief", "\x00 nul", "   ## eingerückt"]:
        assert isinstance(to_blocks(source), list)
        assert isinstance(to_plain(source), str)


def test_empty_body_has_no_blocks():
    assert to_blocks("") == []
    assert to_plain("") == ""


def test_plain_has_no_markup_and_no_escapes():
    source = "## Kopf\n\nEin **fetter** [Link](https://x.example) & [b]\n\n- Punkt\n3. drei\n"
    assert to_plain(source) == "Kopf\nEin fetter Link & [b]\n• Punkt\n3. drei"


@pytest.mark.skipif(not BODY_FILES, reason="no exhibit bodies shipped yet")
@pytest.mark.parametrize("path", BODY_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_body_converts(path):
    text = path.read_text(encoding="utf-8")
    blocks = to_blocks(text)
    assert blocks, f"{path} gave no blocks"
    assert all(block.markup.count("[b]") == block.markup.count("[/b]") for block in blocks)
    assert to_plain(text).strip()


def test_leichte_sprache_keeps_one_sentence_per_line():
    source = "Der Fried·hof verändert sich.\nManche Menschen wollen andere Gräber.\n\n- Bänke.\n  Zum Sitzen.\n"
    kept = to_blocks(source, keep_lines=True)
    assert kept[0].markup == "Der Fried·hof verändert sich.\nManche Menschen wollen andere Gräber."
    assert kept[1].markup == "Bänke.\nZum Sitzen."
    # German and English flow as paragraphs: a soft break is a space there.
    assert to_blocks(source)[0].markup == "Der Fried·hof verändert sich. Manche Menschen wollen andere Gräber."


def test_the_shipped_ls_texts_keep_their_lines():
    from pathlib import Path

    for path in sorted(Path(__file__).parent.parent.joinpath("exhibits").glob("*/ls.md")):
        lines = {line.strip().lstrip("-*0123456789. ").strip() for line in path.read_text(encoding="utf-8").splitlines()}
        shown = {line for block in to_blocks(path.read_text(encoding="utf-8"), keep_lines=True)
                 for line in block.text.split("\n")}
        plain = {line for line in lines if line and "*" not in line and "[" not in line and not line.startswith("#")}
        assert plain <= shown | {line for line in lines if line.startswith("|")}, (path, plain - shown)


def test_punctuation_after_bold_stays_with_its_word():
    """Kivy broke the line between "[b]… (OZG)[/b]" and "." (a line began with a full stop)."""
    block = to_blocks("Hintergrund ist das **Onlinezugangsgesetz (OZG)**. Es sieht vor")[0]
    assert block.markup == "Hintergrund ist das [b]Onlinezugangsgesetz (OZG).[/b] Es sieht vor"
