"""The addresses the kiosk's QR codes carry to a visitor's phone."""

from __future__ import annotations

from urllib.parse import quote

from .terms import LAYERS


def phone_url(public_url: str, exhibit_id: str, layer: str) -> str:
    """The exhibit's phone page in the language the visitor was reading."""
    if layer not in LAYERS:
        raise ValueError(f"language layer {layer!r} is not one of {', '.join(LAYERS)}")
    # safe="": an id is one path segment; a slash or ? in it must not change the address.
    return f"{public_url.rstrip('/')}/m/{quote(exhibit_id, safe='')}?lang={layer}"


def event_url(registration_url: str) -> str:
    """Event registration happens on the organiser's own page, so the QR code carries it as is."""
    return registration_url
