"""Rules that span fields of a validated exhibit or event list.

Each check yields (loc, message, severity) so the loader can place it on a line.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from . import poll_window
from .content_model import LAYERS, Event, Exhibit, LocalizedText, PollType
from .problems import Severity, format_loc

Finding = tuple[tuple, str, Severity]

E, W = Severity.ERROR, Severity.WARNING


def check_exhibit(exhibit: Exhibit, theme_ids: set[str] | None) -> Iterator[Finding]:
    if theme_ids is not None and exhibit.theme not in theme_ids:
        known = ", ".join(sorted(theme_ids)) or "none"
        yield ("theme",), f"unknown theme '{exhibit.theme}'; known themes (themes.toml): {known}", E
    yield from _duplicates(((("polls", i, "id"), p.id) for i, p in enumerate(exhibit.polls)), "poll id")
    for i, poll in enumerate(exhibit.polls):
        yield from _check_poll(i, poll)
    if not exhibit.media:
        yield ("media",), "no image; add a [[media]] table so the exhibit has a picture on its tile", W


def _check_poll(i: int, poll) -> Iterator[Finding]:
    at = ("polls", i)
    choice = poll.type in (PollType.SINGLE, PollType.MULTI)
    if choice and len(poll.options) < 2:
        have = "no options" if not poll.options else "only one option"
        yield at + ("options",), (
            f"poll '{poll.id}' of type {poll.type.value} has {have}; "
            "add at least two [[polls.options]] tables with id and [polls.options.label]"), E
    if not choice and poll.options:
        yield at + ("options",), (
            f"poll '{poll.id}' of type {poll.type.value} has fixed answers; "
            "remove its [[polls.options]] or use type = \"single\""), E
    yield from _duplicates(
        ((at + ("options", j, "id"), o.id) for j, o in enumerate(poll.options)), "option id", f" in poll '{poll.id}'")
    if poll.type is PollType.MULTI:
        if poll.max_choices is None:
            yield at + ("max_choices",), f"poll '{poll.id}' is multi; set max_choices (how many answers a visitor may tick)", E
        elif poll.options and poll.max_choices > len(poll.options):
            yield at + ("max_choices",), (
                f"max_choices is {poll.max_choices} but poll '{poll.id}' has {len(poll.options)} options; "
                "lower max_choices or add options"), E
    elif poll.max_choices is not None:
        yield at + ("max_choices",), f"max_choices only applies to type = \"multi\"; remove it from poll '{poll.id}'", E
    if poll.scale_labels is not None and poll.type is not PollType.SCALE:
        yield at + ("scale_labels",), f"scale_labels only apply to type = \"scale\"; remove them from poll '{poll.id}'", E
    if poll.open_from and poll.open_until and \
            poll_window.closes_at(poll.open_until) <= poll_window.opens_at(poll.open_from):
        yield at + ("open_until",), (
            f"open_until ({poll.open_until}) is not after open_from ({poll.open_from}); swap or fix the dates"), E


def check_events(events: list[tuple[int, Event]]) -> Iterator[Finding]:
    yield from _duplicates(((("events", i, "id"), e.id) for i, e in events), "event id")
    for i, event in events:
        if event.end <= event.start:
            yield ("events", i, "end"), f"end ({event.end}) is not after start ({event.start}); fix the times", E


def missing_layers(model: BaseModel, loc: tuple = ()) -> dict[str, list[str]]:
    """layer -> fields that have no text in that layer (they fall back to German)."""
    missing: dict[str, list[str]] = {layer: [] for layer in LAYERS}
    for name, value in model:
        for sub_loc, item in _children(loc + (name,), value):
            if isinstance(item, LocalizedText):
                for layer in LAYERS:
                    if not item.has(layer):
                        missing[layer].append(format_loc(sub_loc))
            elif isinstance(item, BaseModel):
                for layer, fields in missing_layers(item, sub_loc).items():
                    missing[layer].extend(fields)
    return missing


def _children(loc, value):
    if isinstance(value, list):
        return [(loc + (i,), v) for i, v in enumerate(value)]
    return [(loc, value)]


def _duplicates(pairs, what: str, where: str = "") -> Iterator[Finding]:
    seen: set[str] = set()
    for loc, value in pairs:
        if value in seen:
            yield loc, f"duplicate {what} '{value}'{where}; every {what} must be unique{where}, rename one", E
        seen.add(value)

