"""Only one kiosk per store: a second process is refused, and a dead holder frees the lock."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core.errors import KioskError
from kiosk.core.instance_lock import AlreadyRunningError, InstanceLock, LockFileError

PROJECT = Path(__file__).resolve().parent.parent

TRY_LOCK = """
import sys
from kiosk.core.instance_lock import AlreadyRunningError, InstanceLock
try:
    InstanceLock(sys.argv[1]).acquire()
except AlreadyRunningError as error:
    print(error)
    sys.exit(error.exit_code)
print("locked")
"""

HOLD_LOCK = """
import sys
from kiosk.core.instance_lock import InstanceLock
lock = InstanceLock(sys.argv[1])
lock.acquire()
print("locked", flush=True)
sys.stdin.read()  # hold until killed
"""


def try_in_other_process(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", TRY_LOCK, str(path)], cwd=PROJECT, capture_output=True,
                          text=True, timeout=60)


def test_second_process_is_refused_with_the_holders_pid(tmp_path):
    path = tmp_path / "var" / "kiosk.sqlite3.lock"
    with InstanceLock(path) as lock:
        assert lock.held
        assert path.read_text() == f"{os.getpid()}\n"
        result = try_in_other_process(path)
    assert result.returncode == 1, result.stderr
    message = result.stdout.strip()
    assert f"another kiosk is already running (PID {os.getpid()}, lock file {path})" in message
    assert "[store] path" in message


def test_lock_can_be_taken_again_after_release(tmp_path):
    path = tmp_path / "kiosk.lock"
    lock = InstanceLock(path)
    lock.acquire()
    lock.release()
    assert not lock.held
    result = try_in_other_process(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "locked"
    lock.acquire()  # and by us again, once that process has ended
    lock.release()


def test_killed_holder_frees_the_lock(tmp_path):
    path = tmp_path / "kiosk.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], cwd=PROJECT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(AlreadyRunningError, match=f"PID {holder.pid},") as raised:
            InstanceLock(path).acquire()
        assert raised.value.exit_code == 1
        assert isinstance(raised.value, KioskError)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=60)
        holder.stdin.close()
        holder.stdout.close()
    assert holder.returncode == -signal.SIGKILL
    with InstanceLock(path) as lock:
        assert path.read_text() == f"{os.getpid()}\n"  # the dead holder's PID is replaced
    assert not lock.held


def test_second_lock_in_the_same_process_is_refused_too(tmp_path):
    path = tmp_path / "kiosk.lock"
    with InstanceLock(path):
        with pytest.raises(AlreadyRunningError, match=f"PID {os.getpid()}"):
            InstanceLock(path).acquire()


def test_acquire_and_release_are_idempotent(tmp_path):
    lock = InstanceLock(tmp_path / "kiosk.lock")
    lock.acquire()
    lock.acquire()
    lock.release()
    lock.release()
    assert not lock.held


def test_lock_beside_the_store(tmp_path):
    assert InstanceLock.for_store(tmp_path / "var" / "kiosk.sqlite3").path == tmp_path / "var" / "kiosk.sqlite3.lock"


def test_unwritable_folder_is_a_named_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(LockFileError, match="cannot create the lock file"):
        InstanceLock(blocker / "kiosk.lock").acquire()
