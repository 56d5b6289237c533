"""The dashboard's results page with 1,000,000 records across 10 kiosks (issue 12): p95 <= 250 ms.

The central's database is made by the central's own migrations, then filled straight with
plain sqlite3 executemany (a year of records of 10 kiosks: 70 % votes on the shipped content's
polls, a few polls asked in two versions, 2 % of the votes flagged suspect, 10 % from phones;
the rest views, ratings and visits); vote_tallies is then filled by backfill_vote_tallies, the
code path of the migration's backfill. The real central (`kiosk-central serve`, its own
process) serves it; a staff member logs in as in a browser and asks for /staff/results with
10 filter combinations, 200 requests in all, one after another. The baseline is the fleet page
/staff/ of the same central in the same run (login, the kiosks' heartbeats, no votes counted).

Run: cd bench && ../.venv/bin/python bench_results.py
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from common import PROJECT, report

from bench_sync import CENTRAL, Central  # noqa: E402  (the real central in its own process)

from central.db import CentralDb, backfill_vote_tallies  # noqa: E402
from kiosk.core.clock import utc_text  # noqa: E402
from kiosk.core.content_loader import load_content  # noqa: E402
from kiosk.core.content_model import PollType  # noqa: E402
from sync.protocol import canonical_json  # noqa: E402

RECORDS = 1_000_000
KIOSKS = [f"kiosk-{n:02d}" for n in range(1, 11)]
VOTE_SHARE, SUSPECT_SHARE, PHONE_SHARE = 0.70, 0.02, 0.10
YEAR_START = dt.datetime(2026, 1, 1, 7, tzinfo=dt.timezone.utc)
REWORDED_BEFORE = dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc)  # polls asked in an older wording until then
REQUESTS = 200
PASSWORD = "bench password, long enough"
FILTERS = [
    {},
    {"since": "2026-03-01", "until": "2026-03-31"},
    {"kiosk": "kiosk-03"},
    {"source": "phone"},
    {"source": "kiosk", "kiosk": "kiosk-07"},
    {"version": "current"},
    {"version": "earlier"},
    {"suspect": "1"},
    {"poll": "friedhof-der-zukunft/wichtig"},
    {"since": "2026-06-01", "until": "2026-08-31", "kiosk": "kiosk-05", "source": "kiosk", "suspect": "1"},
]


def polls() -> list[tuple]:
    """(exhibit_id, poll, older version or None) of every poll of the shipped content; every
    third poll was reworded at mid-year."""
    found = [(exhibit.id, poll) for exhibit in load_content(PROJECT, decode_pictures=False).exhibits
             for poll in exhibit.polls]
    return [(exhibit_id, poll, hashlib.sha256(f"old {poll.question_version}".encode()).hexdigest()[:16]
             if n % 3 == 0 else None) for n, (exhibit_id, poll) in enumerate(found)]


def answers_of(poll, rng: random.Random) -> list[str]:
    ids = poll.answer_ids()
    if poll.type is PollType.MULTI:
        return rng.sample(ids, rng.randint(1, min(poll.max_choices or 1, len(ids))))
    return [ids[min(int(rng.expovariate(0.7)), len(ids) - 1)]]  # some answers far more often than others


def fill(db_path: Path) -> tuple[int, int]:
    """RECORDS records straight into the records table (and progress, as the central keeps it);
    (votes, phone records)."""
    rng = random.Random(12)
    every_poll = polls()
    conn = sqlite3.connect(db_path, isolation_level=None)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(records)")]
    insert = f"INSERT INTO records ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    per_kiosk, span_s = RECORDS // len(KIOSKS), 365 * 86400 - 12 * 3600
    votes = phones = 0
    flags_plain, flags_suspect = "[]", canonical_json(["suspect_burst"])
    for kiosk in KIOSKS:
        stores = {"kiosk": str(uuid.uuid4()), "phone": str(uuid.uuid4())}
        seqs = {"kiosk": 0, "phone": 0}
        moments = sorted(rng.random() * span_s for _ in range(per_kiosk))
        rows = []
        for offset in moments:
            moment = YEAR_START + dt.timedelta(seconds=offset)
            created = utc_text(moment)
            source = "phone" if rng.random() < PHONE_SHARE else "kiosk"
            seqs[source] += 1
            exhibit_id, poll, older = every_poll[rng.randrange(len(every_poll))]
            flags = flags_plain
            if rng.random() < VOTE_SHARE:
                kind, votes = "vote", votes + 1
                version = older if older and moment < REWORDED_BEFORE else poll.question_version
                payload = canonical_json({"answers": answers_of(poll, rng), "layer": rng.choice(("de", "de", "en",
                                                                                                 "ls"))})
                poll_id = poll.id
                if rng.random() < SUSPECT_SHARE:
                    flags = flags_suspect
            else:
                kind = rng.choice(("view", "view", "feedback", "session"))
                poll_id = version = None
                payload = canonical_json({"dwell_s": round(rng.random() * 90, 1), "layer": "de"} if kind == "view"
                                         else {"rating": rng.randint(1, 5), "comment": None, "layer": "de"}
                                         if kind == "feedback" else {"layer": "de", "ended_by": "idle"})
            phones += source == "phone"
            values = {"id": str(uuid.uuid4()), "kiosk_id": kiosk, "store_id": stores[source], "seq": seqs[source],
                      "boot_id": "bench", "session_id": f"s{seqs[source] // 5}", "kind": kind,
                      "exhibit_id": exhibit_id, "poll_id": poll_id, "question_version": version,
                      "content_version": "bench", "payload": payload, "flags": flags, "created_at": created,
                      "source": source, "received_at": created, "fingerprint": "0" * 64}
            rows.append(tuple(values[name] for name in columns))
        conn.execute("BEGIN")
        conn.executemany(insert, rows)
        conn.executemany("INSERT INTO progress (kiosk_id, store_id, contiguous_seq, count) VALUES (?, ?, ?, ?)",
                         [(kiosk, stores[s], seqs[s], seqs[s]) for s in stores])
        conn.execute("COMMIT")
    conn.close()
    return votes, phones


def backfill(db_path: Path) -> float:
    """vote_tallies filled as m005 fills it; seconds taken."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    started = time.perf_counter()
    conn.execute("BEGIN")
    backfill_vote_tallies(conn)
    conn.execute("COMMIT")
    took = time.perf_counter() - started
    conn.close()
    return took


def kiosks_and_staff(db_path: Path, config: Path) -> None:
    db = CentralDb.open(db_path)
    now = utc_text(dt.datetime.now(dt.timezone.utc))
    try:
        for kiosk in KIOSKS:
            db.add_kiosk(kiosk, hashlib.sha256(kiosk.encode()).hexdigest(), now)
            db.record_heartbeat(kiosk, now, now, 0.4, {"kiosk_id": kiosk, "kiosk_time": now, "app_version": "0.5.0",
                                                       "content_version": "bench", "outbox_depth": 0,
                                                       "quarantined": 0, "restarts": 0, "uptime_s": 3600.0,
                                                       "last_visitor_touch": now})
    finally:
        db.close()
    subprocess.run([*CENTRAL, "add-staff", "bench", "--password-stdin", "--config", str(config)],
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True)


def log_in(url: str) -> requests.Session:
    session = requests.Session()
    form = session.get(url + "/staff/login", timeout=30).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    answer = session.post(url + "/staff/login", data={"user": "bench", "password": PASSWORD, "csrf": csrf},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 303, answer.text
    return session


def latencies(session: requests.Session, url: str, queries: list[dict]) -> list[float]:
    """Milliseconds of each GET, one after another; every answer must be the page, whole."""
    took = []
    for params in queries:
        started = time.perf_counter()
        answer = session.get(url, params=params, timeout=60)
        took.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200 and "</html>" in answer.text, (params, answer.status_code, answer.text[-500:])
    return took


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-results-", dir=Path(__file__).parent))
    try:
        folder = work / "central"
        folder.mkdir()
        db_path = folder / "central.sqlite3"
        CentralDb.open(db_path).close()  # the schema, by the central's migrations
        started = time.perf_counter()
        votes, phones = fill(db_path)
        print(f"filled {RECORDS:,} records of {len(KIOSKS)} kiosks ({votes:,} votes, {phones:,} from phones) "
              f"in {time.perf_counter() - started:.0f} s")
        took = backfill(db_path)
        conn = sqlite3.connect(db_path)
        tallies = conn.execute("SELECT COUNT(*) FROM vote_tallies").fetchone()[0]
        conn.close()
        print(f"vote_tallies backfilled (m005's code path): {tallies:,} rows in {took:.1f} s "
              f"({votes / took:,.0f} votes/s)")
        central = Central(folder, content_root=str(PROJECT))
        try:
            kiosks_and_staff(db_path, central.config)
            session = log_in(central.url)
            results, fleet = central.url + "/staff/results", central.url + "/staff/"
            latencies(session, results, FILTERS)  # first use: pages and content warm
            latencies(session, fleet, [{}] * 5)
            queries = [FILTERS[n % len(FILTERS)] for n in range(REQUESTS)]
            random.Random(3).shuffle(queries)
            page = latencies(session, results, queries)
            base = latencies(session, fleet, [{}] * REQUESTS)
        finally:
            central.stop()
        by_filter: dict[str, list[float]] = {}
        for params, ms in zip(queries, page):
            by_filter.setdefault(json.dumps(params, ensure_ascii=False), []).append(ms)
        for name, values in by_filter.items():
            print(f"  {name}: median {statistics.median(values):.0f} ms, max {max(values):.0f} ms")
        report("results page p50", percentile(page, 0.5), "ms", "fleet page /staff/ p50", percentile(base, 0.5))
        p95 = percentile(page, 0.95)
        report(f"results page p95 ({REQUESTS} requests, {len(FILTERS)} filter sets, {RECORDS:,} records)", p95, "ms",
               "fleet page /staff/ p95", percentile(base, 0.95), "p95 <= 250 ms", ok=p95 <= 250)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
