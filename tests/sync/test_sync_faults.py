"""Exactly once through the faults of a real network: a real central under uvicorn, a real
kiosk store on disk, and the fault-injecting proxy between them."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import time
from collections import Counter

import pytest

from sync.client import CONNECT_TIMEOUT_S, READ_TIMEOUT_S

from sync_helpers import kiosk_store, proxy  # noqa: F401 (fixtures)
from sync_helpers import add_votes, central_ids, client_for, fixed_clock, open_store, pending


def passes_until_empty(client, store, limit: int = 40) -> int:
    """Run passes (ignoring the backoff's waiting, which is the scheduler's business) until
    nothing is pending; how many it took."""
    for number in range(1, limit + 1):
        client.run_pass()
        if pending(store) == 0:
            return number
    raise AssertionError(f"still {pending(store)} pending after {limit} passes: {client.status().last_error}")


def assert_exactly_once(central, ids):
    stored = central_ids(central)
    assert Counter(stored) == Counter(ids), "the central's records are not the kiosk's, each once"


def test_every_request_has_the_timeouts_of_the_issue(kiosk_store):
    import requests

    from sync.client import SyncClient

    seen = []

    class Recording(requests.Session):
        def request(self, *args, **kwargs):
            seen.append(kwargs.get("timeout"))
            raise requests.exceptions.ConnectionError("Connection refused")

    client = SyncClient(kiosk_store, central_url="http://127.0.0.1:9", token="t", kiosk_id="kiosk-01",
                        interval_s=60, session=Recording())
    add_votes(kiosk_store, 1)
    client.run_pass()
    assert seen == [(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)] and (CONNECT_TIMEOUT_S, READ_TIMEOUT_S) == (5.0, 30.0)


def test_central_down_at_start_then_up_records_arrive_without_a_restart(kiosk_store, central):
    token = central.add_kiosk("kiosk-01")
    ids = add_votes(kiosk_store, 1200)
    central.stop()
    client = client_for(kiosk_store, central.url, token)
    status = client.run_pass()
    assert status.online is False and "nicht erreichbar" in status.last_error
    assert status.pending == 1200 and status.failures == 1
    assert client.seconds_until_due() <= 10.0  # the first backoff step: at most 5 s * 2
    central.start()
    status = client.run_pass()
    assert status.online is True and status.last_error is None and status.failures == 0
    assert pending(kiosk_store) == 0
    assert_exactly_once(central, ids)


def test_half_the_batches_fail_with_500_and_every_record_arrives_once(kiosk_store, central, proxy):
    token = central.add_kiosk("kiosk-01")
    ids = add_votes(kiosk_store, 2000)
    proxy.fault = lambda number, path: "error500" if "records" in path and number % 2 == 0 else "pass"
    client = client_for(kiosk_store, proxy.url, token)
    passes = passes_until_empty(client, kiosk_store)
    assert passes > 1 and proxy.count("records", "error500") >= 2
    assert_exactly_once(central, ids)


def test_answer_lost_after_the_central_committed_no_duplicates(kiosk_store, central, proxy):
    token = central.add_kiosk("kiosk-01")
    ids = add_votes(kiosk_store, 300)
    proxy.set_mode("drop")
    client = client_for(kiosk_store, proxy.url, token)
    status = client.run_pass()
    assert status.online is False
    assert pending(kiosk_store) == 300  # the central has them; the kiosk was not told
    assert len(central_ids(central)) == 300
    proxy.set_mode("pass")
    passes_until_empty(client, kiosk_store)
    assert_exactly_once(central, ids)


def test_captive_portal_html_200_marks_nothing_sent(kiosk_store, central, proxy):
    token = central.add_kiosk("kiosk-01")
    add_votes(kiosk_store, 50)
    proxy.set_mode("captive")
    client = client_for(kiosk_store, proxy.url, token)
    status = client.run_pass()
    assert status.online is False and "WLAN-Anmeldeseite" in status.last_error
    assert pending(kiosk_store) == 50
    assert central_ids(central) == []


def test_black_hole_the_read_timeout_ends_the_pass(kiosk_store, central, proxy):
    token = central.add_kiosk("kiosk-01")
    add_votes(kiosk_store, 10)
    proxy.set_mode("blackhole")
    client = client_for(kiosk_store, proxy.url, token, timeouts=(1.0, 1.5))
    started = time.monotonic()
    status = client.run_pass()
    took = time.monotonic() - started
    assert status.online is False and "antwortet nicht" in status.last_error
    assert took < 5.0, f"the pass took {took:.1f} s despite a 1.5 s read timeout"
    assert pending(kiosk_store) == 10


def test_same_id_other_payload_is_rejected_quarantined_and_the_original_stays(tmp_path, central):
    token = central.add_kiosk("kiosk-01")
    first = open_store(tmp_path / "a.sqlite3")
    [record_id] = add_votes(first, 1)
    client_for(first, central.url, token).run_pass()
    original = central.rows("SELECT payload FROM records WHERE id = ?", (record_id,))
    # A second store of the same kiosk that carries a record with the same id but other content
    # (a bug, a tampered file): written with plain SQL, as nothing in the kiosk would make it.
    second = open_store(tmp_path / "b.sqlite3")
    [other] = add_votes(second, 1)
    second.close()
    with sqlite3.connect(tmp_path / "b.sqlite3") as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DROP TRIGGER records_immutable")
        conn.execute("UPDATE records SET id = ?, payload = ? WHERE id = ?",
                     (record_id, '{"answers": ["nein"], "layer": "de"}', other))
        conn.execute("UPDATE outbox SET record_id = ? WHERE record_id = ?", (record_id, other))
    second = open_store(tmp_path / "b.sqlite3")
    status = client_for(second, central.url, token).run_pass()
    assert status.quarantined == 1 and status.pending == 0
    [entry] = second.quarantined()
    assert entry["id"] == record_id and "conflict" in entry["reason"]
    assert central.rows("SELECT payload FROM records WHERE id = ?", (record_id,)) == original
    second.close()
    first.close()


def test_revoked_token_stops_pushing_and_alerts_staff(kiosk_store, central):
    token = central.add_kiosk("kiosk-01")
    add_votes(kiosk_store, 5)
    client = client_for(kiosk_store, central.url, token)
    client.run_pass()
    central.revoke_kiosk("kiosk-01")
    add_votes(kiosk_store, 5)
    status = client.run_pass()
    assert status.stopped is True and "Token" in status.last_error
    assert client.seconds_until_due(kicked=True) is None  # no more pushing, even after a visit
    assert pending(kiosk_store) == 5
    assert any(alert["kind"] == "sync_token_refused" for alert in kiosk_store.alerts())


@pytest.mark.parametrize("moment", [dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc),
                                    dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=365)],
                         ids=["1970", "a-year-ahead"])
def test_a_wrong_kiosk_clock_is_accepted_and_its_skew_shown(tmp_path, central, moment):
    token = central.add_kiosk("kiosk-01")
    clock = fixed_clock(moment)
    store = open_store(tmp_path / "kiosk.sqlite3", clock=clock)
    ids = add_votes(store, 20)
    status = client_for(store, central.url, token, clock=clock).run_pass()
    assert status.last_error is None and pending(store) == 0
    assert_exactly_once(central, ids)
    expected = (moment - dt.datetime.now(dt.timezone.utc)).total_seconds()
    assert abs(status.clock_skew_s - expected) < 60
    assert central.rows("SELECT MIN(created_at) FROM records")[0][0].startswith(str(moment.year))
    store.close()


@pytest.mark.sqlite_only("a copy of the SQLite file by SQLite's backup")
def test_central_restored_from_an_older_copy_gets_every_missing_record_again(kiosk_store, central):
    token = central.add_kiosk("kiosk-01")
    ids = add_votes(kiosk_store, 150)
    client = client_for(kiosk_store, central.url, token)
    client.run_pass()
    # The nightly backup, as docs/central.md says to make it: SQLite's backup, while it runs.
    backup = central.db_path.with_name("backup.sqlite3")
    source, target = sqlite3.connect(central.db_path), sqlite3.connect(backup)
    source.backup(target)
    source.close()
    target.close()
    ids += add_votes(kiosk_store, 250)
    client.run_pass()
    assert len(central_ids(central)) == 400
    central.stop()
    for suffix in ("-wal", "-shm"):
        central.db_path.with_name(central.db_path.name + suffix).unlink(missing_ok=True)
    shutil.copy(backup, central.db_path)
    central.start()
    assert len(central_ids(central)) == 150
    status = client.run_pass()  # nothing pending: the pass asks the central how far it is
    assert status.last_error is None
    assert_exactly_once(central, ids)
    assert pending(kiosk_store) == 0
    client.run_pass()  # and once complete, nothing is sent again
    assert_exactly_once(central, ids)


@pytest.mark.postgres_only("a copy of the PostgreSQL database by pg_dump, as docs/central.md says to make it")
def test_central_restored_from_an_older_pg_dump_gets_every_missing_record_again(kiosk_store, central, postgres,
                                                                                tmp_path):
    import subprocess
    from urllib.parse import urlsplit

    import psycopg

    token = central.add_kiosk("kiosk-01")
    ids = add_votes(kiosk_store, 150)
    client = client_for(kiosk_store, central.url, token)
    client.run_pass()
    dump = tmp_path / "central.dump"
    subprocess.run([str(postgres.bin / "pg_dump"), "--format=custom", f"--file={dump}", central.db_url],
                   check=True, capture_output=True, timeout=120)  # while the central runs
    ids += add_votes(kiosk_store, 250)
    client.run_pass()
    assert len(central_ids(central)) == 400
    central.stop()
    name = urlsplit(central.db_url).path.lstrip("/")
    with psycopg.connect(postgres.url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([str(postgres.bin / "pg_restore"), "--no-owner", f"--dbname={central.db_url}", str(dump)],
                   check=True, capture_output=True, timeout=120)
    central.start()
    assert len(central_ids(central)) == 150
    status = client.run_pass()
    assert status.last_error is None
    assert_exactly_once(central, ids)
    assert pending(kiosk_store) == 0
