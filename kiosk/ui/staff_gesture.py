"""The hidden staff gesture: press and hold the top-left corner for a few seconds."""

from __future__ import annotations

from kivy.clock import Clock

CORNER_PX = 90
HOLD_S = 3.0


class CornerHold:
    def __init__(self, on_hold, hold_s: float = HOLD_S, corner_px: int = CORNER_PX):
        self.on_hold = on_hold
        self.hold_s = hold_s
        self.corner_px = corner_px
        self._touch_uid = None
        self._event = None

    @property
    def holding(self) -> bool:
        return self._event is not None

    def _in_corner(self, touch, height) -> bool:
        return touch.x <= self.corner_px and touch.y >= height - self.corner_px

    def down(self, touch, height) -> None:
        if self._in_corner(touch, height):
            self._cancel()
            self._touch_uid = touch.uid
            self._event = Clock.schedule_once(self._fire, self.hold_s)

    def move(self, touch, height) -> None:
        if touch.uid == self._touch_uid and not self._in_corner(touch, height):
            self._cancel()

    def up(self, touch) -> None:
        if touch.uid == self._touch_uid:
            self._cancel()

    def _fire(self, dt) -> None:
        self._event = None
        self._touch_uid = None
        self.on_hold()

    def _cancel(self) -> None:
        if self._event is not None:
            self._event.cancel()
        self._event = None
        self._touch_uid = None
