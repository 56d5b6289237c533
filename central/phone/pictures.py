"""Exhibit pictures scaled for phones: at most 720 pixels wide, JPEG, made once per file."""

from __future__ import annotations

import functools
import io
from pathlib import Path

MAX_WIDTH = 720
QUALITY = 70


@functools.lru_cache(maxsize=128)
def _scaled(path: str, mtime_ns: int) -> bytes:
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB")
        if image.width > MAX_WIDTH:
            image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def phone_picture(path: Path) -> bytes:
    """The picture at `path` for a phone (OSError when it cannot be read)."""
    return _scaled(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _size(path: str, mtime_ns: int) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as image:
        width, height = image.size
    if width > MAX_WIDTH:
        return MAX_WIDTH, round(height * MAX_WIDTH / width)
    return width, height


def phone_picture_size(path: Path) -> tuple[int, int] | None:
    """(width, height) of the picture as phone_picture gives it; None when it cannot be read."""
    try:
        return _size(str(path), path.stat().st_mtime_ns)
    except OSError:
        return None
