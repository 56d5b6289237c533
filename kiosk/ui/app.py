"""The kiosk App: shared state as Kivy properties, screens and their services, idle reset, the
staff gate and the sync."""

from __future__ import annotations

import dataclasses
import importlib
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.metrics import mm
from kivy.event import EventDispatcher
from kivy.properties import (BooleanProperty, ColorProperty, DictProperty, NumericProperty, ObjectProperty,
                             StringProperty)
from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk import __version__
from kiosk.core.config import Config
from kiosk.core.palette import HIGH_CONTRAST, STANDARD, rgba
from kiosk.core.staff_pin import PinGate
from kiosk.core.terms import Words
from kiosk.core.ui_text import text
from sync.status import SyncStatus

from .image_cache import ImageCache
from kiosk.core.visit import Visits

from .idle import IdleWatch
from .recorder import Recorder
from .quiet_gc import QuietCollector
from .screens import Services
from .staff_gesture import CornerHold
from .watchdog import FrameWatchdog

if TYPE_CHECKING:
    from kiosk.core.content_loader import LoadedContent
    from kiosk.core.content_model import LocalizedText

KEY_ESCAPE = 27
SCREENS = {  # name -> (module in kiosk.ui.screens, class)
    "attract": ("attract", "AttractScreen"),
    "preparing": ("preparing", "PreparingScreen"),
    "home": ("home", "HomeScreen"),
    "exhibit": ("exhibit", "ExhibitScreen"),
    "events": ("events", "EventsScreen"),
    "staff": ("staff", "StaffScreen"),
    "poll": ("poll", "PollScreen"),
    "feedback": ("feedback", "FeedbackScreen"),
    "idea": ("idea", "IdeaScreen"),
    "idea_wall": ("idea_wall", "IdeaWallScreen"),
}


class SyncStandIn:
    """The sync service while there is no running sync: before the store is open ("not tried
    yet"), or when the sync could not start (its error, for staff). The kiosk goes on either way."""

    passes = 0

    def __init__(self, status: SyncStatus):
        self._status = status

    def kick(self) -> None:
        pass

    def status(self) -> SyncStatus:
        return self._status

    def stop(self, timeout: float = 5.0) -> None:
        pass


def _use(self, palette) -> None:
    for field in dataclasses.fields(palette):
        setattr(self, field.name, rgba(getattr(palette, field.name)))
    self.accent_hex = palette.accent.lstrip("#")[:6]


# The palette as Kivy colour properties, one per palette field; kv binds to each, so switching
# to high contrast repaints every widget in place.
Colors = type("Colors", (EventDispatcher,), {
    **{f.name: ColorProperty(rgba(getattr(STANDARD, f.name))) for f in dataclasses.fields(STANDARD)},
    "accent_hex": StringProperty(STANDARD.accent.lstrip("#")[:6]),
    "use": _use,
    "__doc__": "The kiosk's colours as Kivy properties (see kiosk.core.palette).",
})


class KioskApp(App):
    layer = StringProperty("de")
    large_text = BooleanProperty(False)
    high_contrast = BooleanProperty(False)
    colors = ObjectProperty(None)
    content = ObjectProperty(None, allownone=True)
    # Type sizes in pixels, derived from the window size and the larger-text toggle.
    fs_small = NumericProperty(24)
    fs_body = NumericProperty(28)
    fs_lead = NumericProperty(32)
    fs_h3 = NumericProperty(32)
    fs_h2 = NumericProperty(40)
    fs_title = NumericProperty(56)
    fs_display = NumericProperty(80)
    # The top bar's own sizes: they follow the window, not "Größere Schrift", so the bar's
    # buttons stay where the visitor found them (and "Leichte Sprache" stays inside the window).
    fs_bar = NumericProperty(24)
    fs_bar_button = NumericProperty(28)
    fs_bar_title = NumericProperty(32)
    # The same sizes by role name, for the style classes (kiosk/ui/widgets/common.py `font_role`).
    fs = DictProperty({"small": 24, "body": 28, "lead": 32, "h3": 32, "h2": 40, "title": 56, "display": 80,
                       "bar": 24, "bar_button": 28, "bar_title": 32})
    unit = NumericProperty(16)       # spacing unit
    touch = NumericProperty(88)      # smallest touch target (at least 15 mm)

    def __init__(self, config: Config, content: LoadedContent | None = None, *, kiosk_mode: bool = True,
                 pin_gate: PinGate | None = None, **kwargs):
        """`content` None: the content is read and checked in the background right after the
        first frame (as `kiosk run` does); until then the attract screen shows its welcome."""
        super().__init__(**kwargs)
        self.colors = Colors()
        self.colors.use(STANDARD)
        self.colors.bind(background=self._clear_colour)
        self.kiosk_config = config
        self.content = content
        self.kiosk_mode = kiosk_mode
        self.layer = config.kiosk.default_language
        self.images = ImageCache()
        self.pin_gate = pin_gate or PinGate(config.staff.pin_hash)
        self.idle = IdleWatch(self, timeout_s=config.kiosk.idle_timeout_s, countdown_s=10)
        self.collector = QuietCollector()
        self.watchdog = FrameWatchdog()  # systemd's watchdog, pinged from the frame loop (if it watches)
        participation = config.participation
        self.visits = Visits(content.version if content else "", vote_cooldown_s=participation.vote_cooldown_s,
                             idea_max_chars=participation.idea_max_chars)
        self.recorder: Recorder | None = None
        self.services = Services(self)
        self.sync = SyncStandIn(SyncStatus(configured=not config.standalone))
        self._sync_lock = threading.Lock()  # the sync starts in the store's thread; on_stop may come first
        self._stopping = False
        # Read by the sync thread for its heartbeat: a plain attribute, not a Kivy property.
        self._content_version = content.version if content else ""
        self._visit_waiting = False  # a tap on the welcome before the content was in
        self._asked_unsent = None  # (screen, what) "Fertig" asked about; a second "Fertig" ends
        self.warmed_up = False  # the first visit's work (QR codes, Markdown, pictures) done ahead
        self._unbuilt: list[str] = list(SCREENS)
        self._building_started = False  # the screens after the first are built once content is in
        self._announced = False  # the "kiosk ready" line was printed
        self.daily_snapshot = None  # the store's daily snapshot, once the store is open
        self.title = f"StadtLABOR Kiosk – {config.kiosk.name}"

    # --- building ---------------------------------------------------------------------------

    def build(self):
        self.watchdog.start()
        Window.bind(size=self._update_sizes, on_keyboard=self._on_keyboard, on_request_close=self._on_request_close)
        Window.clearcolor = self.colors.background
        self._update_sizes()
        if self.kiosk_mode:
            Window.show_cursor = self.kiosk_config.kiosk.show_cursor
        manager = ScreenManager(transition=NoTransition())
        self.root = manager
        # Only the first screen is built before the first frame; the content, the store and the
        # other screens follow right after, so the kiosk is on screen and answering touches sooner.
        manager.current = self.screen(self.start_screen()).name
        self._unbuilt = [name for name in SCREENS if not manager.has_screen(name)]
        # A callback scheduled now runs before the first frame is drawn; one scheduled from
        # there runs after it.
        Clock.schedule_once(lambda dt: Clock.schedule_once(self._after_first_frame, 0), 0)
        self.corner = CornerHold(on_hold=self.open_staff_gate)
        Window.bind(on_touch_down=self._on_any_touch_down, on_touch_up=self._on_any_touch_up,
                    on_touch_move=self._on_any_touch_move)
        return manager

    def screen(self, name: str):
        """The screen called `name`, built on first use."""
        if not self.root.has_screen(name):
            module_name, class_name = SCREENS[name]
            module = importlib.import_module(f"kiosk.ui.screens.{module_name}")
            self.root.add_widget(getattr(module, class_name)(name=name, services=self.services))
        return self.root.get_screen(name)

    def _after_first_frame(self, dt) -> None:
        self.watchdog.ready(f"first screen up ({self.root.current})")
        # Both in threads of their own: checking the content or a large store must not hold
        # up a frame or a touch.
        self.recorder = Recorder(self.store_path, self.kiosk_config.kiosk.id, __version__, on_open=self._store_opened)
        if self.content is None:
            self._load_content_in_background()
        else:
            self._content_loaded(self.content)

    def _load_content_in_background(self, on_done=None) -> None:
        from .background import in_background

        def loaded(content):
            self._content_loaded(content)
            if on_done is not None:
                on_done()

        in_background(self._read_content, loaded, name="kiosk-content-load")

    def _read_content(self) -> LoadedContent:
        """The content (in a background thread). `load_content` reports bad content as problems;
        anything it raises all the same (a bug, an OS fault) becomes a problem for staff too,
        so the kiosk stays on screen with its "being prepared" notice rather than crashing."""
        from kiosk.core.content_loader import LoadedContent, load_content
        from kiosk.core.markup import cached_blocks
        from kiosk.core.problems import Problem

        root = self.kiosk_config.content.root
        try:
            content = load_content(root)
            # Every body parsed here, off the frame: an odd but valid 128 KiB text takes markdown-it
            # seconds, which the warm-up (one step a frame on the Kivy thread) must not pay.
            for exhibit in content.exhibits:
                for layer in ("de", "en", "ls"):
                    cached_blocks(exhibit.body.get(layer), exhibit.body.keeps_lines(layer))
            return content
        except Exception as error:  # noqa: BLE001
            content = LoadedContent(root=root)
            content.problems.append(Problem(str(root), "content", f"could not be read: {type(error).__name__}: "
                                            f"{error}"))
            return content

    def _content_loaded(self, content: LoadedContent) -> None:
        first = not self._building_started
        self._building_started = True
        self.content = content
        self.visits.content_version = content.version
        self._content_version = content.version
        self.images.clear()
        wanted = self.start_screen()
        current = self.root.current
        if current in ("attract", "preparing") and current != wanted:
            self.root.current = self.screen(wanted).name
        elif current == "attract":
            self.root.current_screen.refresh()
        if self._visit_waiting:
            self._visit_waiting = False
            if wanted == "attract":
                self.start_visit()
        if first:
            Clock.schedule_once(self._build_next_screen, 0)
            self._announce_if_ready()
        else:
            self._prefetch_pictures()

    def _store_opened(self) -> None:
        """In the store's thread, once it is open (or found unusable): the sync starts here, off
        the frame (a kiosk with a central imports requests and its client only now)."""
        self._start_sync(restarts=self._note_this_start())
        Clock.schedule_once(self._recorder_opened, 0)

    def _note_this_start(self) -> int:
        """Ties this boot to systemd's run of the service; the unclean restarts before it, for the
        heartbeat (kiosk/core/restarts.py says what counts)."""
        from kiosk.store.boots import note_invocation, restart_count

        store = self.recorder.store
        if store is None:
            return 0
        try:
            note_invocation(store, os.environ.get("INVOCATION_ID"))
            return restart_count(store).total
        except Exception as error:  # noqa: BLE001 - the count is for information; the kiosk goes on
            print(f"kiosk: warning: restarts not counted: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
            return 0

    def _start_sync(self, restarts: int = 0) -> None:
        from .sync_runner import start_sync

        config = self.kiosk_config
        store = self.recorder.store
        if store is None and not config.standalone:
            sync = SyncStandIn(SyncStatus(configured=True, online=False,
                                          last_error="Keine Übertragung: der Speicher ist nicht geöffnet (siehe oben)."))
        else:
            try:
                sync = start_sync(config, store, app_version=__version__, content_version=lambda: self._content_version,
                                  restarts=restarts)
            except Exception as error:  # noqa: BLE001 - no sync fault may stop the kiosk; staff see it
                print(f"kiosk: warning: the sync could not start, the kiosk records on without it: "
                      f"{type(error).__name__}: {error}", file=sys.stderr, flush=True)
                sync = SyncStandIn(SyncStatus(configured=True, online=False,
                                              last_error=f"Die Übertragung konnte nicht starten: "
                                                         f"{type(error).__name__}: {error}"))
        with self._sync_lock:
            stopped_meanwhile = self._stopping
            if not stopped_meanwhile:
                self.sync = sync
        if stopped_meanwhile:  # the kiosk was stopped while the store opened: no sync after on_stop
            sync.stop()

    def _recorder_opened(self, dt) -> None:
        self._redact_old_free_text()
        # Once a day as well: a kiosk may run for weeks without a restart.
        Clock.schedule_interval(lambda dt: self._redact_old_free_text(), 24 * 3600)
        from .daily_snapshot import DailySnapshot

        self.daily_snapshot = DailySnapshot(self.recorder, self.kiosk_config).start()
        self._announce_if_ready()

    def _redact_old_free_text(self) -> None:
        from .background import in_background

        retention = self.kiosk_config.participation.free_text_retention_days
        in_background(lambda: self.recorder.redact_old_free_text(retention), lambda blanked: None,
                      name="kiosk-redact")

    def _build_next_screen(self, dt) -> None:
        while self._unbuilt:
            name = self._unbuilt.pop(0)
            if not self.root.has_screen(name):
                self.screen(name)
                break
        if self._unbuilt:
            Clock.schedule_once(self._build_next_screen, 0)
        else:
            self._prefetch_pictures()
            self.collector.start()

    def _prefetch_pictures(self) -> None:
        content = self.content
        paths = [str(content.media_path(e.media[0].path)) for e in content.exhibits if e.media]
        self.images.prefetch(paths)
        self.warmed_up = False
        self._warm_up(list(self._warm_up_steps()))

    def _warm_up_steps(self):
        """Work that would otherwise fall on a visitor's tap or on the waiting attract loop: each
        exhibit's QR codes and Markdown in every layer, the attract loop's pictures. One step
        per frame while the kiosk waits."""
        from kiosk.core.handoff import phone_url
        from kiosk.core.markup import cached_blocks

        from .widgets.qr_code import qr_texture

        if self.root.has_screen("attract"):
            # The attract loop's pictures at the size shown there (laid out by now), decoded
            # once rather than one per change while the kiosk waits.
            yield self.screen("attract").prefetch_pictures
        public_url = self.kiosk_config.phone.public_url
        # With a [sync] token an exhibit's code carries the visit's hand-off (its id, language and
        # marked exhibits): such codes are drawn when a visitor first sees them, once per change.
        plain_codes = not self.kiosk_config.sync.token
        for exhibit in self.content.exhibits:
            for layer in ("de", "en", "ls"):
                yield lambda e=exhibit, l=layer: (plain_codes and qr_texture(phone_url(public_url, e.id, l)),
                                                  cached_blocks(e.body.get(l), e.body.keeps_lines(l)))

    def _warm_up(self, steps: list) -> None:
        if steps:
            steps.pop(0)()
            Clock.schedule_once(lambda dt: self._warm_up(steps), 0)
        else:
            self.warmed_up = True

    @property
    def started(self) -> bool:
        """Content in, store opened (or found unusable), every screen built."""
        return self.content is not None and self.recorder is not None and self.recorder.opened \
            and not self._unbuilt

    def start_screen(self) -> str:
        # Before the content is in, the attract screen shows its welcome.
        return "attract" if self.content is None or self.content.exhibits else "preparing"

    def _update_sizes(self, *args) -> None:
        width, height = Window.size
        self.images.set_screen(width, height)
        scale = max(0.85, min(width / 1920, height / 1080))
        text_scale = scale * (1.3 if self.large_text else 1.0)
        self.fs_small = round(24 * max(text_scale, 1.0) if self.large_text else 24 * max(scale, 0.92))
        self.fs_body = round(28 * text_scale)
        self.fs_lead = round(32 * text_scale)
        self.fs_h3 = round(32 * text_scale)
        self.fs_h2 = round(42 * text_scale)
        self.fs_title = round(58 * text_scale)
        self.fs_display = round(84 * scale)
        self.fs_bar = round(24 * max(scale, 0.92))
        self.fs_bar_button = round(28 * scale)
        self.fs_bar_title = round(32 * scale)
        self.fs = {role: getattr(self, f"fs_{role}") for role in self.fs}
        self.unit = round(16 * scale)
        self.touch = max(round(mm(15)), round(88 * scale))

    def on_large_text(self, *args) -> None:
        self._update_sizes()

    def on_high_contrast(self, app, value) -> None:
        self.colors.use(HIGH_CONTRAST if value else STANDARD)

    def _clear_colour(self, colors, background) -> None:
        # The window's clear colour is the screens' background: one full-screen fill per frame
        # fewer, which software rendering (llvmpipe) notices.
        Window.clearcolor = background

    # --- words ------------------------------------------------------------------------------

    def tr(self, key: str, layer: str, **values) -> str:
        """UI text in `layer`; kv passes app.layer so the binding follows language switches."""
        return text(key, layer, **values)

    def pick(self, localized: LocalizedText | Words | None, layer: str | None = None) -> str:
        if localized is None:
            return ""
        return localized.get(layer or self.layer)

    def set_layer(self, layer: str) -> None:
        self.layer = layer
        self.visits.set_layer(layer)
        self.idle.touched()

    # --- navigation -------------------------------------------------------------------------

    def go(self, name: str, **kwargs) -> None:
        if name in ("home", "events", "idea_wall", "staff"):
            self.record(self.visits.leave_exhibit())
        screen = self.screen(name)
        if hasattr(screen, "show"):
            screen.show(**kwargs)
        self.root.current = name
        self.idle.watching = name not in ("attract", "preparing")

    def start_visit(self) -> None:
        if self.content is None:  # tapped in the moment before the content was in
            self._visit_waiting = True
            return
        self.visits.start(self.layer)
        self.go("home")

    def open_exhibit(self, exhibit_id: str) -> None:
        self.visits.start(self.layer)
        self.record(self.visits.enter_exhibit(exhibit_id))
        self.go("exhibit", exhibit_id=exhibit_id)

    def open_poll(self, exhibit_id: str, poll_id: str) -> None:
        self.go("poll", exhibit_id=exhibit_id, poll_id=poll_id)

    def record(self, draft, on_done=None) -> None:
        """Hand a draft to the store's writer (None is nothing to record)."""
        if draft is not None:
            self.recorder.record(draft, on_done)

    def finish_visit(self) -> None:
        """"Fertig": the visit ends, but something written or chosen and not yet sent is asked
        about first, once: a second "Fertig" ends it. The idle reset does not ask (it discards,
        as the visitor is gone)."""
        screen = self.root.current_screen
        unsent = screen.unsent() if hasattr(screen, "unsent") else None
        if unsent is None or self._asked_unsent == (screen.name, unsent):
            self.end_visit("done")
            return
        from .widgets.idle_dialog import UnsentDialog

        self._asked_unsent = (screen.name, unsent)
        self.idle.touched()
        UnsentDialog(on_discard=lambda: self.end_visit("done"), message_key=unsent,
                     keep_key="keep_voting" if unsent == "unsent_vote" else "keep_writing").open()

    def end_visit(self, reason: str = "idle") -> None:
        """Forget the visitor: language, toggles, scroll positions, typed text and unconfirmed
        answers back to the start; the visit itself is recorded as ended."""
        self.idle.cancel()
        self._asked_unsent = None
        for window_child in list(Window.children):
            if isinstance(window_child, ModalView) and window_child is not getattr(self, "_pin_pad", None):
                window_child.dismiss(animation=False)  # an open "not yet sent" question goes with the visit
        for draft in self.visits.end(reason):
            self.record(draft)
        self.sync.kick()  # what this visitor said leaves the kiosk soon (the sync's thread sends it)
        for screen in self.root.screens:
            if hasattr(screen, "reset"):
                screen.reset()
        self.layer = self.kiosk_config.kiosk.default_language
        self.large_text = False
        self.high_contrast = False
        self.root.current = self.screen(self.start_screen()).name
        self.collector.collect()

    # --- staff ------------------------------------------------------------------------------

    def open_staff_gate(self) -> None:
        from .widgets.pin_pad import PinPad

        if getattr(self, "_pin_pad", None) is not None:
            return
        self.idle.watching = True
        self._pin_pad = PinPad(gate=self.pin_gate, on_success=self._staff_ok)
        self._pin_pad.bind(on_dismiss=lambda *a: setattr(self, "_pin_pad", None))
        self._pin_pad.open()

    @property
    def staff_gate_open(self) -> bool:
        return getattr(self, "_pin_pad", None) is not None or self.corner.holding

    def _staff_ok(self) -> None:
        self.go("staff")

    def reload_content(self, on_done=None) -> None:
        """Read and check the content again in the background; `on_done()` runs once it is in."""
        self._load_content_in_background(on_done)

    @property
    def version(self) -> str:
        return __version__

    @property
    def store_path(self) -> Path:
        return self.kiosk_config.store.path

    # --- input ------------------------------------------------------------------------------

    def _on_any_touch_down(self, window, touch):
        self.idle.touched()
        self.collector.touched()
        self.corner.down(touch, window.height)
        return False

    def _on_any_touch_move(self, window, touch):
        self.corner.move(touch, window.height)
        return False

    def _on_any_touch_up(self, window, touch):
        self.corner.up(touch)
        return False

    def _on_keyboard(self, window, key, *args):
        # Escape (and Android's back key, also 27) must never leave the kiosk.
        return self.kiosk_mode and key == KEY_ESCAPE

    def _on_request_close(self, *args, **kwargs):
        # Alt+F4 and the window manager's close arrive here; in kiosk mode they are refused.
        return self.kiosk_mode

    def _announce_if_ready(self) -> None:
        # One line for whoever started the kiosk (a terminal, systemd's journal, a test), once
        # the content is in and the store is open (or known to be unusable).
        if self.content is None or not self.recorder.opened or self._announced:
            return
        self._announced = True
        content = self.content
        recording = "recording" if self.recorder.available else f"NOT RECORDING ({self.recorder.problem})"
        line = (f"kiosk ready: {len(content.exhibits)} exhibits ({content.invalid_count} invalid items), "
                f"content version {content.version}, store {self.store_path}, {recording}")
        print(line, flush=True)
        self.watchdog.status(line)

    def on_stop(self) -> None:
        self.watchdog.stop()
        self.idle.cancel()
        if self.daily_snapshot is not None:
            self.daily_snapshot.stop()
        self.collector.stop()
        with self._sync_lock:
            self._stopping = True
            sync = self.sync
        sync.stop()  # before the store closes: a pass under way ends (its timeouts bound it)
        if self.recorder is not None:
            self._note_stopped()
            self.recorder.close()

    def _note_stopped(self) -> None:
        """This run ends in order: not counted as a restart (kiosk/core/restarts.py)."""
        from kiosk.store.boots import note_stopped

        if self.recorder.store is not None:
            try:
                note_stopped(self.recorder.store)
            except Exception as error:  # noqa: BLE001 - a full disk: the stop goes on, counted as unclean
                print(f"kiosk: warning: the orderly stop was not noted: {error}", file=sys.stderr, flush=True)
