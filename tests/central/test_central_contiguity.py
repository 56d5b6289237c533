"""How far the central has a kiosk's store: contiguous_seq over gaps, rejections and
out-of-order batches, the count, and GET /api/v1/sync-state."""

from __future__ import annotations

import uuid

import requests

from central_records import outcomes, progress, push, record, records
from refusals import assert_refused
from sync.protocol import SYNC_STATE_PATH, SyncState


def sync_state(central, token) -> requests.Response:
    return requests.get(central.url + SYNC_STATE_PATH, headers=central.auth(token), timeout=10)


def test_a_gap_holds_contiguity_until_it_is_filled(central):
    token = central.add_kiosk("kiosk-01")
    store = str(uuid.uuid4())
    first, second, third = (record(store_id=store, seq=n) for n in (1, 2, 3))
    assert progress(push(central, token, [first, third])) == {store: (1, 2)}
    assert progress(push(central, token, [second])) == {store: (3, 3)}


def test_out_of_order_batches_end_contiguous(central):
    token = central.add_kiosk("kiosk-01")
    store = str(uuid.uuid4())
    late, early = records(1500, store_id=store, first_seq=501), records(500, store_id=store)
    assert progress(push(central, token, late[:1000])) == {store: (0, 1000)}
    assert progress(push(central, token, late[1000:])) == {store: (0, 1500)}
    assert progress(push(central, token, early)) == {store: (2000, 2000)}


def test_rejected_records_fill_their_places(central):
    token = central.add_kiosk("kiosk-01")
    store = str(uuid.uuid4())
    good = record(store_id=store, seq=1)
    invalid = record(store_id=store, seq=2, kind="dance")
    foreign = record("kiosk-02", store_id=store, seq=3)
    last = record(store_id=store, seq=4)
    answer = push(central, token, [good, invalid, foreign, last])
    assert [v[1] for v in outcomes(answer).values()] == [None, "invalid", "wrong_kiosk", None]
    assert progress(answer) == {store: (4, 2)}
    assert sorted(central.rows("SELECT seq, code FROM rejections")) == [(2, "invalid"), (3, "wrong_kiosk")]


def test_a_rejection_arriving_later_closes_the_gap(central):
    token = central.add_kiosk("kiosk-01")
    store = str(uuid.uuid4())
    push(central, token, [record(store_id=store, seq=1), record(store_id=store, seq=3)])
    answer = push(central, token, [record(store_id=store, seq=2, created_at="yesterday")])
    assert progress(answer) == {store: (3, 2)}


def test_unreadable_places_fill_nothing(central):
    token = central.add_kiosk("kiosk-01")
    store = str(uuid.uuid4())
    nameless = record(store_id=store, seq=1)
    nameless["seq"] = "one"
    assert progress(push(central, token, [nameless])) == {store: (0, 0)}
    assert central.rows("SELECT COUNT(*) FROM rejections") == [(0,)]


def test_each_store_of_the_batch_has_its_progress(central):
    token = central.add_kiosk("kiosk-01")
    old_store, new_store = str(uuid.uuid4()), str(uuid.uuid4())
    answer = push(central, token, records(3, store_id=old_store) + records(2, store_id=new_store))
    assert progress(answer) == {old_store: (3, 3), new_store: (2, 2)}


def test_sync_state_shows_every_store_of_the_token_kiosk_only(central):
    one, two = central.add_kiosk("kiosk-01"), central.add_kiosk("kiosk-02")
    store_a, store_b, store_c = (str(uuid.uuid4()) for _ in range(3))
    push(central, one, records(3, store_id=store_a) + records(1, store_id=store_b, first_seq=2))
    push(central, two, records(5, "kiosk-02", store_id=store_c), "kiosk-02")
    response = sync_state(central, one)
    state = SyncState.model_validate_json(response.content)
    assert state.kiosk_id == "kiosk-01" and state.server_time.endswith("Z")
    assert progress(response) == {store_a: (3, 3), store_b: (0, 1)}
    assert progress(sync_state(central, central.add_kiosk("kiosk-03"))) == {}


def test_sync_state_wants_a_valid_token(central):
    token = central.add_kiosk("kiosk-01")
    assert_refused(requests.get(central.url + SYNC_STATE_PATH, timeout=10), 401, "no_token")
    central.revoke_kiosk("kiosk-01")
    assert_refused(sync_state(central, token), 403, "revoked")
