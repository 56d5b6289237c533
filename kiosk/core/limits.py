"""How big content files may be: checked before a file is read (documented in docs/content.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    toml_bytes: int = 256 * 1024
    markdown_bytes: int = 128 * 1024
    media_bytes: int = 5_000_000
    media_pixels: int = 40_000_000
    media_formats: tuple[str, ...] = ("PNG", "JPEG", "WEBP")
    # Paragraphs, headings and list items in one body: the kiosk lays each out as a label of
    # its own, about 4 ms apiece on a kiosk's GPU; thousands would keep a screen busy for
    # seconds. 200 hold a 128 KiB body of ordinary paragraphs.
    body_blocks: int = 200


LIMITS = Limits()
