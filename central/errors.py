"""The central's own errors, each with a message staff or city IT can act on.

They are KioskErrors, so the command line treats them as the kiosk's commands treat theirs:
the message is printed, never a traceback, and the error's exit code is the command's.
"""

from __future__ import annotations

from kiosk.core.errors import KioskError


class CentralError(KioskError):
    """Something the central could not do (exit 1)."""

    exit_code = 1


class SettingsError(CentralError):
    """central.toml is unreadable or has unknown keys or wrong values (exit 2)."""

    exit_code = 2


class KioskExistsError(CentralError):
    """add-kiosk for a kiosk that already has a valid token (pass --rotate to replace it)."""


class UnknownKioskError(CentralError):
    """A command names a kiosk the central does not know."""


class CentralDbError(CentralError):
    """The central's database cannot be opened or written (wrong file, no permission, disk full)."""


class StaffExistsError(CentralError):
    """add-staff for a user who exists (pass --replace for a new password)."""


class UnknownStaffError(CentralError):
    """A command names a staff user the central does not know."""


class UnknownRecordError(CentralError):
    """The dashboard names a record the central does not have."""


class NotFreeTextError(CentralError):
    """A moderation action on a record that is no idea and no feedback comment (or, for an
    answer, no idea)."""
