"""The content's fixed vocabulary: language layers, poll types, project statuses, and
`Words`, a text in the three layers.

Plain Python, no pydantic: the kiosk reads these before its first frame, and the
content model (which does use pydantic) loads after it. `content_model` re-exports
all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

LAYERS: tuple[str, ...] = ("de", "en", "ls")
DEFAULT_LAYER = "de"
LAYER_NAMES = {"de": "Deutsch", "en": "English", "ls": "Leichte Sprache"}


class InLayers:
    """Reading a text that has `de`, `en` and `ls`: German is required, the others fall back to it."""

    de: str

    def get(self, layer: str) -> str:
        return getattr(self, layer, None) or self.de

    def has(self, layer: str) -> bool:
        return bool(getattr(self, layer, None))


@dataclass(frozen=True)
class Words(InLayers):
    """The kiosk's own words in the three layers (the content's texts are `LocalizedText`)."""

    de: str
    en: str | None = None
    ls: str | None = None


class ProjectStatus(str, Enum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


STATUS_LABELS: dict[ProjectStatus, Words] = {
    ProjectStatus.PLANNED: Words(de="In Planung", en="Planned", ls="Die Stadt plant das."),
    ProjectStatus.IN_PROGRESS: Words(de="In Umsetzung", en="In progress", ls="Die Stadt macht das gerade."),
    ProjectStatus.DONE: Words(de="Umgesetzt", en="Done", ls="Das ist fertig."),
}


class PollType(str, Enum):
    SINGLE = "single"
    MULTI = "multi"
    SCALE = "scale"
    SMILEY = "smiley"
    YESNO = "yesno"


# Poll types whose answers are fixed by the type; the editor gives no options.
FIXED_ANSWERS: dict[PollType, tuple[str, ...]] = {
    PollType.SCALE: ("1", "2", "3", "4", "5"),
    PollType.SMILEY: ("1", "2", "3", "4"),
    PollType.YESNO: ("yes", "no"),
}
