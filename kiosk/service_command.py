"""`kiosk install-service`: the shipped systemd units (deploy/systemd/), rendered for this
installation and installed; `kiosk service-stopped`: systemd's ExecStopPost= notes why the
kiosk's run ended (see kiosk/core/restarts.py).

The shipped units name the default installation: the project in /opt/stadtlabor-kiosk, its
venv in .venv, the kiosk's config /opt/stadtlabor-kiosk/config.toml with its data folder var/
(the folder of [store] path), the central's settings /opt/stadtlabor-kiosk/central.toml with its
data folder /var/lib/stadtlabor-central. Rendering replaces exactly these paths by the actual
ones, so a unit installed from /opt/stadtlabor-kiosk is the shipped file, byte for byte.
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .core.commands import EXIT_OK
from .core.config import load_config
from .core.errors import KioskError, UsageError

PROJECT = Path(__file__).resolve().parent.parent
SHIPPED = PROJECT / "deploy" / "systemd"
SYSTEM_UNIT_DIR = Path("/etc/systemd/system")
KIOSK_UNITS = ("stadtlabor-kiosk.service", "stadtlabor-kiosk-x.service")
CENTRAL_UNITS = ("stadtlabor-central.service",)
KIOSK_USER = "kiosk"
CENTRAL_USER = "stadtlabor-central"
# The paths the shipped units name (see the module docstring).
DEFAULT_PREFIX = "/opt/stadtlabor-kiosk"
DEFAULT_VENV_BIN = f"{DEFAULT_PREFIX}/.venv/bin"
DEFAULT_KIOSK_CONFIG = f"{DEFAULT_PREFIX}/config.toml"
DEFAULT_KIOSK_DATA = f"{DEFAULT_PREFIX}/var"
DEFAULT_CENTRAL_CONFIG = f"{DEFAULT_PREFIX}/central.toml"
DEFAULT_CENTRAL_DATA = "/var/lib/stadtlabor-central"
# A path goes into a unit file as it is: no spaces (they split arguments), no '%' (systemd's
# specifiers), no quotes, '$' or backslashes (they would be read as quoting and variables).
SAFE_PATH = re.compile(r"/[A-Za-z0-9._+/-]*")
# A data folder is made writable for the service and given to its user: never one of these, or
# a folder holding them. /tmp and /var/tmp are private to the service (PrivateTmp=), /home and
# /root hidden from it (ProtectHome=): a store there would vanish from under the kiosk.
SYSTEM_FOLDERS = ("/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/run", "/sbin", "/srv",
                  "/sys", "/usr", "/var", "/var/lib", "/opt", "/media", "/mnt")
HIDDEN_FROM_SERVICE = ("/tmp", "/var/tmp", "/home", "/root", "/run/user")
# The project's code: a data folder holding it (or inside it) would let the service rewrite it.
CODE_FOLDERS = ("kiosk", "central", "sync", ".venv", "deploy", "scripts", ".git")


@dataclass(frozen=True)
class Installation:
    """What the units are rendered for: which units, their user, and the four paths."""

    units: tuple[str, ...]
    user: str
    install_dir: Path
    venv_bin: Path
    config: Path
    data_dir: Path
    default_config: str
    default_data: str
    stored: tuple[str, str]  # what lives in the data folder and its usual file name, for messages

    def replacements(self) -> dict[str, str]:
        return {self.default_config: str(self.config), DEFAULT_VENV_BIN: str(self.venv_bin),
                self.default_data: str(self.data_dir), DEFAULT_PREFIX: str(self.install_dir)}


class StepFailed(KioskError):
    """A step of install-service failed (a folder that cannot be written, useradd refused)."""

    exit_code = 1


@dataclass
class Step:
    says: str
    run: Callable[[], None] | None = None  # None: only said (a check, or something skipped)


def add_service_commands(commands) -> None:
    install = commands.add_parser(
        "install-service", help="install the systemd units that start the kiosk (or the central) at boot",
        description="Render the shipped units (deploy/systemd/) for this installation (this project folder, its "
                    "venv, the config and its data folder) and install them: stadtlabor-kiosk.service (the kiosk, "
                    "user kiosk) with stadtlabor-kiosk-x.service (its X session), or with --central-config "
                    "stadtlabor-central.service (kiosk-central serve, user stadtlabor-central). As root it also "
                    "creates the user, gives it the data folder, runs `systemctl daemon-reload` (where systemd "
                    "runs) and enables the unit. Prints every step; --dry-run prints them and changes nothing.",
        epilog="Exit codes: 0 installed (or, with --dry-run, nothing wrong found); 1 a step failed (it says which; the "
               "steps before it were done, and running it again is safe); 2 usage or config error (not root, config "
               "missing or invalid, a path a unit cannot name). docs/deployment.md section 2 has the details.")
    install.add_argument("--config", type=Path, default=Path("config.toml"), metavar="PATH",
                         help="the kiosk's settings the service runs with (default: ./config.toml)")
    install.add_argument("--central-config", type=Path, metavar="PATH",
                         help="install the central's unit instead, for this central.toml")
    install.add_argument("--unit-dir", type=Path, default=SYSTEM_UNIT_DIR, metavar="DIR",
                         help=f"where the units go (default: {SYSTEM_UNIT_DIR}); another folder (an image being "
                              "built, a test) gets the units and the enable link, and systemctl is left alone")
    install.add_argument("--dry-run", action="store_true", help="print the steps, change nothing")
    install.set_defaults(handler=cmd_install_service)

    stopped = commands.add_parser(
        "service-stopped", help="note why the kiosk's service ended (systemd's ExecStopPost=)",
        description="Run by stadtlabor-kiosk.service after every end of the kiosk: reads $INVOCATION_ID, "
                    "$SERVICE_RESULT, $EXIT_CODE and $EXIT_STATUS as systemd sets them and notes the cause "
                    "(orderly stop, watchdog, crash, ...) on that run's boot in the store, for the count of "
                    "restarts on the staff screen and in the heartbeat.",
        epilog="Exit codes: 0 noted (or nothing to note: it says why); 2 usage or config error.")
    stopped.add_argument("--config", type=Path, default=Path("config.toml"), metavar="PATH",
                         help="kiosk settings (default: ./config.toml); the note goes into its [store] path")
    stopped.set_defaults(handler=cmd_service_stopped)


# -- install-service ----------------------------------------------------------------------------

def cmd_install_service(args) -> int:
    installation = central_installation(args.central_config) if args.central_config else kiosk_installation(
        args.config)
    unit_dir = Path(os.path.abspath(args.unit_dir))
    system_dir = unit_dir == SYSTEM_UNIT_DIR
    root = os.geteuid() == 0
    if not root and system_dir and not args.dry_run:
        raise UsageError(f"installing into {SYSTEM_UNIT_DIR} needs root: run it with sudo (or --dry-run to see "
                         "the steps)")
    rendered = {name: render(read_shipped(name), installation) for name in installation.units}
    # A dry run by an admin without sudo shows what the real run (as root) will do.
    as_root = root or (args.dry_run and system_dir)
    if as_root and not root:
        print("not root: the steps as `sudo kiosk install-service` would do them", flush=True)
    steps = install_steps(installation, rendered, unit_dir, root=as_root, system_dir=system_dir)
    for step in steps:
        if args.dry_run:
            print(f"would {step.says}" if step.run else step.says, flush=True)
        else:
            print(step.says, flush=True)
            if step.run is not None:
                try:
                    step.run()
                except OSError as error:
                    raise StepFailed(f"could not {step.says}: {error.strerror or error}; the steps before it "
                                     "were done: fix this and run install-service again (it can run twice)") from None
    if args.dry_run:
        print("dry run: nothing was changed")
    else:
        first = installation.units[0]
        print(f"done: {first} starts at the next boot; `systemctl start {first}` starts it now, "
              f"`journalctl -u {first}` shows its log")
    return EXIT_OK


def kiosk_installation(config_path: Path) -> Installation:
    config = load_config(config_path)  # missing or invalid: a ConfigError naming the fault (exit 2)
    visible_to_service("the content root ([content] root)", Path(os.path.abspath(config.content.root)))
    return checked(Installation(units=KIOSK_UNITS, user=KIOSK_USER, install_dir=PROJECT, venv_bin=venv_bin(),
                                config=Path(os.path.abspath(config_path)),
                                data_dir=Path(os.path.abspath(config.store.path)).parent,
                                default_config=DEFAULT_KIOSK_CONFIG, default_data=DEFAULT_KIOSK_DATA,
                                stored=("store ([store] path)", "kiosk.sqlite3")))


def central_installation(settings_path: Path) -> Installation:
    """The central's settings are read here only for the folder of its database (kiosk must not
    import the central; `kiosk-central serve` checks the rest when it starts)."""
    path = Path(os.path.abspath(settings_path))
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--central-config {settings_path}: no such file; write it first (central/central.example."
                         "toml is a start, docs/central.md explains it)") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"--central-config {settings_path}: cannot be read as TOML ({error})") from None
    db = str((settings.get("central") or {}).get("db", "central.sqlite3"))
    if "://" in db:  # PostgreSQL: the central writes no file of its own
        data_dir = Path(DEFAULT_CENTRAL_DATA)
    else:
        data_dir = (path.parent / db).parent
    return checked(Installation(units=CENTRAL_UNITS, user=CENTRAL_USER, install_dir=PROJECT, venv_bin=venv_bin(),
                                config=path, data_dir=Path(os.path.abspath(data_dir)),
                                default_config=DEFAULT_CENTRAL_CONFIG, default_data=DEFAULT_CENTRAL_DATA,
                                stored=("database ([central] db)", "central.sqlite3")))


def venv_bin() -> Path:
    """The folder of the `kiosk` command this runs from (the venv's bin/)."""
    return Path(os.path.abspath(sys.prefix)) / "bin"


def checked(installation: Installation) -> Installation:
    for what, path in (("the project folder", installation.install_dir), ("the venv", installation.venv_bin),
                       ("the config", installation.config), ("the data folder", installation.data_dir)):
        if not SAFE_PATH.fullmatch(str(path)):
            raise UsageError(f"{what} {str(path)!r} cannot be named in a systemd unit (only letters, digits and "
                             "._+-/ are safe there: no spaces, %, $, quotes or backslashes); move it to a plain path")
    data = installation.data_dir
    where, file_name = installation.stored
    code = [installation.install_dir / name for name in CODE_FOLDERS]
    if str(data) in SYSTEM_FOLDERS or installation.install_dir.is_relative_to(data) or any(
            folder.is_relative_to(data) or data.is_relative_to(folder) for folder in code):
        raise UsageError(f"the data folder {data} (the folder of the {where}) would make a system folder or the "
                         f"program writable for the service; put the {where} in a folder of its own, "
                         f"e.g. {installation.default_data}/{file_name}")
    visible_to_service("the config", installation.config)
    visible_to_service("the data folder", data, f"put the {where} in a folder of its own, e.g. "
                                                f"{installation.default_data}/{file_name}")
    if not (installation.venv_bin / "kiosk").is_file():
        raise UsageError(f"no kiosk command in {installation.venv_bin}; run `scripts/setup run` in {PROJECT} and "
                         "install-service with .venv/bin/kiosk")
    return installation


def visible_to_service(what: str, path: Path, fix: str = "move it, e.g. into the project folder") -> None:
    hidden = next((h for h in HIDDEN_FROM_SERVICE if path == Path(h) or path.is_relative_to(h)), None)
    if hidden:
        raise UsageError(f"{what} {path} is under {hidden}, which the service does not see (it gets a private /tmp "
                         f"and no home folders: PrivateTmp=, ProtectHome=); {fix}")


def read_shipped(name: str) -> str:
    try:
        return (SHIPPED / name).read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"the shipped unit {SHIPPED / name} cannot be read ({error.strerror}); is {PROJECT} a "
                         "complete checkout?") from None


def render(text: str, installation: Installation) -> str:
    """The shipped unit with its default paths replaced by the installation's, in one pass (a
    replaced path is never replaced again), longest first (the config before the prefix)."""
    replacements = installation.replacements()
    pattern = re.compile("|".join(re.escape(old) for old in sorted(replacements, key=len, reverse=True)))
    return pattern.sub(lambda match: replacements[match.group(0)], text)


def install_steps(installation: Installation, rendered: dict[str, str], unit_dir: Path, *, root: bool,
                  system_dir: bool) -> list[Step]:
    user = installation.user
    steps: list[Step] = []
    if root:
        steps.extend(group_step(group) for group in supplementary_groups(rendered))
        steps.append(user_step(user, installation.data_dir))
        steps.append(data_dir_step(user, installation.data_dir))
        if installation.user == KIOSK_USER:
            steps.append(config_step(user, installation.config))
    else:
        steps.append(Step(f"not root: user {user}, the owner of {installation.data_dir} and systemctl are left alone"))
    for name, text in rendered.items():
        steps.append(Step(f"write {unit_dir / name}", lambda name=name, text=text: write_unit(unit_dir / name, text)))
    main = installation.units[0]
    wanted_by = install_target(rendered[main])
    if system_dir and systemd_running():
        steps.append(Step("run systemctl daemon-reload", lambda: systemctl("daemon-reload")))
    elif system_dir:
        steps.append(Step("skip systemctl daemon-reload: systemd is not running here (it reads the units when it "
                          "starts)"))
    if system_dir and root and shutil.which("systemctl"):
        steps.append(Step(f"run systemctl enable {main}", lambda: systemctl("enable", main)))
    elif system_dir and root:
        steps.append(Step(f"skip systemctl enable {main}: there is no systemctl here"))
    elif not system_dir:
        link = unit_dir / f"{wanted_by}.wants" / main
        steps.append(Step(f"enable {main}: link {link} -> ../{main}", lambda: enable_link(link, main)))
    return steps


def supplementary_groups(rendered: dict[str, str]) -> list[str]:
    """The groups the units' SupplementaryGroups= name (the kiosk's `video` and `input`)."""
    groups: list[str] = []
    for text in rendered.values():
        for line in text.splitlines():
            if line.startswith("SupplementaryGroups="):
                groups += [group for group in line.split("=", 1)[1].split() if group not in groups]
    return groups


def group_step(group: str) -> Step:
    """A group a unit names must exist, or systemd refuses to start it (status 216/GROUP):
    `input` comes with udev, and a system without it (a container, a minimal image) lacks it."""
    try:
        grp.getgrnam(group)
        return Step(f"group {group} exists: kept as it is")
    except KeyError:
        command = ["groupadd", "--system", group]
        return Step(f"create the system group {group} (the units name it): {' '.join(command)}",
                    lambda: run(command))


def user_step(user: str, home: Path) -> Step:
    try:
        pwd.getpwnam(user)
        return Step(f"user {user} exists: kept as it is")
    except KeyError:
        command = ["useradd", "--system", "--user-group", "--home-dir", str(home), "--no-create-home",
                   "--shell", "/usr/sbin/nologin", user]
        return Step(f"create the system user {user}: {' '.join(command)}", lambda: run(command))


def data_dir_step(user: str, data_dir: Path) -> Step:
    def give() -> None:
        entry = pwd.getpwnam(user)
        data_dir.mkdir(parents=True, exist_ok=True)
        data_dir.chmod(0o750)
        for folder, dirs, files in os.walk(data_dir):
            for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
                os.lchown(name, entry.pw_uid, entry.pw_gid)

    return Step(f"give the data folder {data_dir} (made if missing, mode 750) and everything in it to {user}", give)


def config_step(user: str, config: Path) -> Step:
    def share() -> None:
        os.chown(config, 0, grp.getgrnam(user).gr_gid)
        config.chmod(0o640)

    # The config holds the PIN's hash and the sync token: readable by the kiosk, not by everyone.
    return Step(f"make {config} readable for group {user} only (root:{user}, mode 640)", share)


def write_unit(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def enable_link(link: Path, unit: str) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(f"../{unit}")


def install_target(unit_text: str) -> str:
    found = re.search(r"^WantedBy=(\S+)", unit_text, re.MULTILINE)
    return found.group(1) if found else "multi-user.target"


def systemd_running() -> bool:
    return Path("/run/systemd/system").is_dir()  # what sd_booted(3) checks


def systemctl(*args: str) -> None:
    run(["systemctl", *args])


def run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise StepFailed(f"`{' '.join(command)}` failed ({result.returncode}): {result.stderr.strip()}; the steps "
                         "before it were done: fix this and run install-service again (it can run twice)")


# -- service-stopped ----------------------------------------------------------------------------

def cmd_service_stopped(args: argparse.Namespace) -> int:
    from .core.restarts import service_end
    from .store.boots import note_service_end

    invocation = os.environ.get("INVOCATION_ID", "")
    if not invocation:
        raise UsageError("service-stopped is run by systemd after the kiosk's service ended (ExecStopPost=); "
                         "$INVOCATION_ID is not set, so there is no run to note")
    config = load_config(args.config)
    end = service_end(os.environ.get("SERVICE_RESULT"), os.environ.get("EXIT_CODE"), os.environ.get("EXIT_STATUS"))
    print(f"kiosk: service ended ({end.detail}): {note_service_end(config.store.path, invocation, end)}", flush=True)
    return EXIT_OK
