"""Home: the exhibits grouped by theme as tiles, and what is on next."""

import datetime as dt

from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.core.content_loader import TIMEZONE
from kiosk.core.terms import STATUS_LABELS

from . import KioskScreen
from ..widgets import load_kv
from ..widgets import common, picture, top_bar  # noqa: F401  (classes used in the kv)
from ..widgets.event_words import EventWords
from ..widgets.text_fit import fit_lines, longest_word_fits

NEXT_EVENTS = 3
SUMMARY_LINES = 3  # on a tile
TITLE_LINES = 2  # on a tile


class ExhibitTile(ButtonBehavior, BoxLayout):
    exhibit = ObjectProperty(None)
    image_path = StringProperty("")
    services = ObjectProperty(None)  # the home screen's Services: pictures, opening the exhibit

    def status_text(self, layer: str) -> str:
        return STATUS_LABELS[self.exhibit.status].get(layer)

    def summary_text(self, layer: str, width: float, font_size: float) -> str:
        """The summary, shortened at a word with "…" to the three lines a tile has."""
        return fit_lines(self.exhibit.summary.get(layer), int(width), int(font_size), SUMMARY_LINES)

    def title_size(self, layer: str, width: float, *sizes: float) -> float:
        """The largest of `sizes` (the type scale, largest first) at which the title's words
        each fit a line and the title its two lines: a long word ("Programmwerkstatt" in larger
        text on a narrow tile) would otherwise be broken inside."""
        title = self.exhibit.title.get(layer)
        for size in sizes:
            if longest_word_fits(title, int(width), int(size), True) and \
                    fit_lines(title, int(width), int(size), TITLE_LINES, bold=True) == " ".join(title.split()):
                return size
        return sizes[-1]

    def title_text(self, layer: str, width: float, font_size: float) -> str:
        """The title, wrapped to the tile's two lines (ended at a word with "…" beyond them)."""
        return fit_lines(self.exhibit.title.get(layer), int(width), int(font_size), TITLE_LINES, bold=True)

    def on_release(self):
        self.services.open_exhibit(self.exhibit.id)


class ThemeSection(BoxLayout):
    title = ObjectProperty(None)   # LocalizedText, or None for exhibits without a known theme
    fallback = StringProperty("")


class EventRow(EventWords, BoxLayout):
    pass


class HomeScreen(KioskScreen):
    _shown_events = None  # the events the rows were built for
    def on_kv_post(self, base_widget):
        self.services.bind_content(self.build_content)
        self.build_content()

    def build_content(self):
        content = self.services.content
        if content is None:
            return
        sections = self.ids.sections
        for child in list(sections.children):
            if isinstance(child, ThemeSection):
                sections.remove_widget(child)
        themes = {t.id: t for t in content.themes}
        order = [t.id for t in content.themes] + sorted({e.theme for e in content.exhibits} - set(themes))
        for theme_id in order:
            exhibits = [e for e in content.exhibits if e.theme == theme_id]
            if not exhibits:
                continue
            section = ThemeSection(title=themes[theme_id].title if theme_id in themes else None, fallback=theme_id)
            for exhibit in exhibits:
                path = str(content.media_path(exhibit.media[0].path)) if exhibit.media else ""
                section.ids.grid.add_widget(ExhibitTile(exhibit=exhibit, image_path=path, services=self.services))
            sections.add_widget(section)
        self.build_events()

    def build_events(self):
        """What is on next; rebuilt only when that changed (an event began, content reloaded)."""
        upcoming = self.services.content.upcoming_events(dt.datetime.now(TIMEZONE))[:NEXT_EVENTS]
        if upcoming == self._shown_events:
            return
        self._shown_events = upcoming
        box = self.ids.next_events
        box.clear_widgets()
        for event in upcoming:
            box.add_widget(EventRow(event=event))

    def on_pre_enter(self, *args):
        self.build_events()

    def reset(self):
        self.ids.scroll.scroll_y = 1


load_kv(__file__)
