"""The content model: exhibits, polls, media, events and themes.

Structure and types are checked here by pydantic; rules that span fields
(duplicate ids, options per poll type, files on disk) live in `content_checks`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.functional_validators import PlainValidator

from .limits import LIMITS
from .terms import (  # noqa: F401  (re-exported: the content's vocabulary lives there)
    DEFAULT_LAYER, FIXED_ANSWERS, LAYER_NAMES, LAYERS, STATUS_LABELS, InLayers, PollType, ProjectStatus,
)

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
Slug = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
# A body is a whole .md file: its limit is the file's (a character is at least one byte).
BodyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=LIMITS.markdown_bytes)]


class _Strict(BaseModel):
    # Unknown keys are almost always typos in a hand-written file: refuse them.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class LocalizedText(InLayers, _Strict):
    """One text in the three layers; German is required, the others fall back to it."""

    de: Text
    en: Text | None = None
    ls: Text | None = None


class Body(LocalizedText):
    """The body text, one .md file per layer (de.md, en.md, ls.md)."""

    de: BodyText
    en: BodyText | None = None
    ls: BodyText | None = None

    def keeps_lines(self, layer: str) -> bool:
        """Whether the text shown in `layer` keeps each source line: Leichte Sprache is written
        one sentence per line; the German shown where ls.md is missing flows as German does."""
        return layer == "ls" and self.has("ls")


def _toml_date(value):
    # A quoted date is a string in TOML; say how to write it rather than guess its format.
    if isinstance(value, str):
        raise ValueError(f"'{value}' is text, not a date; write the date without quotes, e.g. 2027-01-31")
    if not isinstance(value, dt.date):
        raise ValueError(f"expected a date like 2027-01-31 (without quotes), got {value!r}")
    return value


def _enum_from_text(enum_cls):
    allowed = ", ".join(m.value for m in enum_cls)

    def convert(value):
        if isinstance(value, enum_cls):
            return value
        if isinstance(value, str) and value in enum_cls._value2member_map_:
            return enum_cls(value)
        raise ValueError(f"must be one of {allowed}; got {value!r}")

    return convert


TomlDate = Annotated[dt.date, PlainValidator(_toml_date)]


class Option(_Strict):
    id: Slug
    label: LocalizedText


class ScaleLabels(_Strict):
    low: LocalizedText
    high: LocalizedText


class Poll(_Strict):
    id: Slug
    type: PollType
    question: LocalizedText
    options: list[Option] = Field(default=[], max_length=8)  # four rows of two: what a screen shows
    max_choices: int | None = Field(default=None, ge=1)
    scale_labels: ScaleLabels | None = None
    show_results: bool = True
    open_from: TomlDate | None = None
    open_until: TomlDate | None = None

    # Strict mode would refuse the plain string TOML gives for an enum.
    _type = field_validator("type", mode="before")(_enum_from_text(PollType))

    def answer_ids(self) -> tuple[str, ...]:
        return FIXED_ANSWERS.get(self.type) or tuple(o.id for o in self.options)

    @property
    def question_version(self) -> str:
        """Hash of the poll as a visitor sees it: answers are tied to this exact question."""
        shown = self.model_dump(include={"id", "type", "question", "options", "max_choices", "scale_labels"})
        return _digest(shown)[:16]


class Media(_Strict):
    path: Annotated[str, StringConstraints(min_length=1)]
    alt: LocalizedText
    caption: LocalizedText | None = None
    credit: Text
    licence: Text


class Link(_Strict):
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    label: LocalizedText


class Contact(_Strict):
    name: Text
    role: LocalizedText | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()/-]{5,30}$")] | None = None


class Idea(_Strict):
    prompt: LocalizedText


class Exhibit(_Strict):
    id: Slug
    order: int = 100
    theme: Slug
    status: ProjectStatus
    featured: bool = False
    feedback: bool = True
    title: LocalizedText
    summary: LocalizedText
    body: Body
    # Bounds a screen can show (and that bound the work of checking one exhibit).
    media: list[Media] = Field(default=[], max_length=8)
    links: list[Link] = Field(default=[], max_length=6)
    contacts: list[Contact] = Field(default=[], max_length=6)
    polls: list[Poll] = Field(default=[], max_length=6)
    idea: Idea | None = None

    _status = field_validator("status", mode="before")(_enum_from_text(ProjectStatus))

    def poll(self, poll_id: str) -> Poll | None:
        return next((p for p in self.polls if p.id == poll_id), None)


class Event(_Strict):
    id: Slug
    title: LocalizedText
    start: dt.datetime
    end: dt.datetime
    place: LocalizedText
    description: LocalizedText
    registration_url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None

    @field_validator("start", "end", mode="plain")
    @classmethod
    def _datetime_only(cls, value):
        if isinstance(value, str):
            raise ValueError(f"'{value}' is text, not a date and time; write it without quotes, "
                             "e.g. 2027-01-31T18:00:00")
        value = _toml_date(value)
        if not isinstance(value, dt.datetime):
            raise ValueError(f"{value} has no time; write date and time, e.g. {value}T18:00:00")
        return value


class Theme(_Strict):
    id: Slug
    order: int = 100
    title: LocalizedText


class Place(_Strict):
    """The StadtLABOR itself (place.toml, optional): where and when visitors can take part; the
    phone pages name it where participation is offered to visitors only."""

    name: Text
    address: Text
    opening_hours: LocalizedText


class EventsFile(_Strict):
    events: list[dict] = []


class ThemesFile(_Strict):
    themes: list[dict] = []


def _digest(data) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def content_digest(parts) -> str:
    """Stable hash over everything a visitor sees (models dumped as JSON plus media hashes)."""
    return _digest(parts)


def slug_ok(value: str) -> bool:
    return re.match(ID_PATTERN, value) is not None
