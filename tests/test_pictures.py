"""One decode for validator and kiosk: what passes validation is what the screen can draw."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import Image, ImageDraw

from kiosk.core.pictures import _ADAM7, SCREEN, DamagedPicture, NotAPicture, TooManyPixels, WrongFormat, \
    decode_for_screen


def picture(kind: str, size=(320, 200)) -> bytes:
    image = Image.new("RGB", size, (240, 240, 240))
    ImageDraw.Draw(image).ellipse((8, 8, size[0] - 8, size[1] - 8), fill=(20, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def interlaced_png(width: int, height: int, cut: int = 0) -> tuple[bytes, list]:
    """An Adam7-interlaced RGB PNG (Pillow writes none), its data shortened by `cut` bytes."""
    rnd = random.Random(width * 1000 + height)
    pixels = [[tuple(rnd.randrange(256) for _ in range(3)) for _ in range(width)] for _ in range(height)]
    raw = b""
    for x0, y0, dx, dy in _ADAM7:
        columns, rows = range(x0, width, dx), range(y0, height, dy)
        if columns and rows:
            raw += b"".join(b"\0" + b"".join(bytes(pixels[y][x]) for x in columns) for y in rows)
    raw = raw[:len(raw) - cut]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return data, pixels


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "WEBP"])
@pytest.mark.parametrize("size", [SCREEN, (960, 540), (100, 50)])
def test_whole_pictures_decode_at_every_size_the_kiosk_uses(kind, size):
    image = decode_for_screen(picture(kind), *size)
    assert image.mode == "RGB" and image.width <= size[0] and image.height <= size[1]
    assert len(image.tobytes()) == image.width * image.height * 3


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "WEBP"])
def test_a_picture_cut_anywhere_after_its_header_is_damaged(kind):
    data = picture(kind)
    for cut in (len(data) // 3, len(data) // 2, len(data) - 24):  # (a PNG without its IEND is whole)
        with pytest.raises((DamagedPicture, NotAPicture)):
            decode_for_screen(data[:cut], *SCREEN)


@pytest.mark.parametrize("width, height", [(1, 1), (3, 2), (9, 9), (17, 5), (64, 33)])
def test_interlaced_png_is_decoded_exactly_and_refused_when_short(width, height):
    data, pixels = interlaced_png(width, height)
    image = decode_for_screen(data, *SCREEN)
    assert list(image.getdata()) == [p for row in pixels for p in row]
    with pytest.raises(DamagedPicture):
        decode_for_screen(interlaced_png(width, height, cut=1)[0], *SCREEN)


def test_other_formats_are_named():
    with pytest.raises(WrongFormat, match="is GIF"):
        decode_for_screen(picture("GIF"), *SCREEN)
    with pytest.raises(NotAPicture):
        decode_for_screen(b"## not a picture\n", *SCREEN)


def test_the_pixel_limit_is_checked_before_decoding():
    data = picture("PNG")
    start = data.index(b"IHDR")
    header = bytearray(data[start:start + 17])
    header[4:12] = struct.pack(">II", 10_000, 5_000)
    lie = data[:start] + bytes(header) + struct.pack(">I", zlib.crc32(bytes(header))) + data[start + 21:]
    with pytest.raises(TooManyPixels, match="10000x5000 pixels, over the limit of 40 megapixels"):
        decode_for_screen(lie, *SCREEN)
