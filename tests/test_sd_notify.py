"""systemd's notify protocol against a real datagram socket standing in for systemd: a path and
an abstract ('@') address, READY/STATUS/WATCHDOG/STOPPING, $WATCHDOG_USEC and $WATCHDOG_PID."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from kiosk.core.sd_notify import Notifier


@pytest.fixture(params=["path", "abstract"])
def systemd(request, tmp_path):
    """A bound datagram socket as systemd's /run/systemd/notify, and the $NOTIFY_SOCKET naming it."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if request.param == "path":
        address = str(tmp_path / "notify")
        listener.bind(address)
    else:
        name = f"kiosk-test-{uuid.uuid4()}"
        listener.bind(b"\0" + name.encode())
        address = f"@{name}"
    listener.settimeout(5)
    yield listener, address
    listener.close()


def test_each_message_arrives_as_systemd_reads_it(systemd):
    listener, address = systemd
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "30000000"})
    assert notifier.enabled and notifier.watchdog_interval_s == 30.0
    assert notifier.ready("first screen up (attract)")
    assert listener.recv(4096) == b"READY=1\nSTATUS=first screen up (attract)"
    assert notifier.watchdog()
    assert listener.recv(4096) == b"WATCHDOG=1"
    assert notifier.status("kiosk ready: 5 exhibits\nsecond line")  # one message: a newline would split it
    assert listener.recv(4096) == b"STATUS=kiosk ready: 5 exhibits second line"
    assert notifier.stopping()
    assert listener.recv(4096) == b"STOPPING=1"
    assert notifier.sent == 4 and notifier.dropped == 0
    notifier.close()


def test_the_watchdog_is_this_process_s_only_when_watchdog_pid_says_so(systemd):
    _, address = systemd
    env = {"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "4000000"}
    assert Notifier.from_environment({**env, "WATCHDOG_PID": str(os.getpid())}).watchdog_interval_s == 4.0
    assert Notifier.from_environment({**env, "WATCHDOG_PID": str(os.getpid() + 1)}).watchdog_interval_s is None
    for broken in ("", "0", "-5", "soon"):
        assert Notifier.from_environment({**env, "WATCHDOG_USEC": broken}).watchdog_interval_s is None


def test_without_notify_socket_nothing_is_sent_and_nothing_fails(tmp_path):
    for env in ({}, {"WATCHDOG_USEC": "1000000"}, {"NOTIFY_SOCKET": "vsock:2:1234"}):
        notifier = Notifier.from_environment(env)
        assert not notifier.enabled and notifier.watchdog_interval_s is None
        assert notifier.ready("x") is False and notifier.watchdog() is False
        assert notifier._socket is None  # no socket was even made


def test_a_socket_nobody_listens_on_is_dropped_not_raised(tmp_path):
    gone = tmp_path / "gone"
    notifier = Notifier(str(gone))
    assert notifier.watchdog() is False
    assert notifier.dropped == 1 and notifier.enabled


def test_a_full_queue_never_blocks_the_sender(tmp_path):
    # systemd busy elsewhere: the queue fills; the frame loop must not wait on it.
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(tmp_path / "slow"))
    notifier = Notifier(str(tmp_path / "slow"))
    for _ in range(5000):
        notifier.watchdog()
    assert notifier.dropped > 0 and notifier.sent > 0
    listener.close()
