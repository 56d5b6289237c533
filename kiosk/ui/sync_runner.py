"""The kiosk's sync, off the frame: a thread that runs the sync client's passes when they are due.

The client (sync.client.SyncClient) has no threads of its own and says when its next pass is
due (the interval, or its backoff after failures); this runner waits for that moment in a
thread, and is woken early when a visitor session ends (`kick`), so what a visitor just said
leaves the kiosk soon, unless the client is backing off from a failing central.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import replace
from typing import Protocol

from sync.status import SyncStatus


# After a pass that failed in the kiosk's own store, the next one waits this long (or for stop).
STORE_TROUBLE_WAIT_S = 60.0


class PassRunner(Protocol):
    store: object  # the kiosk's Store: its outbox_counts() say what waits right now

    def run_pass(self) -> SyncStatus: ...
    def seconds_until_due(self, *, kicked: bool) -> float | None: ...
    def status(self) -> SyncStatus: ...


class SyncRunner:
    def __init__(self, client: PassRunner, *, name: str = "kiosk-sync"):
        self.client = client
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._kicked = False
        self._passes = 0
        self._passing = False
        self._pass_done = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> "SyncRunner":
        self._thread.start()
        return self

    def kick(self) -> None:
        """A visitor session ended: push what it recorded soon (backoff still applies)."""
        self._kicked = True
        self._wake.set()

    def status(self) -> SyncStatus:
        """The last pass's status, with what waits right now (the store's counts, not those the
        last pass saw: a pass may hang for up to its timeouts) and whether a pass is under way."""
        status = self.client.status()
        try:
            pending, quarantined = self.client.store.outbox_counts()
        except Exception:  # noqa: BLE001 - a closed or failing store: the last pass's counts stand
            return replace(status, passing=self._passing)
        return replace(status, pending=pending, quarantined=quarantined, passing=self._passing)

    @property
    def passes(self) -> int:
        return self._passes

    def wait_for_pass(self, after: int, timeout: float) -> bool:
        """Wait until more than `after` passes have run (tests and `--then-staff-exit`)."""
        with self._pass_done:
            return self._pass_done.wait_for(lambda: self._passes > after, timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop; a pass under way finishes (its timeouts bound it) or is left
        behind as a daemon thread: what it did not acknowledge stays pending in the store."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            wait = self.client.seconds_until_due(kicked=self._kicked)
            if wait is None or wait > 0:
                self._wake.wait(wait)
                self._wake.clear()
                continue
            self._kicked = False
            self._passing = True
            failed = False
            try:
                self.client.run_pass()
            except Exception as error:  # noqa: BLE001 - the kiosk's own store failed (disk full, ...)
                # Network faults never come here (the pass says them in its status); a store
                # that cannot be written is shown to staff by the store itself. The sync must
                # not die of it: it tries again a while later.
                print(f"kiosk: sync pass failed: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
                failed = True
            finally:
                self._passing = False
            with self._pass_done:
                self._passes += 1
                self._pass_done.notify_all()
            if failed:
                self._wake.wait(STORE_TROUBLE_WAIT_S)
                self._wake.clear()


class NoSync:
    """A standalone kiosk (no central_url): nothing leaves it, and staff are told so."""

    passes = 0

    def start(self) -> "NoSync":
        return self

    def kick(self) -> None:
        pass

    def status(self) -> SyncStatus:
        return SyncStatus(configured=False)

    def stop(self, timeout: float = 5.0) -> None:
        pass


def start_sync(config, store, *, app_version: str, content_version, restarts: int = 0) -> SyncRunner | NoSync:
    """The sync for this kiosk, started: a runner over a sync client when the config names a
    central, NoSync when it runs standalone. `content_version()` gives the content shown now."""
    if config.standalone:
        return NoSync().start()
    import requests  # after the first frame: a standalone kiosk never loads it

    from sync.client import SyncClient

    client = SyncClient(store, central_url=config.sync.central_url, token=config.sync.token,
                        kiosk_id=config.kiosk.id, interval_s=config.sync.interval_s,
                        session=requests.Session(), app_version=app_version,
                        content_version=content_version, restarts=restarts)
    return SyncRunner(client).start()
