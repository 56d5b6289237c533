"""Export errors, each with a message a staff member can act on."""

from __future__ import annotations

from kiosk.core.errors import KioskError


class ExportError(KioskError):
    """The export could not be written (disk full, stick pulled, no permission)."""

    exit_code = 1


class BadDateError(ExportError):
    """--since or --until is not a YYYY-MM-DD date, or the period is empty."""

    exit_code = 2


class OutputPathError(ExportError):
    """--out names a folder that does not exist, or a folder instead of a file."""

    exit_code = 2


class StoreNotFoundError(ExportError):
    """The store file to export from does not exist (exporting must never create an empty one)."""

    exit_code = 2


class UnknownFormatError(ExportError):
    exit_code = 2
