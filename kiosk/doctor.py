"""The checks of `kiosk doctor`: is this installation ready to run unattended?

Each check is a function of an `Installation` returning one `CheckResult`: OK, WARN or FAIL, what
was found, and for anything but OK what to do about it (the command to run, or the file and key
to change). The checks only look: nothing is written into the store, the config or the system
(the store check creates and removes one empty file to learn whether the folder takes writes).
`kiosk/doctor_command.py` is the command around them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import struct
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from .core.clock import utc_now, utc_text
from .core.config import Config
from .core.errors import KioskError

OK, WARN, FAIL = "OK", "WARN", "FAIL"
SERVICE = "stadtlabor-kiosk.service"
# This version was made after this day: a clock showing an earlier one was never set (a Raspberry
# Pi has no battery clock and starts at its last shutdown time, or in 1970, until NTP answers).
RELEASED = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
# A clock this far past the release is as wrong as one before it (a mistyped year).
LATEST_PLAUSIBLE = RELEASED + dt.timedelta(days=20 * 365)
# The store's newest record may be a little ahead of now (two processes' clocks, a slow check).
CLOCK_BACK_TOLERANCE = dt.timedelta(minutes=2)
# The central's clock against the kiosk's: beyond this records carry visibly wrong times.
SKEW_WARN_S = 60.0
# Free space in the data folder: the store grows about 1 KB per record, a daily snapshot needs
# the store's size again, logs are bounded; below these the kiosk may stop recording.
FREE_WARN_BYTES = 1_000_000_000
FREE_FAIL_BYTES = 200_000_000
X_ANSWER_TIMEOUT_S = 10.0
CENTRAL_TIMEOUTS = (5.0, 10.0)  # connect, read: the doctor should not hang on a dead network
# Linux input event codes (linux/input-event-codes.h) that make a device a touch screen.
INPUT_PROP_DIRECT, ABS_X, ABS_MT_POSITION_X, BTN_TOUCH, BTN_TOOL_FINGER = 1, 0x00, 0x35, 0x14A, 0x145


@dataclass(frozen=True)
class CheckResult:
    check: str
    status: str  # OK, WARN or FAIL
    found: str
    fix: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Installation:
    """What the checks look at. `root` is where the system's files are looked up (the service's
    links, /proc/bus/input/devices): "/" for this machine, another folder for a mounted SD card
    or a test. `display` is the X display to ask (DISPLAY); `now` the clock."""

    config: Config
    root: Path = Path("/")
    display: str | None = field(default_factory=lambda: os.environ.get("DISPLAY"))
    now: Callable[[], dt.datetime] = utc_now
    free_warn_bytes: int = FREE_WARN_BYTES
    free_fail_bytes: int = FREE_FAIL_BYTES
    x_timeout_s: float = X_ANSWER_TIMEOUT_S

    @property
    def config_name(self) -> str:
        return str(self.config.path or "config.toml")


def run_checks(installation: Installation) -> list[CheckResult]:
    """Every check, in the order a technician would fix things; one failing check never stops
    the others."""
    results = []
    for name, check in CHECKS:
        try:
            result = check(installation)
        except (KioskError, OSError) as error:
            result = CheckResult(name, FAIL, f"the check itself failed: {error}",
                                 "fix what the message names, then run `kiosk doctor` again")
        results.append(result)
    return results


# -- display and touch -------------------------------------------------------------------------

def check_display(inst: Installation) -> CheckResult:
    name = "display"
    if not inst.display:
        return CheckResult(name, FAIL, "DISPLAY is not set, so there is no X server to show the kiosk on",
                           "run the doctor in the kiosk's X session, or name its display: `DISPLAY=:0 kiosk doctor`")
    if shutil.which("xdpyinfo") is None:
        return CheckResult(name, WARN, f"DISPLAY={inst.display}, but xdpyinfo is missing to ask the X server",
                           "`apt-get install x11-utils`, then run `kiosk doctor` again")
    try:
        answer = subprocess.run(["xdpyinfo"], env={**os.environ, "DISPLAY": inst.display}, capture_output=True,
                                text=True, timeout=inst.x_timeout_s)
    except subprocess.TimeoutExpired:
        return CheckResult(name, FAIL, f"the X server on {inst.display} does not answer "
                                       f"(no reply in {inst.x_timeout_s:g} s): it hangs",
                           "restart the kiosk's X session (reboot the kiosk if that does not help)")
    if answer.returncode != 0:
        said = (answer.stderr.strip().splitlines() or ["no answer"])[0]
        return CheckResult(name, FAIL, f"no X server answers on DISPLAY={inst.display} ({said})",
                           "start the kiosk's X session (or reboot), or set DISPLAY to the display it runs on")
    size = re.search(r"dimensions:\s+(\d+x\d+) pixels", answer.stdout)
    return CheckResult(name, OK, f"the X server on {inst.display} answers"
                                 + (f" (screen {size.group(1)})" if size else ""))


def check_touch(inst: Installation) -> CheckResult:
    name = "touch"
    devices_file = inst.root / "proc/bus/input/devices"
    try:
        text = devices_file.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return CheckResult(name, WARN, f"cannot read {devices_file} ({error.strerror}) to look for a touch screen",
                           "run the doctor on the kiosk itself")
    devices = input_devices(text)
    touch = [device["name"] for device in devices if is_touch_screen(device)]
    if touch:
        return CheckResult(name, OK, f"touch screen: {', '.join(touch)}")
    others = ", ".join(device["name"] for device in devices) or "none"
    return CheckResult(name, FAIL, f"no touch screen among the input devices (found: {others})",
                       "connect the touch panel's USB cable (and its power), then check that `cat "
                       "/proc/bus/input/devices` lists it; a panel on DSI needs its overlay in /boot/config.txt")


def input_devices(text: str) -> list[dict]:
    """The blocks of /proc/bus/input/devices as {"name", "PROP", "KEY", "ABS", ...} (bitmaps as text)."""
    devices = []
    for block in text.strip().split("\n\n"):
        device = {"name": "?"}
        for line in block.splitlines():
            if line.startswith("N: Name="):
                device["name"] = line[len("N: Name="):].strip().strip('"')
            elif line.startswith("B: ") and "=" in line:
                key, _, value = line[3:].partition("=")
                device[key.strip()] = value.strip()
        if block.strip():
            devices.append(device)
    return devices


def is_touch_screen(device: dict) -> bool:
    """Absolute X and either the kernel's "direct" property (the screen is the surface touched) or,
    for older panels that do not set it, BTN_TOUCH without the finger tools that mark a touchpad."""
    absolute = _bit(device.get("ABS", ""), ABS_X) or _bit(device.get("ABS", ""), ABS_MT_POSITION_X)
    keys = device.get("KEY", "")
    direct = _bit(device.get("PROP", ""), INPUT_PROP_DIRECT)
    return absolute and (direct or (_bit(keys, BTN_TOUCH) and not _bit(keys, BTN_TOOL_FINGER)))


def _bit(bitmap: str, number: int) -> bool:
    # The kernel prints a bitmap as words of its `long`, most significant first, leading zero words left out.
    word_bits = struct.calcsize("l") * 8
    words = bitmap.split()[::-1]
    index, bit = divmod(number, word_bits)
    try:
        return index < len(words) and bool(int(words[index], 16) >> bit & 1)
    except ValueError:
        return False


# -- the store and the clock ----------------------------------------------------------------------

def check_store(inst: Installation) -> CheckResult:
    from .store import Store

    name = "store"
    path = inst.config.store.path
    fix_place = f"make {path.parent} writable for the kiosk's user, or set [store] path in {inst.config_name}"
    problem = _not_writable(path)
    if problem:
        return CheckResult(name, FAIL, problem, fix_place)
    if not path.exists():
        return CheckResult(name, WARN, f"no store yet at {path} (the kiosk creates it when it first starts)",
                           f"start the kiosk once, or check [store] path in {inst.config_name}")
    try:
        store = Store.open_for_reading(path, inst.config.kiosk.id)
    except KioskError as error:
        return CheckResult(name, FAIL, str(error), f"`kiosk status --config {inst.config_name}` shows the same; "
                                                   "start the kiosk once (it moves a damaged store aside)")
    try:
        damage = store.check_integrity()
        health = store.health() if not damage else None
    finally:
        store.close()
    if damage:
        return CheckResult(name, FAIL, f"{path} is DAMAGED ({'; '.join(damage)})",
                           "do not delete it: back it up with its -wal and restart the kiosk (it moves the file "
                           "aside and starts a new store), then `kiosk salvage <moved file>` recovers its records")
    records = f"{health['records']:,} records, {health['outbox']['pending']:,} waiting to be sent"
    if health["alerts"]:
        newest = health["alerts"][0]
        return CheckResult(name, WARN, f"{path}: {records}; {len(health['alerts'])} open alert(s), newest: "
                                       f"{newest.get('kind')}", "read them in `kiosk status`; staff clear them on "
                                                                "the staff screen once dealt with")
    return CheckResult(name, OK, f"{path}: sound and writable, {records}")


def _not_writable(path: Path) -> str | None:
    """Why the store at `path` could not be written, or None. Tried for real (root passes every
    permission check, a read-only mount stops root too): one empty temporary file in the folder,
    and the store opened for writing (without writing)."""
    folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), Path("/"))
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".kiosk-doctor-"):
            pass
        if path.exists():
            with open(path, "r+b"):
                pass
    except OSError as error:
        where = path if error.filename == str(path) else folder
        return f"{where} cannot be written ({error.strerror}): the kiosk could not record"
    return None


def check_clock(inst: Installation) -> CheckResult:
    name = "clock"
    now = inst.now()
    fix = ("set the time: `timedatectl set-ntp true` with the network up (or `date -s 'YYYY-MM-DD HH:MM'`); "
           "without a battery clock the kiosk needs NTP at every start")
    if now < RELEASED:
        return CheckResult(name, FAIL, f"the clock says {_shown(now)}, before this kiosk version was made "
                                       f"({RELEASED:%Y-%m-%d})", fix)
    if now > LATEST_PLAUSIBLE:
        return CheckResult(name, FAIL, f"the clock says {_shown(now)}, decades ahead", fix)
    newest, skew = _store_times(inst.config)
    if newest is not None and newest > now + CLOCK_BACK_TOLERANCE:
        return CheckResult(name, FAIL, f"the clock went back: it says {_shown(now)}, but the store's newest record "
                                       f"is from {_shown(newest)}", fix)
    if skew is not None and abs(skew) > SKEW_WARN_S:
        from .cli import clock_skew_text

        return CheckResult(name, WARN, f"at the last sync the kiosk's clock was {clock_skew_text(skew)}", fix)
    return CheckResult(name, OK, f"{_shown(now)}, plausible")


def _store_times(config: Config) -> tuple[dt.datetime | None, float | None]:
    """The newest record's time and the clock skew the last sync saw, as far as the store tells."""
    from .store import Store

    try:
        store = Store.open_for_reading(config.store.path, config.kiosk.id)
    except KioskError:
        return None, None  # the store check says why
    try:
        newest = store.last_visitor_touch()
        skew = store.sync_status().get("clock_skew_s")
    except KioskError:
        return None, None
    finally:
        store.close()
    newest_time = dt.datetime.fromisoformat(newest.replace("Z", "+00:00")) if newest else None
    return newest_time, float(skew) if isinstance(skew, (int, float)) else None


def _shown(moment: dt.datetime) -> str:
    return utc_text(moment)[:19].replace("T", " ") + " UTC"


# -- the central -------------------------------------------------------------------------------

class _NothingKept:
    """The sync client asks its store what the last pass saw; the doctor only asks the central."""

    def sync_status(self) -> dict:
        return {}


def check_central(inst: Installation) -> CheckResult:
    name = "central"
    sync, config = inst.config.sync, inst.config
    if config.standalone:
        return CheckResult(name, OK, "standalone: [sync] central_url is empty, nothing is sent")
    if not sync.token:
        return CheckResult(name, FAIL, "[sync] token is empty: the central refuses a kiosk without one",
                           f"on the central: `kiosk-central add-kiosk {config.kiosk.id}`; put the token it prints "
                           f"into [sync] token in {inst.config_name}")
    import requests

    from sync.client import PassFailed, SyncClient

    url = sync.central_url
    with requests.Session() as session:
        client = SyncClient(_NothingKept(), central_url=url, token=sync.token, kiosk_id=config.kiosk.id,
                            interval_s=sync.interval_s, session=session, timeouts=CENTRAL_TIMEOUTS)
        try:
            skew = client.check_central()
        except PassFailed as failure:
            return _central_failure(inst, url, failure, failure.__context__)
    shown = f"{url} answers and accepts this kiosk's token"
    if skew is not None and abs(skew) > SKEW_WARN_S:
        from .cli import clock_skew_text

        return CheckResult(name, WARN, f"{shown}, but the kiosk's clock is {clock_skew_text(skew)}",
                           "set the kiosk's clock (`timedatectl set-ntp true`)")
    return CheckResult(name, OK, shown)


def _central_failure(inst: Installation, url: str, failure, cause) -> CheckResult:
    import requests

    name, kiosk_id = "central", inst.config.kiosk.id
    where = f"[sync] central_url in {inst.config_name}"
    if failure.stop:
        refused = re.search(r"\((40[13])(?:: (.*?))?\)\. ", failure.words)
        said = f" ({refused.group(1)}: {refused.group(2)})" if refused and refused.group(2) else ""
        return CheckResult(name, FAIL, f"{url} answers but refuses this kiosk's token{said}",
                           f"on the central: `kiosk-central add-kiosk {kiosk_id} --rotate`; put the token it "
                           f"prints into [sync] token in {inst.config_name}, then restart the kiosk")
    if isinstance(cause, requests.exceptions.SSLError):
        return CheckResult(name, FAIL, f"TLS error talking to {url}: {_short(cause)}",
                           "the central's certificate is not valid for this address or not trusted: check the host "
                           f"name in {where}, the certificate (`curl -v {url}`), and the kiosk's clock")
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return CheckResult(name, FAIL, f"cannot reach {url}: no connection in {CENTRAL_TIMEOUTS[0]:g} s",
                           f"check the kiosk's network and {where}")
    if isinstance(cause, requests.exceptions.ReadTimeout):
        return CheckResult(name, FAIL, f"{url} took the connection but did not answer in {CENTRAL_TIMEOUTS[1]:g} s",
                           "check the central (`systemctl status stadtlabor-central` there) and its load")
    if isinstance(cause, requests.exceptions.ConnectionError):
        return CheckResult(name, FAIL, f"cannot reach {url}: {_short(cause)}",
                           f"check that the central runs (`systemctl status stadtlabor-central` there), the "
                           f"kiosk's network, and {where}")
    return CheckResult(name, FAIL, f"{url} did not answer as the central does: {failure.words}",
                       f"check {where} (a captive portal or proxy may stand between)")


def _short(error: Exception) -> str:
    text = str(error)
    for marker in ("CERTIFICATE_VERIFY_FAILED", "WRONG_VERSION_NUMBER", "Connection refused",
                   "Name or service not known", "Temporary failure in name resolution", "Network is unreachable",
                   "No route to host", "hostname mismatch", "certificate verify failed"):
        if marker in text:
            return marker
    return text[:160]


# -- settings ------------------------------------------------------------------------------------

def check_pin(inst: Installation) -> CheckResult:
    from .core.staff_pin import PinHashError, verify_pin

    name, fix = "staff PIN", f"`kiosk set-pin --config {inst.config_name}`"
    if not inst.config.staff.pin_hash:
        return CheckResult(name, FAIL, f"no staff PIN is set ([staff] pin_hash in {inst.config_name} is empty): "
                                       "nobody can open the staff screen", fix)
    try:
        verify_pin("0000", inst.config.staff.pin_hash)  # only to learn whether the hash is well-formed
    except PinHashError as error:
        return CheckResult(name, FAIL, str(error), fix)
    return CheckResult(name, OK, "set")


def check_public_url(inst: Installation) -> CheckResult:
    name, phone = "public URL", inst.config.phone
    if inst.config.public_url_is_placeholder:
        return CheckResult(name, FAIL, f"[phone] public_url is still the placeholder {phone.public_url}: the QR "
                                       "codes lead nowhere",
                           f"set [phone] public_url in {inst.config_name} to the address of the phone pages")
    return CheckResult(name, OK, phone.public_url)


def check_free_space(inst: Installation) -> CheckResult:
    from .store.sqlite_errors import file_size

    name, store = "free space", inst.config.store.path
    folder = next((p for p in (store.parent, *store.parent.parents) if p.exists()), Path("/"))
    free = shutil.disk_usage(folder).free
    size = sum(file_size(Path(f"{store}{suffix}")) for suffix in ("", "-wal"))
    need = (f"the store takes {_amount(size)} and needs as much again for each daily snapshot, "
            f"plus about 1 KB per record to come")
    found = f"{_amount(free)} free in {folder}; {need}"
    fix = (f"free space on the file system of {folder} (old snapshots, exports, logs), or move the data folder "
           f"([store] path in {inst.config_name}) to a larger card or disk")
    if free < inst.free_fail_bytes:
        return CheckResult(name, FAIL, f"only {found}", fix)
    if free < inst.free_warn_bytes:
        return CheckResult(name, WARN, f"only {found}", fix)
    return CheckResult(name, OK, found)


def _amount(size_bytes: int) -> str:
    return f"{size_bytes / 1e9:,.1f} GB" if size_bytes >= 1e9 else f"{size_bytes / 1e6:,.1f} MB"


# -- the service and the content ---------------------------------------------------------------------

def check_service(inst: Installation) -> CheckResult:
    name = "service"
    install = "`sudo kiosk install-service` installs and enables it"
    if inst.root == Path("/") and Path("/run/systemd/system").is_dir() and shutil.which("systemctl"):
        answer = subprocess.run(["systemctl", "is-enabled", SERVICE], capture_output=True, text=True, timeout=30)
        state = answer.stdout.strip() or answer.stderr.strip()
        if state == "enabled":
            return CheckResult(name, OK, f"{SERVICE} is enabled: the kiosk starts at boot")
        if answer.returncode != 0 and "No such file" in state:
            return CheckResult(name, FAIL, f"{SERVICE} is not installed: the kiosk does not start at boot", install)
        return CheckResult(name, FAIL, f"{SERVICE} is {state or 'not enabled'}: the kiosk does not start at boot",
                           f"`sudo systemctl enable {SERVICE}`")
    units = inst.root / "etc/systemd/system"
    wanted = sorted(units.glob(f"*.wants/{SERVICE}"))
    if wanted:
        return CheckResult(name, OK, f"{SERVICE} is enabled ({wanted[0].relative_to(inst.root)})")
    if (units / SERVICE).exists():
        return CheckResult(name, FAIL, f"{SERVICE} is installed but not enabled: the kiosk does not start at boot",
                           f"`sudo systemctl enable {SERVICE}`")
    return CheckResult(name, FAIL, f"{SERVICE} is not installed in {units}: the kiosk does not start at boot",
                       install)


def check_content(inst: Installation) -> CheckResult:
    from .core.content_loader import load_content

    name, root = "content", inst.config.content.root
    fix = f"`kiosk validate --config {inst.config_name}` lists every problem with its file and line"
    if not (root / "exhibits").is_dir():
        return CheckResult(name, FAIL, f"no exhibits/ folder in the content root {root}",
                           f"set [content] root in {inst.config_name} to the folder holding exhibits/")
    content = load_content(root)
    if content.invalid_count:
        first = sorted(content.errors(), key=lambda p: (str(p.path), p.line or 0))
        return CheckResult(name, FAIL, f"{content.invalid_count} invalid, {content.valid_count} valid"
                                       + (f"; first: {first[0]}" if first else ""), fix)
    if content.valid_count == 0:
        return CheckResult(name, FAIL, f"no exhibits in {root}", fix)
    warnings = len(content.warnings())
    if warnings:
        return CheckResult(name, WARN, f"{content.valid_count} valid, {warnings} warning(s)", fix)
    return CheckResult(name, OK, f"{content.valid_count} valid (content version {content.version})")


CHECKS: tuple[tuple[str, Callable[[Installation], CheckResult]], ...] = (
    ("display", check_display),
    ("touch", check_touch),
    ("store", check_store),
    ("clock", check_clock),
    ("central", check_central),
    ("staff PIN", check_pin),
    ("public URL", check_public_url),
    ("free space", check_free_space),
    ("service", check_service),
    ("content", check_content),
)
