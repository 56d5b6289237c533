"""A visitor's session at the kiosk and what it records: the rules, without any screen.

The screens call these methods and write the drafts they return; `kiosk simulate` drives
the same methods, so simulated visitors take exactly the recording path of real ones.
Nothing here identifies a person: a session id is random and linked to nothing else.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from . import poll_window
from .clock import UTC, UTC_TEXT_FORMAT
from .handoff import new_handoff_id
from .terms import PollType
from .privacy import looks_like_contact_data
from .records import Flag, Kind, RecordDraft

if TYPE_CHECKING:
    from .content_model import Exhibit, Poll

# Faster than a person reads a question and answers it: such votes are kept but flagged.
MIN_ANSWER_S = 1.0
# Votes on this kiosk closer together than this (any poll, any session) are a burst.
MIN_GAP_BETWEEN_VOTES_S = 2.0
RATINGS = (1, 2, 3, 4, 5)


class VoteBlock(str, Enum):
    ALREADY_VOTED = "already_voted"   # one vote per poll per session
    COOLDOWN = "cooldown"             # the poll just took a vote on this kiosk
    CLOSED = "closed"                 # outside open_from / open_until


class InvalidAnswer(ValueError):
    """The answer does not fit the poll (unknown option, too many ticks, empty)."""


@dataclass
class VoteCheck:
    allowed: bool
    block: VoteBlock | None = None
    wait_s: float = 0.0


@dataclass
class Session:
    id: str
    layer: str
    started_mono: float
    started_at: dt.datetime
    voted: set[tuple[str, str]] = field(default_factory=set)
    viewing: tuple[str, float] | None = None  # (exhibit id, since)
    # The phone hand-off (kiosk.core.handoff): one random id per visit, and the exhibits marked
    # "Mitnehmen" in the order they were marked. Both go with the session.
    handoff_id: str = field(default_factory=new_handoff_id)
    take_home: list[str] = field(default_factory=list)
    # The token last made for this visit: (what it says, made at, token); see handoff.visit_handoff.
    handoff_made: tuple[tuple, float, str] | None = None


class Visits:
    """The kiosk's participation rules across sessions (cooldowns and bursts span visitors)."""

    def __init__(self, content_version: str, *, vote_cooldown_s: float = 20.0, idea_max_chars: int = 600,
                 clock=time.monotonic, wallclock=None):
        self.content_version = content_version
        self.vote_cooldown_s = vote_cooldown_s
        self.idea_max_chars = idea_max_chars
        self.min_answer_s = MIN_ANSWER_S
        self.min_gap_between_votes_s = MIN_GAP_BETWEEN_VOTES_S
        self._clock = clock
        self._wallclock = wallclock or (lambda: dt.datetime.now(UTC))
        self._last_vote_on: dict[tuple[str, str], float] = {}
        self._last_vote_any: float | None = None
        self.session: Session | None = None

    def now(self) -> float:
        """The rules' clock: screens take the moment a question was shown from here."""
        return self._clock()

    # --- sessions -------------------------------------------------------------------------

    def start(self, layer: str) -> Session:
        if self.session is not None:
            return self.session
        self.session = Session(id=secrets.token_hex(16), layer=layer, started_mono=self._clock(),
                               started_at=self._wallclock())
        return self.session

    def set_layer(self, layer: str) -> None:
        if self.session is not None:
            self.session.layer = layer

    def end(self, ended_by: str) -> list[RecordDraft]:
        """Drafts for the end of the visit: the open view, then the session itself."""
        session = self.session
        if session is None:
            return []
        drafts = [d for d in [self.leave_exhibit()] if d is not None]
        drafts.append(self._draft(Kind.SESSION, payload={
            "started_at": _iso(session.started_at),
            "ended_at": _iso(self._wallclock()),
            "duration_s": round(self._clock() - session.started_mono, 1),
            "layer": session.layer,
            "ended_by": ended_by,
        }))
        self.session = None
        return drafts

    # --- taking exhibits home -------------------------------------------------------------

    def toggle_take_home(self, exhibit_id: str) -> bool:
        """Mark the exhibit "Mitnehmen", or unmark it: True when it is marked now."""
        marked = self._session().take_home
        if exhibit_id in marked:
            marked.remove(exhibit_id)
            return False
        marked.append(exhibit_id)
        return True

    def take_home(self) -> tuple[str, ...]:
        """The exhibits this visitor marked "Mitnehmen", in marking order (none without a visit)."""
        return tuple(self.session.take_home) if self.session is not None else ()

    def is_taken_home(self, exhibit_id: str) -> bool:
        return self.session is not None and exhibit_id in self.session.take_home

    # --- views ----------------------------------------------------------------------------

    def enter_exhibit(self, exhibit_id: str) -> RecordDraft | None:
        """Start timing a view; returns the draft of the view it ends, if any."""
        ended = self.leave_exhibit()
        if self.session is not None:
            self.session.viewing = (exhibit_id, self._clock())
        return ended

    def leave_exhibit(self) -> RecordDraft | None:
        session = self.session
        if session is None or session.viewing is None:
            return None
        exhibit_id, since = session.viewing
        session.viewing = None
        return self._draft(Kind.VIEW, exhibit_id=exhibit_id,
                           payload={"dwell_s": round(self._clock() - since, 1), "layer": session.layer})

    # --- votes ----------------------------------------------------------------------------

    def check_vote(self, exhibit: Exhibit, poll: Poll, now: dt.datetime | None = None) -> VoteCheck:
        now = now or self._wallclock()
        if not poll_is_open(poll, now):
            return VoteCheck(False, VoteBlock.CLOSED)
        if self.session is not None and (exhibit.id, poll.id) in self.session.voted:
            return VoteCheck(False, VoteBlock.ALREADY_VOTED)
        last = self._last_vote_on.get((exhibit.id, poll.id))
        if last is not None:
            wait = self.vote_cooldown_s - (self._clock() - last)
            if wait > 0:
                return VoteCheck(False, VoteBlock.COOLDOWN, wait)
        return VoteCheck(True)

    def vote(self, exhibit: Exhibit, poll: Poll, answers: list[str], shown_mono: float) -> RecordDraft:
        """The draft of a confirmed vote; raises InvalidAnswer or, if blocked, VoteBlocked."""
        check = self.check_vote(exhibit, poll)
        if not check.allowed:
            raise VoteBlocked(check)
        answers = validate_answers(poll, answers)
        now = self._clock()
        flags = ()
        too_quick = now - shown_mono < self.min_answer_s
        too_close = self._last_vote_any is not None and now - self._last_vote_any < self.min_gap_between_votes_s
        if too_quick or too_close:
            flags = (Flag.SUSPECT_BURST,)
        self._last_vote_any = now
        self._last_vote_on[(exhibit.id, poll.id)] = now
        session = self._session()
        session.voted.add((exhibit.id, poll.id))
        return self._draft(Kind.VOTE, exhibit_id=exhibit.id, poll_id=poll.id,
                           question_version=poll.question_version, flags=flags,
                           payload={"answers": answers, "layer": session.layer})

    def forget_vote(self, exhibit: Exhibit, poll: Poll) -> None:
        """A vote the store could not save does not count: the visitor may try again."""
        if self.session is not None:
            self.session.voted.discard((exhibit.id, poll.id))
        self._last_vote_on.pop((exhibit.id, poll.id), None)

    # --- feedback and ideas ---------------------------------------------------------------

    def feedback(self, exhibit: Exhibit, rating: int, comment: str | None = None) -> RecordDraft:
        if rating not in RATINGS:
            raise InvalidAnswer(f"rating must be one of 1-5, got {rating!r}")
        comment = (comment or "").strip()[: self.idea_max_chars] or None
        flags = (Flag.CONTACT_DATA,) if comment and looks_like_contact_data(comment) else ()
        return self._draft(Kind.FEEDBACK, exhibit_id=exhibit.id, flags=flags,
                           payload={"rating": rating, "comment": comment, "layer": self._session().layer})

    def idea(self, exhibit: Exhibit, text: str) -> RecordDraft:
        text = text.strip()
        if not text:
            raise InvalidAnswer("an idea needs some text")
        if len(text) > self.idea_max_chars:
            raise InvalidAnswer(f"an idea may have at most {self.idea_max_chars} characters")
        flags = (Flag.CONTACT_DATA,) if looks_like_contact_data(text) else ()
        return self._draft(Kind.IDEA, exhibit_id=exhibit.id, flags=flags,
                           payload={"text": text, "layer": self._session().layer})

    # --- helpers --------------------------------------------------------------------------

    def _session(self) -> Session:
        if self.session is None:
            raise RuntimeError("no visitor session: call start() first")
        return self.session

    def _draft(self, kind: Kind, *, payload: dict, exhibit_id=None, poll_id=None, question_version=None,
               flags=()) -> RecordDraft:
        return RecordDraft(kind=kind, session_id=self._session().id, content_version=self.content_version,
                           payload=payload, exhibit_id=exhibit_id, poll_id=poll_id,
                           question_version=question_version, flags=tuple(flags))


class VoteBlocked(Exception):
    def __init__(self, check: VoteCheck):
        super().__init__(check.block.value if check.block else "blocked")
        self.check = check


def validate_answers(poll: Poll, answers: list[str]) -> list[str]:
    allowed = poll.answer_ids()
    answers = list(dict.fromkeys(answers))  # a double tap on one option is one answer
    if not answers:
        raise InvalidAnswer("no answer chosen")
    unknown = [a for a in answers if a not in allowed]
    if unknown:
        raise InvalidAnswer(f"unknown answer {unknown[0]!r} for poll {poll.id!r}; allowed: {', '.join(allowed)}")
    limit = poll.max_choices if poll.type is PollType.MULTI else 1
    if len(answers) > limit:
        raise InvalidAnswer(f"poll {poll.id!r} takes at most {limit} answer(s), got {len(answers)}")
    return answers


def poll_is_open(poll: Poll, now: dt.datetime) -> bool:
    # Offsets in open_from / open_until are kept: they name an exact moment (see poll_window).
    return poll_window.is_open(poll.open_from, poll.open_until, now)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(UTC).strftime(UTC_TEXT_FORMAT)
