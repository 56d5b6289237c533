"""Find the line of a key in a TOML text, for error messages.

`tomllib` gives values without positions. This scanner walks the lines, tracks
table headers and array-of-tables indices, and records where each key path
starts. It knows enough TOML for content files (headers, `key = value`, dotted
keys, multi-line strings and arrays); anything it cannot place falls back to
the nearest enclosing table, and at worst to no line at all.
"""

from __future__ import annotations

import re

# No lazy part next to optional spaces: `[a` + many spaces + `.b]` is a valid header, and
# `([^\]]+?)\s*\]` took time growing with the cube of its length on such a line.
_HEADER = re.compile(r"^\s*(\[\[?)([^\]]*)\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _split_key(raw: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", raw)
    return [p.strip("\"'") for p in parts]


def _without_comment(value: str) -> str:
    """The value part of a line up to a # that is not inside a quoted string."""
    quote = None
    for i, char in enumerate(value):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            return value[:i]
    return value


class TomlLineIndex:
    def __init__(self, text: str):
        self._lines: dict[tuple, int] = {}
        self._scan(text)

    def _scan(self, text: str) -> None:
        array_index: dict[tuple, int] = {}
        current: tuple = ()
        in_string: str | None = None
        bracket_depth = 0
        # Only \n ends a line for tomllib; str.splitlines() would also split at U+2028 and others.
        for number, line in enumerate(text.split("\n"), start=1):
            if in_string:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            if bracket_depth > 0:
                bracket_depth += line.count("[") - line.count("]")
                continue
            header = _HEADER.match(line)
            if header and not _KEY.match(line):
                is_array = header.group(1) == "[["
                if not header.group(2).strip():
                    continue
                parts = _split_key(header.group(2))
                resolved: list = []
                for i, part in enumerate(parts):
                    resolved.append(part)
                    key = tuple(resolved)
                    self._lines.setdefault(key, number)  # [a.b] is where a starts if nothing said so before
                    last = i == len(parts) - 1
                    if last and is_array:
                        array_index[key] = array_index.get(key, -1) + 1
                        resolved.append(array_index[key])
                    elif key in array_index:
                        resolved.append(array_index[key])
                current = tuple(resolved)
                self._lines.setdefault(current, number)
                if is_array:
                    self._lines.setdefault(current[:-1], number)  # the array itself: its first table
                continue
            key = _KEY.match(line)
            if key:
                path = current + tuple(_split_key(key.group(1)))
                self._lines.setdefault(path, number)
                value = _without_comment(line[key.end():])
                for quote in ('"""', "'''"):
                    if value.count(quote) % 2 == 1:
                        in_string = quote
                        break
                if in_string is None and value.lstrip().startswith("["):
                    bracket_depth = value.count("[") - value.count("]")

    def line_of(self, loc: tuple) -> int | None:
        """Line of the longest known prefix of `loc`, or None."""
        loc = tuple(loc)
        while loc:
            if loc in self._lines:
                return self._lines[loc]
            loc = loc[:-1]
        return None


def deepest_line(text: str) -> int | None:
    """The line where brackets and braces (outside strings and comments) are nested deepest.

    For a file too deeply nested to parse: a pointer to the place, not a TOML parser.
    """
    depth = deepest = 0
    line = found = 1
    quote: str | None = None
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if char == "\n":
            line += 1
        if quote:
            if char == "\\" and quote[0] == '"':
                i += 1  # an escaped character, perhaps a quote or a line break
                line += text.startswith("\n", i)
            elif text.startswith(quote, i):
                i += len(quote) - 1
                quote = None
        elif char == "#":
            newline = text.find("\n", i)
            i = end if newline < 0 else newline - 1
        elif char in "\"'":
            quote = text[i:i + 3] if text.startswith(char * 3, i) else char
            i += len(quote) - 1
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest, found = depth, line
        elif char in "]}":
            depth -= 1
        i += 1
    return found if deepest else None
