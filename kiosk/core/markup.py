"""The Markdown subset of exhibit bodies: one parser for kiosk and phone.

Allowed: headings, paragraphs, **bold**, *italic*, bullet and numbered lists,
links. Anything else (images, tables, HTML, code, quotes, rules) is shown as
plain text on the kiosk, so the validator warns about it.

`to_blocks` turns a body into Kivy-markup blocks for the kiosk's labels;
`to_plain` gives the same text without markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import functools
import itertools
import re


ALLOWED_BLOCKS = {
    "paragraph_open", "paragraph_close", "heading_open", "heading_close", "inline",
    "bullet_list_open", "bullet_list_close", "ordered_list_open", "ordered_list_close",
    "list_item_open", "list_item_close",
}
ALLOWED_INLINE = {
    "text", "text_special", "softbreak", "hardbreak", "strong_open", "strong_close", "em_open", "em_close",
    "link_open", "link_close",
}
_NAMES = {
    "image": "images (put pictures into [[media]] in exhibit.toml)",
    "html_block": "HTML", "html_inline": "HTML",
    "code_inline": "code", "code_block": "code blocks (indented lines)", "fence": "code blocks",
    "table_open": "tables", "blockquote_open": "block quotes", "hr": "horizontal rules",
}


def parser():
    # Imported here: most texts never need a parser at start-up (see _SUSPECT), and the
    # import costs more than the kiosk's whole start-up budget allows.
    from markdown_it import MarkdownIt

    # Tables are switched on only so that they can be recognised and reported.
    return MarkdownIt("commonmark", {"html": True}).enable("table")


@functools.lru_cache(maxsize=1)
def _parser():
    return parser()


def parse(text: str):
    return _parser().parse(text)


# Every construct outside the subset needs one of these marks; text without any is
# plain subset Markdown and need not be parsed (parsing is most of validation's time).
_SUSPECT = re.compile(r"[<`|>~]|!\[|^(?: {4}|\t)|^\s{0,3}(?:[-*_]\s*){3,}$|^\s{0,3}#\s|^\s{0,3}=+\s*$",
                      re.MULTILINE)


def unsupported(text: str) -> list[tuple[int | None, str]]:
    """(line, what) for each construct outside the subset, first occurrence per kind."""
    if not _SUSPECT.search(text):
        return []
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


# --- Display blocks for the kiosk -------------------------------------------------------------

BlockKind = Literal["heading", "paragraph", "bullet", "number"]


@dataclass(frozen=True)
class Block:
    """One thing the kiosk lays out as its own label.

    `level` is the heading level (1-6) for headings and the list nesting depth (from 1) for list
    items. Paragraphs have level 0, except text that continues a list item after a nested list:
    it keeps the item's depth so the screen can indent it under its bullet.
    """

    kind: BlockKind
    markup: str
    level: int = 0
    number: int | None = None

    @property
    def has_tags(self) -> bool:
        """True when the block uses markup tags; plain text renders much faster without markup."""
        return "[" in self.markup

    @property
    def text(self) -> str:
        """The block as plain text (markup entities resolved), for labels without markup."""
        return unescape(self.markup) if not self.has_tags else self.markup


def escape(text: str) -> str:
    """Make editor text literal in Kivy markup (what kivy.utils.escape_markup does)."""
    return text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")


def unescape(markup: str) -> str:
    return markup.replace("&bl;", "[").replace("&br;", "]").replace("&amp;", "&")


# Where a block can start: each line, and each list marker at the start of a line ("- - a" is
# two nested items on one line). Counting these bounds the blocks without parsing.
_BLOCK_STARTS = re.compile(r"^[ \t]*\S|(?<=[-*+.)>])[ \t]*(?:[-*+>]|\d{1,9}[.)])(?=[ \t]|$)", re.MULTILINE)


def block_count_over(text: str, limit: int) -> int | None:
    """How many blocks `text` makes when that is more than `limit`, else None. Parses only a
    text whose lines and list markers could make that many (ordinary bodies never are)."""
    if sum(1 for _ in itertools.islice(_BLOCK_STARTS.finditer(text), limit + 1)) <= limit:
        return None
    count = len(cached_blocks(text))
    return count if count > limit else None


@functools.lru_cache(maxsize=1024)
def cached_blocks(text: str, keep_lines: bool = False) -> tuple[Block, ...]:
    """to_blocks for texts shown again and again (exhibit bodies on the kiosk)."""
    return tuple(to_blocks(text, keep_lines=keep_lines))


def to_blocks(text: str, *, keep_lines: bool = False) -> list[Block]:
    """The body as Kivy-markup blocks. Never raises on odd Markdown: what is outside the subset
    shows as its text, because a visitor should see something rather than nothing.

    `keep_lines`: each source line stays a line of its own (a soft break becomes a line break).
    Leichte Sprache is written one sentence per line, and its readers rely on that."""
    return _Walker(_markup_inline_lines if keep_lines else _markup_inline).walk(parse(text))


def to_plain(text: str) -> str:
    """The body as plain text, one line per block, for length checks and screen readers."""
    lines = []
    for block in _Walker(_plain_inline).walk(parse(text)):
        if block.kind == "bullet":
            lines.append(f"• {block.markup}")
        elif block.kind == "number":
            lines.append(f"{block.number}. {block.markup}")
        else:
            lines.append(block.markup)
    return "\n".join(lines)


_MARKUP_TAGS = {
    "strong_open": "[b]", "strong_close": "[/b]", "em_open": "[i]", "em_close": "[/i]",
    # The kiosk cannot open a browser, so a link is only marked as one; the QR code carries it.
    "link_open": "[u]", "link_close": "[/u]",
}


# Kivy's markup layout may break a line between two runs of text even where no space is: after
# "[b]Onlinezugangsgesetz (OZG)[/b]" the next line began with ". Es sieht vor". Punctuation
# that follows a closing tag goes inside it, so the two stay one word.
_PUNCTUATION_AFTER_CLOSE = re.compile(r"((?:\[/[bi]\])+)([.,;:!?)»”“'\"…]+)")


def _markup_inline(children, softbreak: str = " ") -> str:
    return _PUNCTUATION_AFTER_CLOSE.sub(r"\2\1", _markup_runs(children, softbreak))


def _markup_runs(children, softbreak: str) -> str:
    out = []
    for child in children or []:
        if child.type in _MARKUP_TAGS:
            out.append(_MARKUP_TAGS[child.type])
        elif child.type == "softbreak":
            out.append(softbreak)
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "image":
            out.append(escape(_plain_inline(child.children)))
        else:
            out.append(escape(child.content))
    return "".join(out)


def _markup_inline_lines(children) -> str:
    return _markup_inline(children, softbreak="\n")


def _plain_inline(children) -> str:
    out = []
    for child in children or []:
        if child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "image":
            out.append(_plain_inline(child.children))
        else:
            out.append(child.content)
    return "".join(out)


class _Item:
    def __init__(self, kind: BlockKind, depth: int, number: int | None):
        self.kind, self.depth, self.number = kind, depth, number
        self.parts: list[str] = []
        self.emitted = False


class _Walker:
    """Turns the flat markdown-it token stream into blocks, tracking open lists and tables."""

    def __init__(self, inline):
        self.inline = inline
        self.plain = inline is _plain_inline
        self.blocks: list[Block] = []
        self.lists: list[list] = []  # [kind, next number] per open list
        self.items: list[_Item] = []
        self.table: list[list[str]] | None = None
        self.heading_level = 2

    def walk(self, tokens) -> list[Block]:
        for index, token in enumerate(tokens):
            kind = token.type
            if kind == "heading_open":
                self.heading_level = int(token.tag[1:])
            elif kind == "inline":
                self.inline_token(token, tokens[index - 1].type if index else "")
            elif kind in ("bullet_list_open", "ordered_list_open"):
                # The parent item's own text comes before its sub-list on screen.
                if self.items:
                    self.flush(self.items[-1])
                start = int(token.attrs.get("start", 1)) if kind == "ordered_list_open" else None
                self.lists.append(["bullet" if start is None else "number", start])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif kind == "list_item_open":
                current = self.lists[-1]
                self.items.append(_Item(current[0], len(self.lists), current[1]))
                if current[1] is not None:
                    current[1] += 1
            elif kind == "list_item_close":
                item = self.items.pop()
                if not item.emitted or item.parts:
                    self.flush(item)
            elif kind == "table_open":
                self.table = []
            elif kind == "tr_open" and self.table is not None:
                self.table.append([])
            elif kind == "table_close" and self.table is not None:
                rows, self.table = self.table, None
                self.text("\n".join(" | ".join(cells) for cells in rows))
            elif kind in ("code_block", "fence", "html_block"):
                content = token.content.rstrip("\n")
                self.text(content if self.plain else escape(content))
            # Everything else (quotes, rules, the closing halves) only frames text handled above.
        return self.blocks

    def inline_token(self, token, opener: str) -> None:
        rendered = self.inline(token.children)
        if self.table is not None and self.table:
            self.table[-1].append(rendered)
        elif opener == "heading_open" and not self.items:
            self.blocks.append(Block("heading", rendered, self.heading_level))
        else:
            self.text(rendered)

    def text(self, rendered: str) -> None:
        if self.items:
            self.items[-1].parts.append(rendered)
        elif rendered:
            self.blocks.append(Block("paragraph", rendered))

    def flush(self, item: _Item) -> None:
        markup = "\n".join(item.parts)
        if item.emitted:
            self.blocks.append(Block("paragraph", markup, item.depth))
        else:
            self.blocks.append(Block(item.kind, markup, item.depth, item.number))
        item.parts, item.emitted = [], True
