"""A stand-in for systemd running stadtlabor-kiosk.service, for tests on a machine where systemd is
not PID 1: the real `kiosk run` started with $NOTIFY_SOCKET (a real datagram socket this side
binds), $WATCHDOG_USEC and $INVOCATION_ID; its watchdog enforced as systemd does (no WATCHDOG=1
for longer than the interval: SIGABRT, then SIGCONT so that a stopped process gets it); and after
the end the unit's ExecStopPost, `kiosk service-stopped`, run with $SERVICE_RESULT, $EXIT_CODE and
$EXIT_STATUS as systemd.exec(5) defines them."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from conftest import PROJECT

# Signals systemd takes for a clean end of a service (SuccessExitStatus's defaults).
CLEAN_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE)


def no_core_files() -> None:
    # The watchdog's SIGABRT would leave a core file in the project folder.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class ServiceRun:
    def __init__(self, config: Path, *, watchdog_s: float, env: dict | None = None):
        self.config = config
        self.watchdog_s = watchdog_s
        self.invocation_id = uuid.uuid4().hex
        self.messages: list[tuple[float, str]] = []  # (monotonic time, message)
        self.watchdog_fired = False
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._name = f"kiosk-notify-{uuid.uuid4()}"
        self._socket.bind(b"\0" + self._name.encode())
        self._socket.settimeout(0.1)
        self._done = threading.Event()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "run", "--config", str(config), "--windowed", "--size", "1280x800"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=PROJECT, preexec_fn=no_core_files,
            env={**os.environ, **(env or {}), "SDL_VIDEODRIVER": "offscreen", "NOTIFY_SOCKET": f"@{self._name}",
                 "WATCHDOG_USEC": str(int(watchdog_s * 1_000_000)), "INVOCATION_ID": self.invocation_id})
        self.output: list[str] = []
        self._threads = [threading.Thread(target=self._listen, daemon=True),
                         threading.Thread(target=self._read_output, daemon=True)]
        for thread in self._threads:
            thread.start()

    # -- what the kiosk said ---------------------------------------------------------------------

    def _listen(self) -> None:
        while not self._done.is_set():
            try:
                data = self._socket.recv(4096)
            except TimeoutError:
                self._check_watchdog()
                continue
            except OSError:
                return
            self.messages.append((time.monotonic(), data.decode()))
            self._check_watchdog()

    def _read_output(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)

    def lines(self, prefix: str) -> list[tuple[float, str]]:
        return [(at, m) for at, m in self.messages if any(line.startswith(prefix) for line in m.split("\n"))]

    def pings(self) -> list[float]:
        return [at for at, _ in self.lines("WATCHDOG=1")]

    def wait_for(self, prefix: str, count: int = 1, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.lines(prefix)) < count:
            if self.process.poll() is not None:
                raise AssertionError(f"kiosk ended with {self.process.returncode}: {self.text()[-2000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {count}x {prefix} within {timeout} s: {self.messages} {self.text()[-2000:]}")
            time.sleep(0.05)

    def text(self) -> str:
        return "".join(self.output)

    # -- systemd's side --------------------------------------------------------------------------

    def _check_watchdog(self) -> None:
        ready = self.lines("READY=1")
        if not ready or self.watchdog_fired or self.process.poll() is not None:
            return
        last = max([ready[0][0], *self.pings()])
        if time.monotonic() - last > self.watchdog_s:
            self.watchdog_fired = True
            self.process.send_signal(signal.SIGABRT)  # WatchdogSignal=, systemd's default
            self.process.send_signal(signal.SIGCONT)

    def end(self, timeout: float = 30.0) -> dict:
        """Wait for the end, then run ExecStopPost as systemd would; the environment it got."""
        try:
            self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._done.set()
            for thread in self._threads:
                thread.join(timeout=10)
            self._socket.close()
        return self.stopped_post(self.result_env())

    def result_env(self) -> dict:
        code = self.process.returncode
        if code >= 0:
            return {"SERVICE_RESULT": "success" if code == 0 else "exit-code", "EXIT_CODE": "exited",
                    "EXIT_STATUS": str(code)}
        number = signal.Signals(-code)
        result = "watchdog" if self.watchdog_fired else "success" if number in CLEAN_SIGNALS else "signal"
        return {"SERVICE_RESULT": result, "EXIT_CODE": "dumped" if number == signal.SIGABRT else "killed",
                "EXIT_STATUS": number.name.removeprefix("SIG")}

    def stopped_post(self, result: dict) -> dict:
        post = subprocess.run([sys.executable, "-m", "kiosk.cli", "service-stopped", "--config", str(self.config)],
                              capture_output=True, text=True, cwd=PROJECT, timeout=60,
                              env={**os.environ, **result, "INVOCATION_ID": self.invocation_id})
        assert post.returncode == 0, post.stderr
        return {**result, "said": post.stdout}

    def kill_hard(self) -> None:
        """A power cut: the process is gone at once, and nothing runs after it (no ExecStopPost)."""
        self.process.kill()
        self.process.wait(timeout=30)
        self._done.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._socket.close()
