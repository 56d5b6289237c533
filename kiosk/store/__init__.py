"""The local SQLite store: the only package that writes SQL. Imports kiosk.core, never kivy."""

from .errors import (
    StoreClosedError,
    StoreError,
    StoreFullError,
    StoreNotWritableError,
    StorePragmaError,
    StoreWriteError,
)
from .store import Store
from .writer import StoreWriter

__all__ = [
    "Store",
    "StoreWriter",
    "StoreError",
    "StoreClosedError",
    "StoreFullError",
    "StoreNotWritableError",
    "StorePragmaError",
    "StoreWriteError",
]
