"""The wire between a kiosk and the central: the envelopes both sides read and write.

Version 1, JSON over HTTPS:

- `POST /api/v1/records` with `Authorization: Bearer <kiosk token>` and a `Batch`; the answer
  is a `BatchAnswer`: one `RecordResult` per record (accepted, duplicate or rejected with a
  code and a message), and per store the central's `StoreProgress`.
- `GET /api/v1/sync-state`: a `SyncState`, the central's `StoreProgress` for every store of the
  token's kiosk.
- `POST /api/v1/heartbeat`: a `Heartbeat`; the answer is a `HeartbeatAnswer`.
- `GET /api/v1/ideas`: an `IdeasAnswer`, the ideas staff approved, with their answers, for the
  kiosk's "Ideenwand" (the kiosk keeps the last one it got, so the wall shows offline too).
- Every answer, errors included (`ErrorAnswer`), carries `server_time`, the central's clock,
  from which the kiosk measures its own clock's skew.

A record travels with exactly the fields of `kiosk.core.records.Record` (RECORD_FIELDS), taken
from there, never listed again. The records of a batch are checked one by one (`check_record`),
so one record a central cannot take is rejected alone and the rest of the batch goes through.

Only an answer that parses as the envelope, for exactly the ids sent, acknowledges anything
(`read_batch_answer`): a captive portal's HTML 200 or a proxy's error page is a failure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import typing
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, create_model

from kiosk.core.clock import UTC, UTC_TEXT_FORMAT
from kiosk.core.records import RECORD_FIELDS, Flag, Kind, Record

PROTOCOL_VERSION = 1
MAX_BATCH_RECORDS = 1000
MAX_BATCH_BYTES = 2 * 1024 * 1024

RECORDS_PATH = "/api/v1/records"
SYNC_STATE_PATH = "/api/v1/sync-state"
HEARTBEAT_PATH = "/api/v1/heartbeat"
IDEAS_PATH = "/api/v1/ideas"

# The UTC text of kiosk.core.clock, e.g. 2026-11-30T20:15:03.123456Z (fixed width: text order
# is time order on both sides).
UTC_TEXT_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# Ids of kiosks, exhibits and polls as the content and the config allow them.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"

UuidText = Annotated[str, Field(pattern=UUID_PATTERN)]
def _real_moment(text: str) -> str:
    # The pattern lets a month 13 or a 31 April through; the record's time must be a moment.
    try:
        dt.datetime.fromisoformat(text[:-1])  # strptime's result, at a twentieth of its cost
    except ValueError:
        raise ValueError(f"'{text}' is no real moment (UTC, e.g. 2026-11-30T20:15:03.123456Z)") from None
    return text


UtcText = Annotated[str, Field(pattern=UTC_TEXT_PATTERN), AfterValidator(_real_moment)]
IdText = Annotated[str, Field(pattern=ID_PATTERN)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]


class RejectCode(str, Enum):
    INVALID = "invalid"            # the record does not have the shape of a record
    WRONG_KIOSK = "wrong_kiosk"    # its kiosk_id is not the kiosk the token belongs to
    CONFLICT = "conflict"          # its id is stored already, with other content; the stored one stays
    SEQ_TAKEN = "seq_taken"        # its (store_id, seq) is stored already under another id


class Outcome(str, Enum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"  # stored already, identical: acknowledged like an accepted one
    REJECTED = "rejected"


# -- one record on the wire ------------------------------------------------------------------

# What a field must look like on the wire beyond its type in Record; every other field takes
# its type from the dataclass as it is.
_FIELD_RULES: dict[str, Any] = {
    "id": UuidText,
    "kiosk_id": IdText,
    "store_id": UuidText,
    "seq": Annotated[int, Field(ge=1, le=2**62)],
    "boot_id": UuidText,
    "session_id": Annotated[str, Field(min_length=1, max_length=64)],
    "exhibit_id": IdText | None,
    "poll_id": IdText | None,
    "question_version": Annotated[str, Field(max_length=64)] | None,
    "content_version": Annotated[str, Field(max_length=64)],
    "payload": dict[str, Any],
    "flags": list[Flag],
    "created_at": UtcText,
}
assert set(_FIELD_RULES) <= set(RECORD_FIELDS), "a wire rule names a field that records do not have"

_RECORD_TYPES = typing.get_type_hints(Record)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


WireRecord: type[BaseModel] = create_model(
    "WireRecord",
    __base__=_Strict,
    **{name: (_FIELD_RULES.get(name, _RECORD_TYPES[name]), ...) for name in RECORD_FIELDS},
)
WireRecord.__doc__ = "One record as it travels: exactly the fields of kiosk.core.records.Record."
# A record's payload as JSON text is bounded too (an idea is at most 5,000 characters): a
# batch is at most MAX_BATCH_BYTES anyway, but one record should never be most of it.
MAX_PAYLOAD_CHARS = 16 * 1024


def record_to_wire(record: Record) -> dict:
    """The record's fields as JSON values, in RECORD_FIELDS order."""
    values = {name: getattr(record, name) for name in RECORD_FIELDS}
    values["kind"] = record.kind.value
    values["flags"] = [flag.value for flag in record.flags]
    return values


def record_from_wire(values: dict) -> Record:
    """A Record from a checked wire record (see `check_record`)."""
    fields = {name: values[name] for name in RECORD_FIELDS}
    fields["kind"] = Kind(fields["kind"])
    fields["flags"] = tuple(Flag(flag) for flag in fields["flags"])
    return Record(**fields)


class RecordProblem(ValueError):
    """A record on the wire that is not a record: `code` and a message that names the field."""

    def __init__(self, code: RejectCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def check_record(values: Any) -> dict:
    """The record as checked JSON values, or RecordProblem naming what is wrong with it."""
    if not isinstance(values, dict):
        raise RecordProblem(RejectCode.INVALID, f"a record is a JSON object, not {type(values).__name__}")
    try:
        model = WireRecord.model_validate(values)
    except ValidationError as error:
        raise RecordProblem(RejectCode.INVALID, validation_words(error)) from None
    checked = model.model_dump(mode="json")
    if len(canonical_json(checked["payload"])) > MAX_PAYLOAD_CHARS:
        raise RecordProblem(RejectCode.INVALID, f"payload: more than {MAX_PAYLOAD_CHARS} characters of JSON "
                                                f"(an idea is at most 5,000)")
    return checked


def _compact_encoder(*, sort_keys: bool) -> typing.Callable[[Any], str]:
    """JSONEncoder(sort_keys=..., separators=(",", ":"), ensure_ascii=False).encode, the same
    text, without its cost per call: encode() makes a new C encoder for every value (most of
    the time a record's payload takes), this one is made once. Without the check for circular
    values, which JSON parsed from a body cannot have."""
    encoder = json.JSONEncoder(sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    try:
        c_encode = make(None, encoder.default, json.encoder.encode_basestring, None, ":", ",", sort_keys,
                        False, True)
    except TypeError:  # no C encoder in this Python, or another signature: the plain way
        return encoder.encode

    def encode(value: Any) -> str:
        if isinstance(value, str):
            return encoder.encode(value)
        return "".join(c_encode(value, 0))

    return encode


canonical_json = _compact_encoder(sort_keys=True)
_flat_json = _compact_encoder(sort_keys=False)
_KIND_AT, _PAYLOAD_AT, _FLAGS_AT = (RECORD_FIELDS.index(name) for name in ("kind", "payload", "flags"))


def record_row(values: dict) -> tuple:
    """A checked record's fields in RECORD_FIELDS order as a database stores them: the kind as
    its text, payload and flags as canonical JSON text."""
    row = [values[name] for name in RECORD_FIELDS]
    row[_KIND_AT] = getattr(row[_KIND_AT], "value", row[_KIND_AT])
    row[_PAYLOAD_AT] = canonical_json(row[_PAYLOAD_AT])
    row[_FLAGS_AT] = canonical_json([getattr(flag, "value", flag) for flag in row[_FLAGS_AT]])
    return tuple(row)


def row_fingerprint(row: tuple) -> str:
    """What makes two records with the same id the same record: a hash of all their fields, as
    `record_row` gives them (one flat JSON list: cheap, and it refuses a lone surrogate)."""
    return hashlib.sha256(_flat_json(row).encode()).hexdigest()


def fingerprint(values: dict) -> str:
    return row_fingerprint(record_row(values))


def validation_words(error: ValidationError, limit: int = 5) -> str:
    """Pydantic's errors as one line a person can act on: `field.path: what is wrong; ...`."""
    parts = []
    for item in error.errors()[:limit]:
        where = ".".join(str(part) for part in item["loc"]) or "(the whole value)"
        parts.append(f"{where}: {item['msg']}")
    more = len(error.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


# -- envelopes ---------------------------------------------------------------------------------

class Batch(_Strict):
    """What a kiosk pushes: its records, oldest first. Each record is checked on its own."""

    protocol: Literal[1] = PROTOCOL_VERSION
    kiosk_id: IdText
    sent_at: UtcText = Field(description="The kiosk's clock when it sent the batch.")
    # Any JSON value: each is checked on its own, so a record that is not even an object is
    # rejected alone and the rest of the batch goes through.
    records: list[Any] = Field(max_length=MAX_BATCH_RECORDS,
                               description="Records, each an object with exactly the fields of WireRecord.")


class RecordResult(_Strict):
    id: str = Field(max_length=200)
    outcome: Outcome
    code: RejectCode | None = None
    message: str | None = None


class StoreProgress(_Strict):
    """How far the central has a store's records: every seq from 1 to `contiguous_seq` is there
    (stored or rejected), `count` records of the store are stored."""

    store_id: UuidText
    contiguous_seq: int = Field(ge=0)
    count: int = Field(ge=0)


class BatchAnswer(_Strict):
    protocol: Literal[1] = PROTOCOL_VERSION
    server_time: UtcText
    results: list[RecordResult]
    stores: list[StoreProgress]


class SyncState(_Strict):
    protocol: Literal[1] = PROTOCOL_VERSION
    server_time: UtcText
    kiosk_id: IdText
    stores: list[StoreProgress]


class Heartbeat(_Strict):
    protocol: Literal[1] = PROTOCOL_VERSION
    kiosk_id: IdText
    kiosk_time: UtcText
    app_version: str = Field(max_length=64)
    content_version: str = Field(max_length=64)
    store_id: UuidText | None = None
    outbox_depth: int = Field(ge=0)
    quarantined: int = Field(ge=0)
    last_visitor_touch: UtcText | None = None
    restarts: int = Field(ge=0, default=0)
    uptime_s: float = Field(ge=0)
    clock_skew_s: float | None = Field(default=None, description="As the kiosk last measured it.")


class HeartbeatAnswer(_Strict):
    protocol: Literal[1] = PROTOCOL_VERSION
    server_time: UtcText
    kiosk_id: IdText


class IdeaStatus(str, Enum):
    """Where an idea stands with the administration (the dashboard's German words in brackets)."""

    RECEIVED = "received"          # eingegangen
    REVIEWING = "reviewing"        # in Prüfung
    DONE = "done"                  # umgesetzt
    NOT_POSSIBLE = "not_possible"  # nicht möglich


MAX_WALL_IDEAS = 100
MAX_WALL_TEXT = 5000


class IdeaAnswerText(_Strict):
    """Staff's answer in the language layers they gave it in (at least one when there is one)."""

    de: str | None = Field(default=None, max_length=MAX_WALL_TEXT)
    en: str | None = Field(default=None, max_length=MAX_WALL_TEXT)
    ls: str | None = Field(default=None, max_length=MAX_WALL_TEXT)


class WallIdea(_Strict):
    """One approved idea as the kiosk shows it: the text as staff approved it (redacted where
    they redacted it), never anything about who wrote it."""

    id: UuidText
    text: str = Field(max_length=MAX_WALL_TEXT)
    layer: str = Field(max_length=8, description="The layer the visitor wrote in: de, en or ls.")
    exhibit_id: str | None = Field(default=None, max_length=64)
    created_at: UtcText
    status: IdeaStatus
    answer: IdeaAnswerText | None = None
    answered_at: UtcText | None = None


class IdeasAnswer(_Strict):
    """The approved ideas, newest change first, at most MAX_WALL_IDEAS."""

    protocol: Literal[1] = PROTOCOL_VERSION
    server_time: UtcText
    ideas: list[WallIdea] = Field(max_length=MAX_WALL_IDEAS)


class ErrorDetail(_Strict):
    code: str
    message: str


class ErrorAnswer(_Strict):
    """Every refusal: a code a program can test, a message a person can act on."""

    server_time: UtcText
    error: ErrorDetail


# -- reading answers on the kiosk ---------------------------------------------------------------

class NotAnAnswer(ValueError):
    """A response that is not the central's answer (a captive portal, a proxy page, a wrong
    server): nothing in it acknowledges anything."""


def read_answer(model: type[BaseModel], content_type: str | None, body: bytes) -> BaseModel:
    if not (content_type or "").split(";")[0].strip().lower() == "application/json":
        raise NotAnAnswer(f"the answer is {content_type or 'without a content type'}, not JSON "
                          f"(a captive portal or proxy in the way?): {_start(body)}")
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        raise NotAnAnswer(f"the answer is JSON but not the central's {model.__name__}: "
                          f"{validation_words(error, 2)}") from None


def read_batch_answer(content_type: str | None, body: bytes, sent_ids: list[str]) -> BatchAnswer:
    """The central's answer to a batch of `sent_ids`, or NotAnAnswer: it must answer for exactly
    the records sent, each once."""
    answer = read_answer(BatchAnswer, content_type, body)
    answered = [result.id for result in answer.results]
    if sorted(answered) != sorted(sent_ids):
        raise NotAnAnswer(f"the answer speaks of {len(answered)} records, the batch had {len(sent_ids)}")
    return answer


def read_error(content_type: str | None, body: bytes) -> ErrorAnswer | None:
    try:
        return read_answer(ErrorAnswer, content_type, body)
    except NotAnAnswer:
        return None


def parse_utc(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, UTC_TEXT_FORMAT).replace(tzinfo=UTC)


def _start(body: bytes, size: int = 80) -> str:
    text = body[:size].decode("utf-8", "replace").replace("\n", " ").strip()
    return repr(text + ("…" if len(body) > size else ""))
