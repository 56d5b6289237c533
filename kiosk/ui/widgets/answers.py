"""Answer targets for polls and ratings: big, clearly marked when chosen, drawn (no emoji font)."""

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from . import common  # noqa: F401  (style classes used in the kv)
from . import load_kv


class ChoiceButton(ButtonBehavior, BoxLayout):
    """An option of a single or multi poll: a round (single) or square (multi) mark and its words."""

    answer = StringProperty("")
    text = StringProperty("")
    selected = BooleanProperty(False)
    square = BooleanProperty(False)


class BigAnswer(ButtonBehavior, BoxLayout):
    """A large answer tile: a number (scale), a face (smiley), or a word (yes/no)."""

    answer = StringProperty("")
    text = StringProperty("")
    caption = StringProperty("")
    selected = BooleanProperty(False)
    mood = NumericProperty(0)   # 1..4 draws a face; 0 shows `text` in large type
    caption_room = BooleanProperty(False)  # keep the caption's line even where this one has none


class Face(Widget):
    """A smiley drawn with lines: mood 1 (unhappy) .. 4 (happy)."""

    mood = NumericProperty(3)

    def mouth_points(self, mood, x, y, w, h):
        # A parabola through the mouth corners; its depth runs from a frown to a smile.
        depth = {1: -0.16, 2: -0.06, 3: 0.08, 4: 0.18}.get(int(mood), 0) * h
        left, right, base = x + w * 0.3, x + w * 0.7, y + h * 0.34
        points = []
        for i in range(13):
            t = i / 12
            px = left + (right - left) * t
            py = base - depth * (1 - (2 * t - 1) ** 2)
            points += [px, py]
        return points


class ResultBar(BoxLayout):
    """One answer's share: words, a bar, count and percent (`figure`, written as the layer
    writes numbers)."""

    text = StringProperty("")
    count = NumericProperty(0)
    share = NumericProperty(0.0)  # 0..1
    figure = StringProperty("")   # "12  (40 %)"


load_kv(__file__)
