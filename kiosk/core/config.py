"""The kiosk's settings, read from config.toml and checked.

Relative paths resolve against the folder of the config file, so a kiosk can be
started from anywhere. Unknown keys and wrong types are errors naming the key.

Plain dataclasses and a small checker rather than pydantic: the settings are read
before the kiosk's first frame, and importing pydantic would cost that frame about
a tenth of a second (the content, which does use pydantic, loads after it).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .bounded_files import FileMissing, FileRefused, FileTooLarge, NoPermission, read_bounded
from .errors import ConfigError
from .terms import LAYERS

# The address config.toml ships with: QR codes built from it lead nowhere. One place, so the
# staff screen, `kiosk validate` and the start line all use the same test.
PLACEHOLDER_PUBLIC_URL = "https://stadtlabor.example.org"

# A complete config.toml with comments is about 2 KiB; anything near this is not a config file.
CONFIG_BYTES = 64 * 1024


def _rule(default, **rule):
    """A key's default and how its value is checked: `between=(low, high)`, `one_of=(...)`,
    `pattern=regex` with `shape=` saying in words what the pattern wants."""
    return field(default=default, metadata=rule)


@dataclass(frozen=True)
class KioskSection:
    id: str = _rule("kiosk-01", pattern=r"[a-z0-9][a-z0-9-]{0,62}",
                    shape="lowercase letters, digits and hyphens, starting with a letter or digit")
    name: str = _rule("StadtLABOR Kiosk")
    default_language: str = _rule("de", one_of=LAYERS)
    idle_timeout_s: int = _rule(60, between=(10, 3600))
    fullscreen: bool = _rule(True)
    show_cursor: bool = _rule(False)


@dataclass(frozen=True)
class ContentSection:
    root: Path = _rule(Path("."))


@dataclass(frozen=True)
class StoreSection:
    path: Path = _rule(Path("var/kiosk.sqlite3"))


@dataclass(frozen=True)
class SyncSection:
    central_url: str = _rule("")
    token: str = _rule("")
    interval_s: int = _rule(60, between=(5, 86400))


@dataclass(frozen=True)
class PhoneSection:
    public_url: str = _rule(PLACEHOLDER_PUBLIC_URL, pattern=r"https?://[^\s/]+(/\S*)?",
                            shape="a web address starting with http:// or https://")


@dataclass(frozen=True)
class StaffSection:
    pin_hash: str = _rule("")


@dataclass(frozen=True)
class ParticipationSection:
    vote_cooldown_s: int = _rule(20, between=(0, 3600))
    idea_max_chars: int = _rule(600, between=(50, 5000))
    free_text_retention_days: int = _rule(180, between=(1, 3650))
    show_suspect_votes: bool = _rule(False)


@dataclass(frozen=True)
class Config:
    kiosk: KioskSection = field(default_factory=KioskSection)
    content: ContentSection = field(default_factory=ContentSection)
    store: StoreSection = field(default_factory=StoreSection)
    sync: SyncSection = field(default_factory=SyncSection)
    phone: PhoneSection = field(default_factory=PhoneSection)
    staff: StaffSection = field(default_factory=StaffSection)
    participation: ParticipationSection = field(default_factory=ParticipationSection)
    path: Path | None = None  # the file it was read from; not a key in the file

    @property
    def standalone(self) -> bool:
        return not self.sync.central_url

    @property
    def public_url_is_placeholder(self) -> bool:
        """True while `[phone] public_url` is still the shipped example address (a trailing / aside)."""
        return self.phone.public_url.rstrip("/").lower() == PLACEHOLDER_PUBLIC_URL

    def replace(self, **changes) -> Config:
        """A copy with some sections (or `path`) replaced."""
        return dataclasses.replace(self, **changes)


SECTIONS: dict[str, type] = {f.name: f.default_factory for f in dataclasses.fields(Config)
                             if f.name != "path"}
TYPE_WORDS = {str: "text in quotes", int: "a whole number", bool: "true or false", Path: "a path in quotes"}


def load_config(path: Path | str) -> Config:
    path = Path(path)
    data = _read(path)
    sections, problems = {}, []
    for name, value in data.items():
        if name not in SECTIONS:
            problems.append(f"{name}: unknown key; check the spelling (docs/configuration.md lists every key)")
        elif not isinstance(value, dict):
            problems.append(f"{name}: must be a section [{name}], got {_show(value)}")
        else:
            sections[name] = _section(name, SECTIONS[name], value, problems)
    if problems:
        raise ConfigError("\n".join(f"{path}: {problem}" for problem in problems))
    config = Config(**sections)
    base = path.resolve().parent
    return config.replace(
        path=path.resolve(),
        content=ContentSection(root=base / config.content.root),
        store=StoreSection(path=base / config.store.path),
    )


def _read(path: Path) -> dict:
    """The parsed file; every way it can fail is a ConfigError in its own words."""
    try:
        raw = read_bounded(path, CONFIG_BYTES)
    except FileMissing:
        raise ConfigError(f"{path}: config file not found; pass --config PATH or copy config.toml from the "
                          "project") from None
    except FileTooLarge as error:
        raise ConfigError(f"{path}: the config file is {error.size:,} bytes, over the limit of "
                          f"{CONFIG_BYTES // 1024} KiB; is --config naming the right file?") from None
    except NoPermission:
        raise ConfigError(f"{path}: cannot read the config file: permission denied; make it (and its folder) "
                          "readable for the user the kiosk runs as") from None
    except FileRefused as error:
        raise ConfigError(f"{path}: the config file {error.words}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ConfigError(f"{path}:{line}: the config file is not UTF-8 text (byte 0x{raw[error.start]:02x}); "
                          "save it as UTF-8 in your editor") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: TOML syntax error: {error}") from None
    except RecursionError:
        # tomllib reads nested lists and tables by recursion; thousands of levels exhaust it.
        raise ConfigError(f"{path}: lists or tables are nested too deeply to read; config.toml needs only "
                          "[section] and key = value lines") from None
    except ValueError as error:  # Python's limit on long integers, passed through by tomllib
        raise ConfigError(f"{path}: a number is too long to read ({str(error).split(':')[0]}); "
                          "write a shorter number") from None


def _section(name: str, cls: type, values: dict, problems: list[str]):
    kinds = {f.name: f for f in dataclasses.fields(cls)}
    checked = {}
    for key, value in values.items():
        where = f"[{name}] {key}"
        spec = kinds.get(key)
        if spec is None:
            problems.append(f"{where}: unknown key; check the spelling (docs/configuration.md lists every key)")
            continue
        problem = _problem(spec, value)
        if problem:
            problems.append(f"{where}: {problem}, got {_show(value)}")
        else:
            checked[key] = Path(value) if spec.type == "Path" else value
    return cls(**checked)


def _problem(spec: dataclasses.Field, value) -> str | None:
    kind = {"str": str, "int": int, "bool": bool, "Path": Path}[spec.type]
    # TOML has no path type: a path is text. A bool is not a number here, though Python says so.
    wanted = str if kind is Path else kind
    if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
        return f"must be {TYPE_WORDS[kind]}"
    rule = spec.metadata
    if "one_of" in rule and value not in rule["one_of"]:
        return f"must be one of {', '.join(rule['one_of'])}"
    if "between" in rule and not rule["between"][0] <= value <= rule["between"][1]:
        return f"must be between {rule['between'][0]} and {rule['between'][1]}"
    if "pattern" in rule and not re.fullmatch(rule["pattern"], value):
        return f"must be {rule['shape']}"
    if kind is Path and any(ord(char) < 32 for char in value):
        return "must be a path without control characters"
    return None


def _show(value) -> str:
    # A value may be a whole nested structure; the message needs only its start.
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
