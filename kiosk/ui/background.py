"""Work that must not hold up a frame: run it in a thread, get the answer on the Kivy thread."""

from __future__ import annotations

import threading
from typing import Any, Callable

from kivy.clock import Clock


def in_background(work: Callable[[], Any], on_done: Callable[[Any], None], *, name: str) -> threading.Thread:
    """Run `work()` in a daemon thread; `on_done(result)` runs on the Kivy thread afterwards.
    An exception raised by `work` is handed to `on_done` as the result."""

    def run() -> None:
        try:
            result = work()
        except Exception as error:  # noqa: BLE001 - the caller decides what a failure means
            result = error
        Clock.schedule_once(lambda dt: on_done(result), 0)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread
