"""Feedback on an exhibit: a rating from 1 to 5 and, if the visitor wants, a comment."""

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk.core.records import Record
from kiosk.core.ui_text import text

from . import KioskScreen
from ..widgets import load_kv
from ..widgets import answers, common, keyboard, phone_handoff, top_bar  # noqa: F401  (classes used in the kv)
from ..widgets.answers import BigAnswer

SCALE_WORDS = {"de": ("gar nicht", "sehr gut"), "en": ("not at all", "very good"), "ls": ("gar nicht", "sehr gut")}


class FeedbackScreen(KioskScreen):
    exhibit = ObjectProperty(None, allownone=True)
    rating = NumericProperty(0)
    writing = BooleanProperty(False)
    state = StringProperty("asking")  # asking | saving | thanks | failed
    message = StringProperty("")

    def on_kv_post(self, base_widget):
        self.services.bind_layer(self._build_ratings)
        self.services.bind_layer(self._show_handoff)
        # ids hold weak references: keep the field alive ourselves while it is off the screen.
        self._entry = self.ids.entry.__self__
        self.ids.holder.remove_widget(self._entry)

    def on_writing(self, screen, writing):
        # The comment field and its keyboard take the room only once the visitor chose to write.
        holder = self.ids.holder
        if writing and self._entry.parent is None:
            holder.add_widget(self._entry)
        elif not writing and self._entry.parent is not None:
            holder.remove_widget(self._entry)

    def show(self, exhibit_id: str):
        self.exhibit = self.services.content.exhibit(exhibit_id)
        self.reset()

    def _build_ratings(self):
        """The five rating buttons: made once, then only their words and selection change."""
        layer = self.services.layer
        low, high = SCALE_WORDS.get(layer, SCALE_WORDS["de"])
        box = self.ids.ratings
        if not box.children:
            for value in range(1, 6):
                box.add_widget(BigAnswer(answer=str(value), text=str(value), caption_room=True, on_release=self.tap))
        for button in box.children:
            value = int(button.answer)
            button.caption = low if value == 1 else high if value == 5 else ""
            button.selected = value == self.rating

    def tap(self, button):
        if self.state != "asking":
            return
        self.rating = int(button.answer)
        for child in self.ids.ratings.children:
            child.selected = child.answer == button.answer

    def send(self):
        if self.state != "asking" or not self.rating:
            return
        services = self.services
        comment = self._entry.ids.field.text if self.writing else None
        draft = services.visits.feedback(self.exhibit, self.rating, comment)
        self.state, self.message = "saving", text("saving", services.layer)
        services.record(draft, self._saved)

    def _saved(self, result):
        layer = self.services.layer
        if isinstance(result, Record):
            self.state, self.message = "thanks", text("thanks_feedback", layer)
            self.writing = False
            self._entry.clear()
            self._show_handoff()
        else:
            self.state, self.message = "asking", text("not_possible", layer)

    def _show_handoff(self):
        """The thanks and its QR code in the language the visitor reads now."""
        if self.state == "thanks" and self.exhibit is not None:
            self.message = text("thanks_feedback", self.services.layer)
            self.ids.handoff.show_visit(self.services, self.exhibit.id)

    def unsent(self) -> str | None:
        """What "Fertig" would throw away: a rating chosen or a comment written, not sent."""
        if self.state != "asking":
            return None
        written = self.writing and self._entry.ids.field.text.strip()
        return "unsent_comment" if self.rating or written else None

    def reset(self):
        self.rating = 0
        self.writing = False
        self.state = "asking"
        self.message = ""
        if hasattr(self, "_entry"):
            self._entry.clear()
            self._build_ratings()
            self.ids.handoff.clear()


load_kv(__file__)
