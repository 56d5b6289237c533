"""One exhibit: pictures with captions, the body in the chosen layer, status, contacts, QR hand-off."""

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.core.terms import STATUS_LABELS
from kiosk.core.handoff import phone_url, visit_handoff
from kiosk.core.ui_text import text
from kiosk.core.visit import VoteBlock

from . import KioskScreen
from ..widgets import load_kv
from ..widgets import body_view, common, picture, qr_code, top_bar  # noqa: F401  (classes used in the kv)
from ..widgets.reuse import Spares


class ActionRow(ButtonBehavior, BoxLayout):
    """A way to take part: what it is (poll, rating, idea) and its question."""

    kind = StringProperty("")
    title = StringProperty("")
    done = BooleanProperty(False)
    action = ObjectProperty(None)  # called on release; a property, so a row can be used again

    def on_release(self):
        self.action()


class TakeHomeButton(ButtonBehavior, BoxLayout):
    """The "Mitnehmen" toggle: the exhibit goes on the visit's list that the QR code carries."""

    text = StringProperty("")
    marked = BooleanProperty(False)
    shown = BooleanProperty(True)  # not shown: no height, no tap


class ContactRow(BoxLayout):
    name = StringProperty("")
    details = StringProperty("")


class ExhibitScreen(KioskScreen):
    exhibit = ObjectProperty(None, allownone=True)
    title_text = StringProperty("")
    summary_text = StringProperty("")
    status_text = StringProperty("")
    status_key = StringProperty("planned")
    fallback_note = StringProperty("")
    image_path = StringProperty("")
    caption_text = StringProperty("")
    credit_text = StringProperty("")
    alt_text = StringProperty("")
    phone_link = StringProperty("")
    has_contacts = BooleanProperty(False)
    has_actions = BooleanProperty(False)
    # Marking exhibits to take home needs a hand-off ([sync] token); without one the code is the
    # plain address, and a toggle that took nothing home would be a broken promise.
    can_take_home = BooleanProperty(False)
    taken_home = BooleanProperty(False)

    def on_kv_post(self, base_widget):
        self.spares = Spares()
        self.services.bind_layer(self.refresh)

    def show(self, exhibit_id: str | None = None):
        if exhibit_id is None:  # back from a poll, feedback or idea: the same exhibit, as it was
            self._fill_actions(self.services.layer)
            self._show_phone_link(self.services.layer)
            return
        self.exhibit = self.services.content.exhibit(exhibit_id)
        self.refresh()
        self.ids.scroll.scroll_y = 1

    def refresh(self):
        exhibit = self.exhibit
        if exhibit is None:
            return
        services = self.services
        layer = services.layer
        self.title_text = exhibit.title.get(layer)
        self.summary_text = exhibit.summary.get(layer)
        self.status_key = exhibit.status.value
        self.status_text = STATUS_LABELS[exhibit.status].get(layer)
        missing = layer != "de" and not all(t.has(layer) for t in (exhibit.title, exhibit.summary, exhibit.body))
        self.fallback_note = text("fallback_note", layer) if missing else ""
        media = exhibit.media[0] if exhibit.media else None
        self.image_path = str(services.content.media_path(media.path)) if media else ""
        self.caption_text = media.caption.get(layer) if media and media.caption else ""
        self.credit_text = f"{media.credit} · {media.licence}" if media else ""
        self.alt_text = media.alt.get(layer) if media else ""
        # Leichte Sprache keeps its one-sentence lines; a German text shown in its place does not.
        self.ids.body.show_body(exhibit.body.get(layer), keep_lines=exhibit.body.keeps_lines(layer))
        self._show_phone_link(layer)
        self._fill_contacts(layer)
        self._fill_actions(layer)

    def toggle_take_home(self):
        if self.exhibit is None:
            return
        self.services.visits.toggle_take_home(self.exhibit.id)
        self._show_phone_link(self.services.layer)

    def _show_phone_link(self, layer: str):
        """The QR code's address with the visit's hand-off. An unchanged hand-off is the same
        address, so the code is not drawn again."""
        services = self.services
        token = visit_handoff(services.config, services.content, services.visits.session, layer)
        self.can_take_home = token is not None
        self.taken_home = services.visits.is_taken_home(self.exhibit.id)
        self.phone_link = phone_url(services.config.phone.public_url, self.exhibit.id, layer, token)

    def _fill_actions(self, layer: str):
        """The ways to take part: each poll, the rating, the idea prompt."""
        services = self.services
        box = self.ids.actions
        self.spares.put_back(box)
        take = self.spares.take
        exhibit = self.exhibit
        for poll in exhibit.polls:
            check = services.visits.check_vote(exhibit, poll)
            if check.block is VoteBlock.CLOSED:
                continue
            done = check.block is VoteBlock.ALREADY_VOTED
            box.add_widget(take(ActionRow, kind=text("answer_poll", layer), title=poll.question.get(layer), done=done,
                                action=lambda p=poll: services.open_poll(exhibit.id, p.id)))
        if exhibit.feedback:
            box.add_widget(take(ActionRow, kind=text("give_feedback", layer), title=text("feedback_question", layer),
                                done=False, action=lambda: services.go("feedback", exhibit_id=exhibit.id)))
        if exhibit.idea is not None:
            box.add_widget(take(ActionRow, kind=text("give_idea", layer), title=exhibit.idea.prompt.get(layer),
                                done=False, action=lambda: services.go("idea", exhibit_id=exhibit.id)))
        self.has_actions = bool(box.children)

    def _fill_contacts(self, layer: str):
        box = self.ids.contacts
        self.spares.put_back(box)
        for contact in self.exhibit.contacts:
            parts = [contact.role.get(layer)] if contact.role else []
            parts += [p for p in (contact.email, contact.phone) if p]
            box.add_widget(self.spares.take(ContactRow, name=contact.name, details="\n".join(parts)))
        for link in self.exhibit.links:
            box.add_widget(self.spares.take(ContactRow, name=link.label.get(layer), details=link.url))
        self.has_contacts = bool(self.exhibit.contacts or self.exhibit.links)

    def reset(self):
        self.ids.scroll.scroll_y = 1
        # Nothing of the visit that ended stays on the reused screen: its list, its hand-off.
        self.taken_home = False
        self.phone_link = ""


load_kv(__file__)
