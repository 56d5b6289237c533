"""`kiosk-central serve --workers N` (issue 13, point 2): on PostgreSQL several uvicorn workers
share the database and every record is stored exactly once across them, also when kiosks
replay their batches at once and when a worker is killed with SIGKILL in the middle of inserts
(uvicorn's supervisor starts a new one); on SQLite more than one worker is refused with words."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests

from central_records import push, records
from central_server import central_command, free_port

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sync"))

from sync_helpers import client_for, fill_backlog, open_store, pending  # noqa: E402

START_TIMEOUT_S = 30


class Workers:
    """`kiosk-central serve --workers N` on `db`, its own subprocess, on a free port."""

    def __init__(self, folder: Path, db: str, workers: int):
        self.config = folder / "central.toml"
        # Twelve pushes at once may all reach one worker: none is shed here (the gate has its own tests).
        self.config.write_text(f'[central]\ndb = "{db}"\nmax_concurrent_pushes = 16\n', encoding="utf-8")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "serve.log"
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def start(self) -> "Workers":
        self.process = subprocess.Popen(
            central_command("serve", "--config", str(self.config), "--port", str(self.port), "--workers",
                            str(self.workers)), stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while len(self.worker_pids()) < self.workers or not self.answers():
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "the workers did not start:\n" + self.log.read_text()
            time.sleep(0.2)
        return self

    def answers(self) -> bool:
        try:
            return requests.get(self.url + "/openapi.json", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def worker_pids(self) -> list[int]:
        """The supervisor's children that are uvicorn workers (spawned by multiprocessing; not its
        resource tracker)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat[1]) == self.process.pid and stat[0] != "Z" and b"spawn_main" in command:
                found.append(int(entry.name))
        return sorted(found)

    @staticmethod
    def auth(token: str) -> dict:
        return {"Authorization": f"Bearer {token}"}

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(central_command(*args, "--config", str(self.config)), capture_output=True, text=True,
                              timeout=60)

    def add_kiosk(self, kiosk_id: str) -> str:
        done = self.cli("add-kiosk", kiosk_id)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)


@pytest.fixture
def workers(tmp_path, postgres_url):
    started = []

    def start(count: int) -> Workers:
        server = Workers(tmp_path, postgres_url, count).start()
        started.append(server)
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.stop()


def stored_ids(postgres, url: str) -> Counter:
    return Counter(row[0] for row in postgres.rows(url, "SELECT id FROM records"))


def test_more_than_one_worker_is_refused_on_sqlite_with_words(tmp_path):
    config = tmp_path / "central.toml"
    config.write_text('[central]\ndb = "central.sqlite3"\n', encoding="utf-8")
    done = subprocess.run(central_command("serve", "--config", str(config), "--port", str(free_port()),
                                          "--workers", "3"), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--workers 3 needs the central on PostgreSQL" in done.stderr and "one worker" in done.stderr
    for wrong in ("0", "-1", "x", "65"):
        refused = subprocess.run(central_command("serve", "--config", str(config), "--workers", wrong),
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2 and "workers" in refused.stderr


def test_kiosks_replaying_at_once_across_workers_are_stored_once(workers, postgres, postgres_url):
    central = workers(3)
    tokens = {f"kiosk-{n}": central.add_kiosk(f"kiosk-{n}") for n in range(6)}
    batches = {kiosk: records(300, kiosk_id=kiosk, store_id=str(uuid.uuid4())) for kiosk in tokens}
    answers, errors = [], []

    def send(kiosk: str) -> None:
        with requests.Session() as session:
            for _ in range(3):  # each batch three times, while the other kiosks do the same
                answer = push(central, tokens[kiosk], batches[kiosk], kiosk_id=kiosk, session=session)
                (answers if answer.status_code == 200 else errors).append(answer.status_code)

    threads = [threading.Thread(target=send, args=(kiosk,)) for kiosk in tokens for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors and len(answers) == 36
    sent = Counter(record["id"] for batch in batches.values() for record in batch)
    assert stored_ids(postgres, postgres_url) == sent  # 1,800 records, each once
    progress = postgres.rows(postgres_url, "SELECT kiosk_id, contiguous_seq, count FROM progress ORDER BY kiosk_id")
    assert progress == [(kiosk, 300, 300) for kiosk in sorted(tokens)]


def test_a_worker_killed_during_inserts_loses_nothing_and_doubles_nothing(workers, postgres, postgres_url, tmp_path):
    central = workers(2)
    token = central.add_kiosk("kiosk-01")
    store_path = tmp_path / "kiosk.sqlite3"
    ids = fill_backlog(store_path, 30_000)
    store = open_store(store_path)
    client = client_for(store, central.url, token, timeouts=(5.0, 10.0), batch_records=500)
    victims = central.worker_pids()
    killed = threading.Event()
    stored_at_kill = []

    def kill_when_inserting() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            stored = postgres.rows(postgres_url, "SELECT count(*) FROM records")[0][0]
            if stored >= 5_000:
                for pid in victims:  # both workers: whichever has the push in hand dies mid-insert
                    os.kill(pid, signal.SIGKILL)
                stored_at_kill.append(stored)
                killed.set()
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_when_inserting)
    killer.start()
    passes = 0
    try:
        while pending(store) and passes < 30:
            passes += 1
            status = client.run_pass()
            if status.last_error:
                time.sleep(0.5)  # the supervisor starts new workers
    finally:
        killer.join(70)
    assert killed.is_set() and stored_at_kill[0] < 30_000, "the workers were not killed during the inserts"
    # (A push that was in hand fails and its batch goes again; one that came while no worker ran
    # waits in the listening socket's queue for the new workers: either way, once.)
    assert pending(store) == 0
    assert stored_ids(postgres, postgres_url) == Counter(ids)  # 30,000, each once
    assert set(central.worker_pids()).isdisjoint(victims) and len(central.worker_pids()) == 2
    store.close()
