"""The central on SQLite against PostgreSQL, in one run (issue 13).

50 simulated kiosks push 500-record batches at once (each waits for its answer before the next,
as a kiosk does): records/s, latency p50/p99 and errors, for
- SQLite, one worker (the baseline: the central as it ships);
- PostgreSQL, one worker;
- PostgreSQL, four workers (`serve --workers 4`).

Each central is the real `kiosk-central serve` in its own process(es); PostgreSQL is Debian's,
a cluster of its own in a temporary folder (tests/postgres_server.py), fsync on, on the same
2 cores as the central and the 50 kiosks: the figures are upper bounds for one small machine,
not PostgreSQL's on a server of its own. No target is set by the issue; the ratios say what
PostgreSQL costs or gains here.

Run: cd bench && ../.venv/bin/python bench_postgres.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from common import PROJECT, report

sys.path.insert(0, str(PROJECT / "tests"))

from bench_sync import Central, batch_bodies, percentile, push_together  # noqa: E402
from postgres_server import PostgresServer  # noqa: E402

KIOSKS = 50
BATCHES_PER_KIOSK = 4
BATCH = 500


def fleet(central: Central) -> tuple[float, float, float, list[str]]:
    """(records/s, p50 ms, p99 ms, errors) of KIOSKS kiosks pushing at once."""
    tokens = [central.add_kiosk(f"kiosk-{n:02d}") for n in range(KIOSKS)]
    bodies = [batch_bodies(f"kiosk-{n:02d}", BATCHES_PER_KIOSK) for n in range(KIOSKS)]
    errors: list[str] = []
    took, latencies = push_together(central.port, tokens, bodies, errors)
    records = KIOSKS * BATCHES_PER_KIOSK * BATCH
    return records / took, percentile(latencies, 0.5), percentile(latencies, 0.99), errors


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-postgres-", dir=Path(__file__).parent))
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="stadtlabor-postgres-"))).start()
    results = {}
    try:
        runs = (("SQLite, 1 worker", "central.sqlite3", 1), ("PostgreSQL, 1 worker", None, 1),
                ("PostgreSQL, 4 workers", None, 4))
        for name, db, workers in runs:
            folder = work / name.replace(", ", "-").replace(" ", "-")
            folder.mkdir()
            central = Central(folder, db or server.new_database(), workers, max_concurrent_pushes=KIOSKS)
            try:
                results[name] = fleet(central)
            finally:
                central.stop()
            rate, p50, p99, errors = results[name]
            print(f"{name}: {KIOSKS} kiosks x {BATCHES_PER_KIOSK} batches of {BATCH}: {rate:,.0f} records/s, "
                  f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, errors {len(errors)}{(' ' + errors[0]) if errors else ''}")
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    base_rate, base_p50, base_p99, _ = results["SQLite, 1 worker"]
    for name in ("PostgreSQL, 1 worker", "PostgreSQL, 4 workers"):
        rate, p50, p99, errors = results[name]
        report(f"{name}: records/s", rate, "records/s", "SQLite, 1 worker", base_rate)
        report(f"{name}: latency p99", p99, "ms", "SQLite, 1 worker", base_p99, "0 errors", ok=not errors)
    return 0 if not any(result[3] for result in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
