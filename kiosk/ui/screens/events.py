"""The upcoming events, each with a QR code for registration where there is a link."""

import datetime as dt

from kivy.app import App
from kivy.properties import ObjectProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from kiosk.core.content_loader import TIMEZONE
from kiosk.core.dates import event_when, short_date

from ..widgets import load_kv
from ..widgets import common, qr_code, top_bar  # noqa: F401  (classes used in the kv)


class EventCard(BoxLayout):
    event = ObjectProperty(None)

    def day(self, layer):
        return short_date(self.event.start, layer)[0]

    def month(self, layer):
        return short_date(self.event.start, layer)[1]

    def when(self, layer):
        return event_when(self.event.start, self.event.end, layer)


class EventsScreen(Screen):
    def show(self):
        app = App.get_running_app()
        box = self.ids.events
        box.clear_widgets()
        for event in app.content.upcoming_events(dt.datetime.now(TIMEZONE)):
            box.add_widget(EventCard(event=event))
        self.ids.empty.opacity = 0 if box.children else 1
        self.ids.scroll.scroll_y = 1

    def reset(self):
        self.ids.scroll.scroll_y = 1


load_kv(__file__)
