"""The real central as a subprocess, for tests: `kiosk-central serve` on 127.0.0.1.

    with running_central(tmp_path, max_concurrent_pushes=1) as central:
        token = central.add_kiosk("kiosk-01")
        requests.post(central.url + RECORDS_PATH, json=batch, headers=central.auth(token))

`CentralServer(folder, **settings)` writes `folder/central.toml` ([central] keys from
`settings`; db defaults to folder/central.sqlite3, or to a new PostgreSQL database while the
tests' `central_backend` is "postgres": tests/conftest.py) and picks a free port; `start()` runs the
real command (on PostgreSQL with `--workers 2`, POSTGRES_WORKERS) and waits (polling, with a
deadline) until it answers; `stop()` sends SIGTERM and waits; `kill()` sends SIGKILL to all its
processes; `start()` again uses the same port and database. `add_kiosk`,
`revoke_kiosk` and `cli` run the real `kiosk-central` command line; `rows` reads the database
directly (sqlite3, or psycopg for PostgreSQL; `?` placeholders either way).
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

PROJECT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 20
# On PostgreSQL a central is started with this many workers (`serve --workers N`), so that the
# central's whole suite shows that several workers behave as one (issue 13); on SQLite one.
POSTGRES_WORKERS = 2
# Set by tests/conftest.py's central_backend while it is "postgres": gives a new, empty
# PostgreSQL database's URL, the db of every CentralServer made without one.
DATABASES = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def central_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "central.cli", *args]


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


class CentralServer:
    def __init__(self, folder: Path, *, workers: int | None = None, **settings):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config_path = self.folder / "central.toml"
        if "db" not in settings:
            settings["db"] = DATABASES() if DATABASES is not None else "central.sqlite3"
        db = str(settings["db"])
        self.db_url = db if db.startswith(("postgresql://", "postgres://")) else None
        self.db_path = None if self.db_url else self.folder / db
        self.backend = "postgres" if self.db_url else "sqlite"
        self.workers = workers if workers is not None else (POSTGRES_WORKERS if self.db_url else 1)
        # What CentralDb.open takes: the file, or the URL.
        self.db = self.db_url or self.db_path
        self.config_path.write_text("[central]\n" + "".join(
            f"{key} = {_toml_value(value)}\n" for key, value in settings.items()), encoding="utf-8")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.folder / "central.log"
        self.process: subprocess.Popen | None = None

    # -- the service ---------------------------------------------------------------------------

    def start(self, timeout: float = START_TIMEOUT_S, *, file_size_limit: int | None = None) -> "CentralServer":
        """Start (or start again) and wait until it answers. `file_size_limit` (bytes): no file
        the central writes may grow past it (RLIMIT_FSIZE), as on a full disk."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError("the central is running already")
        log = open(self.log_path, "ab")

        def limit_files():
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

        workers = ["--workers", str(self.workers)] if self.workers > 1 else []
        # A session of its own: kill() ends the supervisor and its workers together.
        self.process = subprocess.Popen(
            central_command("serve", "--config", str(self.config_path), "--port", str(self.port), *workers),
            cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=limit_files if file_size_limit is not None else None)
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the central ended with {self.process.returncode} at start:\n{self.log()}")
            try:
                if requests.get(self.url + "/openapi.json", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the central did not answer within {timeout} s:\n{self.log()}")
            time.sleep(0.05)  # polling with a deadline, not waiting for a guess

    def stop(self, timeout: float = 15) -> int | None:
        """SIGTERM, then wait for the process to end; its exit code."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"the central did not stop within {timeout} s of SIGTERM:\n{self.log()}") from None

    def kill(self) -> None:
        """SIGKILL to the central's every process (the supervisor and its workers, with their
        checking processes): none gets a chance to finish anything."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    # -- the command line ----------------------------------------------------------------------

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """`kiosk-central ARGS --config <this central's toml>`, run for real."""
        return subprocess.run(central_command(*args, "--config", str(self.config_path)), cwd=PROJECT,
                              capture_output=True, text=True, timeout=timeout)

    def add_kiosk(self, kiosk_id: str, *, rotate: bool = False) -> str:
        """Register `kiosk_id`; its token (the last line the command printed)."""
        done = self.cli("add-kiosk", kiosk_id, *(["--rotate"] if rotate else []))
        if done.returncode != 0:
            raise RuntimeError(f"add-kiosk {kiosk_id} failed ({done.returncode}): {done.stderr}")
        return done.stdout.strip().splitlines()[-1]

    def revoke_kiosk(self, kiosk_id: str) -> None:
        done = self.cli("revoke-kiosk", kiosk_id)
        if done.returncode != 0:
            raise RuntimeError(f"revoke-kiosk {kiosk_id} failed ({done.returncode}): {done.stderr}")

    # -- looking inside ------------------------------------------------------------------------

    @contextlib.contextmanager
    def database(self):
        """The central's database opened beside the running service (CentralDb), as the
        dashboard writes it; closed when the block ends."""
        from central.db import CentralDb

        db = CentralDb.open(self.db)
        try:
            yield db
        finally:
            db.close()

    def rows(self, sql: str, params=()) -> list[tuple]:
        """Rows of `sql` read from the central's database directly (`?` placeholders; `user` is
        quoted, "user", as PostgreSQL needs)."""
        if self.db_url is not None:
            import psycopg

            with psycopg.connect(self.db_url) as conn:
                if params:
                    sql = sql.replace("%", "%%").replace("?", "%s")
                return [tuple(row) for row in conn.execute(sql, params or None).fetchall()]
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def execute(self, sql: str, params=()) -> None:
        """Change the central's database directly (`?` placeholders), committed: what a test
        sets up that no request can."""
        if self.db_url is not None:
            import psycopg

            with psycopg.connect(self.db_url) as conn:
                conn.execute(sql.replace("%", "%%").replace("?", "%s") if params else sql, params or None)
            return
        conn = sqlite3.connect(self.db_path, timeout=10)
        try:
            with conn:
                conn.execute(sql, params)
        finally:
            conn.close()

    @staticmethod
    def auth(token: str) -> dict:
        return {"Authorization": f"Bearer {token}"}


@contextlib.contextmanager
def running_central(tmp_path: Path, **settings):
    """A started central in `tmp_path`/central (settings are [central] keys); stopped afterwards."""
    server = CentralServer(Path(tmp_path) / "central", **settings)
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(RuntimeError):
            server.stop()
        server.kill()
