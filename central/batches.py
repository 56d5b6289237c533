"""A pushed batch's records, each checked alone, as the database takes them.

One record the central cannot take is rejected alone (its code and a message naming the
field), and the rest of the batch goes through: a kiosk never has a whole batch held up by
one bad record. The fingerprint is taken here, from the checked values, so the database only
compares hashes to tell a duplicate from a conflict.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sync.protocol import UUID_PATTERN, RecordProblem, RejectCode, check_record, fingerprint

from .db import Candidate, Refused

_UUID = re.compile(UUID_PATTERN)
_MAX_SEQ = 2**62
_ID_CHARS = 200  # RecordResult.id's limit
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def sort_records(kiosk_id: str, records: list[Any]) -> list[Candidate | Refused]:
    """Each record of a batch pushed with `kiosk_id`'s token, in order: a Candidate to store,
    or Refused (invalid, or wrong_kiosk) with the place it names where that can be read."""
    items: list[Candidate | Refused] = []
    for raw in records:
        try:
            checked = check_record(raw)
            if checked["kiosk_id"] != kiosk_id:
                raise RecordProblem(RejectCode.WRONG_KIOSK,
                                    f"kiosk_id: '{checked['kiosk_id']}' is not the kiosk this token belongs to "
                                    f"('{kiosk_id}')")
            items.append(_candidate(checked))
        except RecordProblem as problem:
            items.append(Refused(_result_id(raw), *_place(raw), problem.code, problem.message))
    return items


def _candidate(checked: dict) -> Candidate:
    try:
        print_ = fingerprint(checked)
    except UnicodeEncodeError:
        # JSON allows a lone surrogate (\ud800); no database or export can hold it.
        raise RecordProblem(RejectCode.INVALID, "a text field holds a lone surrogate (\\ud800-\\udfff), which is "
                            "not a character; the record cannot be stored") from None
    values = dict(checked)
    values["payload"] = _dumps(checked["payload"])
    values["flags"] = _dumps(checked["flags"])
    return Candidate(values, print_)


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
