"""Attract loop: featured exhibits one after another and an invitation to tap.

The featured picture changes every SLIDE_S seconds in a single step. Between changes
nothing on the canvas changes, so Kivy draws no frame at all and the kiosk idles: on
a software-rendered screen every frame costs real CPU, and a fade would draw dozens.
"""

from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty

from . import KioskScreen
from ..widgets import load_kv
from ..widgets import common, picture  # noqa: F401  (classes used in the kv)

SLIDE_S = 16.0  # time to read a title and its summary; each change is one frame
PREFETCH_AFTER_S = 1.0  # the next picture is decoded once this one is laid out (its size known)


class AttractScreen(KioskScreen):
    title = StringProperty("")
    summary = StringProperty("")
    image_path = StringProperty("")
    index = NumericProperty(0)
    _timer = None  # the slide change, scheduled while the screen is shown

    def featured(self):
        content = self.services.content
        if content is None:  # the first moments after start: the welcome alone
            return []
        exhibits = [e for e in content.exhibits if e.featured] or content.exhibits
        return [e for e in exhibits if e.media] or exhibits

    def on_pre_enter(self, *args):
        self._begin()

    def refresh(self) -> None:
        """The content came in (or changed): begin again with the first featured exhibit, shown
        for a whole SLIDE_S like any other (not for what was left of the last one's time)."""
        if self._timer is not None:
            self._begin()
        else:
            self._show(0)

    def _begin(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._show(0)
        self._timer = Clock.schedule_interval(self._next, SLIDE_S)

    def prefetch_pictures(self) -> None:
        """Decode every featured picture at the size it is shown here, once laid out."""
        for path in map(self._picture, self.featured()):
            if path:
                self.ids.picture.prefetch(path)

    def on_leave(self, *args):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _next(self, dt):
        exhibits = self.featured()
        if len(exhibits) > 1:
            self._show((self.index + 1) % len(exhibits))

    def _show(self, index: int) -> None:
        exhibits = self.featured()
        if not exhibits:
            return
        layer = self.services.config.kiosk.default_language
        exhibit = exhibits[index]
        self.index = index
        self.title = exhibit.title.get(layer)
        self.summary = exhibit.summary.get(layer)
        self.image_path = self._picture(exhibit)
        upcoming = self._picture(exhibits[(index + 1) % len(exhibits)])
        if upcoming:  # decoded ahead at the size it is shown, so the next change is a single frame
            Clock.schedule_once(lambda dt: self.ids.picture.prefetch(upcoming), PREFETCH_AFTER_S)

    def _picture(self, exhibit) -> str:
        return str(self.services.content.media_path(exhibit.media[0].path)) if exhibit.media else ""

    def on_touch_up(self, touch):
        if self.collide_point(*touch.pos) and not self.services.staff_gate_open:
            self.services.start_visit()
            return True
        return super().on_touch_up(touch)


load_kv(__file__)
