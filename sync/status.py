"""How the kiosk's sync is doing, as staff see it (staff screen, `kiosk status`, heartbeat).

The sync pass writes it into the store (`Store.save_sync_status`, a plain dict), so a second
process (`kiosk status`) reads what the running kiosk last saw.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class SyncStatus:
    configured: bool = False               # a central_url is set (else the kiosk runs standalone)
    online: bool | None = None             # the last pass reached the central; None: not tried yet
    last_attempt_at: str | None = None     # UTC text, kiosk clock
    last_success_at: str | None = None     # the last pass the central answered
    last_error: str | None = None          # in words, for staff; None after a good pass
    clock_skew_s: float | None = None      # kiosk clock minus the central's, seconds
    stopped: bool = False                  # the central refused the token: pushing stopped
    next_attempt_at: str | None = None     # when the next pass is due (after backoff)
    failures: int = 0                      # passes failed in a row (the backoff's exponent)
    pending: int = 0                       # records not yet acknowledged
    quarantined: int = 0                   # records the central rejected, kept for staff
    passing: bool = False                  # a pass is under way right now
    ideas_pulled_at: str | None = None     # the Ideenwand last fetched and kept (UTC text, kiosk clock)
    ideas_error: str | None = None         # why the last pull of the Ideenwand failed; None after a good one

    def as_dict(self) -> dict:
        values = asdict(self)
        del values["passing"]  # true only while a process runs a pass; never saved
        return values

    @classmethod
    def from_dict(cls, values: dict) -> "SyncStatus":
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})
