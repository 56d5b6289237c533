"""The kiosk's colours as data, with the WCAG contrast arithmetic that keeps them readable.

STANDARD is a calm civic look: warm paper background, white cards, slate text and one deep
teal accent. HIGH_CONTRAST is for visitors who need it: black, white and yellow. Every pair
that carries text is listed in TEXT_PAIRS so a test holds both palettes to WCAG (4.5:1 AA,
7:1 AAA for the high-contrast one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEX = re.compile(r"#([0-9A-Fa-f]{6})([0-9A-Fa-f]{2})?")


@dataclass(frozen=True)
class Palette:
    background: str
    surface: str          # cards and tiles
    surface_alt: str      # grouped or secondary areas on cards
    text: str
    text_muted: str
    accent: str           # buttons
    accent_text: str      # text on accent buttons
    accent_soft: str      # the selected language pill
    focus: str            # focus ring / pressed outline; not text, needs 3:1 (WCAG 1.4.11)
    status_planned: str
    status_in_progress: str
    status_done: str
    status_text: str      # text on the status badges
    danger: str
    danger_text: str
    overlay: str          # dims the screen behind dialogs; #RRGGBBAA


STANDARD = Palette(
    background="#F6F3EE",
    surface="#FFFFFF",
    surface_alt="#EEF2F1",
    text="#1F2A33",
    text_muted="#4D5B66",
    accent="#0B5F63",
    accent_text="#FFFFFF",
    accent_soft="#D3EAE8",
    focus="#C26A00",
    status_planned="#DCE6F4",
    status_in_progress="#FBE7BF",
    status_done="#D5EDDA",
    status_text="#1F2A33",
    danger="#A8261C",
    danger_text="#FFFFFF",
    overlay="#1F2A3399",
)

HIGH_CONTRAST = Palette(
    background="#000000",
    surface="#111111",
    surface_alt="#1C1C1C",
    text="#FFFFFF",
    text_muted="#D6D6D6",
    accent="#FFD500",
    accent_text="#000000",
    accent_soft="#3D3500",
    focus="#00E5FF",
    status_planned="#9CC3FF",
    status_in_progress="#FFD500",
    status_done="#8EF0A6",
    status_text="#000000",
    danger="#FF8A80",
    danger_text="#000000",
    overlay="#000000CC",
)

PALETTES = {"standard": STANDARD, "high_contrast": HIGH_CONTRAST}

TEXT_PAIRS: list[tuple[str, str]] = [
    ("text", "background"),
    ("text", "surface"),
    ("text", "surface_alt"),
    ("text_muted", "background"),
    ("text_muted", "surface"),
    ("accent_text", "accent"),
    ("text", "accent_soft"),
    ("status_text", "status_planned"),
    ("status_text", "status_in_progress"),
    ("status_text", "status_done"),
    ("danger_text", "danger"),
]

# Outlines and rings that must stand out from what they sit on (non-text contrast, 3:1).
UI_PAIRS: list[tuple[str, str]] = [
    ("focus", "background"),
    ("focus", "surface"),
    ("accent", "background"),
    ("accent", "surface"),
]


def rgba(hex_colour: str) -> tuple[float, float, float, float]:
    """`#RRGGBB` or `#RRGGBBAA` as the 0..1 floats Kivy's Color takes."""
    match = _HEX.fullmatch(hex_colour) if isinstance(hex_colour, str) else None
    if not match:
        raise ValueError(f"colour {hex_colour!r} is not #RRGGBB or #RRGGBBAA")
    digits = match.group(1) + (match.group(2) or "FF")
    return tuple(int(digits[i:i + 2], 16) / 255 for i in range(0, 8, 2))  # type: ignore[return-value]


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of the colour's RGB part (alpha is ignored)."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    r, g, b, _ = rgba(hex_colour)
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG 2.x contrast ratio, 1.0 to 21.0; the order of the colours does not matter."""
    lighter, darker = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
