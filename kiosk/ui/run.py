"""Start the kiosk: one instance per store, Kivy prepared, then the app (which loads the content)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from kiosk.core.config import Config
from kiosk.core.instance_lock import InstanceLock

from . import prepare_kivy


def kivy_home(store_path: Path) -> Path:
    """Kivy's settings folder: beside the store, or in the temporary folder when the store's
    folder cannot be written (the kiosk still starts and tells staff about the store)."""
    beside = store_path.parent / "kivy"
    try:
        beside.mkdir(parents=True, exist_ok=True)
        if os.access(beside, os.W_OK):
            return beside
    except OSError:
        pass
    digest = hashlib.sha256(str(store_path.absolute()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"stadtlabor-kiosk-kivy-{digest}"


def run_kiosk(config: Config, *, windowed: bool = False, size: tuple[int, int] | None = None) -> int:
    fullscreen = config.kiosk.fullscreen and not windowed
    with InstanceLock.for_store(config.store.path):
        prepare_kivy(kivy_home(config.store.path), fullscreen=fullscreen,
                     size=size or (None if fullscreen else (1280, 800)))
        from .app import KioskApp

        # The content is read and checked right after the first frame, in the background.
        KioskApp(config, kiosk_mode=fullscreen).run()
    return 0
