"""The on-screen German keyboard (QWERTZ, umlauts, ß) and the text field it types into.

Only shown when a visitor chose to write. The field takes no input from a system keyboard
popup; keys insert at the cursor of the field.
"""

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from . import common  # noqa: F401  (style classes used in the kv)
from . import load_kv

ROWS = [
    "1234567890ß",
    "qwertzuiopü",
    "asdfghjklöä",
    "yxcvbnm,.-",
]
SHIFT, BACKSPACE, SPACE = "shift", "backspace", "space"


class Key(ButtonBehavior, Label):
    value = StringProperty("")
    wide = NumericProperty(1)


class GermanKeyboard(BoxLayout):
    target = ObjectProperty(None, allownone=True)   # a TextInput
    shifted = BooleanProperty(True)                 # a new text starts with a capital letter
    max_chars = NumericProperty(600)

    def on_kv_post(self, base_widget):
        self._keys = []
        for i, letters in enumerate(ROWS):
            row = self.ids[f"row{i}"]
            if i == 3:
                row.add_widget(self._key(SHIFT, "Groß", wide=1.6))
            for letter in letters:
                row.add_widget(self._key(letter, letter))
            if i == 0:
                row.add_widget(self._key(BACKSPACE, "Löschen", wide=1.8))
        bottom = self.ids.row4
        for mark in ("?", "!"):
            bottom.add_widget(self._key(mark, mark))
        bottom.add_widget(self._key(SPACE, "Leerzeichen", wide=6))
        for mark in ("'", ":"):
            bottom.add_widget(self._key(mark, mark))
        self._relabel()

    def _key(self, value, label, wide=1):
        key = Key(value=value, text=label, wide=wide, on_release=self.press)
        key.size_hint_x = wide
        self._keys.append(key)
        return key

    def on_shifted(self, *args):
        if hasattr(self, "_keys"):
            self._relabel()

    def _relabel(self):
        for key in self._keys:
            if len(key.value) == 1 and key.value.isalpha():
                key.text = key.value.upper() if self.shifted and key.value != "ß" else key.value

    def press(self, key):
        field = self.target
        if field is None:
            return
        if key.value == SHIFT:
            self.shifted = not self.shifted
            return
        if key.value == BACKSPACE:
            field.do_backspace()
            return
        char = " " if key.value == SPACE else key.text if key.value.isalpha() else key.value
        if len(field.text) >= self.max_chars:
            return
        field.insert_text(char)
        if self.shifted and key.value.isalpha():
            self.shifted = False
        if char in ".!?":
            self.shifted = True


class TextEntry(BoxLayout):
    """A field with its send button beside it, the characters left and the privacy hint, and
    the keyboard under them: the form and what sends it in one place. A tap on the button
    dispatches `on_send`."""

    text = StringProperty("")
    max_chars = NumericProperty(600)
    placeholder = StringProperty("")
    send_text = StringProperty("")
    can_send = BooleanProperty(False)
    room = NumericProperty(10000)  # the height the screen has for the whole entry; the field gives way

    def __init__(self, **kwargs):
        self.register_event_type("on_send")
        super().__init__(**kwargs)

    def on_send(self):
        pass

    def clear(self):
        self.ids.field.text = ""
        self.ids.keyboard.shifted = True


load_kv(__file__)
