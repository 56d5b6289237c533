"""Long content never holds up a tap: a long body comes in a few blocks a frame, a long calendar
shows its next events."""

import datetime as dt

import pytest

from kiosk.core.limits import LIMITS
from kiosk.ui.widgets.body_view import BLOCKS_PER_FRAME, FIRST_BLOCKS, BodyView

pytestmark = pytest.mark.ui


def texts(view) -> list[str]:
    shown = []
    for child in reversed(view.children):  # Kivy keeps children last-added first
        shown.append(child.ids.text.text if "text" in child.ids else child.text)
    return shown


def test_a_long_body_comes_in_a_few_blocks_a_frame(fresh):
    view = BodyView(width=900)
    paragraphs = [f"Absatz {i}" for i in range(LIMITS.body_blocks)]
    view.markdown = "\n\n".join(paragraphs)
    assert texts(view) == paragraphs[:FIRST_BLOCKS]
    fresh.frames(1)
    assert len(view.children) <= FIRST_BLOCKS + BLOCKS_PER_FRAME
    fresh.wait(lambda: len(view.children) == len(paragraphs), what="the whole body")
    assert texts(view) == paragraphs


def test_blocks_still_coming_for_a_body_left_are_dropped(fresh):
    # Exhibit A, B and A again within a few frames: A's first pass must not add to the second.
    view = BodyView(width=900)
    first = "\n\n".join(f"A {i}" for i in range(60))
    view.markdown = first
    fresh.frames(1)
    view.markdown = "- B 1\n- B 2"
    view.markdown = first
    fresh.wait(lambda: len(view.children) >= 60, what="body A again")
    fresh.frames(10)
    assert texts(view) == [f"A {i}" for i in range(60)]


def test_a_long_calendar_shows_the_next_events_only(fresh, monkeypatch):
    # A year of weekly events in events.toml: hundreds of cards with a QR code each would hold
    # the tap for seconds; the screen shows the next ones.
    from kiosk.ui.screens.events import MAX_EVENTS_SHOWN, EventCard

    first = fresh.app.content.events[0]
    week = dt.timedelta(days=7)
    calendar = [first.model_copy(update={"id": f"woche-{i}", "start": first.start + i * week,
                                         "end": first.end + i * week}) for i in range(300)]
    monkeypatch.setattr(fresh.app.content, "events", calendar)
    fresh.app.start_visit()
    fresh.settle()
    fresh.tap(fresh.find(text="Alle Termine"))
    cards = [w for w in fresh.walk() if isinstance(w, EventCard)]
    shown = sorted(card.event.id for card in cards)
    upcoming = [e.id for e in fresh.app.content.upcoming_events(dt.datetime.now(dt.timezone.utc))]
    assert len(cards) == MAX_EVENTS_SHOWN
    assert shown == sorted(upcoming[:MAX_EVENTS_SHOWN])
