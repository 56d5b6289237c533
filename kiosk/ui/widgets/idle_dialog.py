"""'Sind Sie noch da?': a countdown that ends the visit unless someone taps; and the question
"Fertig" asks once when something written or chosen has not been sent."""

from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.modalview import ModalView

from . import common  # noqa: F401  (style classes used in the kv)
from . import load_kv


class IdleDialog(ModalView):
    remaining = NumericProperty(10)

    def __init__(self, seconds: float, on_timeout, on_continue, **kwargs):
        kwargs.setdefault("auto_dismiss", False)
        super().__init__(**kwargs)
        self.remaining = int(seconds)
        self._on_timeout = on_timeout
        self._on_continue = on_continue
        self._tick = Clock.schedule_interval(self._count, 1)

    def _count(self, dt) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self._tick.cancel()
            self.dismiss(animation=False)
            self._on_timeout()

    def keep_going(self) -> None:
        self._tick.cancel()
        self.dismiss(animation=False)
        self._on_continue()

    def on_touch_down(self, touch):
        # Any touch means someone is there, not only a tap on the button.
        super().on_touch_down(touch)
        self.keep_going()
        return True

    def on_dismiss(self):
        self._tick.cancel()


class UnsentDialog(ModalView):
    """"Ihre Idee ist noch nicht gesendet": discard and finish, or go back to it. A tap beside
    the dialog goes back (nothing is lost by accident)."""

    message_key = StringProperty("unsent_idea")
    keep_key = StringProperty("keep_writing")

    def __init__(self, on_discard, **kwargs):
        kwargs.setdefault("auto_dismiss", True)
        super().__init__(**kwargs)
        self._on_discard = on_discard

    def discard(self) -> None:
        self.dismiss(animation=False)
        self._on_discard()

    def keep(self) -> None:
        self.dismiss(animation=False)


load_kv(__file__)
