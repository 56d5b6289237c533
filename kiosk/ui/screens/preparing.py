"""Shown to visitors when no exhibit is valid: calm words instead of an error."""

from . import KioskScreen
from ..widgets import load_kv
from ..widgets import common  # noqa: F401  (classes used in the kv)


class PreparingScreen(KioskScreen):
    pass


load_kv(__file__)
