"""The kiosk on a read-only root: a real `kiosk run` (offscreen) in a mount namespace of its own
where every file system is read-only (the project, /tmp, /var, /home, ...) except the data folder
(and the kernel's /dev, /proc, /sys), as systemd's ProtectSystem=strict leaves it. It starts,
records, stops on SIGTERM with its store closed and whole, and `kiosk snapshot` works there too.
strace watches every call that writes a file: one refused as read-only (EROFS) is a write outside
the data folder, and fails the test even where the kiosk shrugged it off."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import PROJECT

pytestmark = pytest.mark.ui

RECORDS = 40
# Every system call that can change a file or a folder: on a read-only mount each fails with EROFS.
WRITING_CALLS = ("open,openat,openat2,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,link,"
                 "linkat,symlink,symlinkat,truncate,chmod,fchmodat,chown,lchown,fchownat,utimensat,mknod,mknodat,"
                 "setxattr,lsetxattr")
# The mounts that stay writable: the kernel's own, as under ProtectSystem=strict.
KERNEL_MOUNTS = ("/proc", "/sys", "/dev")

SCRIPT = r"""
set -eu
# Bound on itself, the data folder is a mount of its own: it stays writable below.
mount --bind "$DATA" "$DATA"
# Every other mount read-only (in this namespace only), the kernel's aside.
awk '{print $5}' /proc/self/mountinfo | sed 's/\\040/ /g' | while read -r target; do
    case "$target" in
        /proc|/proc/*|/sys|/sys/*|/dev|/dev/*|"$DATA") continue ;;
    esac
    mount -o remount,bind,ro "$target" 2>/dev/null || true
done
touch "$DATA/.writable" && rm "$DATA/.writable"
for elsewhere in /etc "$(dirname "$DATA")" /tmp "$PWD"; do
    if touch "$elsewhere/.kiosk-read-only-test" 2>/dev/null; then
        rm -f "$elsewhere/.kiosk-read-only-test"; echo "setup: $elsewhere is still writable" >&2; exit 97
    fi
done
echo "setup: read-only"
code=0
eval "$KIOSK" || code=$?
echo "kiosk exit $code"
eval "$SNAPSHOT"
"""


def descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{parent}/task/{task}/children").read_text().split()
            except FileNotFoundError:
                continue
            for child in map(int, children):
                found.append(child)
                queue.append(child)
    return found


def kiosk_pid(root: int) -> int | None:
    for pid in descendants(root):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if command[0].endswith(b"python") or b"python" in command[0].rsplit(b"/", 1)[-1]:
            if any(part.endswith(b"kiosk_with_records.py") for part in command):
                return pid
    return None


@pytest.fixture
def namespace_tools():
    if os.geteuid() != 0:
        pytest.skip("a read-only root needs a mount namespace, which needs root (CI runs as root)")
    missing = [tool for tool in ("unshare", "mount", "strace") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} missing; `scripts/setup test` installs strace (unshare and mount come "
                    "with Debian's util-linux and mount)")


def test_the_kiosk_runs_records_and_stops_with_only_its_data_folder_writable(tmp_path, namespace_tools):
    # As an installation is compiled once when installed (docs/operations.md): Python's bytecode
    # caches are not the kiosk's writes, and a fresh checkout has none yet.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(PROJECT / "kiosk"), str(PROJECT / "sync")],
                   check=True, capture_output=True)
    data = tmp_path / "data"
    (data / "tmp").mkdir(parents=True)
    (data / "tmp" / "left-by-a-killed-kiosk").write_bytes(b"\0" * 4096)  # emptied at the start
    config = tmp_path / "config.toml"
    config.write_text(f'[content]\nroot = "{PROJECT}"\n[store]\npath = "data/kiosk.sqlite3"\n', encoding="utf-8")
    read_end, write_end = os.pipe()
    trace = ["strace", "-f", "-qq", "--seccomp-bpf", "-e", f"trace={WRITING_CALLS}", "-e", "status=failed",
             "-o", f"/dev/fd/{write_end}"]
    kiosk = [sys.executable, str(PROJECT / "tests" / "kiosk_with_records.py"), str(RECORDS), "--config", str(config),
             "--windowed", "--size", "1280x800"]
    snapshot = [sys.executable, "-m", "kiosk.cli", "snapshot", "--config", str(config), "--no-stick"]
    # Kivy's settings from the test run itself (KIVY_HOME, KIVY_NO_FILELOG) must not help the kiosk.
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "MESA_"))}, "SDL_VIDEODRIVER": "offscreen", "DATA": str(data), "KIOSK": shlex.join([*trace, *kiosk]),
           "SNAPSHOT": shlex.join([*trace, *snapshot])}
    # Two commands in the one namespace: the kiosk (stopped by SIGTERM below), then a snapshot.
    process = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "bash", "-c", SCRIPT],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=PROJECT,
                               pass_fds=(write_end,))
    os.close(write_end)
    traced: list[str] = []
    reader = threading.Thread(target=lambda: traced.extend(os.fdopen(read_end, errors="replace")), daemon=True)
    reader.start()
    out: list[str] = []
    try:
        deadline = time.monotonic() + 120
        for line in process.stdout:
            out.append(line)
            if line.startswith(f"handed {RECORDS}"):
                break
            assert time.monotonic() < deadline, "".join(out)
        else:
            raise AssertionError(f"the kiosk ended early: {''.join(out)}{process.stderr.read()[-3000:]}")
        deadline = time.monotonic() + 10
        while (pid := kiosk_pid(process.pid)) is None:
            assert time.monotonic() < deadline, "the kiosk's process was not found"
            time.sleep(0.05)
        os.kill(pid, signal.SIGTERM)  # as systemd stops it: what was handed is written before the store closes
        rest, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=10)
    stdout = "".join(out) + rest
    assert process.returncode == 0, stdout + err[-3000:]
    assert "setup: read-only" in stdout
    assert "kiosk stopped (SIGTERM)" in stdout and "kiosk exit 0" in stdout, stdout + err[-3000:]
    assert "snapshot: " in stdout and "integrity ok" in stdout, stdout + err[-3000:]
    assert "Traceback" not in err, err[-3000:]

    refused = [line.rstrip() for line in traced if "EROFS" in line]
    assert refused == [], "writes outside the data folder:\n" + "\n".join(refused[:40])

    store = data / "kiosk.sqlite3"
    assert not Path(f"{store}-wal").exists()  # closed cleanly: the -wal folded back
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("SELECT COUNT(*) FROM records WHERE kind = 'view'").fetchone()[0] == RECORDS
    finally:
        db.close()
    # What the data folder holds is all known, and no log file grows in it: the kiosk logs to
    # stdout and stderr (the journal), Kivy's own file log stays off.
    assert {p.name for p in data.iterdir()} <= {"kiosk.sqlite3", "kiosk.sqlite3-wal", "kiosk.sqlite3-shm",
                                                "kiosk.sqlite3.lock", "kivy", "snapshots", "tmp"}
    assert [p for p in data.rglob("*") if p.suffix in (".log", ".txt") or p.name == "logs"] == []
    assert list((data / "tmp").iterdir()) == []
