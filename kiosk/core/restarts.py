"""Why a run of the kiosk ended, and the count of restarts staff and the central see.

Every start of the kiosk is a row in the store's `boots` table (kiosk/store/boots.py). Its end is
noted in one of three ways:

- the kiosk itself, when it stops in order (staff's "Kiosk neu starten", SIGTERM from
  `systemctl stop` or a shutdown): cause `stopped`;
- systemd, after any end of the service: ExecStopPost= runs `kiosk service-stopped`, which reads
  $SERVICE_RESULT, $EXIT_CODE and $EXIT_STATUS (systemd.exec(5)) and notes `watchdog`, `crash`,
  `killed`, `oom` or `timeout` (an orderly stop stays `stopped`);
- nobody: a run of the service (its boot carries systemd's $INVOCATION_ID) with no end noted was
  cut off (power cut, or a crash so hard that not even systemd's note was written): cause
  `unnoted`. A boot with neither is no run of the service (a command such as `kiosk sync` opened
  the store, or a kiosk started by hand was cut off) and is not counted.

A restart is a start after an end that was not `stopped`. The heartbeat's `restarts` and the staff
screen count them over the last RESTART_WINDOW_DAYS days, by when the ended run had started.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RESTART_WINDOW_DAYS = 7

STOPPED = "stopped"
WATCHDOG = "watchdog"
CRASH = "crash"
KILLED = "killed"
OOM = "oom"
TIMEOUT = "timeout"
UNNOTED = "unnoted"

# Staff read these on the staff screen (German, calm: what happened, not whom to blame).
CAUSE_WORDS = {
    WATCHDOG: "Anzeige hing (Watchdog)",
    CRASH: "Absturz",
    KILLED: "von außen beendet",
    OOM: "Arbeitsspeicher voll",
    TIMEOUT: "Start oder Ende dauerte zu lange",
    UNNOTED: "Stromausfall oder harter Absturz",
}
# The order staff read them in: what needs a look first.
CAUSE_ORDER = (WATCHDOG, CRASH, OOM, TIMEOUT, KILLED, UNNOTED)


@dataclass(frozen=True)
class ServiceEnd:
    cause: str
    detail: str


def service_end(result: str | None, exit_code: str | None, exit_status: str | None) -> ServiceEnd:
    """The cause from systemd's $SERVICE_RESULT, $EXIT_CODE and $EXIT_STATUS, as ExecStopPost=
    sees them (e.g. watchdog/dumped/ABRT, signal/killed/KILL, exit-code/exited/1, success/exited/0)."""
    result = (result or "").strip()
    detail = " ".join(part for part in (result, exit_code or "", exit_status or "") if part) or "no result"
    if result == "success":
        return ServiceEnd(STOPPED, detail)
    if result == "watchdog":
        return ServiceEnd(WATCHDOG, detail)
    if result == "oom-kill":
        return ServiceEnd(OOM, detail)
    if result == "timeout":
        return ServiceEnd(TIMEOUT, detail)
    if result == "signal" and exit_status in ("KILL", "TERM", "INT", "HUP", "QUIT"):
        return ServiceEnd(KILLED, detail)  # a signal the kiosk does not crash of by itself
    return ServiceEnd(CRASH, detail)  # exit-code, core-dump, other signals, start-limit-hit, ...


@dataclass(frozen=True)
class RestartCount:
    """Unclean ends in the window, by cause; `stopped` counts the orderly ones beside them."""

    causes: dict[str, int] = field(default_factory=dict)
    stopped: int = 0
    days: int = RESTART_WINDOW_DAYS

    @property
    def total(self) -> int:
        return sum(self.causes.values())

    def staff_line(self) -> str:
        """E.g. `Neustarts (7 Tage): 2 — 1× Anzeige hing (Watchdog), 1× Stromausfall oder harter Absturz`."""
        head = f"Neustarts ({self.days} Tage): "
        if not self.total:
            head += "keine"
        else:
            known = [cause for cause in CAUSE_ORDER if self.causes.get(cause)]
            known += sorted(cause for cause in self.causes if cause not in CAUSE_ORDER and self.causes[cause])
            head += f"{self.total} — " + ", ".join(f"{self.causes[c]}× {CAUSE_WORDS.get(c, c)}" for c in known)
        if self.stopped:
            head += f"  ·  regulär beendet: {self.stopped}×"
        return head
