"""A picture from the content folder, decoded off the frame at the size it is shown."""

from kivy.clock import Clock
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.image import Image


class Picture(Image):
    """Drawn only once it has its picture: Kivy's Image without a texture draws a white box,
    which showed for a moment at every start while the first picture was being decoded."""

    path = StringProperty("")   # absolute path of the image file
    images = ObjectProperty(None, allownone=True)  # the kiosk's ImageCache, handed down by the screen's kv

    def __init__(self, **kwargs):
        kwargs.setdefault("fit_mode", "cover")
        super().__init__(**kwargs)
        self._trigger = Clock.create_trigger(self._request, 0)
        self.bind(path=self._path_changed, size=self._trigger, images=self._trigger, texture=self._drawn_if_any)
        self._drawn_if_any()

    def _drawn_if_any(self, *args):
        self.color = (1, 1, 1, 1 if self.texture is not None else 0)

    def _path_changed(self, *args):
        # A picture already on screen has its size: a decoded picture is swapped in the same
        # frame as the texts around it (a trigger would draw a second frame, which costs).
        if self.texture is not None:
            self._request()
        else:
            self._trigger()

    def _request(self, *args):
        if self.images is None:
            return  # not yet handed its cache: it asks once it is
        if not self.path or self.width < 2 or self.height < 2:
            self.texture = None
            return
        wanted = self.path
        self.images.request(wanted, self.width, self.height, lambda texture: self._show(wanted, texture))

    def prefetch(self, path: str) -> None:
        """Decode `path` now at this widget's size, to be shown later without a wait."""
        if self.images is not None and self.width >= 2 and self.height >= 2:
            self.images.request(path, self.width, self.height, lambda texture: None)

    def _show(self, wanted: str, texture) -> None:
        if wanted == self.path:  # the widget may show another picture by now
            self.texture = texture
