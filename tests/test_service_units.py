"""The shipped systemd units, `kiosk install-service` and `kiosk service-stopped`.

systemd is not PID 1 here, so `systemd-analyze verify` runs offline with --root: a temporary root
holding a copy of the system's own units (sysinit.target, ...), the units to check in
etc/systemd/system, and a stub for each program their Exec lines name (an installation's paths,
checked apart). Any message of verify's fails the test: it reports unknown keys and bad values
as warnings with exit code 0."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import NOBODY, PROJECT, kiosk_as_nobody
from kiosk.core.restarts import CRASH, KILLED, STOPPED, WATCHDOG, service_end
from kiosk.store import Store
from kiosk.store.boots import note_service_end, note_stopped, restart_count

SHIPPED = PROJECT / "deploy" / "systemd"
UNITS = ("stadtlabor-kiosk.service", "stadtlabor-kiosk-x.service", "stadtlabor-central.service")
SYSTEM_UNITS = Path("/usr/lib/systemd/system")
needs_verify = pytest.mark.skipif(shutil.which("systemd-analyze") is None or not SYSTEM_UNITS.is_dir(),
                                  reason="systemd-analyze is missing (scripts/setup test installs the systemd package)")


def verify(units: dict[str, str]) -> str:
    """What `systemd-analyze verify` says about these units (name -> text); "" when all is well."""
    with tempfile.TemporaryDirectory(prefix="units-") as folder:
        root = Path(folder)
        shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
        unit_dir = root / "etc/systemd/system"
        unit_dir.mkdir(parents=True)
        for name, text in units.items():
            (unit_dir / name).write_text(text, encoding="utf-8")
            for program in re.findall(r"^Exec\w*=[-@+!:]*(\S+)", text, re.MULTILINE):
                stub = root / program.lstrip("/")
                stub.parent.mkdir(parents=True, exist_ok=True)
                stub.write_text("#!/bin/sh\n")
                stub.chmod(0o755)
        result = subprocess.run(["systemd-analyze", "verify", f"--root={root}", *units], capture_output=True,
                                text=True, timeout=60)
        said = (result.stdout + result.stderr).strip()
        return said or ("" if result.returncode == 0 else f"exit code {result.returncode}")


def shipped() -> dict[str, str]:
    return {name: (SHIPPED / name).read_text(encoding="utf-8") for name in UNITS}


@needs_verify
def test_the_shipped_units_pass_systemd_analyze_verify():
    assert verify(shipped()) == ""


@needs_verify
@pytest.mark.parametrize("unit, old, new, said", [
    ("stadtlabor-kiosk.service", "Restart=always", "Restart=sometimes", "restart specifier"),
    ("stadtlabor-kiosk.service", "WatchdogSec=30", "WatchdogSec=half a minute", "Failed to parse sec value"),
    ("stadtlabor-kiosk.service", "NoNewPrivileges=yes", "NoNewPrivilege=yes", "Unknown key"),
    ("stadtlabor-kiosk-x.service", "[Service]", "[Servce]", "Unknown section"),
    ("stadtlabor-central.service", "Type=exec", "Type=daemon", "service type"),
])
def test_verify_finds_a_broken_unit(unit, old, new, said):
    units = shipped()
    assert old in units[unit]
    units[unit] = units[unit].replace(old, new)
    assert said in verify(units)


def test_the_units_are_as_the_issue_asks():
    kiosk, x, central = (SHIPPED / name for name in UNITS)
    kiosk, x, central = kiosk.read_text(), x.read_text(), central.read_text()
    for line in ("Type=notify", "WatchdogSec=30", "Restart=always", "User=kiosk", "Environment=DISPLAY=:0",
                 "Requires=stadtlabor-kiosk-x.service", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "ReadWritePaths=/opt/stadtlabor-kiosk/var", "PrivateTmp=yes", "ProtectHome=yes",
                 "ExecStart=/opt/stadtlabor-kiosk/.venv/bin/kiosk run --config /opt/stadtlabor-kiosk/config.toml"):
        assert f"\n{line}\n" in kiosk, line
    # The kiosk starts into its attract screen without a network: no dependency on one.
    assert not re.search(r"^(Wants|Requires|After|BindsTo)=.*network", kiosk + x, re.MULTILINE)
    assert "User=stadtlabor-central" in central and "ProtectSystem=strict" in central
    assert "PartOf=stadtlabor-kiosk.service" in x and "/opt/stadtlabor-kiosk/deploy/systemd/x-session" in x
    assert os.access(SHIPPED / "x-session", os.X_OK)


def kiosk_command(*args, cwd, user=None, env=None):
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, user=user, env={**os.environ, "PYTHONPATH": str(PROJECT), **(env or {})})


@pytest.fixture
def site():
    """A config in a folder anyone can read, its store in a data folder that is never made (no test
    here runs install-service as root without --dry-run)."""
    # Not under /tmp: the service does not see /tmp (PrivateTmp=), and install-service refuses a config there.
    if not os.access("/dev/shm", os.W_OK):
        pytest.skip("no /dev/shm to put the config in")
    folder = Path(tempfile.mkdtemp(prefix="kiosk-service-", dir="/dev/shm"))
    folder.chmod(0o755)
    data = f"/srv/stadtlabor-test-{folder.name}"
    # The content in the folder too: the project may lie under /tmp (a clone of CI's), which the
    # service would not see and install-service refuses as a content root.
    (folder / "content").mkdir()
    (folder / "config.toml").write_text(f'[kiosk]\nid = "k1"\n[content]\nroot = "{folder}/content"\n[store]\n'
                                        f'path = "{data}/kiosk.sqlite3"\n', encoding="utf-8")
    (folder / "config.toml").chmod(0o644)
    units = folder / "units"
    units.mkdir()
    if os.geteuid() == 0:
        os.chown(units, NOBODY, NOBODY)
    yield folder
    shutil.rmtree(folder)
    assert not Path(data).exists()


def unprivileged(cwd, *args) -> tuple[int, str, str]:
    """`kiosk ARGS` as a user who is not root: as this user when it is not, else in a fork that
    drops to nobody (the venv's python may lie where nobody cannot run it)."""
    if os.geteuid() != 0:
        result = kiosk_command(*args, cwd=cwd)
        return result.returncode, result.stdout, result.stderr
    return kiosk_as_nobody(cwd, *args)


@needs_verify
def test_install_service_writes_the_units_rendered_for_this_installation(site):
    code, stdout, stderr = unprivileged(site, "install-service", "--config", "config.toml", "--unit-dir", "units")
    assert code == 0, stderr
    units = site / "units"
    rendered = {name: (units / name).read_text() for name in UNITS[:2]}
    assert sorted(p.name for p in units.iterdir()) == ["multi-user.target.wants", *sorted(UNITS[:2])]
    assert os.readlink(units / "multi-user.target.wants" / UNITS[0]) == f"../{UNITS[0]}"
    kiosk = rendered[UNITS[0]]
    venv = Path(sys.prefix).absolute() / "bin"
    assert f"ExecStart={venv}/kiosk run --config {site}/config.toml\n" in kiosk
    assert f"ExecStopPost={venv}/kiosk service-stopped --config {site}/config.toml\n" in kiosk
    data = f"/srv/stadtlabor-test-{site.name}"
    assert f"ReadWritePaths={data}\n" in kiosk and f"WorkingDirectory={PROJECT}\n" in kiosk
    assert "/opt/stadtlabor-kiosk" not in "".join(rendered.values())
    assert f"{PROJECT}/deploy/systemd/x-session -- :0" in rendered[UNITS[1]]
    for program in re.findall(r"^ExecStart=(\S+)", kiosk, re.MULTILINE):
        assert os.access(program, os.X_OK), program  # this installation's own programs
    assert verify(rendered) == ""
    lines = stdout.splitlines()
    assert lines[0].startswith("not root: user kiosk")
    assert f"write {units}/stadtlabor-kiosk.service" in lines and "done:" in lines[-1]


def test_dry_run_prints_every_step_and_changes_nothing(site):
    before = sorted(p.name for p in Path("/etc/systemd/system").iterdir()) if Path("/etc/systemd/system").is_dir() \
        else None
    config = site / "config.toml"
    config_mode = config.stat().st_mode
    result = kiosk_command("install-service", "--config", "config.toml", "--dry-run", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "would write /etc/systemd/system/stadtlabor-kiosk.service" in result.stdout
    assert "would write /etc/systemd/system/stadtlabor-kiosk-x.service" in result.stdout
    assert result.stdout.rstrip().endswith("dry run: nothing was changed")
    if not Path("/run/systemd/system").is_dir():  # as here: systemd is not PID 1
        assert "skip systemctl daemon-reload: systemd is not running here" in result.stdout
    else:
        assert "would run systemctl daemon-reload" in result.stdout
    after = sorted(p.name for p in Path("/etc/systemd/system").iterdir()) if Path("/etc/systemd/system").is_dir() \
        else None
    assert before == after and config.stat().st_mode == config_mode
    assert "would create the system user kiosk" in result.stdout or "user kiosk exists" in result.stdout
    assert "would give the data folder" in result.stdout
    for group in ("video", "input"):  # the units' SupplementaryGroups=: systemd refuses a start without them
        assert f"group {group} exists" in result.stdout or f"would create the system group {group}" in result.stdout
    if "would create the system user kiosk" in result.stdout:
        with pytest.raises(KeyError):
            pwd.getpwnam("kiosk")  # still not there
    result = kiosk_command("install-service", "--config", "config.toml", "--unit-dir", "units", "--dry-run", cwd=site)
    assert result.returncode == 0 and list((site / "units").iterdir()) == []
    # An admin without sudo sees the steps the real run, as root, will do.
    code, stdout, stderr = unprivileged(site, "install-service", "--config", "config.toml", "--dry-run")
    assert code == 0, stderr
    assert stdout.startswith("not root: the steps as `sudo kiosk install-service` would do them")
    assert "would give the data folder" in stdout and "would run systemctl enable stadtlabor-kiosk.service" in stdout


@pytest.mark.parametrize("store, config_text, args, message", [
    (None, None, ["--config", "missing.toml"], "missing.toml"),
    (None, "[kiosk]\nidd = 1\n", [], "idd"),
    (None, '[content]\nroot = "/home/pi/exhibits"\n', [], "content root ([content] root) /home/pi/exhibits is under /home"),
    (None, None, ["--config", "/tmp/kiosk-service-never/config.toml"], "/tmp/kiosk-service-never/config.toml"),
    ("/srv/my kiosk/kiosk.sqlite3", None, [], "cannot be named in a systemd unit"),
    ("/srv/100%/kiosk.sqlite3", None, [], "cannot be named in a systemd unit"),
    ("/srv/$HOME/kiosk.sqlite3", None, [], "cannot be named in a systemd unit"),
    ("/var/tmp/kiosk-never/kiosk.sqlite3", None, [], "PrivateTmp"),  # (not /tmp: a project there holds it)
    ("/home/kiosk/kiosk.sqlite3", None, [], "ProtectHome"),
    ("/etc/kiosk.sqlite3", None, [], "system folder"),
    ("/kiosk.sqlite3", None, [], "system folder"),
    (f"{PROJECT}/kiosk.sqlite3", None, [], "program writable"),
    (f"{PROJECT}/kiosk/store/kiosk.sqlite3", None, [], "program writable"),
    (None, None, ["--central-config", "nowhere.toml"], "no such file"),
    (None, None, ["--unit-dir", "units", "--config", "/dev/zero"], "character device"),
])
def test_wrong_and_hostile_arguments_are_refused_with_a_clear_message(site, store, config_text, args, message):
    config = site / "config.toml"
    if store is not None:
        config.write_text(f'[content]\nroot = "{site}/content"\n[store]\npath = "{store}"\n', encoding="utf-8")
    if config_text is not None:
        config.write_text(config_text, encoding="utf-8")
    result = kiosk_command("install-service", "--config", "config.toml", "--dry-run", *args, cwd=site)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stderr.startswith("kiosk: ")
    assert message in result.stderr, result.stderr
    assert list((site / "units").iterdir()) == []


def test_a_central_toml_with_its_database_in_the_program_is_refused_and_a_good_one_renders(site):
    for db in (f"{PROJECT}/central.sqlite3", f"{PROJECT}/central/central.sqlite3"):
        (site / "central.toml").write_text(f'[central]\ndb = "{db}"\n', encoding="utf-8")
        result = kiosk_command("install-service", "--central-config", "central.toml", "--dry-run", cwd=site)
        assert result.returncode == 2 and "program writable" in result.stderr, result.stderr
    (site / "central.toml").write_text("[central\n", encoding="utf-8")
    result = kiosk_command("install-service", "--central-config", "central.toml", "--dry-run", cwd=site)
    assert result.returncode == 2 and "cannot be read as TOML" in result.stderr, result.stderr
    (site / "central.toml").write_text('[central]\ndb = "/srv/central-test/central.sqlite3"\n', encoding="utf-8")
    code, _, stderr = unprivileged(site, "install-service", "--central-config", "central.toml", "--unit-dir", "units")
    assert code == 0, stderr
    text = (site / "units" / "stadtlabor-central.service").read_text()
    assert f"--config {site}/central.toml" in text and "ReadWritePaths=/srv/central-test\n" in text
    assert "User=stadtlabor-central" in text
    if shutil.which("systemd-analyze") and SYSTEM_UNITS.is_dir():
        assert verify({"stadtlabor-central.service": text}) == ""


def test_a_unit_folder_that_cannot_be_written_is_named_and_nothing_else_is_done(site):
    code, stdout, stderr = unprivileged(site, "install-service", "--config", "config.toml", "--unit-dir", "/dev/null/x")
    assert code == 1, (stdout, stderr)
    assert "could not write /dev/null/x/stadtlabor-kiosk.service: Not a directory" in stderr
    assert "Traceback" not in stderr and "done:" not in stdout


def test_without_root_the_system_unit_folder_is_refused(site):
    code, _, stderr = unprivileged(site, "install-service", "--config", "config.toml")
    assert code == 2 and "needs root" in stderr and "--dry-run" in stderr


# -- service-stopped: systemd's ExecStopPost ---------------------------------------------------------

def test_service_stopped_without_systemd_says_what_it_is_for(site):
    result = kiosk_command("service-stopped", "--config", "config.toml", cwd=site,
                           env={"INVOCATION_ID": ""})
    assert result.returncode == 2 and "ExecStopPost" in result.stderr


def test_systemd_s_results_become_causes():
    assert service_end("watchdog", "dumped", "ABRT").cause == WATCHDOG
    assert service_end("signal", "killed", "KILL").cause == KILLED
    assert service_end("signal", "dumped", "SEGV").cause == CRASH
    assert service_end("exit-code", "exited", "1").cause == CRASH
    assert service_end("core-dump", "dumped", "ABRT").cause == CRASH
    assert service_end("oom-kill", "killed", "KILL").cause == "oom"
    assert service_end("success", "exited", "0") == service_end("success", "exited", "0")
    assert service_end("success", "exited", "0").cause == STOPPED
    assert service_end(None, None, None).detail == "no result"


def test_the_end_is_noted_on_the_boot_of_its_invocation(tmp_path):
    path = tmp_path / "kiosk.sqlite3"
    first = Store.open(path, "k1")
    first._write("UPDATE boots SET invocation_id = 'run-1' WHERE boot_id = ?", (first.boot_id,))
    note_stopped(first)  # the kiosk's own orderly stop
    first.close()
    # systemd's "success" keeps the kiosk's note; its crash, seen after the note, beats it.
    assert "noted already" in note_service_end(path, "run-1", service_end("success", "exited", "0"))
    assert "noted crash" in note_service_end(path, "run-1", service_end("exit-code", "exited", "1"))
    second = Store.open(path, "k1")
    second._write("UPDATE boots SET invocation_id = 'run-2' WHERE boot_id = ?", (second.boot_id,))
    second.close()
    assert "noted killed" in note_service_end(path, "run-2", service_end("signal", "killed", "KILL"))
    # A run that never opened the store (X did not come up): a row of its own, counted.
    assert "never opened the store" in note_service_end(path, "run-3", service_end("exit-code", "exited", "2"))
    assert "nothing noted" in note_service_end(path, "run-4", service_end("success", "exited", "0"))
    Store.open(path, "k1").close()  # a command such as `kiosk sync`: no run of the service, no restart
    third = Store.open(path, "k1")  # running now: left out of its own count
    count = restart_count(third)
    third.close()
    assert count.causes == {CRASH: 2, KILLED: 1} and count.stopped == 0
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM boots").fetchone()[0] == 5


def test_noting_never_makes_or_upgrades_a_store(tmp_path):
    missing = tmp_path / "none.sqlite3"
    assert "nothing noted" in note_service_end(missing, "run-1", service_end("watchdog", "dumped", "ABRT"))
    assert not missing.exists()
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE boots (boot_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, app_version TEXT)")
    assert "not upgraded yet" in note_service_end(old, "run-1", service_end("watchdog", "dumped", "ABRT"))
    with sqlite3.connect(old) as db:
        assert [row[1] for row in db.execute("PRAGMA table_info(boots)")] == ["boot_id", "started_at", "app_version"]
