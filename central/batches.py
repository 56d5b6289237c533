"""A pushed batch's records, each checked alone, as the database takes them.

One record the central cannot take is rejected alone (its code and a message naming the
field), and the rest of the batch goes through: a kiosk never has a whole batch held up by
one bad record. The fingerprint is taken here, from the checked values, so the database only
compares hashes to tell a duplicate from a conflict.

Speed: a batch is parsed and checked by pydantic in one call from its bytes (the envelope with
WireRecord, the model check_record uses, for its records), and only when that fails are the
records checked one by one (check_record, for its words); the payload's canonical JSON is
encoded once and serves the size check and the stored payload, and the fingerprint hashes the
row as stored (sync.protocol.record_row), not the record encoded a second time. The outcome
is the same as check_record + fingerprint per record (tests/central/test_central_record_checks.py
compares them).
"""

from __future__ import annotations

import json
import operator
import re
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError, create_model

from kiosk.core.records import RECORD_FIELDS
from sync.protocol import (
    MAX_BATCH_RECORDS,
    Batch,
    MAX_PAYLOAD_CHARS,
    UUID_PATTERN,
    RecordProblem,
    RejectCode,
    WireRecord,
    canonical_json,
    check_record,
    row_fingerprint,
)

from .db import Candidate, Refused

_UUID = re.compile(UUID_PATTERN)
_MAX_SEQ = 2**62
_ID_CHARS = 200  # RecordResult.id's limit
_RECORDS = TypeAdapter(list[WireRecord])
# The envelope with its records as WireRecords: a sound batch is parsed and checked by
# pydantic's core in one call from its bytes.
_FAST_BATCH = create_model(
    "FastBatch", __base__=Batch,
    records=(Annotated[list[WireRecord], Field(max_length=MAX_BATCH_RECORDS)], ...))
_row_of = operator.itemgetter(*RECORD_FIELDS)
_KIND_AT, _PAYLOAD_AT, _FLAGS_AT = (RECORD_FIELDS.index(name) for name in ("kind", "payload", "flags"))


def read_batch(body: bytes) -> tuple[str, list[Any], list[dict | RecordProblem]]:
    """The envelope's kiosk_id, its records as sent and each one as checked, from the body as
    it came: parsed and checked in one pass when every record is sound (the usual batch), else
    the envelope alone (ValidationError when it is wrong) and then each record on its own."""
    try:
        fast = _FAST_BATCH.model_validate_json(body)
    except ValidationError as error:
        try:
            # Python's parser, not pydantic's: it takes a lone surrogate (\ud800), which JSON's
            # grammar allows, so that such a record is rejected alone, not its whole batch.
            data = json.loads(body.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise error from None
        batch = Batch.model_validate(data)  # the envelope's own errors, or it is sound
        return batch.kiosk_id, batch.records, _check_all(batch.records)
    # The models' own values rather than a JSON dump of them (a tenth of a batch's time): they
    # differ only in Kind and Flag, which are str enums and so encode as their values.
    checked = [model.__dict__ for model in fast.records]
    return fast.kiosk_id, checked, checked


def sort_records(kiosk_id: str, records: list[Any],
                 checked: list[dict | RecordProblem] | None = None) -> list[Candidate | Refused]:
    """Each record of a batch pushed with `kiosk_id`'s token, in order: a Candidate to store,
    or Refused (invalid, or wrong_kiosk) with the place it names where that can be read.
    `checked` is what check_record gives for each record, when that is known already."""
    if checked is None:
        checked = _check_all(records)
    items: list[Candidate | Refused] = []
    for raw, values in zip(records, checked):
        try:
            if isinstance(values, RecordProblem):
                raise values
            candidate = _candidate(values, raw)
            if values["kiosk_id"] != kiosk_id:
                raise RecordProblem(RejectCode.WRONG_KIOSK,
                                    f"kiosk_id: '{values['kiosk_id']}' is not the kiosk this token belongs to "
                                    f"('{kiosk_id}')")
            items.append(candidate)
        except RecordProblem as problem:
            items.append(Refused(_result_id(raw), *_place(raw), problem.code, problem.message))
    return items


def _check_all(records: list[Any]) -> list[dict | RecordProblem]:
    """check_record's result for each record: its checked values, or the RecordProblem."""
    try:
        models = _RECORDS.validate_python(records)
    except ValidationError as error:
        failed = {problem["loc"][0] for problem in error.errors() if problem["loc"]}
        return [_check_one(raw) if index in failed or not isinstance(raw, dict) else _dumped(raw)
                for index, raw in enumerate(records)]
    return _RECORDS.dump_python(models, mode="json")


def _dumped(raw: dict) -> dict:
    return WireRecord.model_validate(raw).model_dump(mode="json")


def _check_one(raw: Any) -> dict | RecordProblem:
    try:
        return check_record(raw)
    except RecordProblem as problem:
        return problem


def _candidate(values: dict, raw: Any) -> Candidate:
    row = list(_row_of(values))
    row[_KIND_AT] = getattr(values["kind"], "value", values["kind"])  # a Kind (fast path) or its text
    row[_PAYLOAD_AT] = payload = canonical_json(values["payload"])
    row[_FLAGS_AT] = canonical_json(values["flags"]) if values["flags"] else "[]"
    if len(payload) > MAX_PAYLOAD_CHARS:
        check_record(raw)  # raises the protocol's own words for it
        raise RecordProblem(RejectCode.INVALID, f"payload: more than {MAX_PAYLOAD_CHARS} characters of JSON")
    row = tuple(row)  # sync.protocol.record_row of the checked values
    try:
        return Candidate(row, row_fingerprint(row))
    except UnicodeEncodeError:
        # JSON allows a lone surrogate (\ud800); no database or export can hold it.
        raise RecordProblem(RejectCode.INVALID, "a text field holds a lone surrogate (\\ud800-\\udfff), which is "
                            "not a character; the record cannot be stored") from None


def _result_id(raw: Any) -> str:
    """The id to answer for: the one sent, so the kiosk can match it (anything else shortened
    and made printable; such a record came from no kiosk)."""
    value = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(value, str) and len(value) <= _ID_CHARS:
        return value.encode("utf-8", "replace").decode("utf-8")
    return "" if value is None else repr(value)[:_ID_CHARS]


def _place(raw: Any) -> tuple[str | None, int | None]:
    """(store_id, seq) of a refused record when both are readable, else (store_id or None, None)."""
    if not isinstance(raw, dict):
        return None, None
    store_id, seq = raw.get("store_id"), raw.get("seq")
    store_id = store_id if isinstance(store_id, str) and _UUID.match(store_id) else None
    seq_ok = isinstance(seq, int) and not isinstance(seq, bool) and 1 <= seq <= _MAX_SEQ
    return (store_id, seq) if store_id and seq_ok else (store_id, None)
