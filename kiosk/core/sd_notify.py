"""systemd's notify protocol (sd_notify(3)), without libsystemd: one datagram per message to the
socket named in $NOTIFY_SOCKET.

The kiosk's unit is Type=notify with WatchdogSec=: systemd waits for READY=1 before it counts
the kiosk as started, and kills and restarts it when WATCHDOG=1 stops coming for longer than
$WATCHDOG_USEC. Without $NOTIFY_SOCKET (a terminal, the tests) every call does nothing and costs
nothing.

The address is a file system path, or an abstract socket written with a leading '@' (systemd
uses /run/systemd/notify; containers and test harnesses often use abstract ones).
"""

from __future__ import annotations

import os
import socket
from typing import Mapping


class Notifier:
    """Sends notify messages to `address` (None: nowhere). Sending never raises and never
    blocks: a message the socket cannot take now is dropped (the next ping goes again)."""

    def __init__(self, address: str | None, *, watchdog_usec: int | None = None):
        self.address = _socket_address(address) if address else None
        self.watchdog_usec = watchdog_usec if watchdog_usec and watchdog_usec > 0 else None
        self._socket: socket.socket | None = None
        self.sent = 0
        self.dropped = 0

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None, *, pid: int | None = None) -> "Notifier":
        """The notifier systemd set up for this process: $NOTIFY_SOCKET, and $WATCHDOG_USEC when
        $WATCHDOG_PID is unset or names this process (a child started by the kiosk must not
        ping for it)."""
        env = os.environ if env is None else env
        pid = os.getpid() if pid is None else pid
        usec = _positive_int(env.get("WATCHDOG_USEC"))
        watchdog_pid = _positive_int(env.get("WATCHDOG_PID"))
        if watchdog_pid is not None and watchdog_pid != pid:
            usec = None
        return cls(env.get("NOTIFY_SOCKET") or None, watchdog_usec=usec)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    @property
    def watchdog_interval_s(self) -> float | None:
        """How long systemd waits for a ping before it restarts the kiosk; None: no watchdog."""
        if not self.enabled or self.watchdog_usec is None:
            return None
        return self.watchdog_usec / 1_000_000

    def notify(self, *assignments: str) -> bool:
        """Send `VAR=value` lines as one message; True when the socket took it."""
        if self.address is None:
            return False
        message = "\n".join(line.replace("\n", " ") for line in assignments).encode("utf-8", "replace")
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self._socket.setblocking(False)
            self._socket.sendto(message, self.address)
        except OSError:
            # No systemd listening (it was restarted), a full queue: a notification is advice,
            # never a reason to stop the kiosk. A missing ping is what the watchdog is for.
            self.dropped += 1
            return False
        self.sent += 1
        return True

    def ready(self, status: str | None = None) -> bool:
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self, status: str | None = None) -> bool:
        return self.notify("STOPPING=1", *([f"STATUS={status}"] if status else []))

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def _socket_address(address: str) -> str | bytes | None:
    if address.startswith("@"):
        return b"\0" + address[1:].encode()  # Linux's abstract namespace
    if address.startswith("/"):
        return address
    return None  # vsock: and other forms systemd may use elsewhere: not spoken here


def _positive_int(value: str | None) -> int | None:
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and number > 0 else None
