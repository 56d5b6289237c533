"""One module and one kv file per screen; each screen is built with the kiosk's Services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen

if TYPE_CHECKING:
    from kiosk.core.config import Config
    from kiosk.core.content_loader import LoadedContent
    from kiosk.core.records import RecordDraft
    from kiosk.core.visit import Visits

    from ..app import KioskApp
    from ..image_cache import ImageCache
    from ..recorder import Recorder


class Services:
    """What a screen may use of the kiosk, handed to it when the app builds it (DESIGN §7.2).

    A narrow view of the app: a screen names here what it uses instead of reaching for the
    running app, and a test can build a screen over a fake. What changes while the kiosk runs
    (the content after a reload, the visitor's language, the sync once the store is open) is
    read through at each use, so no screen keeps a stale copy."""

    def __init__(self, app: KioskApp):
        self._app = app

    # --- what is shown ----------------------------------------------------------------------

    @property
    def content(self) -> LoadedContent | None:
        return self._app.content

    @property
    def layer(self) -> str:
        return self._app.layer

    @property
    def config(self) -> Config:
        return self._app.kiosk_config

    @property
    def images(self) -> ImageCache:
        return self._app.images

    def bind_layer(self, callback) -> None:
        """`callback()` whenever the visitor switches the language."""
        self._app.bind(layer=lambda *args: callback())

    def bind_content(self, callback) -> None:
        """`callback()` whenever new content is in (start, staff's reload)."""
        self._app.bind(content=lambda *args: callback())

    # --- the visit --------------------------------------------------------------------------

    @property
    def visits(self) -> Visits:
        return self._app.visits

    def record(self, draft: RecordDraft | None, on_done=None) -> None:
        """Write `draft` (None: nothing); `on_done(record_or_error)` on the Kivy thread after the commit."""
        self._app.record(draft, on_done)

    def idea_wall(self) -> list[dict] | None:
        """The Ideenwand as the sync last kept it ([] before the first pull or without a store;
        None when the store could not be read just now). A read of at most a hundred short rows
        on the read connection, which a write never blocks (WAL): cheap enough for the moment a
        visitor opens the wall."""
        from kiosk.store import StoreError

        recorder = self._app.recorder
        store = recorder.store if recorder is not None else None
        if store is None:
            return []
        try:
            return store.idea_wall()
        except StoreError:  # a failing disk: the store tells staff; the visitor sees the last wall
            return None

    def poll_counts(self, exhibit_id: str, poll_id: str, question_version: str) -> dict:
        return self._app.recorder.poll_counts(exhibit_id, poll_id, question_version,
                                              self.config.participation.show_suspect_votes)

    # --- where the visitor goes -------------------------------------------------------------

    def go(self, name: str, **kwargs) -> None:
        self._app.go(name, **kwargs)

    def start_visit(self) -> None:
        self._app.start_visit()

    def open_exhibit(self, exhibit_id: str) -> None:
        self._app.open_exhibit(exhibit_id)

    def open_poll(self, exhibit_id: str, poll_id: str) -> None:
        self._app.open_poll(exhibit_id, poll_id)

    def finish_visit(self) -> None:
        self._app.finish_visit()

    def end_visit(self, reason: str) -> None:
        self._app.end_visit(reason)

    @property
    def staff_gate_open(self) -> bool:
        """The corner is held or the PIN pad is up: a touch is staff's, not a visitor's."""
        return self._app.staff_gate_open

    # --- how the visitor reads --------------------------------------------------------------

    def set_layer(self, layer: str) -> None:
        self._app.set_layer(layer)

    def toggle_large_text(self) -> None:
        self._app.large_text = not self._app.large_text
        self._app.idle.touched()

    def toggle_contrast(self) -> None:
        self._app.high_contrast = not self._app.high_contrast
        self._app.idle.touched()

    # --- staff ------------------------------------------------------------------------------

    @property
    def recorder(self) -> Recorder | None:
        """The store's recorder; None in the moment before it is made."""
        return self._app.recorder

    @property
    def sync(self):
        """The sync service (status(), kick()); a stand-in that says so until the store is open."""
        return self._app.sync

    @property
    def version(self) -> str:
        return self._app.version

    @property
    def store_path(self):
        return self._app.store_path

    def reload_content(self, on_done=None) -> None:
        self._app.reload_content(on_done)


class KioskScreen(Screen):
    """A screen built with the kiosk's Services (`KioskScreen(name=..., services=...)`)."""

    services = ObjectProperty(None)
