"""An exhibit body: Markdown blocks as a column of wrapping labels."""

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.core.markup import to_blocks

from . import common  # noqa: F401  (style classes used in the kv)
from . import load_kv


class BodyParagraph(Label):
    pass


class BodyHeading(BodyParagraph):
    pass


class BodyItem(BoxLayout):
    marker = StringProperty("•")
    markup_text = StringProperty("")


class BodyView(BoxLayout):
    markdown = StringProperty("")

    def on_markdown(self, *args):
        self.clear_widgets()
        for block in to_blocks(self.markdown):
            if block.kind == "heading":
                self.add_widget(BodyHeading(text=block.markup))
            elif block.kind in ("bullet", "number"):
                marker = f"{block.number}." if block.kind == "number" else "•"
                item = BodyItem(marker=marker, markup_text=block.markup)
                item.padding = [App.get_running_app().unit * 2 * (block.level - 1), 0, 0, 0]
                self.add_widget(item)
            else:
                self.add_widget(BodyParagraph(text=block.markup))


load_kv(__file__)
