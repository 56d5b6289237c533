"""Staff: what the kiosk shows and why, where it stores, reload content, exit.

Reached only through the corner gesture and the PIN pad. In German: staff work here.
"""

import datetime as dt
import threading

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from ..widgets import load_kv
from ..widgets import common  # noqa: F401  (classes used in the kv)

MAX_PROBLEMS_SHOWN = 200


class StaffScreen(Screen):
    summary = StringProperty("")
    problems = StringProperty("")
    export_message = StringProperty("")
    exporting = BooleanProperty(False)

    def show(self):
        self.refresh()

    def refresh(self):
        app = App.get_running_app()
        content = app.content
        config = app.kiosk_config
        tallies = ", ".join(f"{name}: {t.valid} gültig, {t.invalid} ungültig" for name, t in content.tallies.items())
        self.summary = "\n".join([
            f"Kiosk: {config.kiosk.name} ({config.kiosk.id})  ·  App-Version {app.version}",
            f"Inhaltsversion: {content.version}  ·  {tallies}",
            f"Inhalte: {content.root}",
            f"Speicher: {app.store_path}",
            f"Konfiguration: {config.path}",
        ])
        self.summary += "\n" + self._store_summary(app)
        lines = self._store_alerts(app)
        errors, warnings = content.errors(), content.warnings()
        if not errors and not warnings:
            lines.append("Keine Probleme: alle Inhalte sind gültig.")
        else:
            lines.append(f"{len(errors)} Fehler (übersprungen), {len(warnings)} Hinweise:")
            lines += [str(p) for p in (errors + warnings)[:MAX_PROBLEMS_SHOWN]]
        self.problems = "\n".join(lines)

    @staticmethod
    def _store_summary(app) -> str:
        recorder = app.recorder
        if recorder is None or not recorder.opened:
            return "Aufzeichnung: der Speicher wird gerade geöffnet und geprüft …"
        if not recorder.available:
            return "Aufzeichnung: NICHT MÖGLICH"
        health = recorder.health()
        outbox = health.get("outbox", {})
        pending = outbox.get("pending", 0) if isinstance(outbox, dict) else outbox
        return (f"Aufzeichnung: {health.get('records', 0)} Einträge, {pending} noch nicht übertragen, "
                f"Datei {health.get('size_bytes', 0) / 1e6:.1f} MB")

    @staticmethod
    def _store_alerts(app) -> list[str]:
        recorder = app.recorder
        lines = []
        if recorder is not None and recorder.problem:
            lines.append(f"ACHTUNG Speicher: {recorder.problem}")
        if recorder is not None and recorder.store is not None:
            for alert in recorder.health().get("alerts", []):
                message = alert.get("message") if isinstance(alert, dict) else str(alert)
                lines.append(f"ACHTUNG: {message}")
        return lines

    def export_to_usb(self):
        """Poll results and records as XLSX onto a USB stick, off the frame, then read back and checked."""
        from kiosk.export import find_removable_media

        app = App.get_running_app()
        if self.exporting:
            return
        if app.recorder is None or app.recorder.store is None:
            self.export_message = "Export nicht möglich: der Speicher ist nicht geöffnet (siehe oben)."
            return
        sticks = find_removable_media()
        if not sticks:
            self.export_message = "Kein USB-Stick gefunden. Bitte einstecken und erneut tippen."
            return
        stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M")
        target = sticks[0] / f"stadtlabor-{app.kiosk_config.kiosk.id}-{stamp}.xlsx"
        self.exporting = True
        self.export_message = f"Export läuft … {target}"
        from kiosk.core.files import Protected

        # The same protection as `kiosk export`: a stick mounted over the data folder (or a link
        # on it) must not let the export replace the store, the config or the content.
        protected = Protected(configs=[app.kiosk_config.path] if app.kiosk_config.path else [],
                              content_roots=[app.content.root])
        threading.Thread(target=self._export, args=(app.recorder.store, target, app.content.exhibits, protected),
                         name="usb-export", daemon=True).start()

    def _export(self, store, target, exhibits, protected=None):
        from kiosk.core.errors import KioskError
        from kiosk.core.files import Protected
        from kiosk.export import export_store, verify_export

        try:
            result = export_store(store, target, "xlsx", exhibits=exhibits, protected=protected or Protected())
            message = verify_export(result.paths[0], "xlsx", result.records).message
        except (KioskError, OSError) as error:
            message = f"Export fehlgeschlagen: {error}"
        Clock.schedule_once(lambda dt: self._exported(message))

    def _exported(self, message: str):
        self.exporting = False
        self.export_message = message

    def reload(self):
        self.problems = "Inhalte werden neu gelesen und geprüft …"
        App.get_running_app().reload_content(on_done=self.refresh)

    def leave(self):
        App.get_running_app().end_visit("staff")

    def exit_app(self):
        App.get_running_app().stop()


load_kv(__file__)
