"""An acknowledged record write against a raw sqlite3 insert, measured in the same run (issue 4).

- Store.append (BEGIN IMMEDIATE, seq, record + outbox row, COMMIT; WAL, synchronous=FULL):
  p50 and p99 over 2,000 appends, each ratio <= 2 against
- a raw sqlite3 INSERT of an equivalent row plus its outbox row in their own BEGIN IMMEDIATE
  transaction, same schema, same pragmas.

Both write to files on the disk holding bench/ (not /tmp, which is RAM on some systems: an
fsync there costs nothing and the figure would mean something else). They take turns in
blocks of 100, so both see the same disk weather.

Run: cd bench && ../.venv/bin/python bench_store.py
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from common import report

from kiosk.core.records import Kind, RecordDraft
from kiosk.core.clock import utc_now, utc_text
from kiosk.store import Store, StoreWriter

APPENDS = 2000
BLOCK = 100
WARM_UP = 50
WRITER_ROUNDS = 500

DRAFT = RecordDraft(kind=Kind.VOTE, session_id="5f0c2d4e9a7b4c1d", content_version="c0ffee12", exhibit_id="radwege",
                    poll_id="wunsch", question_version="ab12cd34", payload={"answers": ["b", "d"], "layer": "de"})
RAW_INSERT_RECORD = ("INSERT INTO records (id, kiosk_id, seq, boot_id, session_id, kind, exhibit_id, poll_id, "
                     "question_version, content_version, payload, flags, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class RawWriter:
    """The baseline: the same tables and pragmas, an INSERT pair per transaction, nothing else."""

    def __init__(self, path: Path):
        Store.open(path, "bench").close()  # the same schema, from the store's own migrations
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = wal", "synchronous = FULL", "busy_timeout = 5000", "foreign_keys = ON"):
            self.conn.execute(f"PRAGMA {pragma}").fetchall()
        self.seq = 0
        self.boot_id = str(uuid.uuid4())
        self.payload = json.dumps(DRAFT.payload, ensure_ascii=False, separators=(",", ":"))

    def write(self) -> None:
        self.seq += 1
        record_id = str(uuid.uuid4())
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(RAW_INSERT_RECORD, (record_id, "bench", self.seq, self.boot_id, DRAFT.session_id, "vote",
                                         DRAFT.exhibit_id, DRAFT.poll_id, DRAFT.question_version,
                                         DRAFT.content_version, self.payload, "[]", utc_text(utc_now())))
        conn.execute("INSERT INTO outbox (record_id) VALUES (?)", (record_id,))
        conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


def percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))]


def timed(func, times: list[float], count: int) -> None:
    clock = time.perf_counter
    for _ in range(count):
        start = clock()
        func()
        times.append(clock() - start)


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix=".bench-store-", dir=Path(__file__).resolve().parent))
    try:
        store = Store.open(folder / "store.db", "bench")
        raw = RawWriter(folder / "raw.db")
        timed(lambda: store.append(DRAFT), [], WARM_UP)
        timed(raw.write, [], WARM_UP)
        store_times: list[float] = []
        raw_times: list[float] = []
        for _ in range(APPENDS // BLOCK):
            timed(lambda: store.append(DRAFT), store_times, BLOCK)
            timed(raw.write, raw_times, BLOCK)
        assert store.count() == APPENDS + WARM_UP
        # For the screens: submit -> callback through the writer thread (no target; the thread
        # hand-off is what it adds to the append).
        writer_times: list[float] = []
        writer = StoreWriter(store)
        done = threading.Event()
        for _ in range(WRITER_ROUNDS):
            done.clear()
            start = time.perf_counter()
            writer.submit(DRAFT, lambda result: done.set())
            done.wait(10)
            writer_times.append(time.perf_counter() - start)
        writer.close()
        store.close()
        raw.close()
    finally:
        shutil.rmtree(folder)

    store_times.sort()
    raw_times.sort()
    print(f"store: {APPENDS} acknowledged appends on {os.path.dirname(folder)} (WAL, synchronous=FULL); "
          f"raw: {APPENDS} INSERT pairs, same schema and pragmas; interleaved in blocks of {BLOCK}")
    ok = True
    for name, fraction in (("p50", 0.50), ("p99", 0.99)):
        value, baseline = percentile(store_times, fraction), percentile(raw_times, fraction)
        good = value / baseline <= 2
        ok &= good
        report(f"acknowledged record write {name}", value * 1000, "ms", f"raw sqlite3 insert {name}",
               baseline * 1000, target="ratio <= 2", ok=good)
    writer_times.sort()
    print(f"via StoreWriter, submit -> callback ({WRITER_ROUNDS} one at a time): "
          f"p50 {percentile(writer_times, 0.5) * 1000:.3f} ms, p99 {percentile(writer_times, 0.99) * 1000:.3f} ms "
          "(information, no target)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
