"""Exporting 1,000,000 records: CSV against the sqlite3 CLI, XLSX peak memory.

Targets (issue 4): `kiosk export --format csv` of 1,000,000 records takes at most twice as long
as `sqlite3 -csv` writing the same rows and columns; the XLSX export of them peaks at
<= 250 MB of resident memory. The CSV is measured twice against that baseline: `export_store`
in process (the staff screen's path), and the whole `kiosk export` command (start-up, config,
content, opening the store).

The store is filled in the bench setup with plain sqlite3 executemany in one transaction,
straight into the store's schema (created by Store.open), not through Store.append: append
commits and fsyncs every record on its own (that is its job), which would take hours for a
million records and measure the wrong thing here.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import PROJECT, report

RECORDS = 1_000_000
KIOSK_ID = "kiosk-01"
CSV_TARGET = 2.0
XLSX_TARGET_MB = 250
# The same rows and columns the export writes, the way the sqlite3 CLI would produce them.
BASELINE_SQL = """
SELECT id, kiosk_id, seq, boot_id, session_id, kind, exhibit_id, poll_id, question_version, content_version,
       created_at,
       CASE kind WHEN 'vote' THEN (SELECT group_concat(value, ';') FROM json_each(payload, '$.answers')) END,
       json_extract(payload, '$.rating'), json_extract(payload, '$.layer'), json_extract(payload, '$.dwell_s'),
       (SELECT group_concat(value, ';') FROM json_each(flags))
FROM records ORDER BY kiosk_id, seq
"""
IDEAS = ["Mehr Bäume und Schatten am Marktplatz 🌳", "Öffentliche Trinkbrunnen, bitte! 😀",
         "Sitzbänke für Ältere an der Grünen Straße", "=HYPERLINK(\"http://example.org\")",
         "Kostenloses WLAN im Bürgerbüro, auch für Schüler:innen"]
COMMENTS = [None, None, "Sehr anschaulich erklärt", "Zu viel Text 🙈", "Gut gemacht, weiter so!"]


def fill_store(path: Path, count: int) -> None:
    from kiosk.core.content_loader import load_content
    from kiosk.store import Store

    Store.open(path, KIOSK_ID).close()  # creates the schema through the store's own migrations
    content = load_content(PROJECT)
    polls = [(e.id, p) for e in content.exhibits for p in e.polls]
    exhibit_ids = [e.id for e in content.exhibits]
    rnd = random.Random(4)
    boot = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
    start = 1_767_225_600  # 2026-01-01T00:00:00Z; one record every ~15 s spans about half a year
    session = None

    def rows():
        nonlocal session
        for seq in range(1, count + 1):
            at = time.gmtime(start + seq * 15)
            created = time.strftime("%Y-%m-%dT%H:%M:%S", at) + f".{seq % 1_000_000:06d}Z"
            draw = rnd.random()
            exhibit, poll_id, version, flags = rnd.choice(exhibit_ids), None, None, "[]"
            if seq % 8 == 1:
                session = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            if draw < 0.12:
                kind, payload = "session", {"started_at": created, "ended_at": created, "layer": "de",
                                            "ended_by": rnd.choice(("idle", "done"))}
                exhibit = None
            elif draw < 0.55:
                kind, payload = "view", {"dwell_s": round(rnd.uniform(2, 240), 1), "layer": rnd.choice("de en ls".split())}
            elif draw < 0.92:
                exhibit, poll = rnd.choice(polls)
                answers = poll.answer_ids()
                chosen = rnd.sample(answers, rnd.randint(1, min(3, len(answers)))) if poll.type.value == "multi" \
                    else [rnd.choice(answers)]
                kind, payload = "vote", {"answers": chosen, "layer": "de"}
                poll_id, version = poll.id, poll.question_version
                flags = '["suspect_burst"]' if rnd.random() < 0.02 else "[]"
            elif draw < 0.98:
                kind, payload = "feedback", {"rating": rnd.randint(1, 5), "comment": rnd.choice(COMMENTS), "layer": "de"}
            else:
                kind, payload = "idea", {"text": rnd.choice(IDEAS), "layer": "de"}
                flags = "[]"
            record_id = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            yield (record_id, KIOSK_ID, seq, boot, session, kind, exhibit, poll_id, version, content.version,
                   json.dumps(payload, ensure_ascii=False, separators=(",", ":")), flags, created)

    db = sqlite3.connect(path)
    with db:  # one transaction
        db.executemany("INSERT INTO records (id, kiosk_id, seq, boot_id, session_id, kind, exhibit_id, poll_id, "
                       "question_version, content_version, payload, flags, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())
        db.execute("INSERT INTO outbox (record_id, state) SELECT id, 'sent' FROM records")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def sqlite_csv(store: Path, out: Path) -> float:
    begin = time.perf_counter()
    with open(out, "wb") as file:
        subprocess.run(["sqlite3", "-csv", str(store), BASELINE_SQL], stdout=file, check=True)
    return time.perf_counter() - begin


def export_in_process(store_path: Path, out: Path, fmt: str) -> tuple[float, int]:
    from kiosk.core.content_loader import load_content
    from kiosk.export import export_store
    from kiosk.store import Store

    exhibits = load_content(PROJECT).exhibits
    with Store.open(store_path, KIOSK_ID) as store:
        begin = time.perf_counter()
        result = export_store(store, out, fmt, exhibits=exhibits)
        return time.perf_counter() - begin, result.records


def store_lines_only(store_path: Path) -> float:
    """Only reading the lines SQLite renders (Store.export_lines): the share of the export the store takes."""
    from kiosk.store import Store

    with Store.open(store_path, KIOSK_ID) as store:
        begin = time.perf_counter()
        with store.export_lines() as lines:
            for _batch in lines:
                pass
        return time.perf_counter() - begin


def _kiosk_command() -> list[str]:
    # The console script the package installs, as staff run it; `python -m kiosk.cli` without one.
    script = Path(sys.executable).with_name("kiosk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kiosk.cli"]


def export_command(store_path: Path, out: Path, fmt: str, config: Path) -> float:
    begin = time.perf_counter()
    subprocess.run([*_kiosk_command(), "export", "--config", str(config), "--store", str(store_path), "--format",
                    fmt, "--out", str(out)], check=True, cwd=PROJECT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - begin


def _high_water_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child_xlsx(store_path: str, out: str) -> None:
    """Runs in a fresh interpreter: prints the peak RSS after imports, then after the export."""
    from kiosk.core.content_loader import load_content  # noqa: F401  (imports counted in the baseline)
    from kiosk.export import export_store  # noqa: F401
    from kiosk.store import Store  # noqa: F401

    before = _high_water_mb()
    seconds, records = export_in_process(Path(store_path), Path(out), "xlsx")
    print(json.dumps({"before_mb": before, "peak_mb": _high_water_mb(), "seconds": seconds, "records": records}))


def main() -> int:
    if shutil.which("sqlite3") is None:
        print("bench_export: the sqlite3 command line tool is missing (the CSV baseline); install it with\n"
              "    sudo apt-get install -y sqlite3", file=sys.stderr)
        return 1
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        tmp = Path(tmp)
        store = tmp / "store.sqlite3"
        begin = time.perf_counter()
        fill_store(store, RECORDS)
        print(f"setup: {RECORDS:,} records inserted in {time.perf_counter() - begin:.1f} s "
              f"({store.stat().st_size / 1e6:.0f} MB store)")
        config = tmp / "config.toml"
        config.write_text(f'[content]\nroot = "{PROJECT}"\n[store]\npath = "{store}"\n', encoding="utf-8")

        base = min(sqlite_csv(store, tmp / "sqlite.csv") for _ in range(3))
        ours, records = min(export_in_process(store, tmp / "export.csv", "csv") for _ in range(2))
        assert records == RECORDS, records
        with open(tmp / "sqlite.csv", "rb") as file:
            base_rows = sum(1 for _ in file)
        print(f"csv: export {(tmp / 'export.csv').stat().st_size / 1e6:.0f} MB, sqlite3 {base_rows:,} lines "
              f"{(tmp / 'sqlite.csv').stat().st_size / 1e6:.0f} MB")
        csv_ok = ours / base <= CSV_TARGET
        report(f"CSV export of {RECORDS:,} records (export_store, in process)", ours, "s", "sqlite3 -csv, same rows",
               base, target=f"ratio <= {CSV_TARGET:g}", ok=csv_ok)
        stream = store_lines_only(store)
        report("  of which Store.export_lines alone (SQLite rendering the lines)", stream, "s",
               "sqlite3 -csv, same rows", base, target="(for information)")
        command = min(export_command(store, tmp / "command.csv", "csv", config) for _ in range(2))
        assert (tmp / "command.csv").read_bytes() == (tmp / "export.csv").read_bytes(), "the two CSV exports differ"
        command_ok = command / base <= CSV_TARGET
        report("`kiosk export --format csv` (whole process: start-up, config, content, store open)", command, "s",
               "sqlite3 -csv, same rows", base, target=f"ratio <= {CSV_TARGET:g}", ok=command_ok)
        ok &= csv_ok and command_ok
        for path in tmp.glob("*.csv"):
            path.unlink()

        child = subprocess.run([sys.executable, __file__, "--child-xlsx", str(store), str(tmp / "export.xlsx")],
                               capture_output=True, text=True, check=True)
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        assert figures["records"] == RECORDS, figures
        xlsx_ok = figures["peak_mb"] <= XLSX_TARGET_MB
        report(f"XLSX export peak memory ({RECORDS:,} records, {figures['seconds']:.0f} s, "
               f"{(tmp / 'export.xlsx').stat().st_size / 1e6:.0f} MB file)", figures["peak_mb"], "MB",
               "same process after imports", figures["before_mb"], target=f"<= {XLSX_TARGET_MB} MB", ok=xlsx_ok)
        ok &= xlsx_ok
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child-xlsx":
        child_xlsx(sys.argv[2], sys.argv[3])
        sys.exit(0)
    sys.exit(main())
