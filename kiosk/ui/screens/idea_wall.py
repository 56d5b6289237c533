"""The Ideenwand: ideas of earlier visitors that staff approved, each with its status and the
city's answer, as the sync last fetched them (kept in the store, so the wall shows offline).

The ideas' words come from visitors: every label here shows them as plain text (Kivy markup
stays off), so "[b]" or "[color=ff0000]" reads as typed."""

from kivy.core.window import Window
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.core.idea_wall import answer_in, status_words
from kiosk.core.ui_text import text

from . import KioskScreen
from ..widgets import load_kv
from ..widgets import common, top_bar  # noqa: F401  (classes used in the kv)
from ..widgets.reuse import Spares


class IdeaCard(BoxLayout):
    """One idea; `show` sets every word it holds, so a card used again keeps nothing of the last."""

    status = StringProperty("received")
    status_text = StringProperty("")
    idea_text = StringProperty("")
    about_text = StringProperty("")
    answer_heading = StringProperty("")
    answer_text = StringProperty("")
    note_text = StringProperty("")
    answered = BooleanProperty(False)

    def on_kv_post(self, base_widget):
        # Strong references (ids are weak): a part taken off the card must outlive that.
        self._parts = {name: self.ids[name].__self__ for name in ("head", "idea", "about", "answer", "no_answer")}

    def show(self, idea: dict, layer: str, exhibit_title: str) -> None:
        self.status = idea["status"]
        self.status_text = status_words(idea["status"], layer)
        self.idea_text = idea["text"]
        self.about_text = text("idea_wall_about", layer, exhibit=exhibit_title) if exhibit_title else ""
        answer = answer_in(idea.get("answer"), layer)
        self.answered = bool(answer.text)
        self.answer_heading = text("idea_wall_answer", layer)
        self.answer_text = answer.text
        self.note_text = answer.note
        # Only the parts this idea has take room (an empty one would still take the spacing):
        # the exhibit it is about, and the answer or the line that there is none yet.
        wanted = ["head", "idea", *(["about"] if self.about_text else []),
                  "answer" if self.answered else "no_answer"]
        if [child for child in reversed(self.children)] != [self._parts[name] for name in wanted]:
            self.clear_widgets()
            for name in wanted:
                self.add_widget(self._parts[name])


class IdeaColumn(BoxLayout):
    pass


class IdeaWallScreen(KioskScreen):
    fs_body = NumericProperty(28)
    empty = BooleanProperty(True)
    _shown = None  # (ideas, columns) the cards were built for
    cards: list = []  # the cards in the wall's order
    _from_top = True  # entered, not yet touched: the wall stays at its top while it lays out

    def on_kv_post(self, base_widget):
        self.spares = Spares()
        self.services.bind_layer(self.refresh)
        self.services.bind_content(self.refresh)

    def show(self):
        """Entered (again): the wall as the store keeps it now, from the top."""
        ideas = self.services.idea_wall()
        if ideas is None:  # the store could not be read just now: the wall as last shown
            ideas = self._shown[0] if self._shown else []
        # The screen may not be laid out yet when it is filled: decide by the window's width.
        count = 2 if Window.width > self.fs_body * 55 else 1
        self._from_top = True
        self.ids.scroll.scroll_y = 1
        self.empty = not ideas
        if (ideas, count) == self._shown:
            self.refresh()  # the same ideas: the cards stay; their words follow the layer
            return
        self._shown = (ideas, count)
        columns = self.ids.columns
        for column in list(columns.children):
            column.unbind(height=self._fit_columns)
            self.spares.put_back(column)
        columns.clear_widgets()
        # Cards differ in height; columns that fill independently keep the gaps even.
        stacks = [IdeaColumn() for _ in range(count)]
        self.cards = [self.spares.take(IdeaCard) for _ in ideas]
        for i, card in enumerate(self.cards):
            stacks[i % count].add_widget(card)
        for stack in stacks:
            columns.add_widget(stack)
            stack.bind(height=self._fit_columns)
        self.refresh()
        self.ids.scroll.scroll_y = 1

    def refresh(self):
        """Every card's words in the visitor's layer."""
        if self._shown is None:
            return
        layer = self.services.layer
        for card, idea in zip(self.cards, self._shown[0]):
            card.show(idea, layer, self._exhibit_title(idea.get("exhibit_id"), layer))
        self._fit_columns()

    def _exhibit_title(self, exhibit_id: str | None, layer: str) -> str:
        content = self.services.content
        exhibit = content.exhibit(exhibit_id) if content is not None and exhibit_id else None
        return exhibit.title.get(layer) if exhibit is not None else ""

    def _fit_columns(self, *args):
        columns = self.ids.columns
        tallest = max((c.height for c in columns.children), default=0)
        columns.height = tallest + columns.padding[1] + columns.padding[3]
        if self._from_top:
            # A ScrollView whose content changes height keeps its scroll effect's old offset in
            # pixels and works scroll_y out from it again: after a long wall, a short one came
            # out at scroll_y -37. Set again, the top is the top.
            self.ids.scroll.scroll_y = 1

    def on_touch_down(self, touch):
        if self.ids.scroll.collide_point(*touch.pos):
            self._from_top = False  # the visitor scrolls: their position is theirs
        return super().on_touch_down(touch)

    def reset(self):
        self._from_top = True
        self.ids.scroll.scroll_y = 1


load_kv(__file__)
