"""Worksheet names Excel accepts: at most 31 characters, none of []:*?/\\, unique ignoring case.

Poll sheets are named by their question, which is usually longer: the name is cut at a word
where one is near, marked with "…", and a suffix (a version, a number) always stays whole.
"""

from __future__ import annotations

import re

MAX_LENGTH = 31
# Excel's forbidden characters, and control characters, which XML cannot hold in a name.
_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\ufffe\uffff]")
# What they become: a question's "?" simply goes (a sheet named "Wie gefällt Ihnen das StadtLABOR"
# reads well), separators become a dash, brackets round ones; anything else a "_".
_STAND_INS = {"?": "", "*": "", "/": "-", "\\": "-", ":": " -", "[": "(", "]": ")"}


def _replace(match: re.Match) -> str:
    return _STAND_INS.get(match.group(), "_")
_SPACES = re.compile(r"\s+")
# Excel keeps "History" for its change tracking and refuses a sheet of that name.
_RESERVED = {"history"}
ELLIPSIS = "…"


def _fit(text: str, room: int) -> str:
    if len(text) <= room:
        return text
    cut = text[:room - 1]
    word = len(cut) if text[room - 1] == " " else cut.rfind(" ")  # the cut may end a word itself
    if word >= room // 2:  # a word boundary not too far back reads better than half a word
        cut = cut[:word]
    return cut.rstrip(" -–,.;'") + ELLIPSIS


class SheetNames:
    def __init__(self):
        self._taken: set[str] = set()

    def take(self, wanted: str, suffix: str = "") -> str:
        """`wanted` + `suffix` made safe and unique; numbered ' 2', ' 3', ... when the name is taken."""
        base = _SPACES.sub(" ", _FORBIDDEN.sub(_replace, wanted)).strip().strip("'").strip() or "Blatt"
        suffix = _FORBIDDEN.sub(_replace, suffix).rstrip("'")
        name, n = _fit(base, MAX_LENGTH - len(suffix)) + suffix, 1
        while name.casefold() in self._taken or name.casefold() in _RESERVED:
            n += 1
            tail = f"{suffix} {n}"
            name = _fit(base, MAX_LENGTH - len(tail)) + tail
        self._taken.add(name.casefold())
        return name


def sheet_reference(name: str) -> str:
    """The name as a formula or link refers to it: quoted, an apostrophe doubled."""
    return "'" + name.replace("'", "''") + "'"
