"""Staff export poll results onto a USB stick: found, written off the frame, read back."""

import os
import subprocess
from pathlib import Path

import openpyxl
import pytest

pytestmark = pytest.mark.ui


@pytest.fixture
def usb_stick():
    """A real mount point under /media (a small tmpfs), as udisks mounts a stick."""
    if os.geteuid() != 0:
        pytest.skip("mounting a stand-in stick needs root (CI runs as root)")
    mount_point = Path(f"/media/kiosk-test-stick-{os.getpid()}")
    mount_point.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(mount_point)], check=False)  # never leave a stick behind
        mount_point.rmdir()


def test_export_lands_on_the_stick_and_is_verified(fresh, usb_stick):
    app = fresh.app
    fresh.wait(lambda: app.recorder is not None and app.recorder.available, what="the store")
    app.start_visit()
    exhibit = app.content.exhibit("stadtlabor")
    poll = exhibit.polls[0]
    app.record(app.visits.vote(exhibit, poll, [poll.options[0].id], 0.0))
    fresh.wait(lambda: app.recorder.store.count() > 0, what="a record")
    app.go("staff")
    fresh.settle()
    fresh.tap(fresh.find(text="Export auf USB-Stick"))
    screen = app.root.get_screen("staff")
    fresh.wait(lambda: not screen.exporting, timeout=60, what="the export")
    files = list(usb_stick.glob("stadtlabor-*.xlsx"))
    assert len(files) == 1, screen.export_message
    expected = app.recorder.store.count()
    assert str(expected) in screen.export_message
    workbook = openpyxl.load_workbook(files[0], read_only=True)
    try:
        assert "Übersicht" in workbook.sheetnames
    finally:
        workbook.close()  # a file left open would keep the stick busy
    fresh.screenshot("staff-export")


def test_no_stick_says_so(fresh):
    app = fresh.app
    app.go("staff")
    fresh.settle()
    fresh.tap(fresh.find(text="Export auf USB-Stick"))
    screen = app.root.get_screen("staff")
    if screen.exporting:  # a real stick is plugged into this machine: nothing to assert here
        fresh.wait(lambda: not screen.exporting, timeout=60, what="the export")
        return
    assert "Kein USB-Stick gefunden" in screen.export_message
