"""The Ideenwand as the visitor reads it: one approved idea from the kiosk's store (as
`kiosk.store.Store.idea_wall` gives it) in the visitor's language layer. Pure Python, no Kivy.

The idea's own text stays in the layer its writer used; the status and staff's answer follow the
visitor's layer, the answer falling back to German (with the kiosk's usual note) where staff
gave none in that layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from .terms import LAYERS
from .ui_text import text

STATUSES = ("received", "reviewing", "done", "not_possible")  # sync.protocol.IdeaStatus' values


@dataclass(frozen=True)
class WallAnswer:
    text: str               # "" when staff have not answered yet
    layer: str | None       # the layer `text` is in
    note: str = ""          # the fallback note when it is not the visitor's layer


def status_words(status: str, layer: str) -> str:
    """The status as a short label ("In Prüfung", "Wird geprüft"); an unknown one reads as received."""
    return text(f"idea_status_{status if status in STATUSES else 'received'}", layer)


def answer_in(answer: dict | None, layer: str) -> WallAnswer:
    """Staff's answer in `layer`, else in German with the fallback note, else in whichever
    layer they gave it (a note only for German: the kiosk's note says "shown in German")."""
    answer = answer or {}

    def given(name: str) -> str:
        value = answer.get(name)
        return value if isinstance(value, str) and value.strip() else ""

    if given(layer):
        return WallAnswer(given(layer), layer)
    for other in ("de", *LAYERS):
        if given(other):
            return WallAnswer(given(other), other, text("fallback_note", layer) if other == "de" else "")
    return WallAnswer("", None)
