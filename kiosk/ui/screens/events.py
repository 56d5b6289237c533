"""The upcoming events, each with a QR code for registration where there is a link."""

import datetime as dt

from kivy.core.window import Window
from kivy.properties import NumericProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.core.content_loader import TIMEZONE

from . import KioskScreen
from ..widgets import load_kv
from ..widgets import common, qr_code, top_bar  # noqa: F401  (classes used in the kv)
from ..widgets.event_words import EventWords


class EventCard(EventWords, BoxLayout):
    pass


MAX_EVENTS_SHOWN = 24


class EventColumn(BoxLayout):
    pass


class EventsScreen(KioskScreen):
    fs_body = NumericProperty(28)
    _shown = None  # (events, columns) the cards were built for

    def show(self):
        # The next ones only: a year's calendar would be hundreds of cards with a QR code each.
        upcoming = self.services.content.upcoming_events(dt.datetime.now(TIMEZONE))[:MAX_EVENTS_SHOWN]
        # The screen may not be laid out yet when it is filled: decide by the window's width.
        count = 2 if Window.width > self.fs_body * 55 else 1
        self.ids.scroll.scroll_y = 1
        if (upcoming, count) == self._shown:
            return  # the same cards as last time: built cards are kept (building them costs)
        self._shown = (upcoming, count)
        columns = self.ids.columns
        columns.clear_widgets()
        # Cards differ in height; columns that fill independently keep the gaps even.
        stacks = [EventColumn() for _ in range(count)]
        for i, event in enumerate(upcoming):
            stacks[i % count].add_widget(EventCard(event=event))
        for stack in stacks:
            columns.add_widget(stack)
            stack.bind(height=self._fit_columns)
        self._fit_columns()
        self.ids.empty.opacity = 0 if upcoming else 1

    def _fit_columns(self, *args):
        columns = self.ids.columns
        tallest = max((c.height for c in columns.children), default=0)
        columns.height = tallest + columns.padding[1] + columns.padding[3]

    def reset(self):
        self.ids.scroll.scroll_y = 1


load_kv(__file__)
