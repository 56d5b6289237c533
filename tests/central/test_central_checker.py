"""The processes that check pushed batches (central/checker.py): the same outcome as checking
in the central's own process, a push that never fails because a checking process died, and
no checking process that outlives its central."""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest

from central.checker import Checker, check_batch
from central_records import body_of, push, record, records
from central_server import CentralServer

BODIES = {
    "sound": body_of(records(20)),
    "one bad record": body_of([*records(3), record(seq=9, created_at="yesterday"), "not a record"]),
    "envelope wrong": body_of(records(2)).replace(b'"protocol": 1', b'"protocol": 7'),
    "not JSON": b'{"protocol": 1, "records": [',
    "another kiosk": body_of(records(2, kiosk_id="kiosk-02"), kiosk_id="kiosk-02"),
}


@pytest.fixture
def checker():
    checker = Checker()
    checker.start()
    yield checker
    checker.stop()


@pytest.mark.parametrize("name", BODIES)
def test_a_checking_process_gives_what_checking_here_gives(checker, name):
    assert checker.check(BODIES[name], "kiosk-01") == check_batch(BODIES[name], "kiosk-01")


def test_every_kind_of_body_is_told_apart():
    got = {name: check_batch(body, "kiosk-01") for name, body in BODIES.items()}
    assert got["sound"].problems is None and len(got["sound"].items) == 20
    assert [type(item).__name__ for item in got["one bad record"].items] == \
        ["Candidate", "Candidate", "Candidate", "Refused", "Refused"]
    assert got["envelope wrong"].problems[0]["loc"] == ("protocol",)
    assert got["not JSON"].problems[0]["type"] == "json_invalid"
    assert got["another kiosk"] == ("kiosk-02", None, None)


def test_a_killed_checking_process_costs_no_batch_and_a_new_one_takes_over(checker):
    checker.check(BODIES["sound"], "kiosk-01")
    killed = checker.pids
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    for _ in range(len(killed) + 1):  # each dead one is found by the batch that meets it
        assert checker.check(BODIES["sound"], "kiosk-01") == check_batch(BODIES["sound"], "kiosk-01")
    assert checker.pids and not set(checker.pids) & set(killed)
    assert checker.check(BODIES["one bad record"], "kiosk-01") == check_batch(BODIES["one bad record"], "kiosk-01")


def children_of(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(child) for child in listing.read().split()]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_push_goes_through_although_the_checking_process_was_killed(central):
    token = central.add_kiosk("kiosk-01")
    store = str(uuid.uuid4())
    assert push(central, token, records(10, store_id=store)).status_code == 200
    for child in children_of(central.process.pid):
        os.kill(child, signal.SIGKILL)
    answer = push(central, token, records(10, store_id=store, first_seq=11))
    assert answer.status_code == 200
    assert {result["outcome"] for result in answer.json()["results"]} == {"accepted"}
    assert central.rows("SELECT COUNT(*) FROM records") == [(20,)]


def test_no_checking_process_outlives_a_central_killed_with_sigkill(tmp_path):
    central = CentralServer(tmp_path / "central").start()
    try:
        token = central.add_kiosk("kiosk-01")
        assert push(central, token, records(5)).status_code == 200
        children = children_of(central.process.pid)
        assert children, "the central checks batches in a process of its own"
        central.kill()
        deadline = time.monotonic() + 10
        while any(alive(child) for child in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [child for child in children if alive(child)]
    finally:
        central.stop()
