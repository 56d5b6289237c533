"""A body the kiosk can lay out: at most LIMITS.body_blocks paragraphs, headings and list items."""

import shutil

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core import markup
from kiosk.core.content_loader import load_content
from kiosk.core.limits import LIMITS

PIECES = ["- ", "* ", "+ ", "1. ", "2) ", "> ", "# ", "## ", "a", "Wort ", "\n", "\n\n", "  ", "\t", "[x](y)",
          "**b**", "---", "===", "|a|", "<b>", "`c`", "1.", "-", "\\", "![i](j)"]


def valid_exhibit(tmp_path, project_root):
    """A copy of the one valid exhibit the broken-exhibit cases start from; its folder."""
    root = tmp_path / "content"
    shutil.copytree(project_root / "tests" / "broken_exhibits" / "_valid-base", root)
    return next((root / "exhibits").iterdir())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=80), st.integers(min_value=0, max_value=12))
def test_the_count_without_parsing_never_lets_too_many_blocks_through(pieces, limit):
    text = "".join(pieces)
    over = markup.block_count_over(text, limit)
    blocks = len(markup.to_blocks(text))
    assert (over is None) == (blocks <= limit)
    if over is not None:
        assert over == blocks


def test_an_ordinary_long_body_is_not_parsed_to_count_it():
    text = "Ein Absatz über die digitale Stadt.\n\n" * (LIMITS.body_blocks // 2)
    markup.cached_blocks.cache_clear()
    assert markup.block_count_over(text, LIMITS.body_blocks) is None
    assert markup.cached_blocks.cache_info().currsize == 0


def test_a_body_of_thousands_of_list_items_is_refused_with_its_file(tmp_path, project_root):
    # 21,000 one-word list items fit in 128 KiB; laid out as labels they held the kiosk's
    # screen for over a minute at the visitor's tap.
    folder = valid_exhibit(tmp_path, project_root)
    (folder / "en.md").write_text("- a\n" * 21000, encoding="utf-8")
    content = load_content(folder.parent.parent)
    assert folder.name in content.invalid_exhibits
    problem = next(p for p in content.errors() if p.path.endswith("en.md"))
    assert "21,000 paragraphs, headings and list items" in problem.message
    assert f"{LIMITS.body_blocks}" in problem.message


def test_a_long_body_within_the_limit_is_valid(tmp_path, project_root):
    folder = valid_exhibit(tmp_path, project_root)
    (folder / "de.md").write_text("Ein Absatz.\n\n" * LIMITS.body_blocks, encoding="utf-8")
    content = load_content(folder.parent.parent)
    assert [e.id for e in content.exhibits] == [folder.name], content.errors()
