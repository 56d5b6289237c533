"""A QR code drawn crisp: one texel per module, scaled up without smoothing."""

import functools

import qrcode
from kivy.graphics.texture import Texture
from kivy.properties import StringProperty
from kivy.uix.image import Image


@functools.lru_cache(maxsize=64)
def qr_texture(data: str) -> Texture:
    """The code for `data` (cached: choosing the best mask takes longer than a frame allows)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    # Rows bottom-up, as OpenGL textures start at the bottom-left.
    pixels = bytes(0 if dark else 255 for row in reversed(matrix) for dark in row)
    texture = Texture.create(size=(size, size), colorfmt="luminance")
    texture.blit_buffer(pixels, colorfmt="luminance", bufferfmt="ubyte")
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    return texture


class QRCode(Image):
    data = StringProperty("")

    def __init__(self, **kwargs):
        kwargs.setdefault("fit_mode", "contain")
        super().__init__(**kwargs)
        self.bind(data=self._render)

    def _render(self, *args):
        self.texture = qr_texture(self.data) if self.data else None
