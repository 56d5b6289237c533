"""Wrong and hostile arguments end in a clear message and a documented exit code, never a
traceback or a hang."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import PROJECT, kiosk_as_nobody



@pytest.fixture(scope="module")
def site():
    # Under /tmp, not pytest's 0700 folder: nobody must reach the files to be refused by them.
    folder = Path(tempfile.mkdtemp(prefix="kiosk-args-", dir="/tmp"))
    folder.chmod(0o755)
    (folder / "config.toml").write_text(f'[kiosk]\nid = "k1"\n[content]\nroot = "{PROJECT}"\n[store]\n'
                                        'path = "kiosk.sqlite3"\n', encoding="utf-8")
    (folder / "config.toml").chmod(0o644)
    result = kiosk(folder, "simulate", "--config", "config.toml", "--store", "kiosk.sqlite3", "--visitors", "2")
    assert result.returncode == 0, result.stderr
    os.mkfifo(folder / "fifo")
    (folder / "a-folder").mkdir()
    secret = folder / "secret.sqlite3"
    secret.write_bytes((folder / "kiosk.sqlite3").read_bytes())
    secret.chmod(0o600)
    yield folder
    shutil.rmtree(folder)


def kiosk(folder, *args, user=None):
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], cwd=folder, capture_output=True, text=True,
                          timeout=60, user=user, env={**os.environ, "PYTHONPATH": str(PROJECT)})


@pytest.mark.parametrize("args, code, message", [
    (["export", "--out", "o.csv", "--until", "9999-12-31"], 0, "wrote"),
    (["export", "--out", "o.csv", "--since", "0001-01-01"], 0, "wrote"),
    (["export", "--out", "o.csv", "--since", "9999-12-31"], 0, "wrote 0 records"),
    (["export", "--out", "o.csv", "--since", "2026-05-01", "--until", "2026-01-01"], 2, "before --since"),
    (["export", "--out", "o.csv", "--poll", "x" * 100000], 0, "wrote 0 records"),
    (["export", "--out", "o.csv", "--store", "a-folder"], 2, "is a folder"),
    (["export", "--out", "o.csv", "--store", "fifo"], 2, "named pipe"),
    (["export", "--out", "o.csv", "--store", "/dev/zero"], 2, "is a character device"),
    (["status", "--store", "a-folder"], 2, "is a folder"),
    (["status", "--store", "fifo"], 2, "named pipe"),
    (["status", "--store", "/dev/zero"], 2, "is a character device"),
    (["simulate", "--store", "s.sqlite3", "--visitors", "99999999999999999999"], 2, "--visitors must be between"),
    (["simulate", "--store", "s.sqlite3", "--visitors", "-3"], 2, "--visitors must be between"),
    (["simulate", "--store", "s.sqlite3", "--visitors", "1", "--seed", str(10**40)], 0, "1 visitors"),
    (["simulate", "--store", "s.sqlite3", "--visitors", "1", "--ack-log", "fifo"], 2, "named pipe"),
    (["simulate", "--store", "s.sqlite3", "--visitors", "1", "--ack-log", "kiosk.sqlite3"], 2, "kiosk's store"),
    (["simulate", "--store", "config.toml", "--visitors", "1"], 2, "kiosk's config"),
    (["run", "--windowed", "--size", "0x0"], 2, "no window size"),
    (["run", "--windowed", "--size", "100000x100000"], 2, "no window size"),
    (["run", "--windowed", "--fullscreen"], 2, "not allowed with argument"),
])
def test_wrong_arguments(site, args, code, message):
    result = kiosk(site, *args[:1], "--config", "config.toml", *args[1:])
    assert result.returncode == code, (result.stdout, result.stderr)
    assert message in result.stdout + result.stderr and "Traceback" not in result.stderr


def as_nobody(folder, *args) -> tuple[int, str]:
    """(exit code, stderr) of `kiosk ARGS` in a forked child that dropped to nobody."""
    code, _, stderr = kiosk_as_nobody(folder, *args)
    return code, stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run as another user")
@pytest.mark.parametrize("command", [["status"], ["export", "--out", "/tmp/kiosk-test-never.csv"]])
def test_a_store_the_user_may_not_read_is_named_as_a_permission_problem(site, command):
    code, stderr = as_nobody(site, *command, "--config", "config.toml", "--store", "secret.sqlite3")
    assert code == 1 and "no permission to read the store" in stderr, stderr
    assert "writing" not in stderr and not os.path.exists("/tmp/kiosk-test-never.csv")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run as another user")
def test_a_content_root_behind_a_locked_folder_is_named(site):
    locked = site / "locked"
    (locked / "content").mkdir(parents=True, exist_ok=True)
    locked.chmod(0o700)
    code, stderr = as_nobody(site, "validate", "--config", "config.toml", "--content", "locked/content")
    assert code == 2 and "cannot be reached (Permission denied)" in stderr, stderr
    assert "Traceback" not in stderr


def test_output_into_a_closed_pipe_ends_quietly_with_141(site):
    """`kiosk validate | head -1`: the reader has gone when the command writes;
    it ends as the shell's tools do (128 + SIGPIPE), without a traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    try:
        done = subprocess.run([sys.executable, "-m", "kiosk.cli", "validate", "--config", "config.toml"], cwd=site,
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert done.returncode == 141, done.stderr
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
