"""Attract loop: featured exhibits one after another, a calm crossfade, an invitation to tap.

Between crossfades nothing on the canvas changes, so Kivy draws no frames and the
kiosk idles; the timer runs only while this screen is shown.
"""

from kivy.animation import Animation
from kivy.app import App
from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from ..widgets import load_kv
from ..widgets import common, picture  # noqa: F401  (classes used in the kv)

SLIDE_S = 9.0
FADE_S = 1.6


class AttractScreen(Screen):
    caption = StringProperty("")
    index = NumericProperty(0)

    def featured(self):
        content = App.get_running_app().content
        exhibits = [e for e in content.exhibits if e.featured] or content.exhibits
        return [e for e in exhibits if e.media] or exhibits

    def on_pre_enter(self, *args):
        self.index = 0
        self._show(0, fade=False)
        self._timer = Clock.schedule_interval(self._next, SLIDE_S)

    def on_leave(self, *args):
        self._timer.cancel()
        Animation.cancel_all(self.ids.front)

    def _next(self, dt):
        exhibits = self.featured()
        if len(exhibits) > 1:
            self._show((self.index + 1) % len(exhibits), fade=True)

    def _show(self, index: int, fade: bool) -> None:
        exhibits = self.featured()
        if not exhibits:
            return
        app = App.get_running_app()
        exhibit = exhibits[index]
        self.index = index
        path = self._picture(exhibit)
        upcoming = self._picture(exhibits[(index + 1) % len(exhibits)])
        if upcoming:
            app.images.prefetch([upcoming], full_screen=True)
        front, back = self.ids.front, self.ids.back
        self.caption = app.pick(exhibit.title, app.kiosk_config.kiosk.default_language)
        if not fade:
            front.path, front.opacity, back.path, back.opacity = path, 1, "", 0
            return
        # The back picture takes over the current slide; the new one fades in on top. Between
        # fades the back one is hidden: one full-screen picture to draw per frame, not two.
        back.path, back.opacity = front.path, 1
        front.opacity = 0
        front.path = path
        fade_in = Animation(opacity=1, d=FADE_S, t="in_out_sine")
        fade_in.bind(on_complete=lambda *a: setattr(back, "opacity", 0))
        fade_in.start(front)

    @staticmethod
    def _picture(exhibit) -> str:
        return str(App.get_running_app().content.media_path(exhibit.media[0].path)) if exhibit.media else ""

    def on_touch_up(self, touch):
        app = App.get_running_app()
        if self.collide_point(*touch.pos) and not app.staff_gate_open:
            app.start_visit()
            return True
        return super().on_touch_up(touch)


load_kv(__file__)
