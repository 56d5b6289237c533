"""Drive the real kiosk app in this process: frames, taps, waits and screenshots.

The app runs embedded: the test calls `EventLoop.idle()` to draw frames instead of
handing control to Kivy's main loop, as Kivy's own GraphicUnitTest does.
"""

from __future__ import annotations

import time
from pathlib import Path

from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
from kivy.tests.common import UnitTestTouch
from kivy.uix.label import Label
from PIL import Image


class Driver:
    def __init__(self, app, screenshot_dir: Path):
        self.app = app
        self.screenshot_dir = screenshot_dir

    # --- time ---------------------------------------------------------------------------------

    def frames(self, count: int = 3) -> None:
        for _ in range(count):
            EventLoop.idle()

    def wait(self, predicate, timeout: float = 20.0, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            EventLoop.idle()
            result = predicate()
            if result:
                return result
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")

    def settle(self) -> None:
        """Frames until pending layout, image decodes and clock callbacks are done."""
        self.frames(4)
        deadline = time.monotonic() + 5
        while self.app.images._waiting and time.monotonic() < deadline:
            EventLoop.idle()
        self.frames(4)

    # --- finding ------------------------------------------------------------------------------

    def walk(self, root=None):
        roots = [root] if root is not None else list(Window.children)
        stack = list(roots)
        while stack:
            widget = stack.pop()
            yield widget
            stack.extend(widget.children)

    def visible(self, widget) -> bool:
        while widget is not None:
            if getattr(widget, "opacity", 1) == 0 or widget.width <= 0 or widget.height <= 0:
                return False
            if widget.parent is widget:
                break
            if getattr(widget, "manager", None) is not None and hasattr(widget, "name"):
                if widget.manager.current_screen is not widget:
                    return False
            widget = widget.parent
        return True

    def labels(self, root=None) -> list[str]:
        return [w.text for w in self.walk(root) if isinstance(w, Label) and self.visible(w) and w.text]

    def find(self, *, text: str | None = None, cls: type | None = None, contains: bool = False, root=None):
        for widget in self.walk(root):
            if cls is not None and not isinstance(widget, cls):
                continue
            if text is not None:
                value = getattr(widget, "text", None)
                if value is None or (text not in value if contains else value != text):
                    continue
            if self.visible(widget):
                return widget
        raise AssertionError(f"no visible widget with text={text!r} cls={cls}; shown: {self.labels()[:40]}")

    def screen_text(self) -> str:
        return "\n".join(self.labels())

    # --- input --------------------------------------------------------------------------------

    def tap(self, widget=None, pos=None) -> None:
        x, y = pos if pos is not None else widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(2)

    def type_keys(self, labels) -> None:
        """Tap the on-screen keys with these labels, one after another."""
        from kiosk.ui.widgets.keyboard import Key

        for label in labels:
            self.tap(next(k for k in self.walk() if isinstance(k, Key) and self.visible(k) and k.text == label))

    def press(self, pos):
        touch = UnitTestTouch(*pos)
        touch.touch_down()
        return touch

    def key(self, keycode: int) -> bool:
        """Dispatch a key as the window does; True when something consumed it."""
        return bool(Window.dispatch("on_keyboard", keycode, 0, "", []))

    # --- pictures -----------------------------------------------------------------------------

    def screenshot(self, name: str) -> Path:
        self.settle()
        width, height = Window.size
        pixels = glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE)
        image = Image.frombytes("RGBA", (width, height), pixels).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        path = self.screenshot_dir / f"{name}-{width}x{height}.png"
        image.convert("RGB").save(path)
        return path

    def resize(self, width: int, height: int) -> None:
        Window.size = (width, height)
        self.wait(lambda: tuple(Window.size) == (width, height), what=f"window {width}x{height}")
        self.settle()
