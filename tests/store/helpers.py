"""Helpers for the store tests: drafts of each kind, a clock the test moves, polling with a deadline."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from kiosk.core.records import Flag, Kind, RecordDraft

PROJECT = Path(__file__).resolve().parent.parent.parent


class SteppingClock:
    """UTC time that moves only when the test says so (plus a microsecond per reading, as a real clock)."""

    def __init__(self, start: dt.datetime = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone.utc)):
        self.now = start

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(microseconds=1)
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


def vote(answers=("a",), *, poll="wunsch", exhibit="radwege", version="qv1", suspect=False, session="s1"):
    return RecordDraft(kind=Kind.VOTE, session_id=session, content_version="cv1", exhibit_id=exhibit, poll_id=poll,
                       question_version=version, payload={"answers": list(answers), "layer": "de"},
                       flags=(Flag.SUSPECT_BURST,) if suspect else ())


def view(exhibit="radwege", session="s1"):
    return RecordDraft(kind=Kind.VIEW, session_id=session, content_version="cv1", exhibit_id=exhibit,
                       payload={"dwell_s": 12.5, "layer": "de"})


def feedback(comment="Schön erklärt 👍", session="s1"):
    return RecordDraft(kind=Kind.FEEDBACK, session_id=session, content_version="cv1", exhibit_id="radwege",
                       payload={"rating": 4, "comment": comment, "layer": "de"})


def idea(text="Mehr Bänke am Marktplatz 🌳", session="s1"):
    return RecordDraft(kind=Kind.IDEA, session_id=session, content_version="cv1", exhibit_id="friedhof",
                       payload={"text": text, "layer": "de"})


def wait_for(condition, timeout: float = 10.0, interval: float = 0.002) -> bool:
    """Poll `condition` until it holds or the deadline passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
