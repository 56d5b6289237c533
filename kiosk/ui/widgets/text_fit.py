"""Shorten a text at a word, with "…", so that it fits so many lines of a label.

Kivy cuts the lines beyond `max_lines` off without a sign that something is missing. This lays
the text out the way the label will (Kivy's own text layout, no drawing) and keeps the longest
start of whole words that fits.
"""

from __future__ import annotations

from functools import lru_cache

from kivy.core.text import Label as CoreLabel

ELLIPSIS = "…"


def _lines(text: str, width: int, font_size: int, bold: bool) -> int:
    label = CoreLabel(text=text, font_size=font_size, bold=bold, text_size=(width, None))
    label.render()  # layout only: no texture is made
    return len(label._cached_lines)


@lru_cache(maxsize=512)
def text_width(text: str, font_size: int, bold: bool = False) -> float:
    """How wide `text` is laid out on one line, in pixels."""
    label = CoreLabel(text=text, font_size=font_size, bold=bold)
    label.resolve_font_name()
    return label.get_extents(text)[0]


@lru_cache(maxsize=512)
def longest_word_fits(text: str, width: int, font_size: int, bold: bool = False) -> bool:
    """Whether each word of `text` fits a line of `width` (Kivy breaks a longer one inside)."""
    return all(text_width(word, font_size, bold) <= width for word in text.split())


@lru_cache(maxsize=512)
def fit_lines(text: str, width: int, font_size: int, lines: int, bold: bool = False) -> str:
    text = " ".join(text.split())
    if width < 10 or not text or _lines(text, width, font_size, bold) <= lines:
        return text
    words = text.split(" ")
    low, high = 0, len(words) - 1  # the longest start of whole words that fits, with the ellipsis
    while low < high:
        middle = (low + high + 1) // 2
        if _lines(" ".join(words[:middle]).rstrip(" ,;:–-") + ELLIPSIS, width, font_size, bold) <= lines:
            low = middle
        else:
            high = middle - 1
    return (" ".join(words[:low]).rstrip(" ,;:–-") + ELLIPSIS) if low else words[0][: max(1, width // font_size)] + ELLIPSIS
