"""What a visitor does, as records: the shape shared by the screens, the store and the export.

The core builds a `RecordDraft` (what happened); the store turns it into a `Record` by adding
the identity fields (id, kiosk_id, seq, boot_id, created_at) inside the transaction that
writes it. Records are immutable once written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(str, Enum):
    VIEW = "view"          # an exhibit was looked at: payload {"dwell_s": float, "layer": str}
    VOTE = "vote"          # a poll answer: payload {"answers": [str, ...], "layer": str}
    FEEDBACK = "feedback"  # a rating: payload {"rating": 1..5, "comment": str | None, "layer": str}
    IDEA = "idea"          # free text: payload {"text": str, "layer": str}
    SESSION = "session"    # a visit: payload {"started_at", "ended_at", "layer", "ended_by": idle|done|staff}


class Flag(str, Enum):
    SUSPECT_BURST = "suspect_burst"  # faster than people vote: kept, left out of live results
    CONTACT_DATA = "contact_data"    # free text that looks like an e-mail address or phone number


FREE_TEXT_KINDS = (Kind.FEEDBACK, Kind.IDEA)


@dataclass(frozen=True)
class RecordDraft:
    kind: Kind
    session_id: str
    content_version: str
    payload: dict
    exhibit_id: str | None = None
    poll_id: str | None = None
    question_version: str | None = None
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class Record:
    id: str                 # UUID4, made when the record is created
    kiosk_id: str
    seq: int                # per kiosk, strictly increasing, persisted
    boot_id: str            # one per start of the kiosk process
    session_id: str
    kind: Kind
    exhibit_id: str | None
    poll_id: str | None
    question_version: str | None
    content_version: str
    payload: dict
    flags: tuple[Flag, ...]
    created_at: str         # kiosk UTC clock, ISO 8601 with "Z"
    extra: dict = field(default_factory=dict)
