"""What a visitor does, as records: the shape shared by the screens, the store and the export.

The core builds a `RecordDraft` (what happened); the store turns it into a `Record` by adding
the identity fields (id, kiosk_id, store_id, seq, boot_id, created_at) inside the transaction
that writes it. Records are immutable once written; (store_id, seq) names a record's place.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field, fields
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


def new_record_id() -> str:
    """A new record's id: a UUID version 7 (RFC 9562): Unix milliseconds (48 bits), the
    fraction of the millisecond (12 bits, RFC 9562's method 3: to a quarter microsecond), then
    62 random bits. Ids made one after another sort in that order, so a database's unique index
    on them takes a batch's ids into a few pages at its end; random UUID4s scatter a batch over
    the whole index, and the central's commits wrote several times the pages (20 kiosks pushing
    together: 14-22 ms of SQLite per 500 records instead of 6). The time is the record's
    creation, which the record carries anyway (created_at); the ids of a kiosk whose clock is
    wrong stay unique, they only sort elsewhere."""
    ms, fraction = divmod(time.time_ns(), 1_000_000)
    value = (ms & _MS_MASK) << 80 | 0x7 << 76 | (fraction * 4096 // 1_000_000) << 64 | 0b10 << 62 \
        | int.from_bytes(os.urandom(8), "big") & _RAND_B_MASK
    return str(uuid.UUID(int=value))


_MS_MASK = (1 << 48) - 1
_RAND_B_MASK = (1 << 62) - 1

FREE_TEXT_KINDS = (Kind.FEEDBACK, Kind.IDEA)
# Where each free-text kind keeps what the visitor typed, in its payload: redaction nulls it,
# and an export leaves it out unless asked for.
FREE_TEXT_FIELDS = {Kind.FEEDBACK.value: "comment", Kind.IDEA.value: "text"}


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
    id: str                 # new_record_id(), made when the record is created
    kiosk_id: str
    store_id: str           # UUID of the store file, made when the file was created
    seq: int                # strictly increasing within the store, persisted
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


# A record's fields, in order: the store's columns and the export's raw columns are built from
# this one tuple, and so is the sync's envelope to be (`extra` is what the store adds beside a
# record).
RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Record) if f.name != "extra")
# The export's raw columns: the record's fields, with the payload spread into the cells people
# count (and flags after them), the free text a column of its own only when asked for.
PAYLOAD_COLUMNS: tuple[str, ...] = ("answers", "rating", "layer", "dwell_s")
# store_id is not an export column (yet): scripts read the exported files by these columns, and
# the export's cells (kiosk.export.columns, the store's SQL lines) would change with them.
_NOT_EXPORTED = ("store_id", "payload", "flags")
EXPORT_COLUMNS: tuple[str, ...] = (
    tuple(name for name in RECORD_FIELDS if name not in _NOT_EXPORTED) + PAYLOAD_COLUMNS + ("flags",))
EXPORT_FREE_TEXT_COLUMN = "free_text"
# What a central keeps beside a record it received (in Record.extra, under this name): its own UTC
# clock when the record arrived. An export shows it only when asked for (the central's export),
# as a column after the record's own, so the kiosk's columns keep their places.
RECEIVED_AT = "received_at"
# The columns an export can add from Record.extra, when its caller names them (extra_columns).
EXPORT_EXTRA_COLUMNS: tuple[str, ...] = (RECEIVED_AT,)
