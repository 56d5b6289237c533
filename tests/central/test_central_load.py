"""Many pushes at once: load shed with 429 and Retry-After past max_concurrent_pushes, and the
same batch replayed concurrently stored once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from central_records import batch, records
from refusals import assert_refused
from sync.protocol import RECORDS_PATH


def test_pushes_past_the_limit_get_429_with_retry_after(central_with):
    central = central_with(max_concurrent_pushes=1, retry_after_s=3)
    token = central.add_kiosk("kiosk-01")
    bodies = [batch(records(1000)) for _ in range(12)]
    start = threading.Barrier(len(bodies))

    def send(body):
        start.wait()
        return requests.post(central.url + RECORDS_PATH, json=body, headers=central.auth(token), timeout=60)

    with ThreadPoolExecutor(len(bodies)) as pool:
        answers = list(pool.map(send, bodies))
    statuses = sorted(answer.status_code for answer in answers)
    assert set(statuses) == {200, 429}, statuses
    shed = [answer for answer in answers if answer.status_code == 429]
    for answer in shed:
        assert_refused(answer, 429, "busy")
        assert answer.headers["Retry-After"] == "3"
    # What was shed was not stored; what got 200 was, whole.
    stored = {row[0] for row in central.rows("SELECT id FROM records")}
    for body, answer in zip(bodies, answers):
        ids = {r["id"] for r in body["records"]}
        assert ids <= stored if answer.status_code == 200 else not ids & stored


def test_the_same_batch_replayed_concurrently_is_stored_once(central):
    token = central.add_kiosk("kiosk-01")
    body = batch(records(500))
    start = threading.Barrier(10)

    def send(_):
        start.wait()
        with requests.Session() as session:
            while True:  # a shed push is retried, as the kiosk would
                answer = session.post(central.url + RECORDS_PATH, json=body, headers=central.auth(token), timeout=60)
                if answer.status_code != 429:
                    return answer

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(send, range(10)))
    assert [a.status_code for a in answers] == [200] * 10
    accepted = [sum(r["outcome"] == "accepted" for r in a.json()["results"]) for a in answers]
    duplicates = [sum(r["outcome"] == "duplicate" for r in a.json()["results"]) for a in answers]
    assert sum(accepted) == 500 and sum(accepted) + sum(duplicates) == 5000
    assert central.rows("SELECT COUNT(*), COUNT(DISTINCT id) FROM records") == [(500, 500)]
    assert central.rows("SELECT contiguous_seq, count FROM progress") == [(500, 500)]
