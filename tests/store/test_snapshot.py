"""Daily snapshots for real: SQLite's VACUUM INTO from a real store, N kept, damaged ones never
counted, a full disk (RLIMIT_FSIZE, a full file system) and a read-only folder keep the earlier
snapshots and leave nothing half-written, staff are told, and a stick under /media gets a copy."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from kiosk.store import Store
from kiosk.store.snapshot import (
    ALERT_KIND,
    STICK_FOLDER,
    SnapshotError,
    integrity_problems,
    snapshot_with_alerts,
    snapshots_of,
    take_snapshot,
)

from usb_stick import mounted_stick

from .helpers import PROJECT, idea, view, vote

DAY = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)


def days(n: int) -> dt.datetime:
    return DAY + dt.timedelta(days=n)


def fill(store: Store, count: int = 40) -> None:
    for number in range(count):
        store.append((vote, view, idea)[number % 3](session=f"s{number}"))


def ids_in(path: Path) -> set[str]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)  # a live store's -wal is read too
    try:
        return {row[0] for row in db.execute("SELECT id FROM records")}
    finally:
        db.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".part"))


def test_a_snapshot_holds_every_record_and_passes_integrity_check(store):
    fill(store)
    result = take_snapshot(store.path, store.kiosk_id, keep=7, now=DAY)
    assert result.path == store.path.parent / "snapshots" / "kiosk-test-2026-03-01.sqlite3"
    assert result.records == 40 and result.newest is not None
    assert integrity_problems(result.path) == []
    assert ids_in(result.path) == ids_in(store.path)
    # The header keeps the kiosk's application id: a snapshot is recognised as a kiosk store.
    assert result.path.read_bytes()[68:72] == (0x534C4B53).to_bytes(4, "big")
    assert leftovers(result.path.parent) == []
    # The store goes on recording after (and while) the snapshot reads it.
    store.append(vote(session="after"))


def test_the_newest_n_are_kept_and_a_second_one_the_same_day_replaces_the_first(store):
    fill(store, 3)
    for day in range(10):
        take_snapshot(store.path, store.kiosk_id, keep=3, now=days(day))
    folder = store.path.parent / "snapshots"
    assert [p.name for p in snapshots_of(folder, "kiosk-test")] == [
        "kiosk-test-2026-03-08.sqlite3", "kiosk-test-2026-03-09.sqlite3", "kiosk-test-2026-03-10.sqlite3"]
    store.append(vote(session="later"))
    again = take_snapshot(store.path, store.kiosk_id, keep=3, now=days(9))
    assert again.records == 4 and len(snapshots_of(folder, "kiosk-test")) == 3


def test_a_damaged_snapshot_is_not_counted_so_the_last_good_ones_stay(store):
    fill(store, 3)
    for day in range(3):
        take_snapshot(store.path, store.kiosk_id, keep=3, now=days(day))
    folder = store.path.parent / "snapshots"
    damaged = folder / "kiosk-test-2026-03-03.sqlite3"
    with open(damaged, "r+b") as file:  # a page in the middle overwritten, as a worn SD card does
        file.seek(2 * 4096)
        file.write(b"\xde\xad" * 2048)
    assert integrity_problems(damaged)
    result = take_snapshot(store.path, store.kiosk_id, keep=2, now=days(3))
    names = [p.name for p in snapshots_of(folder, "kiosk-test")]
    # Good: 03-04 (new) and 03-02; 03-03 is damaged and kept, not counted; only 03-01 goes.
    assert names == ["kiosk-test-2026-03-02.sqlite3", "kiosk-test-2026-03-03.sqlite3",
                     "kiosk-test-2026-03-04.sqlite3"]
    assert [p.name for p in result.dropped] == ["kiosk-test-2026-03-01.sqlite3"]
    assert any("damaged" in problem and damaged.name in problem for problem in result.problems)


def test_a_file_size_limit_fails_the_snapshot_and_keeps_the_earlier_ones(store, tmp_path):
    fill(store, 400)
    take_snapshot(store.path, store.kiosk_id, keep=2, now=days(0))
    earlier = (store.path.parent / "snapshots" / "kiosk-test-2026-03-01.sqlite3").read_bytes()
    store.close()
    config = tmp_path / "config.toml"
    config.write_text(f'[kiosk]\nid = "kiosk-test"\n[content]\nroot = "{PROJECT}"\n[store]\npath = "{store.path}"\n'
                      'snapshots_kept = 1\n', encoding="utf-8")
    limit = 64 * 1024  # far below the store's size: VACUUM INTO hits EFBIG part-way

    def small_files():
        import resource
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "snapshot", "--config", str(config), "--no-stick"],
                            cwd=PROJECT, capture_output=True, text=True, timeout=60, preexec_fn=small_files)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the disk is full" in result.stderr and "earlier snapshots were kept" in result.stderr
    folder = store.path.parent / "snapshots"
    # snapshots_kept = 1 and today is a new day, yet the one good snapshot stays as it was.
    assert [p.name for p in snapshots_of(folder, "kiosk-test")] == ["kiosk-test-2026-03-01.sqlite3"]
    assert (folder / "kiosk-test-2026-03-01.sqlite3").read_bytes() == earlier
    assert leftovers(folder) == []
    assert "Traceback" not in result.stderr


@pytest.fixture
def small_disk():
    """A real file system of 1 MiB (tmpfs), mounted for the test: a disk that fills up."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root (CI runs as root)")
    folder = Path(tempfile.mkdtemp(prefix="kiosk-snapshot-disk-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


def test_a_full_disk_fails_the_snapshot_tells_staff_and_keeps_the_earlier_ones(store, small_disk):
    fill(store, 40)
    first = snapshot_with_alerts(store, keep=1, folder=small_disk, now=days(0))
    assert first.records == 40
    with open(small_disk / "filler", "wb") as filler:  # the rest of the disk taken by something else
        try:
            while True:
                filler.write(b"\0" * 65536)
        except OSError:
            pass
    with pytest.raises(SnapshotError, match="the disk is full") as failed:
        snapshot_with_alerts(store, keep=1, folder=small_disk, now=days(1))
    assert "earlier snapshots were kept" in str(failed.value)
    assert [p.name for p in snapshots_of(small_disk, "kiosk-test")] == ["kiosk-test-2026-03-01.sqlite3"]
    assert integrity_problems(small_disk / "kiosk-test-2026-03-01.sqlite3") == []
    assert leftovers(small_disk) == []
    alerts = [a for a in store.alerts() if a["kind"] == ALERT_KIND]
    assert len(alerts) == 1 and "Sicherung" in alerts[0]["message"] and "disk is full" in alerts[0]["message"]
    # Space again: the next snapshot succeeds and the alert is cleared (kept, with its time).
    (small_disk / "filler").unlink()
    snapshot_with_alerts(store, keep=1, folder=small_disk, now=days(1))
    assert [a for a in store.alerts() if a["kind"] == ALERT_KIND] == []
    assert [p.name for p in snapshots_of(small_disk, "kiosk-test")] == ["kiosk-test-2026-03-02.sqlite3"]


def test_a_read_only_snapshot_folder_fails_with_words_and_the_store_records_on(store, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root (CI runs as root); root ignores chmod")
    fill(store, 5)
    folder = tmp_path / "ro-snapshots"
    folder.mkdir()
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        with pytest.raises(SnapshotError, match="no permission|read-only"):
            snapshot_with_alerts(store, keep=3, folder=folder, now=days(0))
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
    assert [a["kind"] for a in store.alerts()] == [ALERT_KIND]
    store.append(vote(session="still recording"))


@pytest.fixture
def stick():
    """A real mount point under /media (a small tmpfs), as udisks mounts a stick; 2 MiB."""
    with mounted_stick("kiosk-test-snapshot-stick", "2m") as mount_point:
        yield mount_point


def test_the_snapshot_goes_onto_a_stick_with_n_kept_there_too(store, stick):
    from kiosk.export.media import find_removable_media

    assert stick in find_removable_media()  # the staff screen's own lookup accepts it
    fill(store, 30)
    for day in range(4):
        result = take_snapshot(store.path, store.kiosk_id, keep=2, now=days(day), sticks=[stick])
    assert result.problems == []
    on_stick = snapshots_of(stick / STICK_FOLDER, "kiosk-test")
    assert [p.name for p in on_stick] == ["kiosk-test-2026-03-03.sqlite3", "kiosk-test-2026-03-04.sqlite3"]
    assert result.copies == [on_stick[-1]]
    assert on_stick[-1].read_bytes() == result.path.read_bytes()
    assert integrity_problems(on_stick[-1]) == []


def test_a_full_stick_is_named_and_leaves_nothing_half_written_on_it(store, stick):
    fill(store, 400)
    with open(stick / "holiday-photos.jpg", "wb") as photos:  # the stick nearly full already
        photos.write(b"\0" * (2 * 1024 * 1024 - 128 * 1024))
    result = take_snapshot(store.path, store.kiosk_id, keep=2, now=days(0), sticks=[stick])
    assert result.path.stat().st_size > 128 * 1024
    assert result.copies == []
    assert len(result.problems) == 1 and "disk is full" in result.problems[0] and str(stick) in result.problems[0]
    assert integrity_problems(result.path) == []  # the snapshot in the data folder is fine
    assert os.listdir(stick / STICK_FOLDER) == []  # no snapshot name, no .part left behind


def test_no_store_or_another_programs_file_is_refused_and_nothing_is_made(tmp_path):
    from kiosk.store.errors import StoreForeignFileError

    with pytest.raises(SnapshotError, match="no store here"):
        take_snapshot(tmp_path / "kiosk.sqlite3", "kiosk-test", keep=3)
    (tmp_path / "kiosk.sqlite3").write_text("Einkaufsliste\n", encoding="utf-8")
    with pytest.raises(StoreForeignFileError, match="not a store of this kiosk"):
        take_snapshot(tmp_path / "kiosk.sqlite3", "kiosk-test", keep=3)
    assert not (tmp_path / "snapshots").exists()


def test_the_running_kiosk_copies_nothing_on_a_day_without_new_records(store):
    fill(store, 10)
    assert snapshot_with_alerts(store, keep=3, now=days(0), skip_unchanged=True) is not None
    folder = store.path.parent / "snapshots"
    # An idle day: the newest snapshot holds every record, so nothing is written to the card.
    assert snapshot_with_alerts(store, keep=3, now=days(1), skip_unchanged=True) is None
    assert [p.name for p in snapshots_of(folder, "kiosk-test")] == ["kiosk-test-2026-03-01.sqlite3"]
    store.append(vote(session="next day"))
    taken = snapshot_with_alerts(store, keep=3, now=days(1), skip_unchanged=True)
    assert taken is not None and taken.records == 11
