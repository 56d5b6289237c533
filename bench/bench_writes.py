"""The write budget (issue 14): bytes written to disk per vote and per idle hour.

- Per vote: votes through the kiosk's recording path (StoreWriter -> Store.append, one
  acknowledged transaction each: WAL, synchronous=FULL) against SQLite's own minimum for the
  same rows: a bare sqlite3 INSERT of the record and its outbox row per transaction, same
  schema, same pragmas (bench_store.RawWriter). Bytes are /proc/self/io write_bytes (what the
  process sent to the disk: -wal frames, checkpoints into the store, the -shm), taking turns
  in blocks so both see the same checkpoints. Target: ratio <= 1.5.
- Per idle hour: the real `kiosk run` (headless, SDL_VIDEODRIVER=offscreen) against the real
  central, nobody touching it, /proc/<pid>/io write_bytes over a stretch of sync passes at a
  5 s interval (the ideas on its Ideenwand pulled every pass), and over a stretch with no sync
  at all (what the kiosk writes by itself: logs, timers); extrapolated to an hour at the
  default [sync] interval_s = 60: 60 passes as measured, plus the sync status the client
  keeps every ten minutes (measured here as a save of the status), plus the stand-alone rate.
  Target: a day under 50 MB (the issue's budget). The daily snapshot (a copy of the store) is
  not in it: it writes the store's size once a day.

Files live on the disk holding bench/ (tmpfs counts no write_bytes). A few minutes at most.

Run: cd bench && ../.venv/bin/python bench_writes.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
from pathlib import Path

from common import PROJECT, report

sys.path.insert(0, str(PROJECT / "tests"))

from bench_store import DRAFT, RawWriter  # noqa: E402
from central_server import running_central  # noqa: E402
from idle_kiosk import IdleKiosk, written  # noqa: E402

from kiosk.store import Store, StoreWriter  # noqa: E402

VOTES = 2000
BLOCK = 100
DEFAULT_INTERVAL_S = 60
STATUS_SAVES_PER_HOUR = 6  # sync.client.STATUS_SAVE_EVERY_S = 600
PASSES = 6
BUDGET_PER_DAY = 50_000_000
IDEAS_ON_THE_WALL = 30
STANDALONE_S = 30.0


def me() -> int:
    return written(int(Path("/proc/self").resolve().name))


def per_vote(folder: Path) -> tuple[float, float, int]:
    """(kiosk bytes per vote, raw bytes per vote, page size)."""
    store = Store.open(folder / "kiosk.sqlite3", "bench")
    writer = StoreWriter(store)
    raw = RawWriter(folder / "raw.sqlite3")
    done = threading.Event()

    def vote() -> None:
        done.clear()
        writer.submit(DRAFT, lambda result: done.set())
        if not done.wait(10):
            raise SystemExit("a vote was not acknowledged in 10 s")

    kiosk_bytes = raw_bytes = 0
    try:
        for _ in range(VOTES // BLOCK):
            before = me()
            for _ in range(BLOCK):
                vote()
            kiosk_bytes += me() - before
            before = me()
            for _ in range(BLOCK):
                raw.write()
            raw_bytes += me() - before
        page_size = raw.conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        writer.close()
        store.close()
        raw.close()
    return kiosk_bytes / VOTES, raw_bytes / VOTES, page_size


def per_status_save(folder: Path, saves: int = 200) -> float:
    """Bytes one save of the sync status writes (a status as a pass leaves it)."""
    status = {"configured": True, "online": True, "last_attempt_at": "2026-12-01T10:00:00.000000Z",
              "last_success_at": "2026-12-01T10:00:00.000000Z", "last_error": None, "clock_skew_s": 0.012,
              "stopped": False, "next_attempt_at": "2026-12-01T10:01:00.000000Z", "failures": 0, "pending": 0,
              "quarantined": 0, "ideas_pulled_at": "2026-12-01T10:00:00.000000Z", "ideas_error": None}
    with Store.open(folder / "status.sqlite3", "bench") as store:
        before = me()
        for n in range(saves):
            store.save_sync_status({**status, "last_attempt_at": f"2026-12-01T10:{n % 60:02d}:00.000000Z"})
        return (me() - before) / saves


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix=".bench-writes-", dir=Path(__file__).resolve().parent))
    try:
        kiosk_vote, raw_vote, page_size = per_vote(folder / "votes")
        status_save = per_status_save(folder)
        with running_central(folder / "central") as central:
            with IdleKiosk(folder / "syncing", central, interval_s=5, ideas=IDEAS_ON_THE_WALL) as kiosk:
                syncing = kiosk.measure(passes=PASSES)
        with IdleKiosk(folder / "standalone") as kiosk:
            alone = kiosk.measure(seconds=STANDALONE_S)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"votes: {VOTES} through StoreWriter (each acknowledged) against {VOTES} bare INSERT pairs, same schema "
          f"and pragmas, in blocks of {BLOCK}; page size {page_size} B")
    ok = kiosk_vote / raw_vote <= 1.5
    report("bytes written per vote", kiosk_vote, "B", "bare sqlite3 insert of the same rows", raw_vote,
           target="ratio <= 1.5", ok=ok)
    print(f"  = {kiosk_vote / page_size:.1f} pages per vote (a record page and an outbox page, its index pages, "
          f"the -wal's frame headers, and their checkpoint into the store)")
    time_rate = alone.per_second
    pass_bytes = max(0.0, (syncing.write_bytes - time_rate * syncing.seconds) / syncing.passes)
    hour = DEFAULT_INTERVAL_S * pass_bytes + STATUS_SAVES_PER_HOUR * status_save + 3600 * time_rate
    print(f"idle, syncing: {syncing.write_bytes:,} B in {syncing.seconds:.0f} s over {syncing.passes} sync passes "
          f"({IDEAS_ON_THE_WALL} ideas on the wall), files grown: {syncing.files or 'none'}")
    print(f"idle, standalone: {alone.write_bytes:,} B in {alone.seconds:.0f} s, files grown: {alone.files or 'none'}")
    print(f"  per pass {pass_bytes:,.0f} B; a kept sync status {status_save:,.0f} B ({STATUS_SAVES_PER_HOUR}/h); "
          f"by itself {time_rate * 3600:,.0f} B/h")
    day_ok = hour * 24 <= BUDGET_PER_DAY
    report("bytes written per idle hour (interval_s=60, extrapolated)", hour, "B", "budget per hour (50 MB/day)",
           BUDGET_PER_DAY / 24, target="ratio <= 1", ok=day_ok)
    print(f"  = {hour * 24 / 1e6:.2f} MB per idle day (budget 50 MB), without the daily snapshot")
    return 0 if ok and day_ok else 1


if __name__ == "__main__":
    sys.exit(main())
