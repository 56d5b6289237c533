"""An idea for the exhibit's prompt, typed on the on-screen keyboard."""

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.core.records import Record
from kiosk.core.ui_text import text
from kiosk.core.visit import InvalidAnswer

from . import KioskScreen
from ..widgets import load_kv
from ..widgets import common, keyboard, phone_handoff, top_bar  # noqa: F401  (classes used in the kv)


class IdeaScreen(KioskScreen):
    exhibit = ObjectProperty(None, allownone=True)
    state = StringProperty("writing")  # writing | saving | thanks
    message = StringProperty("")
    has_text = BooleanProperty(False)

    def on_kv_post(self, base_widget):
        self.ids.entry.bind(text=lambda entry, value: setattr(self, "has_text", bool(value.strip())))
        self.services.bind_layer(self._show_handoff)

    def show(self, exhibit_id: str):
        self.exhibit = self.services.content.exhibit(exhibit_id)
        self.reset()

    def send(self):
        services = self.services
        if self.state != "writing":
            return
        try:
            draft = services.visits.idea(self.exhibit, self.ids.entry.ids.field.text)
        except InvalidAnswer:
            return  # nothing written yet: the send button stays without effect
        self.state, self.message = "saving", text("saving", services.layer)
        services.record(draft, self._saved)

    def _saved(self, result):
        layer = self.services.layer
        if isinstance(result, Record):
            self.state, self.message = "thanks", text("thanks_idea", layer)
            self.ids.entry.clear()
            self._show_handoff()
        else:
            self.state, self.message = "writing", text("not_possible", layer)

    def _show_handoff(self):
        """The thanks and its QR code in the language the visitor reads now."""
        if self.state == "thanks" and self.exhibit is not None:
            self.message = text("thanks_idea", self.services.layer)
            self.ids.handoff.show_visit(self.services, self.exhibit.id)

    def unsent(self) -> str | None:
        """What "Fertig" would throw away: words written but not sent."""
        return "unsent_idea" if self.state == "writing" and self.has_text else None

    def reset(self):
        self.state = "writing"
        self.message = ""
        if "entry" in self.ids:
            self.ids.entry.clear()
            self.ids.handoff.clear()


load_kv(__file__)
