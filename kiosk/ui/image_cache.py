"""Pictures decoded and downscaled off the frame, kept in a bounded cache.

Pillow decodes and scales in a worker thread; only the upload of the finished
pixels to a texture happens on the Kivy thread, which takes well under a frame.
"""

from __future__ import annotations

from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kivy.clock import Clock
from kivy.graphics.texture import Texture

from kiosk.core.bounded_files import FileRefused, read_bounded
from kiosk.core.limits import LIMITS
from kiosk.core.pictures import PictureError, decode_for_screen


class ImageCache:
    def __init__(self, max_bytes: int = 96 * 1024 * 1024):
        self.max_bytes = max_bytes
        # Pictures are decoded at one of two sizes: half the screen (tiles, exhibit pictures) or
        # the whole screen (attract loop); the GPU scales from there. Few sizes, few decodes.
        self.sizes: list[tuple[int, int]] = [(960, 540), (1920, 1080)]
        self._textures: OrderedDict[tuple, Texture] = OrderedDict()
        self._bytes = 0
        self._waiting: dict[tuple, list] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="image-decode")

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def request(self, path: Path, width: float, height: float, callback) -> None:
        """Call `callback(texture)` on the Kivy thread with `path` scaled to fit width x height."""
        key = (str(path), *self.size_for(width, height))
        texture = self._textures.get(key)
        if texture is not None:
            self._textures.move_to_end(key)
            callback(texture)
            return
        if key in self._waiting:
            self._waiting[key].append(callback)
            return
        self._waiting[key] = [callback]
        self._pool.submit(self._decode, key)

    def size_for(self, width: float, height: float) -> tuple[int, int]:
        for size in self.sizes:
            if width <= size[0] and height <= size[1]:
                return size
        return self.sizes[-1]

    def set_screen(self, width: int, height: int) -> None:
        if self.sizes != [(width // 2, height // 2), (width, height)]:
            self.sizes = [(width // 2, height // 2), (width, height)]
            self.clear()

    def prefetch(self, paths, full_screen: bool = False) -> None:
        """Decode pictures ahead of need, so the first visit to a screen finds them ready."""
        size = self.sizes[-1 if full_screen else 0]
        for path in paths:
            self.request(path, *size, lambda texture: None)

    def _decode(self, key: tuple) -> None:
        path, width, height = key
        try:
            # The validator decoded this picture with the same function; reading it bounded
            # again keeps a file swapped since then (a pipe, a huge file) from hanging the worker.
            image = decode_for_screen(read_bounded(path, LIMITS.media_bytes), width, height)
            pixels, size = image.tobytes(), image.size
        except (FileRefused, PictureError):
            pixels, size = None, None  # a picture that vanished or changed since validation stays blank
        Clock.schedule_once(lambda dt: self._upload(key, pixels, size))

    def _upload(self, key: tuple, pixels: bytes | None, size) -> None:
        callbacks = self._waiting.pop(key, [])
        if pixels is None:
            return
        texture = Texture.create(size=size, colorfmt="rgb")
        texture.blit_buffer(pixels, colorfmt="rgb", bufferfmt="ubyte")
        texture.flip_vertical()
        self._textures[key] = texture
        self._bytes += len(pixels)
        while self._bytes > self.max_bytes and len(self._textures) > 1:
            old_key, old = self._textures.popitem(last=False)
            self._bytes -= old.width * old.height * 3
        for callback in callbacks:
            callback(texture)

    def clear(self) -> None:
        self._textures.clear()
        self._bytes = 0

