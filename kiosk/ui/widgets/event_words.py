"""An event's date and time in words, for the widgets that show events."""

from kivy.properties import ObjectProperty

from kiosk.core.dates import event_time, event_when, short_date


class EventWords:
    """Mixed into widgets with an `event`: kv calls these with app.layer, so they follow switches."""

    event = ObjectProperty(None)

    def day(self, layer: str) -> str:
        return short_date(self.event.start, layer)[0]

    def month(self, layer: str) -> str:
        return short_date(self.event.start, layer)[1]

    def when(self, layer: str) -> str:
        return event_when(self.event.start, self.event.end, layer)

    def time_only(self, layer: str) -> str:
        return event_time(self.event.start, self.event.end, layer)
