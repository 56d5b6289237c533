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
    # SDL would turn SIGTERM into a window-close request, which kiosk mode refuses; `kiosk run`
    # handles SIGTERM, SIGINT and SIGHUP itself (kiosk.ui.run) and stops the app cleanly.
    os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"
    screen = x_screen_size() if fullscreen else None
    from kivy.config import Config
    from kivy.logger import Logger

    Logger.addFilter(_quiet_cutbuffer_probe)

    # In kiosk mode Escape must never end the app; in a window it ends it, as `--windowed` promises
    # (Kivy's Window then asks on_request_close, which the app allows outside kiosk mode).
    Config.set("kivy", "exit_on_escape", "0" if fullscreen else "1")
    Config.set("kivy", "log_level", os.environ.get("KIOSK_KIVY_LOG_LEVEL", "warning"))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "borderless", "1" if fullscreen else "0")
    Config.set("graphics", "resizable", "0" if fullscreen else "1")
    if screen:
        # Only a window manager honours SDL's fullscreen request: on a bare X server the window
        # would stay 800x600 in the middle. Asked for at the screen's size and corner, it fills
        # the screen either way.
        size = screen
        Config.set("graphics", "position", "custom")
        Config.set("graphics", "left", "0")
        Config.set("graphics", "top", "0")
    else:
        Config.set("graphics", "position", "auto")
    if size:
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))
    # A touch screen reports each touch through the kernel (hidinput via probesysfs) and SDL
    # also turns it into a mouse event: without disable_on_activity one tap arrives twice.
    Config.set("input", "mouse", "mouse,multitouch_on_demand,disable_on_activity")


def x_screen_size() -> tuple[int, int] | None:
    """The X screen's size in pixels when SDL will draw on X, else None (Wayland, the console,
    the tests' offscreen driver). Read through Xlib, as SDL has not started yet."""
    if not os.environ.get("DISPLAY") or os.environ.get("SDL_VIDEODRIVER", "x11") != "x11":
        return None
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("X11")
    if name is None:
        return None
    try:
        xlib = ctypes.CDLL(name)
    except OSError:
        return None
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XDefaultScreen.argtypes = xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    xlib.XDisplayWidth.argtypes = xlib.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
    display = xlib.XOpenDisplay(None)
    if not display:
        return None  # SDL will say why it cannot open the display
    try:
        screen = xlib.XDefaultScreen(display)
        width, height = xlib.XDisplayWidth(display, screen), xlib.XDisplayHeight(display, screen)
    finally:
        xlib.XCloseDisplay(display)
    return (width, height) if width > 0 and height > 0 else None


def _quiet_cutbuffer_probe(record) -> bool:
    """Drop Kivy's complaint that X's cut buffer tools are missing: the kiosk uses no cut buffer,
    and its CRITICAL line carries tracebacks that an operator would take for a crash."""
    return not str(record.msg).startswith("Cutbuffer: Unable to find any valuable Cutbuffer provider")
