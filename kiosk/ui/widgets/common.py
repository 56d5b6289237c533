"""The named style classes every screen builds on: text, cards, buttons, chips, badges."""

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from . import load_kv
from .text_fit import text_width


# Style classes take their size and colour by name (`font_role`, `tone`) rather than by an
# instance overriding `font_size` or `color`: an instance rule and the class rule both bind, and
# when the class rule's size changed ("Größere Schrift" on and off) it won over the instance's
# (a small welcome on the attract screen after a visit with larger text).
class BodyText(Label):
    """Wrapping text that takes the height it needs."""

    font_role = StringProperty("body")  # a key of app.fs: small, body, lead, h3, h2, title, display, bar…
    tone = StringProperty("text")       # text | muted | accent


class Heading(BodyText):
    font_role = StringProperty("h2")


class MutedText(BodyText):
    font_role = StringProperty("small")
    tone = StringProperty("muted")


class Card(BoxLayout):
    """A rounded surface holding related things."""

    radius = NumericProperty(18)


class PillButton(ButtonBehavior, Label):
    """The primary button: accent colour, big target. `fixed_width` (>= 0) sets its width,
    else it is as wide as its words need."""

    font_role = StringProperty("body")
    fixed_width = NumericProperty(-1)


class QuietButton(ButtonBehavior, Label):
    """A secondary button with an outline; `fixed_width` as PillButton's."""

    font_role = StringProperty("body")
    fixed_width = NumericProperty(-1)


class Chip(ButtonBehavior, Label):
    """A toggle-looking button (language, larger text, contrast); `active` marks the chosen one.

    As wide as its words in bold, chosen or not: the chosen chip's bold words must not push
    its neighbours along the bar."""

    font_role = StringProperty("small")
    active = BooleanProperty(False)

    @staticmethod
    def bold_width(text: str, font_size: float) -> float:
        return text_width(text, round(font_size), bold=True)


class StatusBadge(Label):
    status = StringProperty("planned")
    fill = ListProperty([0, 0, 0, 0])


load_kv(__file__)
