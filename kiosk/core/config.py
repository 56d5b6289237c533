"""The kiosk's settings, read from config.toml and validated.

Relative paths resolve against the folder of the config file, so a kiosk can be
started from anywhere. Unknown keys and wrong types are errors naming the key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .content_model import LAYERS
from .errors import ConfigError
from .problems import format_loc

Layer = Literal["de", "en", "ls"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class KioskSection(_Section):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")] = "kiosk-01"
    name: str = "StadtLABOR Kiosk"
    default_language: Layer = "de"
    idle_timeout_s: int = Field(default=60, ge=10, le=3600)
    fullscreen: bool = True
    show_cursor: bool = False


class ContentSection(_Section):
    root: Path = Path(".")


class StoreSection(_Section):
    path: Path = Path("var/kiosk.sqlite3")


class SyncSection(_Section):
    central_url: str = ""
    token: str = ""
    interval_s: int = Field(default=60, ge=5, le=86400)


class PhoneSection(_Section):
    public_url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s/]+(/\S*)?$")] = \
        "https://stadtlabor.example.org"


class StaffSection(_Section):
    pin_hash: str = ""


class ParticipationSection(_Section):
    vote_cooldown_s: int = Field(default=20, ge=0, le=3600)
    idea_max_chars: int = Field(default=600, ge=50, le=5000)
    free_text_retention_days: int = Field(default=180, ge=1, le=3650)
    show_suspect_votes: bool = False


class Config(_Section):
    kiosk: KioskSection = KioskSection()
    content: ContentSection = ContentSection()
    store: StoreSection = StoreSection()
    sync: SyncSection = SyncSection()
    phone: PhoneSection = PhoneSection()
    staff: StaffSection = StaffSection()
    participation: ParticipationSection = ParticipationSection()
    path: Path | None = None  # the file it was read from; not a key in the file

    @property
    def standalone(self) -> bool:
        return not self.sync.central_url


def load_config(path: Path | str) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found; pass --config PATH or copy config.toml from the "
                          "project") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read config ({error}); save it as UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: TOML syntax error: {error}") from None
    if "path" in data:
        raise ConfigError(f"{path}: path: unknown key 'path'; remove it")
    data = _paths_as_path(data)
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        lines = [f"{path}: {_describe(err)}" for err in error.errors(include_url=False)]
        raise ConfigError("\n".join(lines)) from None
    base = path.resolve().parent
    return config.model_copy(update={
        "path": path.resolve(),
        "content": config.content.model_copy(update={"root": base / config.content.root}),
        "store": config.store.model_copy(update={"path": base / config.store.path}),
    })


def _paths_as_path(data: dict) -> dict:
    # TOML has no path type; strict models would refuse the string.
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    for section, key in (("content", "root"), ("store", "path")):
        value = data.get(section, {}).get(key) if isinstance(data.get(section), dict) else None
        if isinstance(value, str):
            data[section][key] = Path(value)
    return data


def _describe(err: dict) -> str:
    loc = tuple(err["loc"])
    section, key = (f"[{loc[0]}]", ".".join(map(str, loc[1:]))) if len(loc) > 1 else ("", format_loc(loc))
    where = f"{section} {key}".strip()
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"{where}: unknown key; check the spelling (docs/configuration.md lists every key)"
    if kind == "literal_error":
        return f"{where}: must be one of {', '.join(LAYERS)}, got {err.get('input')!r}"
    return f"{where}: {err['msg']}, got {err.get('input')!r}"
