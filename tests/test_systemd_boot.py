"""The kiosk under a real systemd, installed with the shipped units by `kiosk install-service`:
it starts at boot into its attract screen without a network, a hung frame loop gets it killed
by systemd's watchdog and restarted, so does a crash, and after a power cut it comes back at the
next boot; each end is noted with its cause.

systemd (Debian's, the machine's own /lib/systemd/systemd) runs as PID 1 of private PID, mount,
UTS and network namespaces (unshare, as root: CI runs as root), and sees only the units of this
test (SYSTEMD_UNIT_PATH): the rendered kiosk unit, empty stand-ins for the boot targets, and Xvfb
on :0 standing in for stadtlabor-kiosk-x.service (a namespace has no VT for xinit). The machine's
/etc is an overlay in there (useradd and groupadd write into the overlay only), /run and /tmp are
fresh. A "power cut" is SIGKILL to that PID 1: every process of the namespace ends at once.

The installation is what an admin makes (docs/deployment.md): the project in a folder outside
/tmp and /home, a venv of Debian's python3 with the project installed, a config, then
`kiosk install-service`. One drop-in shortens the watchdog from 30 s to 4 s, so that the hang is
found in seconds; everything else is the shipped unit as rendered.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import PROJECT
from xwd_image import image_from_xwd

SYSTEMD = Path("/lib/systemd/systemd")
BASE = Path("/var/lib/stadtlabor-kiosk-tests")  # not /tmp or /home: the unit cannot see those
WATCHDOG_S = 4
BOOT_TARGETS = ("sysinit", "basic", "sockets", "paths", "timers", "slices", "shutdown", "local-fs", "multi-user")
UNIT = "stadtlabor-kiosk.service"
SCREENSHOTS = PROJECT / "tests" / "screenshots"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not SYSTEMD.exists() or not shutil.which("unshare") or not shutil.which("Xvfb")
    or not shutil.which("xset") or not Path("/usr/bin/python3").exists(),
    reason="needs root, Debian's systemd, unshare, Xvfb and xset (scripts/setup test installs them; CI runs as root)")


def copy_project(target: Path) -> None:
    ignore = shutil.ignore_patterns(".venv", ".git", "var", "__pycache__", "screenshots", "*.egg-info", "node_modules")
    shutil.copytree(PROJECT, target, ignore=ignore)


@pytest.fixture(scope="module")
def installed():
    """The project installed under BASE as an admin would, and a boot script for the namespace."""
    folder = BASE / f"boot-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    opt = folder / "opt"
    copy_project(opt)
    subprocess.run(["/usr/bin/python3", "-m", "venv", str(opt / ".venv")], check=True)
    # As scripts/setup installs it: editable, so that install-service finds deploy/systemd beside the code.
    pip = subprocess.run([str(opt / ".venv/bin/python"), "-m", "pip", "install", "-q", "-e", str(opt)],
                         capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    units = folder / "units"
    (folder / "etc-upper").mkdir()
    (folder / "etc-work").mkdir()
    boot = folder / "boot.sh"
    targets = "\n".join(f"printf '[Unit]\\nDescription=stand-in {name}\\n' > {units}/{name}.target"
                        for name in BOOT_TARGETS)
    boot.write_text(f"""#!/bin/sh
set -e
mount --make-rprivate /
mount -t overlay overlay -o lowerdir=/etc,upperdir={folder}/etc-upper,workdir={folder}/etc-work /etc
for d in /run /tmp; do mount -t tmpfs tmpfs $d; done
ip link set lo up 2>/dev/null || true
{opt}/.venv/bin/kiosk install-service --unit-dir {units} --config {opt}/config.toml > {folder}/install.log 2>&1
{targets}
cp /lib/systemd/system/system.slice {units}/ 2>/dev/null || true
cat > {units}/stadtlabor-kiosk-x.service <<'X'
[Unit]
Description=stand-in display (Xvfb :0 for xinit on tty7)
PartOf={UNIT}
[Service]
ExecStart=/usr/bin/Xvfb :0 -screen 0 1280x800x24 -nolisten tcp
Restart=always
X
mkdir -p {units}/{UNIT}.d
printf '[Service]\\nWatchdogSec={WATCHDOG_S}\\n' > {units}/{UNIT}.d/test-watchdog.conf
export SYSTEMD_UNIT_PATH={units}
exec {SYSTEMD} --system --unit=multi-user.target --log-target=console --log-level=notice
""", encoding="utf-8")
    boot.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


class Machine:
    """The namespace's systemd: booted, asked with systemctl, cut off."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def boot(self) -> "Machine":
        log = open(self.folder / "boot.log", "ab")
        self.process = subprocess.Popen(["unshare", "--pid", "--fork", "--mount", "--uts", "--net", "--mount-proc",
                                         str(self.folder / "boot.sh")], stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        self.pid1 = self._pid1()
        return self

    def _pid1(self) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            for child in children.read_text().split() if children.exists() else []:
                if Path(f"/proc/{child}/exe").resolve() == SYSTEMD.resolve():
                    return int(child)
            assert self.process.poll() is None, self.log()
            time.sleep(0.1)
        raise AssertionError("systemd did not start:\n" + self.log())

    def log(self) -> str:
        text = (self.folder / "boot.log").read_text(errors="replace")
        install = self.folder / "install.log"
        return text + ("\ninstall-service said:\n" + install.read_text() if install.exists() else "")

    def run(self, *command: str) -> str:
        done = subprocess.run(["nsenter", "-t", str(self.pid1), "-a", *command], capture_output=True, text=True,
                              timeout=60)
        return done.stdout.strip()

    def show(self, prop: str) -> str:
        return self.run("systemctl", "show", "-p", prop, "--value", UNIT)

    def wait_ready(self, other_than: str = "", timeout: float = 120) -> str:
        """The kiosk's main PID once the unit is active with the kiosk's ready line (READY=1 and
        STATUS= from the kiosk), and a PID other than `other_than` (a restart)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.show("MainPID")
            if (self.show("ActiveState") == "active" and pid not in ("", "0", other_than)
                    and self.show("StatusText").startswith("kiosk ready")):
                return pid
            time.sleep(0.5)
        raise AssertionError(f"the kiosk did not come up: {self.run('systemctl', 'status', UNIT, '--no-pager')}\n"
                             + self.log())

    def cut_power(self) -> None:
        os.kill(self.pid1, signal.SIGKILL)  # PID 1 of the namespace: all its processes end at once
        self.process.wait(30)

    def screenshot(self, path: Path) -> bytes:
        """The display saved as a PNG at `path`; the PNG's bytes."""
        raw = subprocess.run(["nsenter", "-t", str(self.pid1), "-a", "xwd", "-root", "-silent", "-display", ":0"],
                             capture_output=True, timeout=60).stdout
        image_from_xwd(raw).save(path)
        return path.read_bytes()


def ends(store: Path) -> list[tuple[str | None, str | None]]:
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT end_cause, invocation_id IS NOT NULL FROM boots ORDER BY started_at").fetchall()
    finally:
        conn.close()


def test_the_installed_kiosk_comes_back_after_a_hang_a_crash_and_a_power_cut(installed):
    machine = Machine(installed).boot()
    try:
        first = machine.wait_ready()  # at boot, with no network but loopback
        assert "create the system user kiosk" in (installed / "install.log").read_text()
        assert machine.run("ps", "-o", "user=", "-p", first) == "kiosk"
        SCREENSHOTS.mkdir(exist_ok=True)
        ready = SCREENSHOTS / "systemd-boot-ready-1280x800.png"
        machine.screenshot(ready)
        # The pictures are decoded after the ready line, off the frame: the attract screen once
        # its picture is drawn (the screen changes from the ready one).
        attract = SCREENSHOTS / "systemd-boot-attract-1280x800.png"
        deadline = time.monotonic() + 30
        while machine.screenshot(attract) == ready.read_bytes():
            assert time.monotonic() < deadline, "the attract screen's picture never came"
            time.sleep(0.2)

        machine.run("kill", "-STOP", first)  # the frame loop hangs: no more WATCHDOG=1
        second = machine.wait_ready(other_than=first, timeout=WATCHDOG_S + 90)
        assert machine.show("NRestarts") == "1"

        machine.run("kill", "-KILL", second)  # a crash
        machine.wait_ready(other_than=second)
    finally:
        machine.cut_power()
    machine.boot()  # the next morning
    try:
        after_power_cut = machine.wait_ready()
        machine.run("systemctl", "stop", UNIT)
        assert machine.show("ActiveState") == "inactive"
    finally:
        machine.cut_power()
    store = installed / "opt" / "var" / "kiosk.sqlite3"
    assert after_power_cut
    assert ends(store) == [("watchdog", 1), ("killed", 1), (None, 1), ("stopped", 1)]
