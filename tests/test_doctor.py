"""`kiosk doctor` on a good installation (every check OK, exit 0) and on broken ones: each check
made to fail once for real, and the doctor names the fault and its fix (exit 1).

Real parts: a real store, the real central with a registered kiosk token, a real X server
(Xvfb), tmpfs mounts for a read-only folder and a nearly full disk (CI runs as root), a temp
root with the service's enable link and an input-device list in the kernel's format."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import sqlite3
import struct
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from central_server import free_port, running_central
from conftest import PROJECT
from kiosk.cli import main
from kiosk.core.config import load_config
from kiosk.core.records import Kind, RecordDraft
from kiosk.core.staff_pin import hash_pin
from kiosk.doctor import FAIL, OK, RELEASED, WARN, Installation, check_clock, check_display
from kiosk.store import Store
from test_run_stop import bare_x  # noqa: F401  (a fixture: a real Xvfb, DISPLAY for it)

PIN_HASH = hash_pin("2468")
# /proc/bus/input/devices of a kiosk with a USB multi-touch panel, a keyboard and a mouse, as a
# 64-bit kernel prints it (bitmaps in 64-bit words).
MOUSE = """I: Bus=0003 Vendor=046d Product=c077 Version=0111
N: Name="Logitech USB Optical Mouse"
P: Phys=usb-0000:00:14.0-1/input0
H: Handlers=mouse0 event3
B: PROP=0
B: EV=17
B: KEY=70000 0 0 0 0
B: REL=903
B: MSC=10
"""
KEYBOARD = """I: Bus=0011 Vendor=0001 Product=0001 Version=ab41
N: Name="AT Translated Set 2 keyboard"
P: Phys=isa0060/serio0/input0
H: Handlers=sysrq kbd event0 leds
B: PROP=0
B: EV=120013
B: KEY=402000000 3803078f800d001 feffffdfffefffff fffffffffffffffe
B: MSC=10
B: LED=7
"""
TOUCH = """I: Bus=0003 Vendor=222a Product=0001 Version=0110
N: Name="ILITEK ILITEK-TP"
P: Phys=usb-0000:00:14.0-2/input0
H: Handlers=mouse1 event5
B: PROP=2
B: EV=1b
B: KEY=400 0 0 0 0 0
B: ABS=260800000000003
B: MSC=20
"""
SERVICE_LINK = "etc/systemd/system/graphical.target.wants/stadtlabor-kiosk.service"


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    with running_central(tmp_path_factory.mktemp("central")) as server:
        server.token = server.add_kiosk("kiosk-01")
        yield server


class Kiosk:
    """A kiosk installation in a temp folder: config.toml, a store with records, the service's
    link and a touch screen under `root`. `write(**sections)` rewrites the config with changes."""

    def __init__(self, folder: Path, central):
        self.folder = folder
        self.config = folder / "config.toml"
        self.root = folder / "root"
        self.sections = {
            "kiosk": {"id": "kiosk-01"},
            "content": {"root": str(PROJECT)},
            "store": {"path": str(folder / "data" / "kiosk.sqlite3")},
            "sync": {"central_url": central.url, "token": central.token, "interval_s": 60},
            "phone": {"public_url": "https://stadtlabor.soest.de"},
            "staff": {"pin_hash": PIN_HASH},
        }
        self.write()
        with Store.open(self.store_path, "kiosk-01", app_version="test") as store:
            add_votes(store, 5)
        link = self.root / SERVICE_LINK
        link.parent.mkdir(parents=True)
        (self.root / "etc/systemd/system/stadtlabor-kiosk.service").write_text("[Unit]\n", encoding="utf-8")
        link.symlink_to("../stadtlabor-kiosk.service")
        self.devices(KEYBOARD, MOUSE, TOUCH)

    @property
    def store_path(self) -> Path:
        return Path(self.sections["store"]["path"])

    def write(self, **changes) -> None:
        for section, values in changes.items():
            self.sections[section] = {**self.sections[section], **values}
        self.config.write_text("".join(
            f"[{name}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())
            for name, values in self.sections.items()), encoding="utf-8")

    def devices(self, *blocks: str) -> None:
        devices = self.root / "proc/bus/input/devices"
        devices.parent.mkdir(parents=True, exist_ok=True)
        devices.write_text("\n".join(blocks) + "\n", encoding="utf-8")

    def doctor(self, capsys) -> tuple[int, dict]:
        """`kiosk doctor --json` run in this process; (exit code, {check: result})."""
        code = main(["doctor", "--config", str(self.config), "--root", str(self.root), "--json"])
        results = json.loads(capsys.readouterr().out)
        return code, {result["check"]: result for result in results}


def add_votes(store: Store, count: int) -> None:
    session = uuid.uuid4().hex
    for _ in range(count):
        store.append(RecordDraft(kind=Kind.VOTE, session_id=session, content_version="c1",
                                 payload={"answers": ["ja"], "layer": "de"}, exhibit_id="e1", poll_id="p1",
                                 question_version="q1"))


@pytest.fixture
def kiosk(tmp_path, central, bare_x, monkeypatch):  # noqa: F811
    if struct.calcsize("l") != 8:
        pytest.skip("the input-device list here is written as a 64-bit kernel prints it")
    monkeypatch.setenv("DISPLAY", bare_x)
    return Kiosk(tmp_path, central)


def only_failure(results: dict, check: str, status: str = FAIL) -> dict:
    """The result of `check`, after asserting it is the one not OK."""
    others = {name: result["status"] for name, result in results.items() if name != check}
    assert set(others.values()) == {OK}, others
    assert results[check]["status"] == status, results[check]
    assert results[check]["fix"]
    return results[check]


@pytest.fixture
def mounted(tmp_path):
    """mount(size, name) -> a fresh tmpfs folder of that size; unmounted after the test."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    points = []

    def mount(size: str, name: str) -> Path:
        point = tmp_path / name
        point.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], check=True)
        points.append(point)
        return point

    yield mount
    for point in reversed(points):
        subprocess.run(["umount", "-l", str(point)], check=False)


# -- a good installation -----------------------------------------------------------------------------

def test_a_good_installation_passes_every_check(kiosk):
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "doctor", "--config", str(kiosk.config),
                             "--root", str(kiosk.root)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == [OK] * 10, result.stdout
    assert lines[-1] == "10 ok, 0 warning(s), 0 failed"
    for words in ("X server on :", "ILITEK ILITEK-TP", "5 records", "accepts this kiosk's token",
                  "stadtlabor-kiosk.service is enabled", "valid (content version"):
        assert words in result.stdout


# -- each check failing once --------------------------------------------------------------------------

def test_no_display(kiosk, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY")
    code, results = kiosk.doctor(capsys)
    assert code == 1
    assert "DISPLAY is not set" in only_failure(results, "display")["found"]


def free_display() -> int:
    return next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())


def test_a_dead_x_server(kiosk, capsys, monkeypatch):
    number = free_display()
    monkeypatch.setenv("DISPLAY", f":{number}")  # no X server there
    code, results = kiosk.doctor(capsys)
    assert code == 1
    failure = only_failure(results, "display")
    assert f"no X server answers on DISPLAY=:{number}" in failure["found"]
    assert "X session" in failure["fix"]


def test_a_hung_x_server(kiosk):
    # An X server that takes the connection and never replies, as one stuck in a driver does:
    # a listening socket where the display's socket is, never accepting.
    number = free_display()
    Path("/tmp/.X11-unix").mkdir(exist_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(f"/tmp/.X11-unix/X{number}")
    server.listen(4)
    try:
        result = check_display(Installation(load_config(kiosk.config), display=f":{number}", x_timeout_s=1.0))
    finally:
        server.close()
        os.unlink(f"/tmp/.X11-unix/X{number}")
    assert result.status == FAIL and "does not answer" in result.found and "it hangs" in result.found
    assert "restart the kiosk's X session" in result.fix


def test_no_touch_screen(kiosk, capsys):
    kiosk.devices(KEYBOARD, MOUSE)
    code, results = kiosk.doctor(capsys)
    assert code == 1
    failure = only_failure(results, "touch")
    assert "no touch screen" in failure["found"] and "Logitech USB Optical Mouse" in failure["found"]
    assert "/proc/bus/input/devices" in failure["fix"]


def test_a_read_only_store_folder(kiosk, capsys, mounted):
    folder = mounted("8m", "readonly")
    shutil.copy(kiosk.store_path, folder / "kiosk.sqlite3")
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    kiosk.write(store={"path": str(folder / "kiosk.sqlite3")})
    code, results = kiosk.doctor(capsys)
    assert code == 1
    failure = results["store"]
    assert failure["status"] == FAIL and "Read-only file system" in failure["found"], failure
    assert "[store] path" in failure["fix"]
    # The space on that tiny mount is short too; the other checks are fine.
    assert {name for name, r in results.items() if r["status"] != OK} == {"store", "free space"}


def test_a_damaged_store(kiosk, capsys):
    with Store.open(kiosk.store_path, "kiosk-01") as store:
        add_votes(store, 2000)
    conn = sqlite3.connect(kiosk.store_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    leaves = [row[0] for row in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'records' AND pagetype = 'leaf' ORDER BY pageno")]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(kiosk.store_path, "r+b") as file:
        file.seek((leaves[len(leaves) // 2] - 1) * page_size)
        file.write(os.urandom(page_size))
    code, results = kiosk.doctor(capsys)
    assert code == 1
    failure = only_failure(results, "store")
    assert "DAMAGED" in failure["found"] and "kiosk salvage" in failure["fix"]


def test_a_clock_that_went_back(kiosk, capsys):
    ahead = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)
    with Store.open(kiosk.store_path, "kiosk-01", clock=lambda: ahead) as store:
        add_votes(store, 1)
    code, results = kiosk.doctor(capsys)
    assert code == 1
    failure = only_failure(results, "clock")
    assert "the clock went back" in failure["found"] and ahead.strftime("%Y-%m-%d") in failure["found"]
    assert "timedatectl" in failure["fix"]


def test_a_clock_before_the_release(kiosk):
    # The machine's clock cannot be set back under the other tests: the check is given its time.
    result = check_clock(Installation(load_config(kiosk.config), now=lambda: RELEASED - dt.timedelta(days=400)))
    assert result.status == FAIL and "before this kiosk version was made" in result.found


def test_the_central_down(kiosk, capsys):
    kiosk.write(sync={"central_url": f"http://127.0.0.1:{free_port()}"})
    code, results = kiosk.doctor(capsys)
    assert code == 1
    failure = only_failure(results, "central")
    assert "cannot reach" in failure["found"] and "Connection refused" in failure["found"]


def test_tls_to_a_central_that_speaks_plain_http(kiosk, central, capsys):
    kiosk.write(sync={"central_url": central.url.replace("http://", "https://")})
    code, results = kiosk.doctor(capsys)
    assert code == 1
    assert "TLS error" in only_failure(results, "central")["found"]


def test_a_wrong_token(kiosk, capsys):
    kiosk.write(sync={"token": "not-the-token-" + "x" * 30})
    code, results = kiosk.doctor(capsys)
    assert code == 1
    failure = only_failure(results, "central")
    assert "refuses this kiosk's token (401" in failure["found"]
    assert "kiosk-central add-kiosk kiosk-01 --rotate" in failure["fix"]


def test_a_revoked_token(kiosk, central, capsys):
    token = central.add_kiosk("kiosk-02")
    central.revoke_kiosk("kiosk-02")
    kiosk.write(kiosk={"id": "kiosk-02"}, sync={"token": token})
    code, results = kiosk.doctor(capsys)
    assert code == 1
    failure = only_failure(results, "central")
    assert "refuses this kiosk's token (403" in failure["found"] and "revoked" in failure["found"]


def test_no_staff_pin(kiosk, capsys):
    kiosk.write(staff={"pin_hash": ""})
    code, results = kiosk.doctor(capsys)
    assert code == 1
    assert only_failure(results, "staff PIN")["fix"] == f"`kiosk set-pin --config {kiosk.config}`"


def test_the_placeholder_public_url(kiosk, capsys):
    kiosk.write(phone={"public_url": "https://stadtlabor.example.org/"})
    code, results = kiosk.doctor(capsys)
    assert code == 1
    failure = only_failure(results, "public URL")
    assert "placeholder" in failure["found"] and "[phone] public_url" in failure["fix"]


@pytest.mark.parametrize(("size", "status"), [("100m", FAIL), ("600m", WARN)])
def test_little_free_space(kiosk, capsys, mounted, size, status):
    folder = mounted(size, "small")
    shutil.copy(kiosk.store_path, folder / "kiosk.sqlite3")
    kiosk.write(store={"path": str(folder / "kiosk.sqlite3")})
    code, results = kiosk.doctor(capsys)
    assert code == (1 if status == FAIL else 0)
    failure = only_failure(results, "free space", status)
    assert failure["found"].startswith("only ") and "daily snapshot" in failure["found"]


def test_the_service_not_enabled(kiosk, capsys):
    (kiosk.root / SERVICE_LINK).unlink()
    code, results = kiosk.doctor(capsys)
    assert code == 1
    failure = only_failure(results, "service")
    assert "installed but not enabled" in failure["found"]
    assert failure["fix"] == "`sudo systemctl enable stadtlabor-kiosk.service`"


def test_broken_content(kiosk, capsys, tmp_path):
    shutil.copytree(PROJECT / "tests/broken_exhibits/duplicate-poll-id/exhibits", tmp_path / "content/exhibits")
    kiosk.write(content={"root": str(tmp_path / "content")})
    code, results = kiosk.doctor(capsys)
    assert code == 1
    failure = only_failure(results, "content")
    assert failure["found"].startswith("1 invalid") and "kiosk validate" in failure["fix"]


def test_a_config_that_does_not_load_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "config.toml").write_text("[kiosk]\nnmae = 'x'\n", encoding="utf-8")
    assert main(["doctor", "--config", str(tmp_path / "config.toml")]) == 2
    assert "nmae: unknown key" in capsys.readouterr().err
