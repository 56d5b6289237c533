"""Widgets taken off a box and kept to be used again.

A Kivy widget is costly to build, and one that is dropped leaves a few hundred objects in
reference cycles (its bindings) for Python's collector to find; a screen that rebuilds its
rows on every visit makes thousands, and the collector's pass over them lands on a tap.
Screens therefore put their rows back here and take them out again, with new properties.
"""

from __future__ import annotations

from collections import defaultdict

MAX_SPARE_PER_CLASS = 80  # more than any exhibit's body has blocks; beyond it, dropped


class Spares:
    def __init__(self):
        self._spare: dict[type, list] = defaultdict(list)

    def take(self, cls: type, on_new=None, **properties):
        """A widget of `cls` with `properties` set: a spare one if there is, else a new one,
        which `on_new(widget)` may bind (bindings stay with a widget when it is used again)."""
        spare = self._spare[cls]
        if not spare:
            widget = cls(**properties)
            if on_new is not None:
                on_new(widget)
            return widget
        widget = spare.pop()
        for name, value in properties.items():
            setattr(widget, name, value)
        return widget

    def put_back(self, box) -> None:
        """Take every child off `box` and keep it for `take`."""
        for child in list(box.children):
            box.remove_widget(child)
            spare = self._spare[type(child)]
            if len(spare) < MAX_SPARE_PER_CLASS:
                spare.append(child)
