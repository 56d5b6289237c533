"""Staff: what the kiosk shows and why, where it stores, how its sync is doing, reload content,
export to USB, exit.

Reached only through the corner gesture and the PIN pad. In German: staff work here.
"""

import datetime as dt
import threading

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from kiosk.core.config import PLACEHOLDER_PUBLIC_URL
from kiosk.core.numbers import megabytes, whole

from . import KioskScreen
from ..background import in_background
from ..sync_words import sync_words
from ..widgets import load_kv
from ..widgets import common  # noqa: F401  (classes used in the kv)

MAX_PROBLEMS_SHOWN = 200
SYNC_REFRESH_S = 2.0  # the sync's state changes in its own thread; staff watch it change here
# content.tallies is keyed by the content's file kinds; staff read German.
TALLY_NAMES = {"exhibits": "Exponate", "events": "Termine", "themes": "Themen"}
PLACEHOLDER_WARNING = (
    f"ACHTUNG: Die QR-Codes führen ins Leere. [phone] public_url ist noch die Beispieladresse "
    f"{PLACEHOLDER_PUBLIC_URL}: in config.toml die echte Adresse eintragen, dann neu starten.")
# What each store fault means for staff; the store's own message (for IT) follows it.
STORE_PROBLEMS = {
    "StoreNotWritableError": "Der Kiosk darf an seinem Speicherort nicht schreiben (Rechte, oder ein "
                             "schreibgeschützter Datenträger).",
    "StoreForeignFileError": "Am Speicherort liegt eine Datei, die kein Speicher dieses Kiosks ist; sie bleibt "
                             "unverändert. [store] path in config.toml prüfen.",
    "StoreFullError": "Der Datenträger ist voll; Platz schaffen, dann geht es von selbst weiter.",
    "StoreDamagedError": "Die Speicherdatei ist beschädigt. Kiosk neu starten: er legt sie beiseite und beginnt "
                         "einen neuen Speicher.",
    "StorePragmaError": "SQLite sichert hier nicht dauerhaft (Dateisystem?); die IT fragen.",
}
EXPORT_QUESTION = "Was soll auf den USB-Stick?"
PRIVACY_HINT = (
    "„Mit Ideen und Kommentaren“ nimmt den Text mit, den Besucherinnen und Besucher geschrieben haben: "
    "darin können personenbezogene Daten stehen (Namen, Telefonnummern, E-Mail-Adressen). "
    "Vertraulich behandeln, nur an die zuständige Stelle geben und die Datei auf dem Stick nach der "
    "Übergabe löschen. „Nur Zahlen“ enthält Stimmen, Bewertungen und Zeiten, keine Texte.")


def _de(n: int) -> str:
    return whole(n, "de")


def _plural(n: int, one: str, many: str) -> str:
    return f"{_de(n)} {one if n == 1 else many}"


class ExportChoice(common.Card):
    """The export's question: hidden and untouchable until staff tap "Export auf USB-Stick".

    Folded to height 0, its buttons would still lie over the screen and take taps meant for
    what is drawn there; so touches pass it by unless it is shown (disabling would not do:
    a disabled widget swallows the touches that land on it)."""

    shown = BooleanProperty(False)

    def on_touch_down(self, touch):
        return super().on_touch_down(touch) if self.shown else False

    def on_touch_move(self, touch):
        return super().on_touch_move(touch) if self.shown else False

    def on_touch_up(self, touch):
        return super().on_touch_up(touch) if self.shown else False


class StaffScreen(KioskScreen):
    summary = StringProperty("")
    warning = StringProperty("")          # a setup fault staff must fix, shown above everything
    problems = StringProperty("")
    export_message = StringProperty("")
    exporting = BooleanProperty(False)
    choosing = BooleanProperty(False)     # the export asks: with the ideas' text or only numbers?
    export_question = StringProperty(EXPORT_QUESTION)
    privacy_hint = StringProperty(PRIVACY_HINT)
    sync_alerts = StringProperty("")    # what staff must do about the sync, highlighted
    sync_state = StringProperty("")     # how the sync is doing
    _sync_timer = None                  # the sync section's refresh, while the screen is shown

    def show(self):
        self.choosing = False
        self.refresh()

    def on_enter(self, *args):
        self._sync_timer = Clock.schedule_interval(lambda dt: self._refresh_sync_off_the_frame(), SYNC_REFRESH_S)

    def on_leave(self, *args):
        if self._sync_timer is not None:
            self._sync_timer.cancel()
            self._sync_timer = None

    def refresh_sync(self):
        # status() reads what the sync thread last saw and what waits in the store now (an
        # indexed count): no network. Shown at once when the screen opens, as its other lines.
        self._show_sync(self.services.sync.status())

    def _refresh_sync_off_the_frame(self):
        # Every two seconds while staff look: the count of what waits is read in a thread, so
        # a large backlog never costs a frame.
        in_background(self.services.sync.status, self._show_sync, name="kiosk-staff-sync")

    def _show_sync(self, status):
        if isinstance(status, Exception):  # the store was closed meanwhile: keep what is shown
            return
        words = sync_words(status)
        # "ACHTUNG:" as the screen's other warnings have it; it also marks where each one begins.
        self.sync_alerts = "\n".join(f"ACHTUNG: {alert}" for alert in words.alerts)
        self.sync_state = "\n".join(words.lines)

    def refresh(self):
        services = self.services
        content = services.content
        config = services.config
        tallies = "  ·  ".join(f"{TALLY_NAMES.get(name, name)}: {_de(t.valid)} gültig, {_de(t.invalid)} ungültig"
                               for name, t in content.tallies.items())
        self.summary = "\n".join([
            f"Kiosk: {config.kiosk.name} ({config.kiosk.id})  ·  App-Version {services.version}",
            f"Inhaltsversion: {content.version}  ·  {tallies}",
            f"Inhalte: {content.root}",
            f"Speicher: {services.store_path}",
            f"Konfiguration: {config.path}",
        ])
        self.summary += "\n" + self._store_summary(services)
        restarts = self._restarts(services.recorder)
        if restarts:
            self.summary += "\n" + restarts
        self.refresh_sync()
        self.warning = "\n".join(self._setup_warnings(config))
        lines = self._store_alerts(services.recorder)
        errors, warnings = content.errors(), content.warnings()
        if not errors and not warnings:
            lines.append("Keine Probleme in den Inhalten: alle sind gültig.")
        else:
            lines.append(f"{_de(len(errors))} Fehler (übersprungen), {_de(len(warnings))} Hinweise:")
            lines += [str(p) for p in (errors + warnings)[:MAX_PROBLEMS_SHOWN]]
        self.problems = "\n".join(lines)

    @staticmethod
    def _setup_warnings(config) -> list[str]:
        return [PLACEHOLDER_WARNING] if config.public_url_is_placeholder else []

    @staticmethod
    def _store_summary(services) -> str:
        recorder = services.recorder
        if recorder is None or not recorder.opened:
            return "Aufzeichnung: der Speicher wird gerade geöffnet und geprüft …"
        if not recorder.available:
            return "Aufzeichnung: NICHT MÖGLICH"
        health = recorder.health()
        records = _plural(health.get("records", 0), "Eintrag", "Einträge")
        size = megabytes(health.get("size_bytes", 0), "de")
        if services.config.standalone:
            # Without a central nothing is ever transferred: "not yet transferred" would promise it.
            return (f"Aufzeichnung: {records}, nur auf diesem Kiosk gespeichert (weitergeben per Export auf "
                    f"USB-Stick)  ·  Datei {size}")
        # What waits for the central is said in the sync's section below.
        return f"Aufzeichnung: {records}  ·  Datei {size}"

    @staticmethod
    def _restarts(recorder) -> str:
        """How often the kiosk came back by itself lately, and why (kiosk/core/restarts.py)."""
        from kiosk.store.boots import restart_count

        if recorder is None or recorder.store is None:
            return ""
        try:
            return restart_count(recorder.store).staff_line()
        except Exception as error:  # noqa: BLE001 - a store that cannot be read is shown above already
            return f"Neustarts: nicht lesbar ({type(error).__name__})"

    @staticmethod
    def _store_alerts(recorder) -> list[str]:
        lines = []
        if recorder is not None and recorder.problem:
            kind = recorder.problem.split(":", 1)[0]
            lead = STORE_PROBLEMS.get(kind, "Der Speicher kann gerade nicht schreiben.")
            lines.append(f"ACHTUNG Speicher: {lead} Besucherinnen und Besucher sehen „gerade nicht möglich“. "
                         f"Für die IT: {recorder.problem}")
        if recorder is not None and recorder.store is not None:
            for alert in recorder.health().get("alerts", []):
                message = alert.get("message") if isinstance(alert, dict) else str(alert)
                lines.append(f"ACHTUNG: {message}")
        return lines

    # -- export onto a USB stick -------------------------------------------------------------

    def export_to_usb(self):
        """First step: check store and stick, then ask whether the ideas' text goes along."""
        if self.exporting:
            return
        if self._export_blocked() is not None:
            self.export_message = ""
            self.choosing = True

    def cancel_export(self):
        self.choosing = False
        self.export_message = "Export abgebrochen: nichts geschrieben."

    def start_export(self, include_free_text: bool):
        """Poll results, ratings and records as XLSX onto the stick, off the frame, then read back."""
        self.choosing = False
        if self.exporting:
            return
        sticks = self._export_blocked()
        if sticks is None:
            return
        from kiosk.core.files import Protected
        from kiosk.export.period import BERLIN

        services = self.services
        stamp = dt.datetime.now(BERLIN).strftime("%Y-%m-%d-%H%M")
        kind = "mit-texten" if include_free_text else "zahlen"
        target = sticks[0] / f"stadtlabor-{services.config.kiosk.id}-{stamp}-{kind}.xlsx"
        self.exporting = True
        self.export_message = f"Export läuft … {target.name}"
        # The same protection as `kiosk export`: a stick mounted over the data folder (or a link
        # on it) must not let the export replace the store, the config or the content.
        config_path = services.config.path
        protected = Protected(configs=[config_path] if config_path else [], content_roots=[services.content.root])
        threading.Thread(target=self._export,
                         args=(services.recorder.store, target, services.content.exhibits, protected, include_free_text),
                         name="usb-export", daemon=True).start()

    def _export_blocked(self):
        """The sticks to write to; None (and the reason shown) when the export cannot start."""
        from kiosk.export import find_removable_media

        recorder = self.services.recorder
        if recorder is None or recorder.store is None:
            self.export_message = "Export nicht möglich: der Speicher ist nicht geöffnet (siehe oben)."
            return None
        sticks = find_removable_media()
        if not sticks:
            self.export_message = "Kein USB-Stick gefunden. Bitte einstecken und erneut tippen."
            return None
        return sticks

    def _export(self, store, target, exhibits, protected=None, include_free_text=False):
        from kiosk.core.errors import KioskError
        from kiosk.core.files import Protected
        from kiosk.export import export_store, verify_export

        try:
            result = export_store(store, target, "xlsx", exhibits=exhibits, protected=protected or Protected(),
                                  include_free_text=include_free_text)
            check = verify_export(result.paths[0], "xlsx", result.records)
            message = export_report(result, check) if check.ok else check.message
        except (KioskError, OSError) as error:
            message = ("Export fehlgeschlagen: nichts Vollständiges auf den Stick geschrieben. Ist er voll, "
                       f"schreibgeschützt oder abgezogen? Bitte prüfen und erneut tippen. (Technisch: {error})")
        Clock.schedule_once(lambda dt: self._exported(message))

    def _exported(self, message: str):
        self.exporting = False
        self.export_message = message


    def reload(self):
        self.problems = "Inhalte werden neu gelesen und geprüft …"
        self.services.reload_content(on_done=self.refresh)

    def leave(self):
        self.choosing = False
        self.services.end_visit("staff")

    def exit_app(self):
        # Ends Kivy's loop; App.run() then dispatches on_stop (which closes the store) once.
        # App.stop() would dispatch it here and again when run() returns.
        from kivy.base import stopTouchApp

        stopTouchApp()


def export_report(result, check) -> str:
    """What was written, in staff's words: file, records, polls, ideas, and whether text is in it."""
    polls = len(result.summaries)
    voted = sum(1 for s in result.summaries if s.voters or s.suspect_voters)
    ideas = result.kinds.get("idea", 0)
    lines = [
        f"Export fertig: {result.paths[0].name} auf dem USB-Stick ({result.paths[0].parent}).",
        f"{_plural(result.records, 'Datensatz', 'Datensätze')}, {_plural(polls, 'Umfrage', 'Umfragen')} "
        f"(davon {_de(voted)} mit Stimmen), {_plural(ideas, 'Idee', 'Ideen')}. Geprüft: alle lesbar.",
    ]
    if result.include_free_text:
        lines.append("Mit dem Text der Ideen und Kommentare: vertraulich behandeln und die Datei auf dem "
                     "Stick nach der Übergabe löschen.")
    else:
        lines.append("Nur Zahlen: ohne den Text der Ideen und Kommentare.")
    return "\n".join(lines)


load_kv(__file__)
