"""An X screen read with `xwd -root -silent` as a picture (ZPixmap, 24-bit TrueColor with 32 bits
per pixel, as Xvfb serves it)."""

from __future__ import annotations

from PIL import Image


def image_from_xwd(raw: bytes) -> Image.Image:
    fields = [int.from_bytes(raw[i:i + 4], "big") for i in range(0, 100, 4)]
    header_size, width, height, bytes_per_line, colours = fields[0], fields[4], fields[5], fields[12], fields[19]
    pixels = raw[header_size + 12 * colours:]
    return Image.frombytes("RGB", (width, height), pixels, "raw", "BGRX", bytes_per_line)
