"""The named style classes every screen builds on: text, cards, buttons, chips, badges."""

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from . import load_kv


class BodyText(Label):
    """Wrapping text that takes the height it needs."""


class Heading(BodyText):
    pass


class MutedText(BodyText):
    pass


class Card(BoxLayout):
    """A rounded surface holding related things."""

    radius = NumericProperty(18)


class PillButton(ButtonBehavior, Label):
    """The primary button: accent colour, big target."""


class QuietButton(ButtonBehavior, Label):
    """A secondary button with an outline."""


class Chip(ButtonBehavior, Label):
    """A toggle-looking button (language, larger text, contrast); `active` marks the chosen one."""

    active = BooleanProperty(False)


class StatusBadge(Label):
    status = StringProperty("planned")
    fill = ListProperty([0, 0, 0, 0])


load_kv(__file__)
