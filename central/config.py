"""The central's settings, read from central.toml and checked.

Relative paths resolve against the folder of the file, so the service can be started from
anywhere; a missing file means the defaults (a central for a first try needs no file at all).
Unknown keys and wrong types are errors naming the key, as in the kiosk's config.toml.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.core.settings_file import NOT_A_KEY, check_section, read_toml, rule, shown

from .errors import SettingsError

DEFAULT_PATH = Path("central.toml")
# The example central.toml is under 2 KiB; anything near this is not a settings file.
SETTINGS_BYTES = 64 * 1024
SECTION = "central"


_rule = rule


@dataclass(frozen=True)
class Settings:
    # A SQLite file (relative to this file's folder) or a postgresql:// URL: text here, a Path
    # or the URL once resolved (_database). central/db/dialects.py says what differs.
    db: str = _rule("central.sqlite3")
    content_root: Path = _rule(Path("."))
    public_url: str = _rule("https://stadtlabor.example.org", pattern=r"https?://[^\s/]+(/\S*)?",
                            shape="a web address starting with http:// or https://")
    # Pushes handled at once; more are answered 429 with Retry-After, so that 20 kiosks coming
    # back online together queue on their side instead of piling up in the central's memory.
    max_concurrent_pushes: int = _rule(8, between=(1, 1000))
    # What the 429 tells a kiosk to wait (seconds); the kiosk adds its own jitter.
    retry_after_s: int = _rule(2, between=(1, 60))
    # How often kiosks send a heartbeat (their [sync] interval_s): the dashboard shows a kiosk
    # as stale when none came for three of these.
    heartbeat_interval_s: int = _rule(60, between=(10, 3600))
    # The reverse proxies believed when they say, in X-Forwarded-For and X-Forwarded-Proto, whom a
    # request came from and that it came over https: addresses or networks, comma-separated; ""
    # believes no one. The per-address rate limits and the Secure cookies rest on it.
    trusted_proxies: str = _rule("127.0.0.1", pattern=r"[0-9A-Fa-f.:/,\s]*",
                                 shape="addresses or networks separated by commas, e.g. \"127.0.0.1, 10.0.0.0/24\"")
    # The file read, None when the defaults were used.
    path: Path | None = field(default=None, metadata={NOT_A_KEY: True})


KEYS = [f.name for f in dataclasses.fields(Settings) if not f.metadata.get(NOT_A_KEY)]


def load_settings(path: Path | str = DEFAULT_PATH, *, must_exist: bool = False) -> Settings:
    """The settings of `path`; the defaults when it does not exist (unless `must_exist`)."""
    path = Path(path)
    base = path.resolve().parent
    if not path.exists() and not must_exist:
        return _resolved(Settings(), base, None)
    data = read_toml(path, SETTINGS_BYTES, SettingsError, what="settings file",
                     missing_hint="pass --config PATH or copy central/central.example.toml",
                     reader_hint="the user the central runs as")
    problems, checked = [], {}
    for name, value in data.items():
        if name != SECTION:
            problems.append(f"{name}: unknown key; central.toml has one section, [central] "
                            "(docs/central.md lists its keys)")
        elif not isinstance(value, dict):
            problems.append(f"{name}: must be a section [{SECTION}], got {shown(value)}")
        else:
            checked = check_section(SECTION, Settings, value, problems,
                                    unknown_hint=f"the keys are {', '.join(KEYS)} (docs/central.md)")
    if "trusted_proxies" in checked:
        try:
            proxy_list(checked["trusted_proxies"])
        except ValueError as problem:
            problems.append(f"[{SECTION}] trusted_proxies: {problem}")
    if problems:
        raise SettingsError("\n".join(f"{path}: {problem}" for problem in problems))
    return _resolved(Settings(**checked), base, path.resolve())


def _resolved(settings: Settings, base: Path, path: Path | None) -> Settings:
    return dataclasses.replace(settings, db=_database(settings.db, base, path),
                               content_root=base / settings.content_root, path=path)


DATABASE_SCHEMES = ("postgresql", "postgres")


def _database(value, base: Path, path: Path | None) -> Path | str:
    """[central] db: a postgresql:// URL as it is, anything else a SQLite file's path."""
    value = str(value)
    scheme, has_scheme, _rest = value.partition("://")
    if not has_scheme:
        return base / value
    if scheme.lower() in DATABASE_SCHEMES:
        return value
    raise SettingsError(f"{path or DEFAULT_PATH}: [central] db: '{scheme}://' is no database the central runs on; "
                        "give a SQLite file's path (e.g. \"central.sqlite3\") or a PostgreSQL URL "
                        "(\"postgresql://user@host/database\")")


def proxy_list(text: str) -> list[str]:
    """The addresses and networks of a `trusted_proxies` value, written out (10.0.0.7/24 as
    10.0.0.0/24); ValueError names one that is neither."""
    found = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            found.append(str(ipaddress.ip_network(item, strict=False) if "/" in item else ipaddress.ip_address(item)))
        except ValueError:
            raise ValueError(f"'{item}' is not an address or a network (e.g. 127.0.0.1, ::1, 10.0.0.0/24)") from None
    return found
