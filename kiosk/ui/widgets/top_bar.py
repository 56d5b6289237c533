"""The bar on every visitor screen: wordmark, way back, text size, contrast and language."""

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from . import common  # noqa: F401  (style classes used in the kv)
from . import load_kv


class TopBar(BoxLayout):
    back_to = StringProperty("")     # screen name the back button leads to; "" hides it
    back_key = StringProperty("back")  # UI text key for the back button's label
    compact = BooleanProperty(False)  # narrow screens: the text-size chip shows only "A+"
    services = ObjectProperty(None)   # the screen's Services (kiosk.ui.screens), set in its kv

    def on_kv_post(self, base_widget):
        self._back = self.ids.back
        self._sync_back()

    def on_back_to(self, *args):
        if hasattr(self, "_back"):
            self._sync_back()

    def _sync_back(self):
        holder = self.ids.back_holder
        if self.back_to and self._back.parent is None:
            holder.add_widget(self._back)
        elif not self.back_to and self._back.parent is not None:
            holder.remove_widget(self._back)

    def go_back(self):
        self.services.go(self.back_to)

    def finish(self):
        self.services.finish_visit()

    def toggle_large_text(self):
        self.services.toggle_large_text()

    def toggle_contrast(self):
        self.services.toggle_contrast()

    def set_layer(self, layer: str):
        self.services.set_layer(layer)


load_kv(__file__)
