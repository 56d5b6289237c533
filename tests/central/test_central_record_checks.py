"""The central's batch check (central.batches) gives what sync.protocol's check_record and
fingerprint give record by record: the same records pass, with the same fingerprints, and the
same records fail, with check_record's words."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from central.batches import read_batch, sort_records
from central.db import Candidate, Refused
from central_records import body_of, record
from kiosk.core.records import RECORD_FIELDS
from sync.protocol import RecordProblem, canonical_json, check_record, fingerprint

PAYLOAD_AT, FLAGS_AT = RECORD_FIELDS.index("payload"), RECORD_FIELDS.index("flags")

FIELD_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 2**63), st.floats(allow_nan=False, allow_infinity=False),
                         st.text(max_size=20), st.lists(st.text(max_size=5), max_size=3),
                         st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
FIELDS = ["id", "kiosk_id", "store_id", "seq", "boot_id", "session_id", "kind", "exhibit_id", "poll_id",
          "question_version", "content_version", "payload", "flags", "created_at"]


def one_by_one(kiosk_id, raw):
    try:
        values = check_record(raw)
    except RecordProblem as problem:
        return ("rejected", problem.code.value, problem.message)
    if values["kiosk_id"] != kiosk_id:
        return ("rejected", "wrong_kiosk", None)
    return ("candidate", fingerprint(values), json.loads(json.dumps(values["payload"])))


def batched(item):
    if isinstance(item, Refused):
        return ("rejected", item.code.value, item.message if item.code.value != "wrong_kiosk" else None)
    assert isinstance(item, Candidate)
    return ("candidate", item.fingerprint, json.loads(item.row[PAYLOAD_AT]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(FIELDS), st.one_of(FIELD_VALUES, st.just("drop"))), max_size=4),
       st.integers(1, 4))
def test_batch_check_agrees_with_check_record(changes, size):
    raws = [record(seq=n + 1) for n in range(size)]
    for index, (name, value) in enumerate(changes):
        target = raws[index % size]
        if value == "drop":
            target.pop(name, None)
        else:
            target[name] = value
    items = sort_records("kiosk-01", raws)
    assert [batched(item) for item in items] == [one_by_one("kiosk-01", raw) for raw in raws]
    # The same from the body's bytes, whichever path read_batch takes.
    _named, sent, checked = read_batch(body_of(raws))
    assert [batched(item) for item in sort_records("kiosk-01", sent, checked)] == [batched(item) for item in items]


def test_a_valid_batch_takes_the_fast_path_with_the_same_fingerprints():
    raws = [record(seq=n + 1, flags=["suspect_burst"] if n % 2 else []) for n in range(50)]
    items = sort_records("kiosk-01", raws)
    assert [item.fingerprint for item in items] == [fingerprint(check_record(raw)) for raw in raws]
    assert [json.loads(item.row[FLAGS_AT]) for item in items] == [raw["flags"] for raw in raws]
    _named, sent, checked = read_batch(body_of(raws))
    assert sort_records("kiosk-01", sent, checked) == items


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_canonical_json_is_the_text_json_dumps_gives(value):
    # Made once instead of per call (sync.protocol._compact_encoder): stored fingerprints were
    # taken from json's own text, so it must not differ by a byte.
    assert canonical_json(value) == json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
