"""`kiosk salvage FILE`: a real store with damaged pages, moved aside by the kiosk itself, gives
back every record its intact pages (and its -wal) hold, into the outbox of the current store,
fields unchanged; a second run adds nothing; FILE is never changed; wrong FILEs are refused."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import uuid

import pytest

from conftest import run_kiosk
from kiosk.core.instance_lock import InstanceLock
from kiosk.store import Store
from kiosk.store.salvage import recovered

from .helpers import SteppingClock, idea, vote

RECORDS = 3000
MOVED_AT = dt.datetime(2026, 3, 1, 12, 0, 5, tzinfo=dt.timezone.utc)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def aside(folder) -> dict[str, str]:
    """The moved-aside files (the damaged store and its -wal, -shm) and their digests."""
    return {p.name: digest(p) for p in folder.glob("*.corrupt-*")}


def stored(path) -> dict[str, tuple]:
    """Every record of a sound store by id: the fields salvage must keep."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {row[0]: row[1:] for row in conn.execute(
            "SELECT id, kiosk_id, store_id, seq, created_at, payload, redacted_at FROM records")}
    finally:
        conn.close()


def records_table_pages(path, pagetype: str) -> list[int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'records' AND pagetype = ? ORDER BY pageno", (pagetype,))]
    finally:
        conn.close()


def ids_on_leaf(path, page: int) -> set[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        # sqlite_dbpage is not built into Debian's SQLite; the leaf's cells are the rowids the
        # table's b-tree walks through on that page, which `recover` itself reads from the bytes.
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    from kiosk.store.salvage import _leaf_rows, _Pages

    pages = _Pages(path)
    try:
        data = pages.page(page)
        assert data[0] == 0x0D and len(data) == page_size
        return {values[0] for _rowid, values in _leaf_rows(pages, page, data)}
    finally:
        pages.close()


def overwrite(path, page: int, data: bytes | None = None) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as file:
        file.seek((page - 1) * page_size)
        file.write(data if data is not None else os.urandom(page_size))


def write_config(folder, store_name="kiosk.sqlite3", kiosk_id="k1"):
    config = folder / "config.toml"
    config.write_text(f'[kiosk]\nid = "{kiosk_id}"\n[store]\npath = "{store_name}"\n', encoding="utf-8")
    return config


@pytest.fixture
def kiosk_folder(tmp_path):
    """A kiosk's data folder with a store of RECORDS records, some sent (and redacted), some
    quarantined, checkpointed into the file as a kiosk leaves it when it stops."""
    path = tmp_path / "kiosk.sqlite3"
    clock = SteppingClock()
    with Store.open(path, "k1", clock=clock) as store:
        records = [store.append(idea(f"Idee {n}: mehr Schatten auf dem Marktplatz 🌳") if n % 3 else vote())
                   for n in range(RECORDS)]
        store.mark_sent([r.id for r in records[:100]])
        store.quarantine(records[150].id, "conflict")
        clock.advance(days=400)
        store.redact_free_text(clock.now)
    write_config(tmp_path)
    return tmp_path


def move_aside_by_the_kiosk(path):
    """Start the kiosk's store on the damaged file, as the kiosk does: it moves it aside and
    starts a new store (with a new store_id) in its place."""
    with Store.open(path, "k1", clock=SteppingClock(MOVED_AT)) as fresh:
        assert [a["kind"] for a in fresh.alerts()] == ["corrupt_store"]
        fresh.append(vote())
    moved = path.with_name(f"{path.name}.corrupt-20260301T120005Z")
    assert moved.exists()
    return moved


def outbox_of(path) -> dict[str, tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {row[0]: row[1:] for row in conn.execute(
            "SELECT r.id, r.kiosk_id, r.store_id, r.seq, r.created_at, r.payload, r.redacted_at, o.state "
            "FROM records r JOIN outbox o ON o.record_id = r.id")}
    finally:
        conn.close()


def test_a_damaged_leaf_loses_only_its_own_records(kiosk_folder):
    path = kiosk_folder / "kiosk.sqlite3"
    before = stored(path)
    leaves = records_table_pages(path, "leaf")
    damaged_leaf = leaves[len(leaves) // 2]
    lost = ids_on_leaf(path, damaged_leaf)
    assert 0 < len(lost) < 40
    overwrite(path, damaged_leaf)
    moved = move_aside_by_the_kiosk(path)
    moved_digest = aside(kiosk_folder)
    assert moved.name in moved_digest

    result = run_kiosk("salvage", str(moved), "--config", str(kiosk_folder / "config.toml"), cwd=kiosk_folder)
    assert result.returncode == 1, result.stderr  # some records could not be recovered
    expected = RECORDS - len(lost)
    assert re.search(rf"^recovered: +{expected:,} records added to the outbox", result.stdout, re.M), result.stdout
    assert re.search(r"^already there: +0 ", result.stdout, re.M)
    assert re.search(rf"^lost: +at least {len(lost)} records", result.stdout, re.M)
    assert "Traceback" not in result.stderr

    outbox = outbox_of(path)
    salvaged = {i: row for i, row in outbox.items() if i in before}
    assert set(salvaged) == set(before) - lost
    for record_id, row in salvaged.items():
        assert row[:-1] == before[record_id] and row[-1] == "pending"  # every field kept; to be sent
    redacted = [i for i, row in salvaged.items() if row[5] is not None]
    assert redacted and all('"text":null' in salvaged[i][4] for i in redacted)  # text stays redacted
    assert aside(kiosk_folder) == moved_digest  # the damaged file and its side files, byte for byte

    again = run_kiosk("salvage", str(moved), "--config", str(kiosk_folder / "config.toml"), cwd=kiosk_folder)
    assert re.search(r"^recovered: +0 records", again.stdout, re.M), again.stdout
    assert re.search(rf"^already there: +{expected:,} ", again.stdout, re.M)
    assert outbox_of(path) == outbox and aside(kiosk_folder) == moved_digest
    with Store.open_for_reading(path, "k1") as current:
        assert current.check_integrity() == []


def test_a_damaged_interior_page_hides_nothing(kiosk_folder):
    # SQL reading through the table loses every leaf below a damaged interior page; the page
    # scan does not go through the tree, so every record comes back.
    path = kiosk_folder / "kiosk.sqlite3"
    before = stored(path)
    (interior, *_) = records_table_pages(path, "internal")
    overwrite(path, interior)
    moved = move_aside_by_the_kiosk(path)
    result = run_kiosk("salvage", str(moved), "--config", str(kiosk_folder / "config.toml"), "--json",
                       cwd=kiosk_folder)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert (report["recovered"], report["already"], report["unreadable"], report["missing"]) == (RECORDS, 0, 0, 0)
    assert set(before) <= set(outbox_of(path))


def test_records_only_in_the_wal_are_recovered(tmp_path):
    path = tmp_path / "kiosk.sqlite3"
    moved = tmp_path / "kiosk.sqlite3.corrupt-20260301T120005Z"
    with Store.open(path, "k1") as store:
        records = [store.append(vote()) for _ in range(50)]
        assert (tmp_path / "kiosk.sqlite3-wal").stat().st_size > 0
        # The files as a kill -9 leaves them, copied while the kiosk holds them open.
        moved.write_bytes(path.read_bytes())
        moved.with_name(moved.name + "-wal").write_bytes((tmp_path / "kiosk.sqlite3-wal").read_bytes())
    write_config(tmp_path, store_name="current.sqlite3")
    with recovered(moved, tmp_path) as found:
        assert {r["id"] for r in found.records()} == {r.id for r in records}
    result = run_kiosk("salvage", str(moved), "--config", str(tmp_path / "config.toml"), cwd=tmp_path)
    assert result.returncode == 0 and re.search(r"^recovered: +50 records", result.stdout, re.M), result.stdout


def test_rows_without_a_records_shape_are_reported_and_not_written(tmp_path):
    path = tmp_path / "old.sqlite3"
    with Store.open(path, "k1") as store:
        good = [store.append(vote()) for _ in range(5)]
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO records (id, kiosk_id, store_id, seq, boot_id, session_id, kind, content_version, "
                 "payload, created_at) VALUES (?, 'k1', (SELECT store_id FROM store), 6, 'b', 's', 'vote', 'c', "
                 "'{kaputt', '2026-03-01T09:00:00Z')", (str(uuid.uuid4()),))
    conn.execute("INSERT INTO records (id, kiosk_id, store_id, seq, boot_id, session_id, kind, content_version, "
                 "payload, created_at) VALUES ('not-a-uuid', 'k1', (SELECT store_id FROM store), 7, 'b', 's', "
                 "'vote', 'c', '{}', '2026-03-01T09:00:00Z')")
    conn.commit()
    conn.close()
    write_config(tmp_path, store_name="current.sqlite3")
    result = run_kiosk("salvage", str(path), "--config", str(tmp_path / "config.toml"), cwd=tmp_path)
    assert result.returncode == 1
    assert re.search(r"^recovered: +5 records", result.stdout, re.M), result.stdout
    assert re.search(r"^unreadable: +2 \(listed below\)", result.stdout, re.M)
    assert "payload or flags are not JSON" in result.stdout and "'not-a-uuid'" in result.stdout
    assert set(outbox_of(tmp_path / "current.sqlite3")) == {r.id for r in good}


def test_usage_errors_exit_2_and_change_nothing(tmp_path):
    current = tmp_path / "kiosk.sqlite3"
    with Store.open(current, "k1") as store:
        store.append(vote())
    config = str(write_config(tmp_path))
    before = digest(current)
    cases = {
        "missing": (tmp_path / "nope.corrupt-1", "no such file"),
        "current": (current, "is the current store"),
        "text": (tmp_path / "notes.txt", "not an SQLite file"),
        "side file": (tmp_path / "kiosk.sqlite3.corrupt-1-wal", "name the store file itself"),
    }
    (tmp_path / "kiosk.sqlite3.corrupt-1-wal").write_bytes(b"\x37\x7f\x06\x82" + bytes(60))
    (tmp_path / "notes.txt").write_text("Einkaufsliste\n", encoding="utf-8")
    for name, (file, message) in cases.items():
        result = run_kiosk("salvage", str(file), "--config", config, cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.stderr
    assert digest(current) == before
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text("[store]\npfad = 1\n", encoding="utf-8")
    result = run_kiosk("salvage", str(tmp_path / "notes.txt"), "--config", str(bad_config), cwd=tmp_path)
    assert result.returncode == 2 and "pfad" in result.stderr
    assert run_kiosk("salvage", cwd=tmp_path).returncode == 2  # FILE is required


def test_refuses_while_the_kiosk_runs_on_the_store(kiosk_folder):
    path = kiosk_folder / "kiosk.sqlite3"
    other = kiosk_folder / "old.sqlite3"
    other.write_bytes(path.read_bytes())
    with InstanceLock.for_store(path):
        result = run_kiosk("salvage", str(other), "--config", str(kiosk_folder / "config.toml"), cwd=kiosk_folder)
    assert result.returncode == 1 and "already running" in result.stderr, result.stderr


def test_records_written_before_stores_had_an_id_get_the_files_store_id(tmp_path):
    # A store damaged before this version upgraded it: its oldest rows were written before m003
    # and have no store_id field on disk (SQLite reads the column's default for them).
    from sqlite_utils import Database

    from kiosk.store.schema import migrations

    path = tmp_path / "kiosk.sqlite3.corrupt-20260301T120005Z"
    conn = sqlite3.connect(path)
    db = Database(conn, recursive_triggers=False)
    migrations.apply(db, stop_before="m003_store_id")
    insert = ("INSERT INTO records (id, kiosk_id, seq, boot_id, session_id, kind, content_version, payload, "
              "created_at) VALUES (?, 'k1', ?, 'b', 's', 'view', 'c', '{}', '2026-03-01T09:00:00.000000Z')")
    conn.execute(insert, (str(uuid.uuid4()), 1))
    conn.commit()
    migrations.apply(db, stop_before="m004_records_unique_per_store")
    conn.execute(insert, (str(uuid.uuid4()), 2))
    conn.commit()
    store_id = conn.execute("SELECT store_id FROM store").fetchone()[0]
    conn.close()
    with recovered(path, tmp_path) as found:
        assert [(r["store_id"], r["seq"]) for r in found.records()] == [(store_id, 1), (store_id, 2)]
        assert found.unreadable == [] and found.missing == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # the scratch database is gone
