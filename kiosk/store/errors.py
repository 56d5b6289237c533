"""The store's errors: each names the file and what a staff member or city IT admin can do."""

from __future__ import annotations

from kiosk.core.errors import KioskError


class StoreError(KioskError):
    """Base of the local store's errors."""


class StoreNotWritableError(StoreError):
    """The store's folder or file cannot be written (permissions, read-only disk)."""


class StorePragmaError(StoreError):
    """SQLite did not take a setting the store relies on for durability (e.g. WAL)."""


class StoreFullError(StoreError):
    """The disk (or the process's file-size limit) is full: the record was not stored."""


class StoreWriteError(StoreError):
    """Any other failure to store a record; the record was not stored."""


class StoreClosedError(StoreError):
    """The store or its writer was already closed."""


class StoreForeignFileError(StoreError):
    """The file at the store's path is not a store of this kiosk (a text file, a picture, another
    program's database, a device): refused, and left exactly as it is."""

    exit_code = 2


class StoreDamagedError(StoreError):
    """Reading the store found a damaged page: the store's integrity check failed."""
