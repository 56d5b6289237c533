"""Worksheet names Excel accepts: at most 31 characters, none of []:*?/\\, unique ignoring case."""

from __future__ import annotations

import re

MAX_LENGTH = 31
# Excel's forbidden characters, and control characters, which XML cannot hold in a name.
_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\ufffe\uffff]")
# Excel keeps "History" for its change tracking and refuses a sheet of that name.
_RESERVED = {"history"}


class SheetNames:
    def __init__(self):
        self._taken: set[str] = set()

    def take(self, wanted: str) -> str:
        """`wanted` made safe and unique; numbered ' 2', ' 3', ... when the name is taken."""
        base = _FORBIDDEN.sub("_", wanted).strip().strip("'") or "Blatt"
        name, n = base[:MAX_LENGTH], 1
        while name.casefold() in self._taken or name.casefold() in _RESERVED:
            n += 1
            suffix = f" {n}"
            name = base[:MAX_LENGTH - len(suffix)].rstrip() + suffix
        self._taken.add(name.casefold())
        return name
