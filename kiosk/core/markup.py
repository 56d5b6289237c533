"""The Markdown subset of exhibit bodies: one parser for kiosk and phone.

Allowed: headings, paragraphs, **bold**, *italic*, bullet and numbered lists,
links. Anything else (images, tables, HTML, code, quotes, rules) is shown as
plain text on the kiosk, so the validator warns about it.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

ALLOWED_BLOCKS = {
    "paragraph_open", "paragraph_close", "heading_open", "heading_close", "inline",
    "bullet_list_open", "bullet_list_close", "ordered_list_open", "ordered_list_close",
    "list_item_open", "list_item_close",
}
ALLOWED_INLINE = {
    "text", "softbreak", "hardbreak", "strong_open", "strong_close", "em_open", "em_close",
    "link_open", "link_close",
}
_NAMES = {
    "image": "images (put pictures into [[media]] in exhibit.toml)",
    "html_block": "HTML", "html_inline": "HTML",
    "code_inline": "code", "code_block": "code blocks (indented lines)", "fence": "code blocks",
    "table_open": "tables", "blockquote_open": "block quotes", "hr": "horizontal rules",
}


def parser() -> MarkdownIt:
    # Tables are switched on only so that they can be recognised and reported.
    return MarkdownIt("commonmark", {"html": True}).enable("table")


_PARSER = parser()


def parse(text: str):
    return _PARSER.parse(text)


def unsupported(text: str) -> list[tuple[int | None, str]]:
    """(line, what) for each construct outside the subset, first occurrence per kind."""
    found: dict[str, int | None] = {}
    for token in parse(text):
        line = token.map[0] + 1 if token.map else None
        kinds = [token.type] if token.type != "inline" else [c.type for c in token.children or []]
        allowed = ALLOWED_BLOCKS if token.type != "inline" else ALLOWED_INLINE
        for kind in kinds:
            if kind.endswith("_close") or kind in allowed:
                continue
            name = _NAMES.get(kind, kind.replace("_open", ""))
            found.setdefault(name, line)
        if token.type == "heading_open" and token.tag == "h1":
            found.setdefault("top-level headings (# ...); start with ## because the title is shown above", line)
    return [(line, name) for name, line in found.items()]
