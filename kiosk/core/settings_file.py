"""Settings files in TOML, read and checked the one way: the kiosk's config.toml and the
central's central.toml.

A file is read as a regular file with a size bound (a FIFO, a device or a huge file is a named
problem, never a hang), decoded as UTF-8 and parsed; each section's keys are checked against a
dataclass whose fields carry their defaults and rules (`rule`). Every way it fails is the
caller's error class, in words that name the file, the line or the key.

Plain dataclasses and a small checker rather than pydantic: the kiosk reads its config before
its first frame, and importing pydantic would cost that frame about a tenth of a second.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import field
from pathlib import Path

from .bounded_files import FileMissing, FileRefused, FileTooLarge, NoPermission, read_bounded

TYPE_WORDS = {str: "text in quotes", int: "a whole number", bool: "true or false", Path: "a path in quotes"}
_KINDS = {"str": str, "int": int, "bool": bool, "Path": Path}
# A field of a settings dataclass that is no key of the file (e.g. the path it was read from).
NOT_A_KEY = "not_a_key"


def rule(default, **checks):
    """A key's default and how its value is checked: `between=(low, high)`, `one_of=(...)`,
    `pattern=regex` with `shape=` saying in words what the pattern wants."""
    return field(default=default, metadata=checks)


def read_toml(path: Path, limit: int, error: type[Exception], *, what: str, missing_hint: str,
              reader_hint: str) -> dict:
    """The parsed file at `path` (at most `limit` bytes). `what` names it in messages ("config
    file"), `missing_hint` says what to do when it is not there, `reader_hint` who must be able
    to read it."""
    try:
        raw = read_bounded(path, limit)
    except FileMissing:
        raise error(f"{path}: {what} not found; {missing_hint}") from None
    except FileTooLarge as problem:
        raise error(f"{path}: the {what} is {problem.size:,} bytes, over the limit of {limit // 1024} KiB; "
                    "is --config naming the right file?") from None
    except NoPermission:
        raise error(f"{path}: cannot read the {what}: permission denied; make it (and its folder) readable for "
                    f"{reader_hint}") from None
    except FileRefused as problem:
        raise error(f"{path}: the {what} {problem.words}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        line = raw.count(b"\n", 0, problem.start) + 1
        raise error(f"{path}:{line}: the {what} is not UTF-8 text (byte 0x{raw[problem.start]:02x}); save it as "
                    "UTF-8 in your editor") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{path}: TOML syntax error: {problem}") from None
    except RecursionError:
        # tomllib reads nested lists and tables by recursion; thousands of levels exhaust it.
        raise error(f"{path}: lists or tables are nested too deeply to read; the {what} needs only [section] and "
                    "key = value lines") from None
    except ValueError as problem:  # Python's limit on long integers, passed through by tomllib
        raise error(f"{path}: a number is too long to read ({str(problem).split(':')[0]}); write a shorter "
                    "number") from None


def check_section(name: str, cls: type, values: dict, problems: list[str], *, unknown_hint: str) -> dict:
    """The keys of section `name` checked against the fields of `cls`: the good ones returned
    (paths as Path), one line per bad one added to `problems`."""
    kinds = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get(NOT_A_KEY)}
    checked = {}
    for key, value in values.items():
        where = f"[{name}] {key}"
        spec = kinds.get(key)
        if spec is None:
            problems.append(f"{where}: unknown key; {unknown_hint}")
            continue
        problem = value_problem(spec, value)
        if problem:
            problems.append(f"{where}: {problem}, got {shown(value)}")
        else:
            checked[key] = Path(value) if spec.type == "Path" else value
    return checked


def value_problem(spec: dataclasses.Field, value) -> str | None:
    kind = _KINDS[spec.type]
    # TOML has no path type: a path is text. A bool is not a number here, though Python says so.
    wanted = str if kind is Path else kind
    if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
        return f"must be {TYPE_WORDS[kind]}"
    checks = spec.metadata
    if "one_of" in checks and value not in checks["one_of"]:
        return f"must be one of {', '.join(checks['one_of'])}"
    if "between" in checks and not checks["between"][0] <= value <= checks["between"][1]:
        return f"must be between {checks['between'][0]} and {checks['between'][1]}"
    if "pattern" in checks and not re.fullmatch(checks["pattern"], value):
        return f"must be {checks['shape']}"
    if kind is Path and any(ord(char) < 32 for char in value):
        return "must be a path without control characters"
    return None


def shown(value) -> str:
    # A value may be a whole nested structure; the message needs only its start.
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
