"""The first-start notice: no staff PIN is set yet, so whoever set the kiosk up learns, on the
screen itself, how to set one and how to stop the kiosk. Added over the window by `kiosk run`
(kiosk.ui.run), never by the screens: visitors' taps anywhere else reach the screens."""

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.label import Label

from . import load_kv


def notice_text(config_path: str, *, windowed: bool) -> str:
    stop = "Strg+C im Terminal oder SIGTERM" + (", im Fenster auch Esc" if windowed else "")
    return (f"Einrichtung: noch keine Personal-PIN. Im Terminal: kiosk set-pin --config {config_path}, dann den "
            f"Kiosk neu starten.\nBeenden: {stop}.")


class SetupNotice(Label):
    config_path = StringProperty("config.toml")
    windowed = BooleanProperty(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.text = notice_text(self.config_path, windowed=self.windowed)

    # Touches on the notice itself stop here (the screen beneath is hidden there); all others
    # pass on untouched.
    def on_touch_down(self, touch):
        return self.collide_point(*touch.pos)

    def on_touch_move(self, touch):
        return self.collide_point(*touch.pos)

    def on_touch_up(self, touch):
        return self.collide_point(*touch.pos)


load_kv(__file__)
