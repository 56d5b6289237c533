"""`kiosk-central serve --workers N` (issue 13, point 2): on PostgreSQL several uvicorn workers
share the database and every record is stored exactly once across them, also when kiosks
replay their batches at once and when a worker is killed with SIGKILL in the middle of inserts
(uvicorn's supervisor starts a new one); on SQLite more than one worker is refused with words."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests

from central.push_slots import SlotFiles
from central_records import batch, push, records
from central_server import central_command, free_port
from sync.protocol import RECORDS_PATH

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sync"))

from sync_helpers import client_for, fill_backlog, open_store, pending  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "dashboard"))

from staff_helpers import PASSWORD, add_staff, login_csrf  # noqa: E402

START_TIMEOUT_S = 30


class Workers:
    """`kiosk-central serve --workers N` on `db`, its own subprocess, on a free port."""

    def __init__(self, folder: Path, db: str, workers: int, max_concurrent_pushes: int = 16):
        self.config = folder / "central.toml"
        self.config_path = self.config  # as CentralServer names it (tests/dashboard/staff_helpers.py)
        # Twelve pushes at once: none is shed here unless a test asks for fewer places.
        self.config.write_text(f'[central]\ndb = "{db}"\nmax_concurrent_pushes = {max_concurrent_pushes}\n',
                               encoding="utf-8")
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

    def start(count: int, **settings) -> Workers:
        server = Workers(tmp_path, postgres_url, count, **settings).start()
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


def test_a_place_held_by_one_process_is_free_for_none_until_it_dies(tmp_path):
    """The push gate's places across processes (central/push_slots.py): a real second process
    holds the only place; this one finds none, and takes it once that process is killed."""
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; sys.path.insert(0, '.'); from central.push_slots import SlotFiles; "
        f"place = SlotFiles('{tmp_path}', 1).take(); print(place is not None, flush=True); time.sleep(60)")],
        cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "True"
        slots = SlotFiles(tmp_path, 1)
        assert slots.take() is None
        two = SlotFiles(tmp_path, 2)  # a second place: free, and then this process holds it
        place = two.take()
        assert place is not None and two.take() is None  # the same process's second try finds none
        two.give(place)
    finally:
        holder.kill()
        holder.wait()
    place = slots.take()
    assert place is not None  # the kernel dropped the dead holder's lock
    slots.give(place)


def _held_push(central, token: str) -> tuple[socket.socket, bytes]:
    """A push whose body is still being sent (it holds its place in the gate), and the rest of
    its body."""
    body = json.dumps(batch(records(10))).encode()
    conn = socket.create_connection(("127.0.0.1", central.port))
    conn.sendall(f"POST {RECORDS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body[:10])
    return conn, body[10:]


def test_max_concurrent_pushes_holds_for_all_workers_together(workers):
    central = workers(2, max_concurrent_pushes=1)
    token = central.add_kiosk("kiosk-01")

    def another_push() -> int:  # a new connection each time: any worker may take it
        return requests.post(central.url + RECORDS_PATH, json=batch(records(5)), headers=central.auth(token),
                             timeout=30).status_code

    held, rest = _held_push(central, token)
    try:
        deadline = time.monotonic() + 20
        while another_push() != 429:  # until the held push is in its worker's hands
            assert time.monotonic() < deadline, "the held push never took the place"
        assert [another_push() for _ in range(12)] == [429] * 12
        held.sendall(rest)
        assert held.recv(4096).startswith(b"HTTP/1.1 200")
    finally:
        held.close()
    deadline = time.monotonic() + 10
    while another_push() != 200:  # the place is free again
        assert time.monotonic() < deadline


def test_the_login_rate_limit_counts_across_workers(workers):
    central = workers(2)
    assert add_staff(central, "anna").returncode == 0
    with requests.Session() as session:
        csrf = login_csrf(session, central)
        cookies = session.cookies.get_dict()
    # Each try on a new connection, so both workers take some: the window is one for all.
    answers = [requests.post(central.url + "/staff/login", data={"user": f"nobody-{n}", "password": "x",
                                                                  "csrf": csrf},
                             cookies=cookies, allow_redirects=False, timeout=30).status_code for n in range(31)]
    assert answers == [401] * 30 + [429]
    with requests.Session() as session:  # the right password too waits for the window
        session.cookies.update(cookies)
        refused = session.post(central.url + "/staff/login", data={"user": "anna", "password": PASSWORD,
                                                                   "csrf": csrf}, allow_redirects=False)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
