"""An idle kiosk measured for what it writes: the real `kiosk run` (Kivy headless with
SDL_VIDEODRIVER=offscreen) against a real central, nobody touching it, its bytes written to
disk read from /proc/<pid>/io (write_bytes: everything the process sends to storage, the store
and its -wal and -shm, Kivy's files, its console output, here kept in a file as journald would
keep it). Used by tests/test_write_budget.py and bench/bench_writes.py.

    with IdleKiosk(folder, central, interval_s=5) as kiosk:
        stretch = kiosk.measure(passes=6)       # waits for six sync passes (heartbeats)
    stretch.write_bytes, stretch.seconds, stretch.passes, stretch.files
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 90.0


@dataclass
class Stretch:
    write_bytes: int  # /proc/<pid>/io write_bytes over the stretch
    seconds: float
    passes: int  # sync passes the central saw (heartbeats)
    files: dict[str, int] = field(default_factory=dict)  # growth of each file in the data folder, bytes

    @property
    def per_pass(self) -> float:
        return self.write_bytes / max(1, self.passes)

    @property
    def per_second(self) -> float:
        return self.write_bytes / self.seconds


def written(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    raise RuntimeError(f"no write_bytes in /proc/{pid}/io")


class IdleKiosk:
    """`kiosk run --windowed` on a config in `folder` (data in folder/data). `central` is a
    tests/central_server.CentralServer (or None: standalone, no sync); `ideas` approved ideas
    are put on the central's Ideenwand first, so that every pass pulls a real wall."""

    def __init__(self, folder: Path, central=None, *, interval_s: int = 5, ideas: int = 0,
                 kiosk_id: str | None = None):
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.central = central
        self.kiosk_id = kiosk_id or f"idle-{uuid.uuid4().hex[:8]}"
        self.config = self.folder / "config.toml"
        sync = ""
        if central is not None:
            token = central.add_kiosk(self.kiosk_id)
            sync = (f'[sync]\ncentral_url = "{central.url}"\ntoken = "{token}"\ninterval_s = {interval_s}\n')
        self.config.write_text(
            f'[kiosk]\nid = "{self.kiosk_id}"\n[content]\nroot = "{PROJECT}"\n[store]\npath = "data/kiosk.sqlite3"\n'
            f'[phone]\npublic_url = "https://stadtlabor.soest.de"\n{sync}', encoding="utf-8")
        if ideas:
            self._put_ideas_on_the_wall(ideas)
        self.console = self.data / "console.log"
        self.process: subprocess.Popen | None = None

    def _put_ideas_on_the_wall(self, count: int) -> None:
        """Ideas recorded by this kiosk, sent with `kiosk sync`, approved on the central."""
        from kiosk.core.records import Kind, RecordDraft
        from kiosk.store import Store

        with Store.open(self.data / "kiosk.sqlite3", self.kiosk_id) as store:
            ids = [store.append(RecordDraft(kind=Kind.IDEA, session_id=uuid.uuid4().hex, content_version="c1",
                                            payload={"text": f"Idee {n}: mehr Bänke und Schatten am Markt",
                                                     "layer": "de"})).id for n in range(count)]
        subprocess.run([sys.executable, "-m", "kiosk.cli", "sync", "--config", str(self.config)], check=True,
                       capture_output=True, timeout=60)
        with self.central.database() as db:
            for n, record_id in enumerate(ids):
                db.moderate(record_id, "approved", "anna", f"2026-12-01T10:00:{n % 60:02d}.000000Z")

    def __enter__(self) -> "IdleKiosk":
        env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1"}
        env.pop("DISPLAY", None)
        with open(self.console, "ab") as console:
            self.process = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "run", "--windowed", "--config",
                                             str(self.config)], cwd=self.folder, env=env, stdout=console,
                                            stderr=subprocess.STDOUT)
        self._wait_until_started()
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def _wait_until_started(self) -> None:
        """Until the content is read and the first sync pass is done (the start's own writes:
        migrations, the boot row, the first push and pull are not idling)."""
        deadline = time.monotonic() + START_TIMEOUT_S
        if self.central is not None:
            self._wait_for_heartbeats(1, deadline)
        # The content is read and the store opened in the background after the first frame; the
        # kiosk says "kiosk ready" once both are done.
        while "kiosk ready:" not in self.console.read_text(errors="replace"):
            self._check_running()
            if time.monotonic() > deadline:
                raise RuntimeError("the idle kiosk never said it was ready; its console:\n"
                                   + self.console.read_text(errors="replace")[-3000:])
            time.sleep(0.05)

    def _last_heartbeat(self) -> str | None:
        try:
            rows = self.central.rows("SELECT received_at FROM heartbeats WHERE kiosk_id = ?", (self.kiosk_id,))
        except Exception:  # noqa: BLE001 - the central's database busy for a moment: ask again
            return None
        return rows[0][0] if rows else None

    def _wait_for_heartbeats(self, count: int, deadline: float) -> None:
        seen, last = 0, self._last_heartbeat()
        while seen < count:
            self._check_running()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the idle kiosk made {seen} of {count} sync passes in time; its console:\n"
                                   + self.console.read_text(errors="replace")[-3000:])
            now = self._last_heartbeat()
            if now is not None and now != last:
                seen, last = seen + 1, now
            time.sleep(0.05)

    def _check_running(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"the kiosk ended ({self.process.returncode}); its console:\n"
                               + self.console.read_text(errors="replace")[-3000:])

    def measure(self, *, passes: int = 0, seconds: float = 0.0) -> Stretch:
        """Bytes written from now over `passes` sync passes (the stretch starts and ends right
        after a pass), or over `seconds` for a standalone kiosk."""
        if passes:
            self._wait_for_heartbeats(1, time.monotonic() + 60)  # start right after a pass
        sizes, before, started = self._sizes(), written(self.process.pid), time.monotonic()
        if passes:
            self._wait_for_heartbeats(passes, started + passes * 60 + 60)
        else:
            while time.monotonic() - started < seconds:
                self._check_running()
                time.sleep(0.1)
        after, elapsed = written(self.process.pid), time.monotonic() - started
        growth = {name: size - sizes.get(name, 0) for name, size in self._sizes().items()
                  if size != sizes.get(name, 0)}
        return Stretch(after - before, elapsed, passes, growth)

    def _sizes(self) -> dict[str, int]:
        sizes = {}
        for path in self.data.rglob("*"):
            try:
                if path.is_file():
                    sizes[str(path.relative_to(self.data))] = path.stat().st_size
            except OSError:
                pass  # a -shm or temporary file gone in between
        return sizes


def describe(stretch: Stretch) -> str:
    return json.dumps({"write_bytes": stretch.write_bytes, "seconds": round(stretch.seconds, 1),
                       "passes": stretch.passes, "files": stretch.files})
