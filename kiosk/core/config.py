"""The kiosk's settings, read from config.toml and checked.

Relative paths resolve against the folder of the config file, so a kiosk can be
started from anywhere. Unknown keys and wrong types are errors naming the key.

Read and checked by kiosk.core.settings_file, as the central's settings are.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError
from .settings_file import check_section, read_toml, rule, shown
from .terms import LAYERS

# The address config.toml ships with: QR codes built from it lead nowhere. One place, so the
# staff screen, `kiosk validate` and the start line all use the same test.
PLACEHOLDER_PUBLIC_URL = "https://stadtlabor.example.org"

# A complete config.toml with comments is about 2 KiB; anything near this is not a config file.
CONFIG_BYTES = 64 * 1024


_rule = rule


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
    # Daily snapshots kept in <data folder>/snapshots (and on a USB stick): a week by default.
    snapshots_kept: int = _rule(7, between=(1, 366))


@dataclass(frozen=True)
class SyncSection:
    central_url: str = _rule("")
    token: str = _rule("")
    interval_s: int = _rule(60, between=(5, 86400))


@dataclass(frozen=True)
class PhoneSection:
    public_url: str = _rule(PLACEHOLDER_PUBLIC_URL, pattern=r"https?://[^\s/]+(/\S*)?",
                            shape="a web address starting with http:// or https://")
    # How long a QR code's hand-off (the visit's marked exhibits) holds on the phone.
    handoff_valid_minutes: int = _rule(120, between=(5, 1440))


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
    def data_dir(self) -> Path:
        """The one folder the kiosk writes to: the store's folder (docs/operations.md, *Data folder
        and snapshots*). Kivy's settings, temporary files, the lock and the snapshots live in it."""
        return self.store.path.parent

    @property
    def public_url_is_placeholder(self) -> bool:
        """True while `[phone] public_url` is still the shipped example address (a trailing / aside)."""
        return self.phone.public_url.rstrip("/").lower() == PLACEHOLDER_PUBLIC_URL

    def replace(self, **changes) -> Config:
        """A copy with some sections (or `path`) replaced."""
        return dataclasses.replace(self, **changes)


SECTIONS: dict[str, type] = {f.name: f.default_factory for f in dataclasses.fields(Config)
                             if f.name != "path"}


def load_config(path: Path | str) -> Config:
    path = Path(path)
    data = read_toml(path, CONFIG_BYTES, ConfigError, what="config file",
                     missing_hint="pass --config PATH or copy config.toml from the project",
                     reader_hint="the user the kiosk runs as")
    sections, problems = {}, []
    for name, value in data.items():
        if name not in SECTIONS:
            problems.append(f"{name}: unknown key; check the spelling (docs/configuration.md lists every key)")
        elif not isinstance(value, dict):
            problems.append(f"{name}: must be a section [{name}], got {shown(value)}")
        else:
            sections[name] = SECTIONS[name](**check_section(
                name, SECTIONS[name], value, problems,
                unknown_hint="check the spelling (docs/configuration.md lists every key)"))
    if problems:
        raise ConfigError("\n".join(f"{path}: {problem}" for problem in problems))
    config = Config(**sections)
    base = path.resolve().parent
    return config.replace(
        path=path.resolve(),
        content=ContentSection(root=base / config.content.root),
        store=dataclasses.replace(config.store, path=base / config.store.path),
    )
