"""A stand-in USB stick for tests: a small tmpfs mounted under /media, as udisks mounts a
stick (the staff screen's export and the daily snapshot look there). Needs root (CI runs as root)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest


@contextlib.contextmanager
def mounted_stick(name: str, size: str):
    """/media/<name>-<pid>, a tmpfs of `size` (e.g. "64m"), unmounted and removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a stand-in stick needs root (CI runs as root)")
    mount_point = Path(f"/media/{name}-{os.getpid()}")
    mount_point.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(mount_point)], check=False)  # never leave a stick behind
        mount_point.rmdir()
