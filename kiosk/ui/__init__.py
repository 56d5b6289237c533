"""The touch app: the only package that imports kivy.

Kivy reads its settings from the environment and from `kivy.config` when it is
first imported, so `prepare_kivy` must run before anything imports kivy.
"""

from __future__ import annotations

import os
from pathlib import Path


def prepare_kivy(kivy_home: Path, *, fullscreen: bool, size: tuple[int, int] | None = None) -> None:
    """Set Kivy's environment and configuration for a kiosk; call once, before importing kivy."""
    kivy_home.mkdir(parents=True, exist_ok=True)
    # Our own command line, not Kivy's, parses sys.argv; our own folder keeps Kivy's config.ini,
    # so a desktop user's ~/.kivy cannot change how the kiosk behaves.
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ["KIVY_HOME"] = str(kivy_home)
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    # No clipboard: what one visitor copies must never be pasted by the next, and Kivy's X
    # clipboard probes (xclip, xsel) would log tracebacks on every start where those are missing.
    os.environ["KIVY_CLIPBOARD"] = "dummy"
    from kivy.config import Config
    from kivy.logger import Logger

    Logger.addFilter(_quiet_cutbuffer_probe)

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "log_level", os.environ.get("KIOSK_KIVY_LOG_LEVEL", "warning"))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "borderless", "1" if fullscreen else "0")
    Config.set("graphics", "resizable", "0" if fullscreen else "1")
    if size:
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))
    # A touch screen reports each touch through the kernel (hidinput via probesysfs) and SDL
    # also turns it into a mouse event: without disable_on_activity one tap arrives twice.
    Config.set("input", "mouse", "mouse,multitouch_on_demand,disable_on_activity")


def _quiet_cutbuffer_probe(record) -> bool:
    """Drop Kivy's complaint that X's cut buffer tools are missing: the kiosk uses no cut buffer,
    and its CRITICAL line carries tracebacks that an operator would take for a crash."""
    return not str(record.msg).startswith("Cutbuffer: Unable to find any valuable Cutbuffer provider")
