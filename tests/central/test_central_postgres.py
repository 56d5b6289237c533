"""The central on PostgreSQL (issue 13): what only PostgreSQL can do to it. A restart or a kill -9
of the database server during pushes loses nothing and stores nothing twice; a server that is
down at start or goes away is a clear error or a 503, never a traceback; several writers (as
several workers are) store every record exactly once and count every vote once; the schema's
triggers refuse what SQLite's refuse. The whole suite runs on PostgreSQL besides (central_backend
in tests/conftest.py)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter

import pytest
import requests

from central_records import batch, records
from central_server import CentralServer, free_port
from sync.protocol import RECORDS_PATH

pytestmark = pytest.mark.postgres_only("PostgreSQL's own faults and concurrency")

BATCHES, SIZE = 24, 500


def push_until_stored(central, token: str, bodies: list[dict], deadline_s: float = 120) -> Counter:
    """Push every batch, each again until the central answers 200 (a 503 while the database is
    away, a refused connection): the outcomes of the answers that came."""
    seen: Counter = Counter()
    deadline = time.monotonic() + deadline_s
    with requests.Session() as session:
        for body in bodies:
            while True:
                try:
                    answer = session.post(central.url + RECORDS_PATH, json=body, headers=central.auth(token),
                                          timeout=30)
                except requests.RequestException:
                    answer = None
                if answer is not None and answer.status_code == 200:
                    seen.update(result["outcome"] for result in answer.json()["results"])
                    break
                if answer is not None:
                    assert answer.status_code == 503, answer.text  # never a 500
                    assert answer.json()["error"]["code"] == "store_unavailable"
                assert time.monotonic() < deadline, "the central did not take the batch again in time"
                time.sleep(0.1)
    return seen


def assert_exactly_once(central, bodies: list[dict]) -> None:
    sent = sorted(record["id"] for body in bodies for record in body["records"])
    stored = sorted(row[0] for row in central.rows("SELECT id FROM records"))
    assert stored == sent, f"{len(stored)} stored, {len(sent)} sent"
    assert central.rows("SELECT contiguous_seq, count FROM progress") == [(len(sent), len(sent))]


@pytest.mark.parametrize("fault", ["restart", "kill -9"])
def test_the_database_server_stopping_during_pushes_loses_nothing_and_stores_nothing_twice(postgres, central,
                                                                                           fault):
    token = central.add_kiosk("kiosk-01")
    store = str(uuid.uuid4())
    bodies = [batch(records(SIZE, store_id=store, first_seq=1 + n * SIZE)) for n in range(BATCHES)]
    outcome: dict = {}
    pushing = threading.Thread(target=lambda: outcome.update(seen=push_until_stored(central, token, bodies)))
    pushing.start()
    deadline = time.monotonic() + 60
    while central.rows("SELECT COUNT(*) FROM records")[0][0] < 3 * SIZE:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    if fault == "restart":
        postgres.restart()
    else:
        postgres.kill()
        postgres.start()
    pushing.join(180)
    assert not pushing.is_alive()
    assert sum(outcome["seen"].values()) == BATCHES * SIZE
    assert_exactly_once(central, bodies)
    # And the kiosk's replay of everything (its acknowledgements lost) is all duplicates.
    assert push_until_stored(central, token, bodies) == Counter(duplicate=BATCHES * SIZE)
    assert_exactly_once(central, bodies)
    assert "Traceback" not in central.log()


def test_a_database_server_that_is_away_is_503_and_the_central_goes_on_after(postgres, central):
    token = central.add_kiosk("kiosk-01")
    postgres.stop()
    try:
        answer = requests.post(central.url + RECORDS_PATH, json=batch(records(3)), headers=central.auth(token),
                               timeout=60)
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "store_unavailable"
        assert answer.headers["Retry-After"].isdigit()
        state = requests.get(central.url + "/api/v1/sync-state", headers=central.auth(token), timeout=60)
        assert state.status_code == 503, state.text
    finally:
        postgres.start()
    body = batch(records(3))
    assert push_until_stored(central, token, [body]) == Counter(accepted=3)
    assert "Traceback" not in central.log()


def test_a_database_server_that_is_not_there_at_start_is_a_clear_error(tmp_path):
    nowhere = f"postgresql://central@127.0.0.1:{free_port()}/central"
    offline = CentralServer(tmp_path / "central", db=nowhere)
    done = offline.cli("list-kiosks")
    assert done.returncode == 1, done.stderr
    assert "cannot connect to the central's PostgreSQL database" in done.stderr
    assert "Traceback" not in done.stderr
    with pytest.raises(RuntimeError, match="cannot connect to the central's PostgreSQL database"):
        offline.start()


def test_a_password_in_the_url_is_never_shown(postgres, tmp_path):
    url = postgres.url("no_such_database").replace("central@", "central:geheim@")
    done = CentralServer(tmp_path / "central", db=url).cli("list-kiosks")
    assert done.returncode == 1 and "geheim" not in done.stderr and ":***@" in done.stderr


def test_a_database_of_another_program_is_refused_and_left_alone(postgres, postgres_url):
    from central.db import CentralDb
    from central.errors import CentralDbError

    import psycopg

    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE invoices (id int)")
    with pytest.raises(CentralDbError, match="not the central's database"):
        CentralDb.open(postgres_url)
    assert postgres.rows(postgres_url, "SELECT table_name FROM information_schema.tables "
                                       "WHERE table_schema = 'public'") == [("invoices",)]


def test_several_writers_store_every_record_once_and_count_every_vote_once(postgres_url):
    """Four CentralDb on one database, as four workers have, each pushed the same batches by
    two threads at once (a kiosk's retry on another worker): exactly once, by the constraints."""
    from central.batches import read_batch, sort_records
    from central.db import CentralDb

    writers = [CentralDb.open(postgres_url) for _ in range(4)]
    try:
        stores = [str(uuid.uuid4()) for _ in range(3)]
        bodies = [batch(records(200, store_id=store, first_seq=1 + n * 200)) for store in stores for n in range(3)]
        candidates = []
        for body in bodies:
            _named, sent, checked = read_batch(_body_bytes(body))
            candidates.append(sort_records("kiosk-01", sent, checked))
        outcomes: Counter = Counter()
        lock = threading.Lock()

        def work(n: int) -> None:
            db = writers[n % len(writers)]
            for items in (candidates if n % 2 else list(reversed(candidates))):
                results, _progress = db.store_batch("kiosk-01", items, "2026-12-01T00:00:00.000000Z")
                with lock:
                    outcomes.update(result.outcome.value for result in results)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        total = 3 * 3 * 200
        assert outcomes == Counter(accepted=total, duplicate=7 * total)
        assert postgres_rows(postgres_url, "SELECT COUNT(*), COUNT(DISTINCT id) FROM records") == [(total, total)]
        assert sorted(postgres_rows(postgres_url, "SELECT store_id, contiguous_seq, count FROM progress")) == \
            sorted((store, 600, 600) for store in stores)
        votes = postgres_rows(postgres_url, "SELECT COUNT(*) FROM records WHERE kind = 'vote'")[0][0]
        voters = postgres_rows(postgres_url, "SELECT COALESCE(SUM(votes), 0) FROM vote_tallies WHERE answer = ''")
        assert int(voters[0][0]) == votes
    finally:
        for db in writers:
            db.close()


def test_opened_by_several_at_once_the_migrations_run_once(postgres_url):
    from central.db import CentralDb

    opened, failed = [], []

    def open_one():
        try:
            opened.append(CentralDb.open(postgres_url))
        except Exception as error:  # noqa: BLE001 - the test reports it
            failed.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for db in opened:
        db.close()
    assert not failed and len(opened) == 4
    names = [row[0] for row in postgres_rows(postgres_url, "SELECT name FROM central_migrations ORDER BY id")]
    assert names == ["m001_initial", "m002_phone_votes", "m003_staff", "m004_export_log", "m005_vote_tallies",
                     "m006_moderation", "m007_rate_windows"]


def test_records_are_never_changed_or_deleted_here_either(postgres_url):
    import psycopg

    from central.db import CentralDb

    CentralDb.open(postgres_url).close()
    values = ["id-1", "kiosk-01", "store", 1, "boot", "s", "vote", None, None, None, "c1", "{}", "[]",
              "2026-01-01T00:00:00.000000Z", "kiosk", "2026-01-01T00:00:00.000000Z", "f" * 64]
    with psycopg.connect(postgres_url) as conn:
        conn.execute(f"INSERT INTO records VALUES ({', '.join(['%s'] * len(values))})", values)
    for sql, words in (("UPDATE records SET payload = '{\"x\": 1}'", "immutable"),
                       ("DELETE FROM records", "never deleted")):
        with pytest.raises(psycopg.errors.IntegrityError, match=words):
            with psycopg.connect(postgres_url) as conn:
                conn.execute(sql)


def postgres_rows(url: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def _body_bytes(body: dict) -> bytes:
    import json

    return json.dumps(body).encode()


def test_only_a_logged_redaction_changes_a_records_free_text(postgres_url):
    """m006's rule in plpgsql: the free text may change, nothing else, and only while a
    redactions row waits; the row is then applied and allows no second change."""
    import psycopg

    from central.db import CentralDb

    CentralDb.open(postgres_url).close()
    values = ["idea-1", "kiosk-01", "store", 1, "boot", "s", "idea", "e", None, None, "c1",
              '{"layer":"de","text":"Ruf an: 0171 1234567"}', "[]", "2026-01-01T00:00:00.000000Z", "kiosk",
              "2026-01-01T00:00:00.000000Z", "f" * 64]
    with psycopg.connect(postgres_url) as conn:
        conn.execute(f"INSERT INTO records VALUES ({', '.join(['%s'] * len(values))})", values)
    redacted = '{"layer":"de","text":"Ruf an: [entfernt]"}'
    refused = [
        ("UPDATE records SET payload = %s WHERE id = 'idea-1'", (redacted,)),  # no redaction waits
    ]
    for sql, params in refused:
        with pytest.raises(psycopg.errors.IntegrityError, match="immutable"):
            with psycopg.connect(postgres_url) as conn:
                conn.execute(sql, params)
    waiting = ("INSERT INTO redactions (record_id, field, who, at, note) "
               "VALUES ('idea-1', 'text', 'anna', '2026-01-02', 'Telefonnummer')")
    for sql in ("UPDATE records SET payload = %s, fingerprint = 'x' WHERE id = 'idea-1'",  # the fingerprint too
                "UPDATE records SET payload = replace(%s, '\"de\"', '\"en\"') WHERE id = 'idea-1'"):  # the layer too
        with pytest.raises(psycopg.errors.IntegrityError, match="immutable"):
            with psycopg.connect(postgres_url) as conn:
                conn.execute(waiting)
                conn.execute(sql, (redacted,))
    with psycopg.connect(postgres_url) as conn:
        conn.execute(waiting)
        conn.execute("UPDATE records SET payload = %s WHERE id = 'idea-1'", (redacted,))
    assert postgres_rows(postgres_url, "SELECT payload, fingerprint FROM records") == [(redacted, "f" * 64)]
    assert postgres_rows(postgres_url, "SELECT applied FROM redactions") == [(1,)]
    with pytest.raises(psycopg.errors.IntegrityError, match="immutable"):  # that redaction is used up
        with psycopg.connect(postgres_url) as conn:
            conn.execute("UPDATE records SET payload = %s WHERE id = 'idea-1'", (values[11],))
    with pytest.raises(psycopg.errors.IntegrityError, match="never"):
        with psycopg.connect(postgres_url) as conn:
            conn.execute("UPDATE redactions SET note = 'anders'")


def test_an_export_never_makes_the_central_in_an_empty_postgresql_database(postgres, postgres_url, tmp_path):
    nothing = CentralServer(tmp_path / "empty", db=postgres_url)
    done = nothing.cli("export", "--out", str(tmp_path / "x.csv"))
    assert done.returncode == 2 and "no central database" in done.stderr
    assert postgres.rows(postgres_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
