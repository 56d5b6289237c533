"""The sync against baselines measured in the same run (issue 10).

- drain a 100,000-record backlog from a kiosk store to a central over loopback: records/s, and
  the ratio against raw SQLite bulk inserts of the same rows into the central's schema (same
  pragmas, one transaction per batch of the same size): target >= 0.3;
- 20 concurrent kiosks pushing 500-record batches: records/s, p50/p99 latency (p99 <= 250 ms),
  errors (0); the baseline is one kiosk pushing the same batches alone;
- the kiosk's longest frame while a 10,000-record push runs in its sync thread: <= 50 ms; the
  baseline is the longest frame of the same loop with no push.

The central is the real one (`kiosk-central serve` under uvicorn, its own process), on the
disk holding bench/ (not /tmp, which is RAM on some systems).

Run: cd bench && ../.venv/bin/python bench_sync.py
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from common import PROJECT, report

sys.path.insert(0, str(PROJECT / "tests" / "sync"))

from sync_helpers import client_for, fill_backlog, open_store  # noqa: E402

from kiosk.core.clock import utc_now, utc_text  # noqa: E402
from kiosk.core.records import new_record_id  # noqa: E402

BACKLOG = 100_000
BATCH = 500  # the 20-kiosk figure's batches, as the issue names them
KIOSKS = 20
BATCHES_PER_KIOSK = 10
FRAME_PUSH = 10_000
CENTRAL = [str(PROJECT / ".venv" / "bin" / "kiosk-central")]


class Central:
    """The real central in its own process(es), on a free port: `kiosk-central serve` with
    `workers` workers on `db` (a file in `folder`, or a PostgreSQL URL) and the other [central]
    `settings`, or on the settings file `config` as it is."""

    def __init__(self, folder: Path, db: str = "central.sqlite3", workers: int = 1, config: Path | None = None,
                 **settings):
        self.folder = folder
        self.config = config or folder / "central.toml"
        if config is None:
            lines = ["[central]", f"db = {json.dumps(db)}"] + [f"{key} = {json.dumps(value)}"
                                                              for key, value in settings.items()]
            self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.db = folder / db
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([*CENTRAL, "serve", "--config", str(self.config), "--port", str(self.port),
                                         "--workers", str(workers)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit(f"the central on {db} did not start")
                time.sleep(0.05)
        if workers > 1:
            time.sleep(1.0)  # every worker's start-up done (the socket answers with the first)

    def add_kiosk(self, kiosk_id: str) -> str:
        out = subprocess.run([*CENTRAL, "add-kiosk", kiosk_id, "--config", str(self.config)], capture_output=True,
                             text=True, check=True).stdout
        return out.strip().splitlines()[-1]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)


def empty_schema(work: Path) -> Path:
    """The central's database, empty, as a fresh central's migrations made it."""
    folder = work / "schema"
    if not folder.exists():
        folder.mkdir()
        Central(folder).stop()
    return folder / "central.sqlite3"


def raw_insert_rate(schema_from: Path, rows: list[dict]) -> float:
    """Records/s of plain executemany INSERTs of `rows` (record fields, payload and flags as
    JSON text) into a copy of the central's empty schema, one transaction per BATCH rows, with
    the central's pragmas."""
    target = schema_from.with_name(f"raw-{uuid.uuid4().hex[:8]}.sqlite3")  # a copy: the schema and nothing else
    source = sqlite3.connect(schema_from)
    conn = sqlite3.connect(target, isolation_level=None)
    source.backup(conn)
    source.close()
    synchronous = sqlite3.connect(schema_from).execute("PRAGMA synchronous").fetchone()[0]
    for pragma in ("journal_mode = wal", f"synchronous = {synchronous}"):
        conn.execute(f"PRAGMA {pragma}").fetchall()
    columns = [row[1] for row in conn.execute("PRAGMA table_info(records)")]
    now = utc_text(utc_now())
    values = [tuple({**row, "source": "kiosk", "received_at": now, "fingerprint": uuid.uuid4().hex * 2}.get(column)
                    for column in columns) for row in rows]
    sql = f"INSERT INTO records ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    started = time.perf_counter()
    for start in range(0, len(values), BATCH):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, values[start:start + BATCH])
        conn.execute("COMMIT")
    took = time.perf_counter() - started
    conn.close()
    target.unlink()
    return len(values) / took


def store_rows(store_path: Path) -> list[dict]:
    kiosk = sqlite3.connect(store_path)
    kiosk.row_factory = sqlite3.Row
    rows = [dict(row) for row in kiosk.execute("SELECT * FROM records ORDER BY seq")]
    kiosk.close()
    return rows


def body_rows(bodies: list[bytes]) -> list[dict]:
    return [{**record, "payload": json.dumps(record["payload"]), "flags": json.dumps(record["flags"])}
            for body in bodies for record in json.loads(body)["records"]]


def drain(work: Path) -> None:
    folder = work / "drain"
    folder.mkdir()
    central = Central(folder, max_concurrent_pushes=8)
    token = central.add_kiosk("kiosk-01")
    store_path = folder / "kiosk.sqlite3"
    fill_backlog(store_path, BACKLOG)
    store = open_store(store_path)
    client = client_for(store, central.url, token)  # its own batch size, as a kiosk pushes
    started = time.perf_counter()
    status = client.run_pass()
    took = time.perf_counter() - started
    assert status.last_error is None and status.pending == 0, status
    arrived = sqlite3.connect(central.db).execute("SELECT COUNT(*) FROM records").fetchone()[0]
    store.close()
    central.stop()
    raw = raw_insert_rate(empty_schema(work), store_rows(store_path))
    rate = BACKLOG / took
    report(f"drain {BACKLOG:,} records over loopback ({arrived:,} arrived)", rate, "records/s",
           "raw SQLite bulk inserts", raw, "ratio >= 0.3", ok=rate / raw >= 0.3 and arrived == BACKLOG)


def batch_bodies(kiosk_id: str, count: int) -> list[bytes]:
    store_id, boot_id, now = str(uuid.uuid4()), str(uuid.uuid4()), utc_text(utc_now())
    bodies = []
    for b in range(count):
        records = [{"id": new_record_id(), "kiosk_id": kiosk_id, "store_id": store_id, "seq": b * BATCH + n + 1,
                    "boot_id": boot_id, "session_id": f"s{n // 4}", "kind": "vote", "exhibit_id": "e1",
                    "poll_id": "p1", "question_version": "q1", "content_version": "c1",
                    "payload": {"answers": ["ja"], "layer": "de"}, "flags": [], "created_at": now}
                   for n in range(BATCH)]
        bodies.append(json.dumps({"protocol": 1, "kiosk_id": kiosk_id, "sent_at": now, "records": records}).encode())
    return bodies


def push(port: int, token: str, bodies: list[bytes], latencies: list[float], errors: list[str]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for body in bodies:
        started = time.perf_counter()
        connection.request("POST", "/api/v1/records", body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            errors.append(f"{response.status} {answer[:100]!r}")
        elif any(result["outcome"] != "accepted" for result in json.loads(answer)["results"]):
            errors.append("not all accepted")
    connection.close()


def push_together(port: int, tokens: list[str], bodies: list[list[bytes]], errors: list[str]) -> tuple[float, list]:
    """Every kiosk (its token, its batches) pushing at once, each waiting for its answer before
    its next batch: (seconds until the last answer, every push's latency in ms)."""
    latencies: list[float] = []
    threads = [threading.Thread(target=push, args=(port, token, kiosk_bodies, latencies, errors))
               for token, kiosk_bodies in zip(tokens, bodies)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def concurrent_kiosks(work: Path) -> None:
    folder = work / "fleet"
    folder.mkdir()
    central = Central(folder, max_concurrent_pushes=KIOSKS)
    tokens = [central.add_kiosk(f"kiosk-{n:02d}") for n in range(KIOSKS + 1)]
    bodies = [batch_bodies(f"kiosk-{n:02d}", BATCHES_PER_KIOSK) for n in range(KIOSKS + 1)]
    alone: list[float] = []
    errors: list[str] = []
    push(central.port, tokens[KIOSKS], bodies[KIOSKS], alone, errors)
    took, latencies = push_together(central.port, tokens[:KIOSKS], bodies[:KIOSKS], errors)
    central.stop()
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    records = KIOSKS * BATCHES_PER_KIOSK * BATCH
    print(f"{KIOSKS} kiosks x {BATCHES_PER_KIOSK} batches of {BATCH}: {records / took:,.0f} records/s, "
          f"errors {len(errors)}{(' ' + errors[0]) if errors else ''}")
    # Twenty kiosks each waiting for its answer before it sends the next batch keep twenty
    # batches in the central: each waits while the others are stored (Little's law), so no
    # central can answer sooner than 20 x 500 records take SQLite alone.
    raw = raw_insert_rate(empty_schema(work), body_rows([body for kiosk in bodies[:KIOSKS] for body in kiosk]))
    print(f"  floor: {KIOSKS} x {BATCH} records at raw SQLite's {raw:,.0f} records/s (the same rows, same schema, "
          f"one commit per batch) = {KIOSKS * BATCH / raw * 1000:.0f} ms a push")
    report(f"{KIOSKS} concurrent kiosks, latency p50", p50, "ms", "one kiosk alone, p50", percentile(alone, 0.5))
    report(f"{KIOSKS} concurrent kiosks, latency p99", p99, "ms", "one kiosk alone, p99", percentile(alone, 0.99),
           "p99 <= 250 ms, 0 errors", ok=p99 <= 250 and not errors)


def frames_during_push(work: Path) -> None:
    folder = work / "frames"
    folder.mkdir()
    central = Central(folder, max_concurrent_pushes=8)
    token = central.add_kiosk("kiosk-01")
    probe = subprocess.run([sys.executable, str(Path(__file__).with_name("ui_probe.py")), "sync_push",
                            str(FRAME_PUSH), central.url, token], capture_output=True, text=True,
                           env={**os.environ, "SDL_VIDEODRIVER": "offscreen"}, timeout=600)
    central.stop()
    line = next((line for line in probe.stdout.splitlines() if line.startswith("{")), None)
    if line is None:
        raise SystemExit(f"the frame probe printed nothing: {probe.stderr[-2000:]}")
    figures = json.loads(line)
    print("  top frames while pushing", [round(v, 1) for v in figures["top_push"]], "quiet",
          [round(v, 1) for v in figures["top_quiet"]])
    report(f"longest frame while {figures['pushed']:,} records are pushed ({figures['frames_push']} frames)",
           figures["longest_push_ms"], "ms", "the same loop without a push", figures["longest_quiet_ms"],
           "<= 50 ms", ok=figures["longest_push_ms"] <= 50 and figures["pushed"] == FRAME_PUSH)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-sync-", dir=Path(__file__).parent))
    try:
        drain(work)
        concurrent_kiosks(work)
        frames_during_push(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
