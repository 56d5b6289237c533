"""Start the kiosk: one instance per store, content loaded, Kivy prepared, then the app."""

from __future__ import annotations

from kiosk.core.config import Config
from kiosk.core.content_loader import load_content
from kiosk.core.instance_lock import InstanceLock

from . import prepare_kivy


def run_kiosk(config: Config, *, windowed: bool = False, size: tuple[int, int] | None = None) -> int:
    fullscreen = config.kiosk.fullscreen and not windowed
    with InstanceLock.for_store(config.store.path):
        content = load_content(config.content.root)
        prepare_kivy(config.store.path.parent / "kivy", fullscreen=fullscreen,
                     size=size or (None if fullscreen else (1280, 800)))
        from .app import KioskApp

        KioskApp(config, content, kiosk_mode=fullscreen).run()
    return 0
