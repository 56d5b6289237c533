"""Decode a picture the way the screen shows it: one function for the validator and the kiosk.

The validator decodes every picture in full, at the largest size the kiosk draws it, with
the same code the kiosk uses; so a picture that passes validation is one the screen can
draw. Checking the header alone (Pillow's verify) lets a JPEG cut off after a third, or a
PNG whose header claims more rows than its data holds, through to a blank tile.

Only PNG, JPEG and WebP are ever parsed: Pillow's other readers (EPS calls Ghostscript,
for one) never see a file from a content folder.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib

from PIL import Image

from .limits import LIMITS

FORMATS = LIMITS.media_formats
MAX_PIXELS = LIMITS.media_pixels
SCREEN = (1920, 1080)

# Other formats an editor may try, by their first bytes: named in the message rather than
# called "not an image".
_OTHER_FORMATS = (
    (b"GIF87a", "GIF"), (b"GIF89a", "GIF"), (b"BM", "BMP"), (b"II*\0", "TIFF"), (b"MM\0*", "TIFF"),
    (b"%PDF", "PDF"), (b"\0\0\1\0", "ICO"), (b"8BPS", "PSD"),
)
# What Pillow's readers raise on damaged data (a truncated stream, a chunk that lies about its
# length, a decoder error); anything else would be a bug in Pillow, reported as one.
_DAMAGE = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, zlib.error)


class PictureError(Exception):
    """The picture cannot be shown; the message completes "media file 'x' ..."."""


class NotAPicture(PictureError):
    def __init__(self):
        super().__init__("is not an image")


class WrongFormat(PictureError):
    def __init__(self, kind: str):
        super().__init__(f"is {kind}")
        self.kind = kind


class TooManyPixels(PictureError):
    def __init__(self, size: tuple[int, int] | None, max_pixels: int):
        shown = f"{size[0]}x{size[1]} pixels, " if size else ""
        super().__init__(f"is {shown}over the limit of {max_pixels / 1e6:.0f} megapixels")
        self.size = size


class DamagedPicture(PictureError):
    def __init__(self, detail: str):
        super().__init__(f"is damaged ({detail})")


def decode_for_screen(data: bytes, width: int, height: int, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """The picture in `data` decoded in full, as RGB, scaled down to fit width x height.

    Raises a PictureError for anything that is not a whole PNG, JPEG or WebP picture. The
    kiosk takes `.tobytes()` of the result for its texture; the validator needs only to know
    that decoding worked, and skips that copy.
    """
    with warnings.catch_warnings():
        # Pillow warns about large pictures (the pixel limit below says it in plain words) and
        # about odd but drawable ones (palette transparency); neither is for the editor.
        warnings.simplefilter("ignore")
        try:
            image = Image.open(io.BytesIO(data), formats=FORMATS)
        except Image.UnidentifiedImageError:
            kind = next((name for magic, name in _OTHER_FORMATS if data.startswith(magic)), None)
            if kind:
                raise WrongFormat(kind) from None
            raise NotAPicture() from None
        except Image.DecompressionBombError:
            raise TooManyPixels(None, max_pixels) from None
        except _DAMAGE as error:
            raise DamagedPicture(_detail(error)) from None
        with image:
            columns, rows = image.size
            if columns * rows > max_pixels:
                raise TooManyPixels(image.size, max_pixels)
            if columns == 0 or rows == 0:
                raise DamagedPicture("it has no pixels")
            try:
                image.draft("RGB", (width, height))  # JPEG: decode at a reduced scale directly
                image.load()  # decodes all of it: damage anywhere shows here
                if image.format == "PNG":
                    _check_png_data_length(data, columns, rows)
                if image.mode != "RGB":
                    image = image.convert("RGB")
                image.thumbnail((width, height), Image.Resampling.BILINEAR, reducing_gap=2.0)
                return image
            except Image.DecompressionBombError:
                raise TooManyPixels(None, max_pixels) from None
            except _DAMAGE as error:
                raise DamagedPicture(_detail(error)) from None


# Adam7 interlacing: (first column, first row, column step, row step) of each of the seven passes.
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by PNG colour type


def _check_png_data_length(data: bytes, columns: int, rows: int) -> None:
    """Refuse a PNG whose pixel data ends before the rows its header promises.

    Pillow stops quietly where the compressed stream ends and leaves the missing rows
    black; a header claiming 3000 rows over data for 300 must not pass as a picture.
    """
    bit_depth, colour_type, interlace = data[24], data[25], data[28]
    bits = bit_depth * _CHANNELS.get(colour_type, 4)
    if interlace:
        passes = [(-(-(columns - x0) // dx), -(-(rows - y0) // dy)) for x0, y0, dx, dy in _ADAM7]
    else:
        passes = [(columns, rows)]
    expected = sum(h * (1 + -(-w * bits // 8)) for w, h in passes if w > 0 and h > 0)
    inflate, produced, offset = zlib.decompressobj(), 0, 8
    while offset + 8 <= len(data) and produced < expected:
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            chunk = data[offset + 8:offset + 8 + length]
            # Count in bounded steps: the data may inflate far beyond what the header promises.
            while chunk and produced < expected:
                produced += len(inflate.decompress(chunk, 1 << 20))
                chunk = inflate.unconsumed_tail
        offset += 12 + length
    if produced < expected:
        raise DamagedPicture(f"its data ends after {produced * 100 // expected}% of the rows its header promises")


def _detail(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 80 else text[:77] + "..."
