"""kill -9 of the central while batches are being inserted: each batch is there whole or not
at all, and replaying them all after the restart stores every record exactly once."""

from __future__ import annotations

import threading
import time
import uuid

import requests

from central_records import batch, records
from sync.protocol import RECORDS_PATH


def wait_until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within the deadline")
        time.sleep(0.01)


def test_kill_9_during_inserts_leaves_whole_batches_and_a_replay_completes_once(central):
    token = central.add_kiosk("kiosk-01")
    store = str(uuid.uuid4())
    bodies = [batch(records(1000, store_id=store, first_seq=1 + n * 1000)) for n in range(30)]
    stop = threading.Event()

    def pusher():
        with requests.Session() as session:
            for body in bodies:
                if stop.is_set():
                    return
                try:
                    session.post(central.url + RECORDS_PATH, json=body, headers=central.auth(token), timeout=30)
                except requests.RequestException:
                    return  # the central is gone

    thread = threading.Thread(target=pusher)
    thread.start()
    # Killed while pushes are still coming in: the next batch is somewhere between read and commit.
    wait_until(lambda: central.rows("SELECT COUNT(*) FROM records")[0][0] >= 3000)
    central.kill()
    stop.set()
    thread.join(30)

    central.start()
    counts = central.rows("SELECT (seq - 1) / 1000, COUNT(*) FROM records GROUP BY (seq - 1) / 1000")
    assert counts and all(count == 1000 for _, count in counts), "a batch is in the database in part"
    kept = central.rows("SELECT COUNT(*) FROM records")[0][0]
    assert kept % 1000 == 0 and 3000 <= kept < 30_000
    assert central.rows("SELECT contiguous_seq, count FROM progress") == [(kept, kept)]

    outcomes = {"accepted": 0, "duplicate": 0}
    with requests.Session() as session:
        for body in bodies:
            answer = session.post(central.url + RECORDS_PATH, json=body, headers=central.auth(token), timeout=30)
            assert answer.status_code == 200, answer.text
            for result in answer.json()["results"]:
                outcomes[result["outcome"]] += 1
    assert outcomes == {"accepted": 30_000 - kept, "duplicate": kept}
    assert central.rows("SELECT COUNT(*), COUNT(DISTINCT id) FROM records") == [(30_000, 30_000)]
    assert central.rows("SELECT contiguous_seq, count FROM progress") == [(30_000, 30_000)]
