"""The central's export of 1,000,000 records across 10 kiosks: CSV against the sqlite3 CLI.

Target (issue 12): an export of 1,000,000 records takes at most twice as long as the sqlite3
shell (`sqlite3 -csv -header`, Debian's) writing the same rows and columns in the same order.
Measured in one run against that one baseline:

- `kiosk-central export --format csv --out PATH`: the whole command (start-up, settings,
  content, opening the database, the records file, the poll summary, the export log);
- the dashboard's export (POST /staff/export, format csv) through a running central
  (`kiosk-central serve`) with a logged-in staff member: the same files, zipped, downloaded;
- for information, the XLSX export's peak resident memory (ru_maxrss of the command's process).

The database is made by the central's own migrations (CentralDb.open), then filled with plain
sqlite3 executemany straight into the records table in one transaction: through the sync API a
million records would take minutes and measure the wrong thing here. The records arrive as
pushes would bring them: 500 of one kiosk, then 500 of the next, so rowid order is not the
export's created_at order.

    bench/run central_export
    .venv/bin/python bench/bench_central_export.py [--keep DIR] [--no-xlsx] [--no-dashboard]

--keep DIR keeps (and reuses) the filled database in DIR, for working on the export.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench_sync import Central
from common import PROJECT, report

RECORDS = 1_000_000
KIOSKS = 10
PUSH = 500  # records of one kiosk in a row, as a push brings them
PHONE_SHARE = 0.03
CSV_TARGET = 2.0
CENTRAL = [str(PROJECT / ".venv" / "bin" / "kiosk-central")]
if not Path(CENTRAL[0]).exists():
    CENTRAL = [sys.executable, "-m", "central.cli"]
PASSWORD = "correct horse battery staple"
# The rows and columns `kiosk-central export --format csv` writes (without free text), in its
# order, the way the sqlite3 CLI would produce them: the kiosk's columns, then received_at.
BASELINE_SQL = """
SELECT id, kiosk_id, seq, boot_id, session_id, kind, exhibit_id, poll_id, question_version, content_version,
       created_at,
       CASE kind WHEN 'vote' THEN (SELECT group_concat(value, ';') FROM json_each(payload, '$.answers')) END
           AS answers,
       json_extract(payload, '$.rating') AS rating, json_extract(payload, '$.layer') AS layer,
       json_extract(payload, '$.dwell_s') AS dwell_s,
       (SELECT group_concat(value, ';') FROM json_each(flags)) AS flags, received_at
FROM records ORDER BY created_at, kiosk_id, store_id, seq
"""
IDEAS = ["Mehr Bäume und Schatten am Marktplatz 🌳", "Öffentliche Trinkbrunnen, bitte! 😀",
         "Sitzbänke für Ältere an der Grünen Straße", "=HYPERLINK(\"http://example.org\")",
         "Kostenloses WLAN im Bürgerbüro, auch für Schüler:innen"]
COMMENTS = [None, None, "Sehr anschaulich erklärt", "Zu viel Text 🙈", "Gut gemacht, weiter so!"]


def _uuid(rnd: random.Random) -> str:
    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


def kiosk_rows(kiosk: int, count: int, polls, exhibit_ids, content_version: str, start: float):
    """One kiosk's records in seq order (a share of them made on phones), as the central stores them."""
    from central.phone.pages import phone_store_id
    from sync.protocol import canonical_json, row_fingerprint

    rnd = random.Random(kiosk)
    kiosk_id = f"kiosk-{kiosk:02d}"
    store_id, phone_store, boot = _uuid(rnd), phone_store_id(kiosk_id), _uuid(rnd)
    seq = phone_seq = 0
    session = None
    step = 15 * KIOSKS  # ten kiosks, one record every ~15 s in all: about half a year
    for n in range(count):
        when = start + n * step + rnd.uniform(0, step)
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when)) + f".{int(when * 1e6) % 1_000_000:06d}Z"
        received = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when + rnd.uniform(1, 90))) + \
            f".{rnd.randrange(1_000_000):06d}Z"
        phone = rnd.random() < PHONE_SHARE
        if n % 8 == 0:
            session = _uuid(rnd)
        draw = rnd.random()
        exhibit, poll_id, version, flags = rnd.choice(exhibit_ids), None, None, []
        if phone:
            exhibit, poll = rnd.choice(polls)
            kind, payload = "vote", {"answers": [rnd.choice(poll.answer_ids())], "layer": "de"}
            poll_id, version = poll.id, poll.question_version
        elif draw < 0.12:
            kind, payload = "session", {"started_at": created, "ended_at": created, "layer": "de",
                                        "ended_by": rnd.choice(("idle", "done"))}
            exhibit = None
        elif draw < 0.55:
            kind, payload = "view", {"dwell_s": round(rnd.uniform(2, 240), 1), "layer": rnd.choice(("de", "en", "ls"))}
        elif draw < 0.92:
            exhibit, poll = rnd.choice(polls)
            answers = poll.answer_ids()
            chosen = rnd.sample(answers, rnd.randint(1, min(3, len(answers)))) if poll.type.value == "multi" \
                else [rnd.choice(answers)]
            kind, payload = "vote", {"answers": chosen, "layer": "de"}
            poll_id, version = poll.id, poll.question_version
            flags = ["suspect_burst"] if rnd.random() < 0.02 else []
        elif draw < 0.98:
            kind, payload = "feedback", {"rating": rnd.randint(1, 5), "comment": rnd.choice(COMMENTS), "layer": "de"}
        else:
            kind, payload = "idea", {"text": rnd.choice(IDEAS), "layer": "de"}
        if phone:
            phone_seq += 1
            place = (phone_store, phone_seq, "phone", _uuid(rnd), "phone", created)
        else:
            seq += 1
            place = (store_id, seq, boot, session, "kiosk", received)
        row = (_uuid(rnd), kiosk_id, place[0], place[1], place[2], place[3], kind, exhibit, poll_id, version,
               content_version, canonical_json(payload), canonical_json(flags) if flags else "[]", created)
        yield row + (place[4], place[5], row_fingerprint(row))


def fill_central(db_path: Path, count: int) -> None:
    from central.db import CentralDb
    from kiosk.core.content_loader import load_content
    from kiosk.core.records import RECORD_FIELDS

    CentralDb.open(db_path).close()  # the schema, through the central's own migrations
    content = load_content(PROJECT, decode_pictures=False)
    polls = [(e.id, p) for e in content.exhibits for p in e.polls]
    exhibit_ids = [e.id for e in content.exhibits]
    start = 1_767_225_600  # 2026-01-01T00:00:00Z
    streams = [kiosk_rows(k, count // KIOSKS + (k <= count % KIOSKS), polls, exhibit_ids, content.version, start)
               for k in range(1, KIOSKS + 1)]

    def pushes():
        live = list(streams)
        while live:
            for stream in list(live):
                chunk = [row for _, row in zip(range(PUSH), stream)]
                if len(chunk) < PUSH:
                    live.remove(stream)
                yield from chunk

    columns = (*RECORD_FIELDS, "source", "received_at", "fingerprint")
    db = sqlite3.connect(db_path)
    with db:  # one transaction; the records table forbids UPDATE and DELETE, INSERT is what it is for
        db.executemany(f"INSERT INTO records ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                       pushes())
        db.execute("INSERT INTO progress (kiosk_id, store_id, contiguous_seq, count) "
                   "SELECT kiosk_id, store_id, MAX(seq), COUNT(*) FROM records GROUP BY kiosk_id, store_id")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    CentralDb.open(db_path).close()  # any migration added since the schema was made runs now, not in a figure
    tables = {name for (name,) in sqlite3.connect(db_path).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "vote_tallies" in tables:
        _fill_vote_tallies(db_path)


def _fill_vote_tallies(db_path: Path) -> None:
    """The vote counts the central keeps at insert (vote_tallies, migration m005), filled the way
    the central offers (central.db.backfill_vote_tallies); the export does not read them."""
    import central.db as central_db

    backfill = getattr(central_db, "backfill_vote_tallies", None)
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        if backfill is None or conn.execute("SELECT EXISTS (SELECT 1 FROM vote_tallies)").fetchone()[0]:
            return
        conn.execute("BEGIN IMMEDIATE")
        votes = backfill(conn)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    print(f"setup: vote_tallies filled by central.db.backfill_vote_tallies ({votes:,} votes)")


def sqlite_csv(db_path: Path, out: Path) -> float:
    begin = time.perf_counter()
    with open(out, "wb") as file:
        subprocess.run(["sqlite3", "-csv", "-header", str(db_path), BASELINE_SQL], stdout=file, check=True)
    return time.perf_counter() - begin


def export_command(config: Path, out: Path, fmt: str) -> tuple[float, float]:
    """Seconds of the whole `kiosk-central export`, and its process's peak resident memory in MB."""
    begin = time.perf_counter()
    child = subprocess.Popen([*CENTRAL, "export", "--config", str(config), "--format", fmt, "--out", str(out)],
                             cwd=PROJECT, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - begin
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"kiosk-central export --format {fmt} failed with exit code {child.returncode}")
    return took, usage.ru_maxrss / 1024


def dashboard_csv(config: Path, out: Path) -> float | None:
    """Seconds from the export form's POST to the last byte of the ZIP, logged in as staff."""
    import requests

    subprocess.run([*CENTRAL, "add-staff", "bench", "--password-stdin", "--replace", "--config", str(config)],
                   input=PASSWORD + "\n", capture_output=True, text=True, check=True)
    central = Central(config.parent, config=config)
    try:
        session = requests.Session()
        page = session.get(central.url + "/staff/login", timeout=30).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        login = session.post(central.url + "/staff/login", allow_redirects=False, timeout=30,
                             data={"user": "bench", "password": PASSWORD, "csrf": csrf})
        if login.status_code != 303:
            print(f"dashboard: the staff login failed ({login.status_code}); skipped")
            return None
        page = session.get(central.url + "/staff/export", timeout=30).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        begin = time.perf_counter()
        with session.post(central.url + "/staff/export", data={"csrf": csrf, "format": "csv"}, stream=True,
                          timeout=600) as answer:
            answer.raise_for_status()
            with open(out, "wb") as file:
                for chunk in answer.iter_content(1 << 20):
                    file.write(chunk)
        return time.perf_counter() - begin
    finally:
        central.stop()


def _csv_lines(path: Path) -> int:
    with open(path, "rb") as file:
        return sum(1 for _ in file)


def main(argv: list[str]) -> int:
    if shutil.which("sqlite3") is None:
        print("bench_central_export: the sqlite3 command line tool is missing (the CSV baseline); install it with\n"
              "    sudo apt-get install -y sqlite3", file=sys.stderr)
        return 1
    keep = Path(argv[argv.index("--keep") + 1]) if "--keep" in argv else None
    with tempfile.TemporaryDirectory(prefix="bench-central-export-") as tmp:
        tmp = Path(tmp)
        folder = keep or tmp
        folder.mkdir(parents=True, exist_ok=True)
        db_path = folder / "central.sqlite3"
        if not db_path.exists():
            begin = time.perf_counter()
            fill_central(db_path, RECORDS)
            print(f"setup: {RECORDS:,} records of {KIOSKS} kiosks inserted in {time.perf_counter() - begin:.1f} s "
                  f"({db_path.stat().st_size / 1e6:.0f} MB database)")
        config = folder / "central.toml"
        config.write_text(f'[central]\ndb = "{db_path}"\ncontent_root = "{PROJECT}"\n', encoding="utf-8")
        counts = dict(sqlite3.connect(db_path).execute("SELECT source, COUNT(*) FROM records GROUP BY source"))
        print(f"records: {sum(counts.values()):,} ({', '.join(f'{n:,} {s}' for s, n in sorted(counts.items()))})")

        ok = True
        base = min(sqlite_csv(db_path, tmp / "sqlite.csv") for _ in range(2))
        base_lines = _csv_lines(tmp / "sqlite.csv")
        command, _memory = min(export_command(config, tmp / "export.csv", "csv") for _ in range(2))
        export_lines = _csv_lines(tmp / "export.csv")
        assert export_lines == base_lines == RECORDS + 1, (export_lines, base_lines)
        print(f"csv: export {(tmp / 'export.csv').stat().st_size / 1e6:.0f} MB, sqlite3 "
              f"{(tmp / 'sqlite.csv').stat().st_size / 1e6:.0f} MB, {base_lines:,} lines each")
        command_ok = command / base <= CSV_TARGET
        report(f"`kiosk-central export --format csv` of {RECORDS:,} records (whole command)", command, "s",
               "sqlite3 -csv -header, same rows", base, target=f"ratio <= {CSV_TARGET:g}", ok=command_ok)
        ok &= command_ok
        for path in tmp.glob("*.csv"):
            path.unlink()

        if "--no-dashboard" not in argv:
            seconds = dashboard_csv(config, tmp / "dashboard.zip")
            if seconds is not None:
                size = (tmp / "dashboard.zip").stat().st_size / 1e6
                report(f"dashboard CSV export (POST /staff/export, {size:.0f} MB ZIP downloaded)", seconds, "s",
                       "sqlite3 -csv -header, same rows", base, target="(for information)")
                (tmp / "dashboard.zip").unlink()

        if "--no-xlsx" not in argv:
            seconds, peak = export_command(config, tmp / "export.xlsx", "xlsx")
            report(f"`kiosk-central export --format xlsx` peak memory ({RECORDS:,} records, {seconds:.0f} s, "
                   f"{(tmp / 'export.xlsx').stat().st_size / 1e6:.0f} MB file)", peak, "MB",
                   "ru_maxrss of `kiosk-central export --help`", _help_memory(), target="(for information)")
    return 0 if ok else 1


def _help_memory() -> float:
    child = subprocess.Popen([*CENTRAL, "export", "--help"], stdout=subprocess.DEVNULL)
    _pid, _status, usage = os.wait4(child.pid, 0)
    return usage.ru_maxrss / 1024


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
