"""POST /api/v1/records against the real central: each record's outcome, and every refusal a
client can provoke answered with the right 4xx and an ErrorAnswer (never a 5xx)."""

from __future__ import annotations

import json
import uuid

import requests

from central_records import body_of, outcomes, push, push_body, record, records
from refusals import assert_refused
from sync.protocol import MAX_BATCH_BYTES, RECORDS_PATH, BatchAnswer


def test_new_records_are_accepted_and_a_replay_is_duplicate(central):
    token = central.add_kiosk("kiosk-01")
    sent = records(3)
    first = push(central, token, sent)
    BatchAnswer.model_validate_json(first.content)
    assert set(outcomes(first).values()) == {("accepted", None)}
    again = push(central, token, sent)
    assert set(outcomes(again).values()) == {("duplicate", None)}
    assert sorted(central.rows("SELECT id FROM records")) == sorted((r["id"],) for r in sent)


def test_stored_columns_keep_the_record_and_its_arrival(central):
    token = central.add_kiosk("kiosk-01")
    sent = record(payload={"text": "Mehr Bänke, bitte", "layer": "ls"}, kind="idea", flags=["contact_data"])
    push(central, token, [sent])
    (row,) = central.rows("SELECT payload, flags, source, received_at, fingerprint, kind FROM records")
    assert json.loads(row[0]) == sent["payload"]
    assert json.loads(row[1]) == ["contact_data"]
    assert row[2] == "kiosk" and row[3].endswith("Z") and len(row[4]) == 64 and row[5] == "idea"


def test_same_id_other_content_is_a_conflict_and_the_original_stays(central):
    token = central.add_kiosk("kiosk-01")
    original = record(payload={"answers": ["ja"], "layer": "de"})
    push(central, token, [original])
    changed = dict(original, payload={"answers": ["nein"], "layer": "de"})
    answer = outcomes(push(central, token, [changed]))
    assert answer[original["id"]] == ("rejected", "conflict")
    (stored,) = central.rows("SELECT payload FROM records WHERE id = ?", (original["id"],))
    assert json.loads(stored[0])["answers"] == ["ja"]


def test_another_id_at_a_stored_place_is_seq_taken(central):
    token = central.add_kiosk("kiosk-01")
    first = record(seq=1)
    push(central, token, [first])
    intruder = record(store_id=first["store_id"], seq=1)
    assert outcomes(push(central, token, [intruder]))[intruder["id"]] == ("rejected", "seq_taken")
    assert central.rows("SELECT id FROM records") == [(first["id"],)]


def test_same_place_in_another_kiosk_is_no_clash(central):
    # Kiosks cloned from one SD-card image share a store_id: the place is (kiosk, store, seq).
    one, two = central.add_kiosk("kiosk-01"), central.add_kiosk("kiosk-02")
    store_id = str(uuid.uuid4())
    assert set(outcomes(push(central, one, [record("kiosk-01", store_id, 1)])).values()) == {("accepted", None)}
    assert set(outcomes(push(central, two, [record("kiosk-02", store_id, 1)], "kiosk-02")).values()) == {
        ("accepted", None)}


def test_a_record_of_another_kiosk_is_rejected_alone(central):
    token = central.add_kiosk("kiosk-01")
    good, foreign = records(2)
    foreign["kiosk_id"] = "kiosk-02"
    answer = outcomes(push(central, token, [good, foreign]))
    assert answer == {good["id"]: ("accepted", None), foreign["id"]: ("rejected", "wrong_kiosk")}


def test_an_invalid_record_is_rejected_alone_with_the_field_named(central):
    token = central.add_kiosk("kiosk-01")
    good, bad, worse = records(3)
    bad["seq"] = "many"
    del worse["payload"]
    response = push(central, token, [good, bad, worse])
    results = response.json()["results"]
    assert [(r["outcome"], r["code"]) for r in results] == [
        ("accepted", None), ("rejected", "invalid"), ("rejected", "invalid")]
    assert "seq" in results[1]["message"] and "payload" in results[2]["message"]
    assert central.rows("SELECT id FROM records") == [(good["id"],)]


def test_a_lone_surrogate_is_invalid_not_a_server_error(central):
    token = central.add_kiosk("kiosk-01")
    bad = record(payload={"text": "x", "layer": "de"}, kind="idea")
    body = body_of([bad]).replace(b'"text": "x"', b'"text": "\\ud800"')
    response = push_body(central, token, body)
    assert [(r["outcome"], r["code"]) for r in response.json()["results"]] == [("rejected", "invalid")]


def test_same_id_twice_in_one_batch(central):
    token = central.add_kiosk("kiosk-01")
    first = record(seq=1)
    twin = dict(first)
    other = dict(first, payload={"answers": ["nein"], "layer": "de"})
    results = push(central, token, [first, twin, other]).json()["results"]
    assert [(r["outcome"], r["code"]) for r in results] == [
        ("accepted", None), ("duplicate", None), ("rejected", "conflict")]


def test_more_than_1000_records_are_refused(central):
    token = central.add_kiosk("kiosk-01")
    assert_refused(push(central, token, records(1001)), 413, "too_many_records", "1000")
    assert central.rows("SELECT COUNT(*) FROM records") == [(0,)]


def test_a_body_over_the_limit_is_refused_with_content_length(central):
    token = central.add_kiosk("kiosk-01")
    body = b" " * (MAX_BATCH_BYTES + 1)
    assert_refused(push_body(central, token, body), 413, "too_large")


def test_a_chunked_body_over_the_limit_is_refused(central):
    token = central.add_kiosk("kiosk-01")

    def chunks():  # no Content-Length: requests sends it chunked
        for _ in range(MAX_BATCH_BYTES // 65536 + 1):
            yield b" " * 65536

    assert_refused(push_body(central, token, chunks()), 413, "too_large")
    # A chunked body under the limit goes through.
    sent = records(2)
    response = push_body(central, token, iter([body_of(sent)]))
    assert set(outcomes(response).values()) == {("accepted", None)}


def test_bad_json_and_wrong_shapes_are_422_naming_what_is_wrong(central):
    token = central.add_kiosk("kiosk-01")
    assert_refused(push_body(central, token, b'{"kiosk_id": "kiosk-01", '), 422, "not_json")
    assert_refused(push_body(central, token, b'\xff\xfe{}'), 422, "not_json")
    unknown = json.loads(body_of(records(1)))
    unknown["colour"] = "blue"
    assert_refused(push_body(central, token, json.dumps(unknown).encode()), 422, "invalid", "colour")
    assert_refused(push_body(central, token, b'[1, 2]'), 422, "invalid")
    # A record that is not even a JSON object is rejected alone; the rest of its batch goes in.
    good = records(1)
    answer = push_body(central, token, body_of([1, *good]))
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert results[0]["outcome"] == "rejected" and "JSON object" in results[0]["message"]
    assert results[1] == {"id": good[0]["id"], "outcome": "accepted", "code": None, "message": None}
    no_records = json.loads(body_of([]))
    del no_records["records"]
    assert_refused(push_body(central, token, json.dumps(no_records).encode()), 422, "invalid", "records")


def test_a_body_that_is_not_declared_json_is_415(central):
    token = central.add_kiosk("kiosk-01")
    assert_refused(push_body(central, token, body_of(records(1)), "text/plain"), 415, "not_json")
    assert_refused(push_body(central, token, b"a=b", "application/x-www-form-urlencoded"), 415)


def test_tokens_missing_unknown_revoked_and_of_another_kiosk(central):
    token = central.add_kiosk("kiosk-01")
    body = body_of(records(1))
    assert_refused(push_body(central, None, body), 401, "no_token")
    assert_refused(push_body(central, "not-a-token", body), 401, "unknown_token")
    assert_refused(requests.post(central.url + RECORDS_PATH, data=body, timeout=10,
                                 headers={"Content-Type": "application/json", "Authorization": "Basic eDp5"}), 401)
    assert_refused(push_body(central, token, body_of(records(1, "kiosk-02"), "kiosk-02")), 403, "wrong_kiosk")
    central.revoke_kiosk("kiosk-01")
    assert_refused(push_body(central, token, body), 403, "revoked")
    assert central.rows("SELECT COUNT(*) FROM records") == [(0,)]


def test_unknown_paths_and_methods_answer_an_error_answer(central):
    assert_refused(requests.get(central.url + "/nowhere", timeout=10), 404, "not_found")
    assert_refused(requests.get(central.url + RECORDS_PATH, timeout=10), 405)


def test_openapi_and_docs_are_served(central):
    schema = requests.get(central.url + "/openapi.json", timeout=10).json()
    assert {"/api/v1/records", "/api/v1/sync-state", "/api/v1/heartbeat"} <= set(schema["paths"])
    assert requests.get(central.url + "/docs", timeout=10).status_code == 200
