"""The central's settings, read from central.toml and checked.

Relative paths resolve against the folder of the file, so the service can be started from
anywhere; a missing file means the defaults (a central for a first try needs no file at all).
Unknown keys and wrong types are errors naming the key, as in the kiosk's config.toml.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SettingsError

DEFAULT_PATH = Path("central.toml")
# The example central.toml is under 2 KiB; anything near this is not a settings file.
SETTINGS_BYTES = 64 * 1024
SECTION = "central"


def _rule(default, **rule):
    """A key's default and how it is checked: `between=(low, high)`, `pattern=` with `shape=`."""
    return field(default=default, metadata=rule)


@dataclass(frozen=True)
class Settings:
    db: Path = _rule(Path("central.sqlite3"))
    content_root: Path = _rule(Path("."))
    public_url: str = _rule("https://stadtlabor.example.org", pattern=r"https?://[^\s/]+(/\S*)?",
                            shape="a web address starting with http:// or https://")
    # Pushes handled at once; more are answered 429 with Retry-After, so that 20 kiosks coming
    # back online together queue on their side instead of piling up in the central's memory.
    max_concurrent_pushes: int = _rule(8, between=(1, 1000))
    # What the 429 tells a kiosk to wait (seconds); the kiosk adds its own jitter.
    retry_after_s: int = _rule(2, between=(1, 60))
    path: Path | None = None  # the file read, None when the defaults were used; not a key


KEYS = {f.name: f for f in dataclasses.fields(Settings) if f.name != "path"}
_TYPES = {"Path": str, "str": str, "int": int}
_TYPE_WORDS = {"Path": "a path in quotes", "str": "text in quotes", "int": "a whole number"}


def load_settings(path: Path | str = DEFAULT_PATH, *, must_exist: bool = False) -> Settings:
    """The settings of `path`; the defaults when it does not exist (unless `must_exist`)."""
    path = Path(path)
    base = path.resolve().parent
    if not path.exists() and not must_exist:
        return _resolved(Settings(), base, None)
    data = _read(path)
    problems, checked = [], {}
    for name, value in data.items():
        if name != SECTION:
            problems.append(f"{name}: unknown key; central.toml has one section, [central] "
                            "(docs/central.md lists its keys)")
        elif not isinstance(value, dict):
            problems.append(f"{name}: must be a section [{SECTION}], got {_show(value)}")
        else:
            checked = _section(value, problems)
    if problems:
        raise SettingsError("\n".join(f"{path}: {problem}" for problem in problems))
    return _resolved(Settings(**checked), base, path.resolve())


def _resolved(settings: Settings, base: Path, path: Path | None) -> Settings:
    return dataclasses.replace(settings, db=base / settings.db, content_root=base / settings.content_root, path=path)


def _read(path: Path) -> dict:
    try:
        if path.is_dir():
            raise SettingsError(f"{path}: is a folder; --config must name a central.toml file")
        with open(path, "rb") as file:
            raw = file.read(SETTINGS_BYTES + 1)
    except FileNotFoundError:
        raise SettingsError(f"{path}: settings file not found; pass --config PATH or copy "
                            "central/central.example.toml") from None
    except PermissionError:
        raise SettingsError(f"{path}: cannot read the settings file: permission denied") from None
    except OSError as error:
        raise SettingsError(f"{path}: cannot read the settings file ({error.strerror})") from None
    if len(raw) > SETTINGS_BYTES:
        raise SettingsError(f"{path}: over {SETTINGS_BYTES // 1024} KiB; is --config naming the right file?")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise SettingsError(f"{path}:{line}: not UTF-8 text; save it as UTF-8 in your editor") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: TOML syntax error: {error}") from None
    except (RecursionError, ValueError) as error:
        raise SettingsError(f"{path}: cannot read it as settings ({type(error).__name__}); central.toml needs "
                            "only a [central] section with key = value lines") from None


def _section(values: dict, problems: list[str]) -> dict:
    checked = {}
    for key, value in values.items():
        where = f"[{SECTION}] {key}"
        spec = KEYS.get(key)
        if spec is None:
            problems.append(f"{where}: unknown key; the keys are {', '.join(KEYS)} (docs/central.md)")
            continue
        problem = _problem(spec, value)
        if problem:
            problems.append(f"{where}: {problem}, got {_show(value)}")
        else:
            checked[key] = Path(value) if spec.type == "Path" else value
    return checked


def _problem(spec: dataclasses.Field, value) -> str | None:
    wanted = _TYPES[spec.type]
    # A bool is not a number here, though Python says it is.
    if not isinstance(value, wanted) or isinstance(value, bool):
        return f"must be {_TYPE_WORDS[spec.type]}"
    rule = spec.metadata
    if "between" in rule and not rule["between"][0] <= value <= rule["between"][1]:
        return f"must be between {rule['between'][0]} and {rule['between'][1]}"
    if "pattern" in rule and not re.fullmatch(rule["pattern"], value):
        return f"must be {rule['shape']}"
    if spec.type == "Path" and (not value or any(ord(char) < 32 for char in value)):
        return "must be a path, not empty and without control characters"
    return None


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
