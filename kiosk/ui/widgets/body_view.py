"""An exhibit body: Markdown blocks as a column of wrapping labels."""

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.core.markup import cached_blocks

from . import common  # noqa: F401  (style classes used in the kv)
from . import load_kv
from .reuse import Spares


class BodyParagraph(Label):
    pass


class BodyHeading(BodyParagraph):
    pass


class BodyItem(BoxLayout):
    marker = StringProperty("•")


FIRST_BLOCKS = 6  # about a screenful: what a visitor sees before scrolling
BLOCKS_PER_FRAME = 8  # below the fold: about 30 ms of layout a frame


class BodyView(BoxLayout):
    markdown = StringProperty("")
    keep_lines = BooleanProperty(False)  # Leichte Sprache: each source line its own line
    unit = NumericProperty(16)  # the spacing unit, from the app's type scale (kv)

    def show_body(self, markdown: str, keep_lines: bool = False) -> None:
        """A body and how its lines are kept, laid out once (setting the two properties one
        after the other would lay the blocks out twice)."""
        if keep_lines == self.keep_lines:
            self.markdown = markdown
            return
        self.keep_lines = keep_lines  # nothing is laid out on this one (no on_keep_lines)
        if markdown == self.markdown:
            self.on_markdown()
        else:
            self.markdown = markdown

    def __init__(self, **kwargs):
        self.spares = Spares()
        self._shown = 0  # counts the bodies shown, so that blocks still to come for an old one are dropped
        super().__init__(**kwargs)

    def on_markdown(self, *args):
        self.spares.put_back(self)
        blocks = cached_blocks(self.markdown, self.keep_lines)
        # The first screenful is laid out with the tap; the rest, below the fold, a few blocks a
        # frame after it, so the screen the visitor looks at appears at once and a long body
        # never holds up a frame (each block is a label of its own, a few ms to lay out).
        self._shown += 1
        self._add(blocks[:FIRST_BLOCKS])
        self._add_later(self._shown, blocks, FIRST_BLOCKS)

    def _add_later(self, shown: int, blocks, start: int) -> None:
        if start >= len(blocks):
            return

        def add(dt):
            if self._shown != shown:
                return  # another body was shown meanwhile (perhaps the same text again): its own blocks come
            self._add(blocks[start:start + BLOCKS_PER_FRAME])
            self._add_later(shown, blocks, start + BLOCKS_PER_FRAME)

        Clock.schedule_once(add)

    def _add(self, blocks):
        # Labels are created at the view's width, so each renders its text once, not first at
        # Kivy's default width of 100 px; markup is switched on only where a block has tags.
        width = self.width
        unit = self.unit
        take = self.spares.take
        for block in blocks:
            if block.kind == "heading":
                self.add_widget(take(BodyHeading, markup=block.has_tags, text=block.text, width=width))
            elif block.kind in ("bullet", "number"):
                marker = f"{block.number}." if block.kind == "number" else "•"
                item = take(BodyItem, marker=marker, width=width, padding=[unit * 2 * (block.level - 1), 0, 0, 0])
                item.ids.text.markup = block.has_tags
                item.ids.text.text = block.text
                self.add_widget(item)
            else:
                self.add_widget(take(BodyParagraph, markup=block.has_tags, text=block.text, width=width))


load_kv(__file__)
