"""The staff PIN pad: digits, a clear message after each try, lockout after repeated failures."""

from kivy.clock import Clock
from kivy.properties import StringProperty
from kivy.uix.modalview import ModalView

from kiosk.core.staff_pin import PinResult

from . import common  # noqa: F401  (style classes used in the kv)
from . import load_kv

MAX_DIGITS = 8


class PinPad(ModalView):
    entered = StringProperty("")
    message = StringProperty("PIN eingeben")

    def __init__(self, gate, on_success, **kwargs):
        kwargs.setdefault("auto_dismiss", False)
        super().__init__(**kwargs)
        self.gate = gate
        self.on_success = on_success
        self._show_lock()

    @property
    def dots(self) -> str:
        return "•" * len(self.entered)

    def press(self, digit: str) -> None:
        if len(self.entered) < MAX_DIGITS:
            self.entered += digit

    def clear(self) -> None:
        self.entered = ""

    def submit(self) -> None:
        result = self.gate.attempt(self.entered)
        self.entered = ""
        if result is PinResult.OK:
            self.dismiss(animation=False)
            self.on_success()
        elif result is PinResult.NOT_SET:
            self.message = "Keine Personal-PIN gesetzt. Am Rechner: kiosk set-pin"
        elif result is PinResult.LOCKED:
            self._show_lock()
        else:
            left = self.gate.attempts_left
            self.message = f"Falsche PIN. Noch {left} Versuch{'e' if left != 1 else ''}."

    def _show_lock(self, *args) -> None:
        seconds = self.gate.locked_for
        if seconds > 0:
            minutes, rest = divmod(int(seconds + 0.999), 60)
            self.message = f"Zu viele Fehlversuche. Gesperrt für {minutes}:{rest:02d} min."
            Clock.schedule_once(self._show_lock, 1)
        elif self.message.startswith("Zu viele"):
            self.message = "PIN eingeben"


load_kv(__file__)
