"""Idle reset: after the idle timeout a 'still there?' countdown, then the visit ends."""

from __future__ import annotations

from kivy.clock import Clock


class IdleWatch:
    def __init__(self, app, timeout_s: float, countdown_s: float):
        self.app = app
        self.timeout_s = timeout_s
        self.countdown_s = countdown_s
        self.watching = False
        self._timer = None
        self._dialog = None

    @property
    def counting_down(self) -> bool:
        return self._dialog is not None

    def touched(self) -> None:
        """Any touch restarts the wait (the dialog's own button closes the dialog)."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = Clock.schedule_once(self._expired, self.timeout_s)

    def _expired(self, dt) -> None:
        self._timer = None
        if not self.watching or self._dialog is not None:
            return
        from .widgets.idle_dialog import IdleDialog

        self._dialog = IdleDialog(seconds=self.countdown_s, on_timeout=self._timeout, on_continue=self._continue)
        self._dialog.open()

    def _continue(self) -> None:
        self._dialog = None
        self.touched()

    def _timeout(self) -> None:
        self._dialog = None
        self.app.end_visit("idle")

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._dialog is not None:
            dialog, self._dialog = self._dialog, None
            dialog.dismiss(animation=False)
        self.watching = False
