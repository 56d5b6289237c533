"""Numbers as people read them in each language layer: comma decimals and "33 %" on German and
Leichte Sprache screens, point decimals and "33%" in English."""

from __future__ import annotations

_GERMAN = ("de", "ls")


def decimal(value: float, layer: str, digits: int = 1) -> str:
    """1234.5 -> "1.234,5" (de, ls) or "1,234.5" (en)."""
    text = f"{value:,.{digits}f}"
    if layer in _GERMAN:
        text = text.translate(str.maketrans({",": ".", ".": ","}))
    return text


def whole(value: int, layer: str) -> str:
    """12345 -> "12.345" (de, ls) or "12,345" (en)."""
    return decimal(value, layer, digits=0)


def percent(share: float, layer: str) -> str:
    """0.333 -> "33 %" (de, ls: DIN 5008 puts a space before the sign) or "33%" (en)."""
    number = round(share * 100)
    return f"{number}\u00a0%" if layer in _GERMAN else f"{number}%"


def megabytes(size_bytes: int, layer: str) -> str:
    """412000 -> "0,4 MB" (de, ls) or "0.4 MB" (en), with a no-break space: a line never ends
    between the number and its unit."""
    return f"{decimal(size_bytes / 1e6, layer)}\u00a0MB"
