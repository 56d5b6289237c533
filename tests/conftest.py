"""Shared fixtures: the project root, a copy of the shipped content, the CLI as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
NOBODY = 65534


def as_nobody(call) -> str:
    """Run `call()` in a forked child as uid/gid 65534: "no error", the message of the KioskError it
    raised (what a user sees), or "child failed: ..." for anything else. Needs root."""
    from kiosk.core.errors import KioskError

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        message = "no error"
        try:
            os.close(read_end)
            os.setgroups([])
            os.setegid(NOBODY)
            os.seteuid(NOBODY)
            call()
        except KioskError as error:
            message = str(error)
        except BaseException as error:  # noqa: BLE001 - the parent must hear about any failure
            message = f"child failed: {error!r}"
        finally:
            try:
                os.write(write_end, message.encode("utf-8"))
            finally:
                os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as pipe:
        message = pipe.read()
    os.waitpid(pid, 0)
    return message


def kiosk_as_nobody(cwd, *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `kiosk ARGS` (kiosk.cli.main) in a forked child that dropped
    to nobody in `cwd`: the venv's python may lie where nobody cannot run it. Needs root."""
    import encodings.utf_8_sig  # noqa: F401 - nobody may not read the standard library's files: loaded first
    import kiosk.export.run  # noqa: F401
    import kiosk.service_command  # noqa: F401
    import kiosk.store  # noqa: F401
    from kiosk.cli import main

    pipes = [os.pipe(), os.pipe()]
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            for (read_end, write_end), fd in zip(pipes, (1, 2)):
                os.close(read_end)
                os.dup2(write_end, fd)
            sys.stdout, sys.stderr = os.fdopen(1, "w"), os.fdopen(2, "w")  # pytest replaced both here
            os.chdir(cwd)
            os.setegid(NOBODY)
            os.seteuid(NOBODY)
            code = main(list(args))
        except BaseException:  # noqa: BLE001 - the parent asserts on what the child printed
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    said = []
    for _, write_end in pipes:
        os.close(write_end)
    for read_end, _ in pipes:  # small outputs: one pipe read after the other cannot block the child
        with os.fdopen(read_end, "rb") as pipe:
            said.append(pipe.read().decode())
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), said[0], said[1]


@pytest.fixture
def project_root() -> Path:
    return PROJECT


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A writable copy of the shipped content root."""
    root = tmp_path / "content"
    root.mkdir()
    for name in ("exhibits", "media"):
        shutil.copytree(PROJECT / name, root / name)
    for name in ("events.toml", "themes.toml", "place.toml"):
        if (PROJECT / name).exists():
            shutil.copy(PROJECT / name, root / name)
    return root


def run_kiosk(*args: str, cwd: Path = PROJECT, timeout: float = 60) -> subprocess.CompletedProcess:
    """The real `kiosk` command line in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def pytest_collection_modifyitems(config, items):
    config.stash[_UI_COUNT] = sum(1 for item in items if item.get_closest_marker("ui"))


def pytest_sessionfinish(session, exitstatus):
    # The whole suite must exercise the real app: a run of it that collected no ui test
    # (Kivy missing, the ui folder skipped) is a failure, not a quiet pass.
    whole_suite = not [a for a in session.config.invocation_params.args if not a.startswith("-")]
    if whole_suite and session.config.stash.get(_UI_COUNT, 0) == 0:
        print("\nno ui test was collected; the suite must include tests/ui", file=sys.stderr)
        session.exitstatus = 1


_UI_COUNT = pytest.StashKey[int]()


@pytest.fixture(scope="session")
def postgres():
    """One real PostgreSQL for the whole test session (tests/postgres_server.py), stopped and
    removed at its end. Its folder is a fresh one in /tmp, not under pytest's (root's 0700
    folder there is closed to the unprivileged user the server runs as)."""
    import shutil
    import tempfile

    from postgres_server import PostgresServer

    folder = Path(tempfile.mkdtemp(prefix="stadtlabor-postgres-"))
    server = PostgresServer(folder)
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres):
    """A new, empty PostgreSQL database for one test."""
    return postgres.new_database()


# The suites that run against both of the central's databases (issue 13): every test in them
# runs once on SQLite and once on PostgreSQL, through the one fixture central_backend, unless it
# is marked sqlite_only (a test about the SQLite file itself), which runs on SQLite only.
CENTRAL_SUITES = ("central", "sync", "phone", "dashboard")
_BACKENDS = ("sqlite", "postgres")
# A module that imports one of these starts centrals of its own (tests/central_server.py).
_STARTERS = ("CentralServer", "running_central", "phone_central")


def pytest_generate_tests(metafunc):
    if "central_backend" not in metafunc.fixturenames:
        return
    path = Path(str(metafunc.definition.path)).resolve()
    if not any((PROJECT / "tests" / suite) in path.parents for suite in CENTRAL_SUITES):
        return
    starts_centrals = ({"central", "central_with"} & set(metafunc.fixturenames)
                       or any(hasattr(metafunc.module, name) for name in _STARTERS))
    if not starts_centrals:
        return  # a test of parts (settings, checks, CentralDb on a file of its own): once is enough
    if metafunc.definition.get_closest_marker("postgres_only"):
        backends = ["postgres"]
    elif metafunc.definition.get_closest_marker("sqlite_only"):
        backends = ["sqlite"]
    else:
        backends = list(_BACKENDS)
    metafunc.parametrize("central_backend", backends, indirect=True, scope="module")


@pytest.fixture(scope="module", autouse=True)
def central_backend(request):
    """"sqlite" or "postgres": the database of every central a test starts (CentralServer without
    a db). Parametrized for the central's suites (pytest_generate_tests); "sqlite" elsewhere.
    Module-scoped, so that a module's shared central is made on the backend of its tests."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield backend
        return
    from postgres_server import postgres_bin

    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (scripts/setup test installs Debian's postgresql)")
    import central_server

    server = request.getfixturevalue("postgres")
    central_server.DATABASES = server.new_database
    try:
        yield backend
    finally:
        central_server.DATABASES = None


@pytest.fixture
def central(tmp_path):
    """The real central (`kiosk-central serve`) on a free port of 127.0.0.1, its database and
    settings in tmp_path/central; stopped after the test (tests/central_server.py)."""
    from central_server import running_central

    with running_central(tmp_path) as server:
        yield server


@pytest.fixture
def central_with(tmp_path):
    """A factory: `central_with(**settings)` starts the real central with those [central] keys
    (e.g. max_concurrent_pushes=1) in tmp_path/central-N; all are stopped after the test."""
    from central_server import CentralServer

    started = []

    def start(**settings):
        server = CentralServer(tmp_path / f"central-{len(started) + 1}", **settings)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        try:
            server.stop()
        finally:
            server.kill()
