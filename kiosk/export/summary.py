"""Per-poll summaries, counted while the records stream past.

One summary per (exhibit, poll, question_version): answers given to a reworded question are
answers to a different question and are never added up with the current one. Votes flagged
as bursts (faster than people vote) are counted apart, as the store's `poll_counts` does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from kiosk.core.content_model import Exhibit, Poll, PollType
from kiosk.core.records import Flag, Kind, Record

TYPE_LABELS = {
    PollType.SINGLE: "Einfachauswahl",
    PollType.MULTI: "Mehrfachauswahl",
    PollType.SCALE: "Skala 1–5",
    PollType.SMILEY: "Smileys (4 Stufen)",
    PollType.YESNO: "Ja/Nein",
}
_FIXED_WORDS = {
    "smiley_1": "gar nicht gut", "smiley_2": "eher nicht gut", "smiley_3": "eher gut", "smiley_4": "sehr gut",
    "yes": "Ja", "no": "Nein",
}

CURRENT = "aktuell"
EARLIER = "frühere Fassung"
NOT_IN_CONTENT = "nicht im Inhalt"
STATUS_NOTES = {
    CURRENT: "",
    EARLIER: "Frage oder Antworten wurden seitdem geändert; Texte der aktuellen Fassung",
    NOT_IN_CONTENT: "Umfrage steht nicht mehr im Inhalt; Antworten als Kennungen",
}
_SUSPECT = Flag.SUSPECT_BURST.value
_VOTE = Kind.VOTE.value


def _words(key: str) -> str:
    # The kiosk's own wording where it exists, so the export says what the visitor saw.
    try:
        from kiosk.core.ui_text import TEXTS
    except ImportError:
        return _FIXED_WORDS[key]
    text = TEXTS.get(key)
    return text.de if text is not None else _FIXED_WORDS[key]


def answer_label(poll: Poll | None, answer_id: str) -> str:
    """The German words for an answer id: the option label, the smiley's words, Ja/Nein, 1-5."""
    if poll is None:
        return answer_id
    if poll.type in (PollType.SINGLE, PollType.MULTI):
        option = next((o for o in poll.options if o.id == answer_id), None)
        return option.label.de if option is not None else answer_id
    if poll.type is PollType.SMILEY and answer_id in ("1", "2", "3", "4"):
        return _words(f"smiley_{answer_id}")
    if poll.type is PollType.YESNO and answer_id in ("yes", "no"):
        return _words(answer_id)
    if poll.type is PollType.SCALE and poll.scale_labels is not None:
        if answer_id == "1":
            return f"1 – {poll.scale_labels.low.de}"
        if answer_id == "5":
            return f"5 – {poll.scale_labels.high.de}"
    return answer_id


@dataclass
class AnswerCount:
    answer_id: str
    label: str
    count: int          # votes not flagged suspect that chose this answer
    suspect: int        # votes flagged suspect that chose it (not in `count`)
    percent: float | None  # share of the (non-suspect) voters, 0-100; None when nobody voted

    def as_json(self) -> dict:
        return {"answer_id": self.answer_id, "label": self.label, "count": self.count,
                "percent": self.percent, "suspect": self.suspect}


@dataclass
class PollSummary:
    exhibit_id: str
    poll_id: str
    question_version: str
    status: str                 # CURRENT, EARLIER or NOT_IN_CONTENT
    question: str               # German question text ("" when the poll is no longer in the content)
    type: str | None            # PollType value
    exhibit_title: str
    voters: int
    suspect_voters: int
    answers: list[AnswerCount] = field(default_factory=list)

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(PollType(self.type), self.type) if self.type else ""

    @property
    def note(self) -> str:
        return STATUS_NOTES[self.status]

    def counts(self) -> dict:
        """The same shape as `Store.poll_counts(..., include_suspect=False)`."""
        return {"answers": {a.answer_id: a.count for a in self.answers if a.count}, "voters": self.voters}

    def as_json(self) -> dict:
        return {"exhibit_id": self.exhibit_id, "poll_id": self.poll_id, "question_version": self.question_version,
                "status": self.status, "question": self.question, "type": self.type,
                "exhibit_title": self.exhibit_title, "voters": self.voters, "suspect_voters": self.suspect_voters,
                "answers": [a.as_json() for a in self.answers]}


class _Tally:
    __slots__ = ("answers", "suspect", "voters", "suspect_voters")

    def __init__(self):
        self.answers: Counter = Counter()
        self.suspect: Counter = Counter()
        self.voters = 0
        self.suspect_voters = 0


class SummaryBuilder:
    """Feed it every exported record (`add`); ask for the summaries at the end."""

    def __init__(self):
        self._tallies: dict[tuple[str, str, str], _Tally] = {}

    def add(self, record: Record) -> None:
        # Kind and Flag are str enums: comparing with their values works for either form.
        if record.kind != _VOTE:
            return
        key = (record.exhibit_id or "", record.poll_id or "", record.question_version or "")
        tally = self._tallies.get(key)
        if tally is None:
            tally = self._tallies[key] = _Tally()
        answers = (record.payload or {}).get("answers") or ()
        if record.flags and _SUSPECT in record.flags:
            tally.suspect_voters += 1
            tally.suspect.update(answers)
        else:
            tally.voters += 1
            tally.answers.update(answers)

    def add_tally(self, exhibit_id: str, poll_id: str, question_version: str, suspect: bool, answer, count: int,
                  voters: int) -> None:
        """Add one row of `Store.vote_tallies`: the same counts as `add` of each vote they stand for,
        counted by SQLite instead of record by record."""
        key = (exhibit_id or "", poll_id or "", question_version or "")
        tally = self._tallies.get(key)
        if tally is None:
            tally = self._tallies[key] = _Tally()
        if suspect:
            tally.suspect_voters += voters
            if answer is not None and count:
                tally.suspect[answer] += count
        else:
            tally.voters += voters
            if answer is not None and count:
                tally.answers[answer] += count

    def summaries(self, exhibits: Iterable[Exhibit] = (), *, exhibit_id: str | None = None,
                  poll_id: str | None = None) -> list[PollSummary]:
        """Every poll of the content in the selection (with zeros when nobody voted), then every
        other (exhibit, poll, version) that has votes: in content order, current version first."""
        out: list[PollSummary] = []
        seen: set[tuple[str, str, str]] = set()
        polls: dict[tuple[str, str], tuple[Exhibit, Poll]] = {}
        for exhibit in exhibits:
            for poll in exhibit.polls:
                polls[(exhibit.id, poll.id)] = (exhibit, poll)
                if (exhibit_id and exhibit.id != exhibit_id) or (poll_id and poll.id != poll_id):
                    continue
                key = (exhibit.id, poll.id, poll.question_version)
                seen.add(key)
                out.append(self._summary(key, exhibit, poll, CURRENT))
                for other in sorted(k for k in self._tallies if k[:2] == key[:2] and k != key):
                    seen.add(other)
                    out.append(self._summary(other, exhibit, poll, EARLIER))
        for key in sorted(k for k in self._tallies if k not in seen):
            exhibit, poll = polls.get(key[:2], (None, None))
            out.append(self._summary(key, exhibit, poll, EARLIER if poll is not None else NOT_IN_CONTENT))
        return out

    def _summary(self, key, exhibit: Exhibit | None, poll: Poll | None, status: str) -> PollSummary:
        tally = self._tallies.get(key) or _Tally()
        known = poll.answer_ids() if poll is not None else ()
        seen = set(tally.answers) | set(tally.suspect)
        # The current question lists every answer, even unchosen ones; an earlier version only
        # the answers it got, since its answer list may have differed.
        order = list(known) if status == CURRENT else [a for a in known if a in seen]
        order += sorted(seen - set(order))
        answers = [AnswerCount(answer_id=a, label=answer_label(poll, a), count=tally.answers[a],
                               suspect=tally.suspect[a],
                               percent=round(100 * tally.answers[a] / tally.voters, 1) if tally.voters else None)
                   for a in order]
        return PollSummary(exhibit_id=key[0], poll_id=key[1], question_version=key[2], status=status,
                           question=poll.question.de if poll is not None else "",
                           type=poll.type.value if poll is not None else None,
                           exhibit_title=exhibit.title.de if exhibit is not None else "",
                           voters=tally.voters, suspect_voters=tally.suspect_voters, answers=answers)


RATINGS = (1, 2, 3, 4, 5)
_FEEDBACK = Kind.FEEDBACK.value


@dataclass
class RatingSummary:
    """The ratings (feedback 1–5) one exhibit got: how many, their average and how they spread."""

    exhibit_id: str
    exhibit_title: str
    distribution: dict[int, int]   # rating -> how often, for every rating 1-5
    comments: int                  # ratings that came with a comment

    @property
    def count(self) -> int:
        return sum(self.distribution.values())

    @property
    def average(self) -> float | None:
        count = self.count
        return sum(r * n for r, n in self.distribution.items()) / count if count else None

    def as_json(self) -> dict:
        return {"exhibit_id": self.exhibit_id, "exhibit_title": self.exhibit_title, "count": self.count,
                "average": self.average, "distribution": {str(r): n for r, n in self.distribution.items()},
                "comments": self.comments}


class RatingBuilder:
    """Feed it every exported record (`add`); ask for one summary per exhibit at the end."""

    def __init__(self):
        self._counts: dict[str, Counter] = {}
        self._comments: Counter = Counter()

    def add(self, record: Record) -> None:
        if record.kind != _FEEDBACK:
            return
        payload = record.payload or {}
        rating = payload.get("rating")
        # Only what the feedback screen can give: a whole 1-5 (True is an int too, and no rating).
        if type(rating) is not int or rating not in RATINGS:
            return
        exhibit = record.exhibit_id or ""
        self._counts.setdefault(exhibit, Counter())[rating] += 1
        if payload.get("comment"):
            self._comments[exhibit] += 1

    def summaries(self, exhibits: Iterable[Exhibit] = (), *, exhibit_id: str | None = None) -> list[RatingSummary]:
        """Every exhibit of the content (zeros when nobody rated it), then rated exhibits no longer in it."""
        out, seen = [], set()
        for exhibit in exhibits:
            if exhibit_id and exhibit.id != exhibit_id:
                continue
            seen.add(exhibit.id)
            out.append(self._summary(exhibit.id, exhibit.title.de))
        out += [self._summary(e, "") for e in sorted(self._counts) if e not in seen]
        return out

    def _summary(self, exhibit_id: str, title: str) -> RatingSummary:
        counts = self._counts.get(exhibit_id, Counter())
        return RatingSummary(exhibit_id=exhibit_id, exhibit_title=title,
                             distribution={r: counts[r] for r in RATINGS}, comments=self._comments[exhibit_id])
