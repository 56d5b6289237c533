"""The first-start notice: no staff PIN is set yet, so whoever set the kiosk up learns, on the
screen itself, how to set one and how to stop the kiosk. Added over the window by `kiosk run`
(kiosk.ui.run), never by the screens; visitors' taps pass through it to the screens."""

from kivy.properties import BooleanProperty
from kivy.uix.label import Label

from . import load_kv


def notice_text(*, windowed: bool) -> str:
    # Short: the terminal has the whole command with the config's path.
    stop = "Strg+C im Terminal oder SIGTERM" + (", im Fenster Esc" if windowed else "")
    return f"Noch keine Personal-PIN: kiosk set-pin, dann neu starten\nBeenden: {stop}"


class SetupNotice(Label):
    windowed = BooleanProperty(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.text = notice_text(windowed=self.windowed)

    # It takes no touch at all, not even on itself: whatever it covers in its corner (the edge of
    # a button, a card in a list) still answers a visitor's tap.
    def on_touch_down(self, touch):
        return False

    def on_touch_move(self, touch):
        return False

    def on_touch_up(self, touch):
        return False


load_kv(__file__)
