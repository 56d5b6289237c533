"""Exactly once when a process dies mid-push (kill -9 of the kiosk, of the central), when twenty
kiosks come back at once to a central that sheds load, and free text redacted once it is sent."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

from conftest import PROJECT
from fault_proxy import FaultProxy
from sync_helpers import add_idea, central_ids, client_for, fill_backlog, open_store, pending


def write_kiosk_config(folder, url: str, token: str, kiosk_id: str = "kiosk-01"):
    path = folder / "config.toml"
    path.write_text(f'[kiosk]\nid = "{kiosk_id}"\n[content]\nroot = "{PROJECT}"\n[store]\npath = "kiosk.sqlite3"\n'
                    f'[sync]\ncentral_url = "{url}"\ntoken = "{token}"\n', encoding="utf-8")
    return path


def kiosk_sync(config) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kiosk.cli", "sync", "--config", str(config)], cwd=PROJECT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_kill_9_of_the_kiosk_during_a_push_loses_nothing_and_sends_nothing_twice(tmp_path, central):
    token = central.add_kiosk("kiosk-01")
    ids = fill_backlog(tmp_path / "kiosk.sqlite3", 20000)
    with FaultProxy(central.url) as proxy:
        config = write_kiosk_config(tmp_path, proxy.url, token)
        process = kiosk_sync(config)
        # Killed after some batches went through: one may be at the central uncommitted, one
        # committed with its answer on the way back, or the kiosk in the middle of marking.
        wait_until(lambda: proxy.count("records") >= 6 or process.poll() is not None)
        assert process.poll() is None, "kiosk sync ended before the kill: " + "".join(process.communicate())
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert process.returncode == -signal.SIGKILL, "the push ended before the kill: make the backlog larger"
        partly = len(central_ids(central))
        assert 0 < partly < 20000
        again = kiosk_sync(config)
        out, err = again.communicate(timeout=120)
    assert again.returncode == 0, out + err
    assert Counter(central_ids(central)) == Counter(ids)
    with open_store(tmp_path / "kiosk.sqlite3") as store:
        assert store.health()["outbox"] == {"pending": 0, "sent": 20000, "quarantined": 0}
        assert store.check_integrity() == []


def test_kill_9_of_the_central_during_inserts_loses_nothing_and_sends_nothing_twice(tmp_path, central):
    token = central.add_kiosk("kiosk-01")
    ids = fill_backlog(tmp_path / "kiosk.sqlite3", 30000)
    store = open_store(tmp_path / "kiosk.sqlite3")
    client = client_for(store, central.url, token, batch_records=1000)
    passing = threading.Thread(target=client.run_pass)
    passing.start()
    wait_until(lambda: len(central_ids(central)) >= 3000)
    central.kill()
    passing.join(60)
    assert not passing.is_alive()
    assert client.status().online is False and pending(store) > 0
    central.start()
    for _ in range(5):
        if pending(store) == 0:
            break
        client.run_pass()
    assert pending(store) == 0
    assert Counter(central_ids(central)) == Counter(ids)
    store.close()


def test_twenty_kiosks_coming_back_together_are_shed_with_retry_after_and_all_arrive_once(tmp_path, central_with):
    central = central_with(max_concurrent_pushes=2)
    kiosks = []
    for n in range(20):
        kiosk_id = f"kiosk-{n:02d}"
        token = central.add_kiosk(kiosk_id)
        path = tmp_path / f"{kiosk_id}.sqlite3"
        ids = fill_backlog(path, 1500, kiosk_id=kiosk_id)
        store = open_store(path, kiosk_id)
        kiosks.append((store, client_for(store, central.url, token, kiosk_id=kiosk_id), ids))
    shed, early = [], []

    def kiosk(store, client):
        deadline = time.monotonic() + 120
        while pending(store) and time.monotonic() < deadline:
            # The scheduler's part, as SyncRunner does it: wait until the client says the pass is due.
            wait = client.seconds_until_due()
            time.sleep(wait)
            status = client.run_pass()
            if status.last_error and "ausgelastet" in status.last_error:
                shed.append(client.kiosk_id)
                if client.seconds_until_due() < 1.0:  # Retry-After of the central: at least 1 s
                    early.append(client.kiosk_id)

    threads = [threading.Thread(target=kiosk, args=(store, client)) for store, client, _ in kiosks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert shed, "the central never shed load: the test did not test anything"
    assert not early, f"kiosks would have come back before Retry-After: {early}"
    expected = Counter(record_id for _, _, ids in kiosks for record_id in ids)
    assert Counter(central_ids(central)) == expected
    assert all(pending(store) == 0 for store, _, _ in kiosks)
    for store, _, _ in kiosks:
        store.close()


def test_free_text_is_redacted_once_the_central_has_it(tmp_path, central):
    token = central.add_kiosk("kiosk-01")
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=400)
    store = open_store(tmp_path / "kiosk.sqlite3", clock=lambda: long_ago)
    sent = add_idea(store, "Mehr Bänke am Markt, ruft mich an: 02921 123456")
    store.close()
    store = open_store(tmp_path / "kiosk.sqlite3")
    cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=180)
    assert store.redact_free_text(cutoff) == 0  # not yet at the central: kept whatever its age
    client_for(store, central.url, token).run_pass()
    assert store.redact_free_text(cutoff) == 1
    [record] = [r for r in store.iter_records() if r.id == sent]
    assert record.payload["text"] is None
    assert "Bänke" in central.rows("SELECT payload FROM records WHERE id = ?", (sent,))[0][0]
    store.close()
