""""Weiter auf dem Handy" after a vote, a rating or an idea: the exhibit's phone page as a QR
code, with the visit's hand-off, beside a heading and the scan hint."""

from kivy.properties import NumericProperty, StringProperty

from kiosk.core.handoff import phone_url, visit_handoff

from . import load_kv
from . import common, qr_code  # noqa: F401  (classes used in the kv)
from .common import Card


class PhoneHandoff(Card):
    """The code and its words side by side, as wide as they need up to `room`.

    `link` is the address in the code; an unchanged address is not drawn again (the
    QRCode only redraws when its data changes, and qr_texture keeps recent codes)."""

    link = StringProperty("")
    qr_side = NumericProperty(0)  # the code's side, set by the screen
    room = NumericProperty(0)     # the widest the block may be

    def show_visit(self, services, exhibit_id: str) -> None:
        """The code for `exhibit_id` in the visitor's language, with this visit's hand-off
        (the plain address without a `[sync] token`)."""
        layer = services.layer
        token = visit_handoff(services.config, services.content, services.visits.session, layer)
        self.link = phone_url(services.config.phone.public_url, exhibit_id, layer, token)

    def clear(self) -> None:
        """Nothing of the visit that ended stays on a reused screen."""
        self.link = ""


load_kv(__file__)
