"""A real PostgreSQL for the tests: Debian's `postgresql` package, a cluster of its own in a
temporary folder (initdb, pg_ctl), on a free port on 127.0.0.1, run as an unprivileged user
(tests run as root on CI, and PostgreSQL refuses root).

    server = PostgresServer(folder).start()
    url = server.new_database()      # postgresql://central@127.0.0.1:PORT/central_1
    server.restart(); server.kill(); server.stop()

Trust authentication on loopback only: the cluster lives as long as the test session and no
one else can reach it. fsync stays on (the default), as the central's durability needs.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path

from central_server import free_port

SUPERUSER = "central"
START_TIMEOUT_S = 60


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian: /usr/lib/postgresql/<major>/bin)."""
    root = Path("/usr/lib/postgresql")
    found = sorted((p for p in root.glob("*/bin") if (p / "initdb").exists()),
                   key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0) if root.is_dir() else []
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _unprivileged_user() -> str | None:
    """Whom to run the server as when the tests run as root: Debian's `postgres`, else nobody."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("the tests run as root and there is no unprivileged user to run PostgreSQL as")


class PostgresServer:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.log_path = self.folder / "postgres.log"
        self.port = free_port()
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed: scripts/setup test installs Debian's postgresql")
        self.user = _unprivileged_user()
        self._names = itertools.count(1)

    # -- running -----------------------------------------------------------------------------

    def _run(self, *command: str, check: bool = True, timeout: float = START_TIMEOUT_S) -> subprocess.CompletedProcess:
        full = [str(self.bin / command[0]), *command[1:]]
        if self.user is not None:
            full = ["runuser", "-u", self.user, "--", *full]
        done = subprocess.run(full, capture_output=True, text=True, timeout=timeout, cwd=self.folder)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(full)} failed ({done.returncode}): {done.stdout}{done.stderr}")
        return done

    def start(self) -> "PostgresServer":
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
            self.folder.chmod(0o700)
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
                      "--locale=C.UTF-8", "--no-instructions")
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                   "-c shared_buffers=64MB")
        done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-o", options, "-w", "-t",
                         str(START_TIMEOUT_S), "start", check=False)
        if done.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {done.stdout}{done.stderr}\n{self.log()}")
        return self

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def restart(self) -> None:
        """Stopped and started again on the same port (connections in use are cut)."""
        self.stop()
        self.start()

    def kill(self) -> None:
        """SIGKILL to the server's postmaster: no shutdown, as a crash or power cut."""
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (_running(pid) or self.accepts()):
            time.sleep(0.05)
        # Its backends notice the postmaster's death and end; the next start refuses a lock file
        # whose PID still exists, and a killed postmaster nobody reaps stays a zombie: gone for
        # PostgreSQL's purposes, so its lock file goes too (as an operator does after a crash).
        if not _running(pid):
            for stale in (pid_file, self.folder / f".s.PGSQL.{self.port}.lock", self.folder / f".s.PGSQL.{self.port}"):
                stale.unlink(missing_ok=True)

    def accepts(self) -> bool:
        return self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), check=False,
                         timeout=10).returncode == 0

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""

    # -- databases ----------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new empty database's URL (one per test: nothing carries over between tests)."""
        import psycopg

        name = f"central_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def rows(self, url: str, sql: str, params=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(url) as conn:
            return conn.execute(sql, params).fetchall()


def _running(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
