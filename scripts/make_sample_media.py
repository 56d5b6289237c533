#!/usr/bin/env python3
"""Generate the calm, flat sample illustrations for the exhibits.

One PNG per exhibit, 1600x1000 px, drawn with Pillow only (no text, no fonts,
no downloads). Everything is drawn at twice the size and scaled down, which
gives smooth edges without any external tooling.

    .venv/bin/python scripts/make_sample_media.py            # writes media/<exhibit-id>/<name>.png
    .venv/bin/python scripts/make_sample_media.py --out DIR  # writes elsewhere

Credit for all images: "Illustration: StadtLABOR-Kiosk-Projekt", licence CC0-1.0.
"""

from __future__ import annotations

import argparse
import math
import random
from pathlib import Path

from PIL import Image, ImageDraw

W, H = 1600, 1000
S = 2  # supersampling factor
MAX_BYTES = 300_000

# A soft, muted palette shared by all pictures.
INK = (92, 108, 122)
SKY = (234, 241, 245)
CREAM = (246, 241, 232)
SAND = (232, 223, 204)
STONE = (205, 208, 214)
WHITE = (252, 251, 248)
SAGE = (181, 207, 168)
SAGE_DARK = (150, 186, 150)
MINT = (196, 226, 210)
TEAL = (127, 167, 181)
TEAL_LIGHT = (191, 216, 222)
PEACH = (240, 196, 168)
CORAL = (227, 155, 134)
ROSE = (232, 187, 196)
LAVENDER = (200, 190, 226)
BUTTER = (246, 221, 150)
WOOD = (190, 152, 118)
BARK = (156, 132, 112)
SKIN = [(241, 205, 178), (214, 170, 136), (176, 128, 96), (234, 192, 160)]


class Canvas:
    """ImageDraw wrapper that takes coordinates in final pixels (1600x1000)."""

    def __init__(self, background):
        self.img = Image.new("RGB", (W * S, H * S), background)
        self.d = ImageDraw.Draw(self.img)

    @staticmethod
    def _s(values):
        return [v * S for v in values]

    def rect(self, box, fill, radius=0):
        if radius:
            self.d.rounded_rectangle(self._s(box), radius=radius * S, fill=fill)
        else:
            self.d.rectangle(self._s(box), fill=fill)

    def ellipse(self, box, fill):
        self.d.ellipse(self._s(box), fill=fill)

    def circle(self, cx, cy, r, fill):
        self.ellipse((cx - r, cy - r, cx + r, cy + r), fill)

    def poly(self, points, fill):
        self.d.polygon([(x * S, y * S) for x, y in points], fill=fill)

    def line(self, points, fill, width):
        pts = [(x * S, y * S) for x, y in points]
        self.d.line(pts, fill=fill, width=width * S, joint="curve")
        for x, y in pts[:1] + pts[-1:]:  # round caps
            r = width * S / 2
            self.d.ellipse((x - r, y - r, x + r, y + r), fill=fill)

    def arc(self, cx, cy, r, start, end, fill, width):
        self.d.arc(self._s((cx - r, cy - r, cx + r, cy + r)), start, end, fill=fill, width=width * S)
        for angle in (start, end):  # round caps
            a = math.radians(angle)
            x, y = cx + (r - width / 2) * math.cos(a), cy + (r - width / 2) * math.sin(a)
            self.circle(x, y, width / 2, fill)

    def pieslice(self, box, start, end, fill):
        self.d.pieslice(self._s(box), start, end, fill=fill)

    def save(self, path: Path):
        out = self.img.resize((W, H), Image.LANCZOS)
        path.parent.mkdir(parents=True, exist_ok=True)
        out.save(path, optimize=True)
        if path.stat().st_size > MAX_BYTES:
            # Fall back to a palette image; flat illustrations lose nothing visible.
            out.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
        return path.stat().st_size


# --- reusable shapes ---------------------------------------------------------

def person(c: Canvas, x, y, body, skin, scale=1.0):
    """A person seen from the front: round head, rounded body; (x, y) is the bottom centre."""
    bw, bh, hr = 110 * scale, 150 * scale, 38 * scale
    c.rect((x - bw / 2, y - bh, x + bw / 2, y + 40 * scale), body, radius=bw / 2.2)
    c.circle(x, y - bh - hr - 6 * scale, hr, skin)


def house(c: Canvas, x, y, w, h, wall, roof, door=None):
    """A gabled house; (x, y) is the bottom-left corner."""
    c.rect((x, y - h, x + w, y), wall)
    c.poly([(x - w * 0.08, y - h), (x + w / 2, y - h - w * 0.55), (x + w * 1.08, y - h)], roof)
    win = w * 0.2
    c.rect((x + w * 0.18, y - h * 0.72, x + w * 0.18 + win, y - h * 0.72 + win), WHITE, radius=4)
    if door:
        c.rect((x + w * 0.58, y - h * 0.5, x + w * 0.82, y), door, radius=6)
    else:
        c.rect((x + w * 0.62, y - h * 0.72, x + w * 0.62 + win, y - h * 0.72 + win), WHITE, radius=4)


def tree(c: Canvas, x, y, size, leaf, trunk=BARK):
    """A round tree; (x, y) is the foot of the trunk."""
    c.rect((x - size * 0.09, y - size * 1.1, x + size * 0.09, y), trunk, radius=size * 0.05)
    c.circle(x, y - size * 1.35, size * 0.62, leaf)
    c.circle(x - size * 0.35, y - size * 1.05, size * 0.4, leaf)
    c.circle(x + size * 0.38, y - size * 1.1, size * 0.42, leaf)


def cloud(c: Canvas, x, y, size, fill=WHITE):
    c.rect((x - size, y - size * 0.35, x + size, y + size * 0.35), fill, radius=size * 0.35)
    c.circle(x - size * 0.3, y - size * 0.3, size * 0.45, fill)
    c.circle(x + size * 0.3, y - size * 0.45, size * 0.55, fill)


def wifi(c: Canvas, cx, cy, size, colour, rings=3):
    c.circle(cx, cy, size * 0.12, colour)
    for i in range(1, rings + 1):
        c.arc(cx, cy, size * (0.12 + 0.3 * i), 225, 315, colour, int(size * 0.12))


def phone(c: Canvas, x, y, w, h, frame=INK, screen=(221, 235, 227)):
    c.rect((x, y, x + w, y + h), frame, radius=w * 0.14)
    c.rect((x + w * 0.07, y + h * 0.08, x + w * 0.93, y + h * 0.9), screen, radius=w * 0.06)
    c.circle(x + w / 2, y + h * 0.95, w * 0.035, screen)


def pin(c: Canvas, x, y, size, colour):
    """A map pin whose tip is at (x, y)."""
    c.poly([(x - size * 0.55, y - size * 1.15), (x + size * 0.55, y - size * 1.15), (x, y)], colour)
    c.circle(x, y - size * 1.35, size * 0.62, colour)
    c.circle(x, y - size * 1.35, size * 0.25, WHITE)


def hills(c: Canvas, base, colours):
    for i, col in enumerate(colours):
        y = base + i * 70
        c.ellipse((-400 + i * 260, y - 120, 1000 + i * 260, y + 500), col)
        c.ellipse((500 - i * 200, y - 60, 2100 - i * 200, y + 560), col)


# --- one scene per exhibit ---------------------------------------------------

def stadtlabor(c: Canvas):
    c.rect((0, 700, W, H), SAND)                      # floor
    c.rect((120, 150, 560, 430), (170, 196, 206), radius=24)   # screen 1
    c.rect((145, 175, 535, 405), TEAL_LIGHT, radius=14)
    c.rect((180, 300, 260, 380), SAGE, radius=8)
    c.rect((290, 250, 370, 380), BUTTER, radius=8)
    c.rect((400, 210, 480, 380), ROSE, radius=8)
    c.rect((1060, 150, 1480, 430), (170, 196, 206), radius=24)  # screen 2
    c.rect((1085, 175, 1455, 405), (226, 236, 230), radius=14)
    c.circle(1190, 290, 70, MINT)
    c.circle(1330, 290, 70, PEACH)
    c.line([(800, 0), (800, 160)], STONE, 6)           # lamp
    c.pieslice((720, 120, 880, 280), 180, 360, BUTTER)
    for i, (x, body) in enumerate([(600, TEAL), (800, CORAL), (1000, SAGE_DARK)]):
        person(c, x, 740, body, SKIN[i])
    c.ellipse((470, 680, 1130, 860), WOOD)             # table
    c.ellipse((490, 670, 1110, 830), (212, 178, 146))
    c.rect((560, 720, 640, 770), WHITE, radius=6)      # papers and a cup
    c.circle(960, 735, 22, (170, 196, 206))
    person(c, 350, 900, LAVENDER, SKIN[3], scale=1.1)  # visitor at the side
    c.rect((1300, 760, 1400, 900), (201, 170, 142), radius=16)   # plant
    c.circle(1350, 700, 80, SAGE_DARK)
    c.circle(1300, 740, 55, SAGE)
    c.circle(1405, 735, 55, SAGE)


def digitale_modellregion(c: Canvas):
    c.circle(1350, 190, 90, (248, 228, 176))
    cloud(c, 330, 180, 120)
    hills(c, 430, [(214, 231, 212), (196, 221, 196), (178, 209, 182)])
    nodes = [(300, 640), (640, 520), (800, 790), (1120, 600), (1330, 820)]
    for a in range(len(nodes)):
        for b in range(a + 1, len(nodes)):
            if (a, b) in {(0, 1), (1, 2), (1, 3), (2, 3), (3, 4), (2, 4), (0, 2)}:
                c.line([nodes[a], nodes[b]], (140, 168, 178), 7)
    roofs = [CORAL, TEAL, (196, 150, 120), LAVENDER, (150, 170, 190)]
    for i, (x, y) in enumerate(nodes):
        big = i == 2  # Soest: a little larger, with a church tower
        r = 120 if big else 95
        c.circle(x, y, r, CREAM)
        hw = 56 if big else 48
        house(c, x - hw - 12, y + 40, hw, hw * 0.9, WHITE, roofs[i])
        house(c, x + 8, y + 40, hw * 0.9, hw * 1.1, (240, 232, 220), roofs[(i + 2) % 5])
        if big:
            c.rect((x - 18, y - 110, x + 18, y + 40), (228, 218, 200))
            c.poly([(x - 26, y - 110), (x, y - 175), (x + 26, y - 110)], SAGE_DARK)


def friedhof(c: Canvas):
    c.circle(1300, 200, 85, (248, 230, 190))
    cloud(c, 420, 170, 110)
    c.rect((0, 560, W, H), (205, 222, 196))           # meadow
    c.ellipse((-200, 500, 900, 700), (214, 229, 204))
    c.ellipse((700, 520, 1900, 720), (214, 229, 204))
    c.poly([(740, 560), (860, 560), (1060, H), (540, H)], (236, 229, 212))  # path
    tree(c, 230, 535, 200, SAGE_DARK)
    tree(c, 1400, 540, 220, SAGE)
    tree(c, 1020, 530, 120, (170, 200, 160))
    for row, (y, size) in enumerate([(640, 48), (780, 62), (930, 78)]):
        for k in range(3):
            for side in (-1, 1):
                if side == 1 and k == 0 and row > 0:
                    continue  # room for the bench
                x = 800 + side * (200 + k * 190 + row * 70)
                w, h = size, size * 1.25
                c.rect((x - w / 2, y - h, x + w / 2, y), STONE, radius=w * 0.12)
                c.ellipse((x - w / 2, y - h - w / 2, x + w / 2, y - h + w / 2), STONE)
                c.circle(x + w * 0.7, y - 6, size * 0.12, random.choice([ROSE, BUTTER, LAVENDER]))
    # a bench beside the path
    c.rect((1020, 790, 1220, 815), WOOD, radius=8)
    c.rect((1020, 740, 1220, 765), WOOD, radius=8)
    c.rect((1035, 815, 1050, 870), BARK, radius=4)
    c.rect((1190, 815, 1205, 870), BARK, radius=4)


def programmwerkstatt(c: Canvas):
    c.rect((0, 720, W, H), (226, 218, 232))           # floor
    c.rect((360, 110, 1240, 470), (226, 207, 180), radius=22)  # pinboard
    c.rect((380, 130, 1220, 450), (236, 222, 200), radius=14)
    rnd = random.Random(7)
    colours = [BUTTER, ROSE, MINT, TEAL_LIGHT, PEACH, LAVENDER]
    for row in range(3):
        for col in range(7):
            if rnd.random() < 0.25:
                continue
            x = 420 + col * 112 + rnd.uniform(-8, 8)
            y = 160 + row * 96 + rnd.uniform(-6, 6)
            c.rect((x, y, x + 78, y + 70), rnd.choice(colours), radius=6)
    for i, (x, body, s) in enumerate([(480, CORAL, 1.0), (680, TEAL, 0.95), (920, SAGE_DARK, 1.0), (1120, LAVENDER, 0.95)]):
        person(c, x, 790, body, SKIN[i], scale=s)
    c.ellipse((330, 740, 1270, 930), WOOD)           # table
    c.ellipse((350, 730, 1250, 900), (214, 182, 150))
    for x, col in [(520, BUTTER), (640, MINT), (990, ROSE)]:
        c.rect((x, 780, x + 70, 830), col, radius=5)
    c.circle(800, 800, 26, WHITE)
    c.circle(800, 800, 16, (190, 160, 140))


def maengelmelder(c: Canvas):
    cloud(c, 300, 170, 100)
    cloud(c, 860, 120, 70)
    c.rect((0, 560, W, H), (214, 226, 206))          # verge
    c.poly([(0, 640), (W, 600), (W, 860), (0, 900)], (200, 205, 211))  # road
    for x in range(40, 1000, 200):
        y1, y2 = 770 - x * 0.025, 770 - (x + 100) * 0.025
        c.line([(x, y1), (x + 100, y2)], WHITE, 10)
    c.ellipse((430, 790, 640, 850), (150, 158, 166))  # pothole
    c.ellipse((450, 795, 620, 835), (128, 136, 146))
    c.rect((210, 250, 230, 640), (150, 160, 170), radius=8)   # street lamp
    c.line([(220, 260), (300, 240)], (150, 160, 170), 16)
    c.rect((280, 232, 360, 262), (170, 178, 186), radius=12)
    c.ellipse((292, 250, 348, 280), (226, 228, 230))
    c.poly([(740, 860), (800, 700), (860, 860)], (236, 178, 140))  # traffic cone
    c.rect((760, 800, 840, 820), WHITE)
    c.rect((720, 850, 880, 875), (226, 160, 124), radius=8)
    phone(c, 1060, 160, 330, 640)                      # phone with map and pin
    for i in range(1, 5):
        c.line([(1090, 160 + i * 112), (1360, 160 + i * 112)], (196, 214, 204), 5)
        c.line([(1060 + i * 66, 220), (1060 + i * 66, 730)], (196, 214, 204), 5)
    c.line([(1100, 640), (1200, 520), (1350, 470)], (240, 232, 210), 16)
    pin(c, 1225, 470, 70, CORAL)


def buergerservice_online(c: Canvas):
    c.rect((0, 780, W, H), (222, 214, 200))
    # town hall in the background
    c.rect((200, 360, 760, 780), (226, 216, 200))
    c.poly([(170, 360), (480, 200), (790, 360)], (206, 192, 174))
    for k in range(5):
        c.rect((250 + k * 105, 420, 290 + k * 105, 740), (240, 233, 222), radius=6)
    c.rect((180, 740, 780, 780), (206, 192, 174))
    c.circle(480, 300, 34, (240, 233, 222))
    # a form
    c.rect((760, 220, 1130, 760), (210, 214, 220), radius=20)
    c.rect((750, 205, 1120, 745), WHITE, radius=20)
    c.rect((800, 260, 980, 290), TEAL, radius=10)
    for k in range(6):
        y = 340 + k * 62
        c.rect((800, y, 830, y + 30), MINT if k < 4 else STONE, radius=6)
        c.rect((850, y + 6, 850 + (210 if k % 2 else 170), y + 24), STONE, radius=8)
    # a phone with a tick
    phone(c, 1190, 330, 230, 450)
    c.circle(1305, 530, 80, (141, 191, 155))
    c.line([(1265, 532), (1295, 565), (1350, 500)], WHITE, 18)


def open_data(c: Canvas):
    c.rect((140, 160, 760, 820), WHITE, radius=28)     # bar chart card
    c.line([(220, 740), (690, 740)], STONE, 8)
    for k, (h, col) in enumerate([(220, TEAL_LIGHT), (340, TEAL), (280, MINT), (430, SAGE_DARK), (360, BUTTER)]):
        x = 240 + k * 90
        c.rect((x, 740 - h, x + 60, 740), col, radius=12)
    c.rect((860, 160, 1460, 470), WHITE, radius=28)    # pie chart card
    box = (960, 200, 1190, 430)
    for start, end, col in [(0, 130, CORAL), (130, 230, BUTTER), (230, 300, TEAL_LIGHT), (300, 360, LAVENDER)]:
        c.pieslice(box, start - 90, end - 90, col)
    c.circle(1075, 315, 50, WHITE)
    for k, col in enumerate([CORAL, BUTTER, TEAL_LIGHT, LAVENDER]):
        c.rect((1250, 230 + k * 50, 1280, 260 + k * 50), col, radius=6)
        c.rect((1300, 238 + k * 50, 1400, 252 + k * 50), STONE, radius=7)
    c.rect((860, 520, 1460, 820), WHITE, radius=28)    # dot grid card
    rnd = random.Random(3)
    for row in range(4):
        for col in range(9):
            c.circle(925 + col * 60, 580 + row * 60, 18, rnd.choice([MINT, TEAL_LIGHT, PEACH, ROSE, BUTTER, STONE]))


def digitaler_zwilling(c: Canvas):
    ox, oy, u = 800, 330, 62  # origin of the isometric grid and unit size

    def iso(gx, gy, gz=0.0):
        return ox + (gx - gy) * u, oy + (gx + gy) * u * 0.5 - gz * u

    def block(gx, gy, w, d, h, top, left, right):
        p = lambda x, y, z: iso(x, y, z)  # noqa: E731
        c.poly([p(gx, gy + d, 0), p(gx + w, gy + d, 0), p(gx + w, gy + d, h), p(gx, gy + d, h)], left)
        c.poly([p(gx + w, gy, 0), p(gx + w, gy + d, 0), p(gx + w, gy + d, h), p(gx + w, gy, h)], right)
        c.poly([p(gx, gy, h), p(gx + w, gy, h), p(gx + w, gy + d, h), p(gx, gy + d, h)], top)

    n = 9
    c.poly([iso(0, 0, 0), iso(n, 0, 0), iso(n, n, 0), iso(0, n, 0)], (220, 228, 234))
    c.poly([iso(0, n, 0), iso(n, n, 0), iso(n, n, -0.5), iso(0, n, -0.5)], (196, 206, 214))
    c.poly([iso(n, 0, 0), iso(n, n, 0), iso(n, n, -0.5), iso(n, 0, -0.5)], (178, 190, 200))
    for k in range(n + 1):
        c.line([iso(k, 0), iso(k, n)], (206, 216, 224), 3)
        c.line([iso(0, k), iso(n, k)], (206, 216, 224), 3)
    street = (236, 232, 222)
    c.poly([iso(4, 0), iso(5, 0), iso(5, n), iso(4, n)], street)
    c.poly([iso(0, 4), iso(n, 4), iso(n, 5), iso(0, 5)], street)
    palettes = [
        (WHITE, (226, 214, 200), (206, 192, 178)),
        ((250, 236, 214), (232, 204, 176), (214, 184, 156)),
        ((236, 240, 248), (204, 212, 232), (184, 192, 216)),
        ((240, 246, 236), (206, 224, 200), (186, 206, 180)),
    ]
    blocks = [
        (0.6, 0.6, 1.4, 1.4, 1.0, 0), (2.4, 0.6, 1.2, 1.4, 1.4, 2), (5.6, 0.6, 1.3, 1.3, 0.8, 1),
        (7.4, 0.7, 1.1, 1.2, 1.2, 3), (0.6, 2.4, 1.4, 1.2, 0.8, 1), (2.5, 2.5, 1.1, 1.1, 1.0, 3),
        (5.7, 2.4, 1.2, 1.2, 1.5, 0), (7.4, 2.5, 1.1, 1.1, 0.9, 2), (0.7, 5.7, 1.3, 1.3, 1.2, 2),
        (7.3, 5.8, 1.2, 1.2, 1.1, 1), (0.7, 7.5, 1.3, 1.1, 0.9, 3),
        (5.7, 7.6, 1.3, 1.0, 0.8, 2), (7.4, 7.5, 1.1, 1.1, 1.3, 0),
    ]
    trees = [(2.5, 6.0), (3.6, 6.4), (2.2, 7.6), (3.5, 8.3)]
    items = [(b[0] + b[2] / 2 + b[1] + b[3] / 2, "b", b) for b in blocks] + [(t[0] + t[1], "t", t) for t in trees]
    items.append((6.3 + 6.6, "church", None))
    for _, kind, data in sorted(items, key=lambda it: it[0]):
        if kind == "b":
            gx, gy, w, d, h, pal = data
            block(gx, gy, w, d, h, *palettes[pal])
        elif kind == "t":
            x, y = iso(*data)
            c.rect((x - 5, y - 40, x + 5, y), BARK, radius=4)
            c.circle(x, y - 58, 30, SAGE_DARK)
        else:  # church: nave plus a tower with a pointed roof
            block(5.7, 5.7, 0.8, 0.8, 2.4, (240, 232, 220), (220, 206, 190), (200, 186, 170))
            block(5.6, 6.5, 1.0, 0.9, 1.0, (240, 232, 220), (220, 206, 190), (200, 186, 170))
            top = iso(6.1, 6.1, 3.7)
            c.poly([iso(5.7, 6.5, 2.4), iso(6.5, 6.5, 2.4), top], SAGE_DARK)
            c.poly([iso(6.5, 5.7, 2.4), iso(6.5, 6.5, 2.4), top], (132, 168, 134))
    cloud(c, 240, 150, 90)
    cloud(c, 1380, 200, 110)


def freies_wlan(c: Canvas):
    c.rect((0, 780, W, H), (214, 226, 206))
    c.rect((0, 770, W, 800), (226, 222, 212))
    specs = [
        (110, 180, 260, (250, 236, 214), CORAL), (300, 160, 330, WHITE, TEAL),
        (470, 200, 240, (236, 240, 248), (196, 150, 120)), (680, 170, 300, (250, 240, 226), SAGE_DARK),
        (860, 190, 250, (240, 246, 236), LAVENDER), (1060, 160, 320, (252, 238, 232), TEAL),
        (1230, 200, 270, (236, 240, 248), CORAL),
    ]
    for x, w, h, wall, roof in specs:
        house(c, x, 780, w, h, wall, roof, door=(210, 190, 170))
    wifi(c, 800, 330, 230, TEAL)
    c.rect((1430, 600, 1450, 780), (150, 160, 170), radius=6)  # a small hotspot pole
    c.rect((1410, 570, 1470, 620), (170, 178, 186), radius=12)
    wifi(c, 1440, 550, 70, TEAL_LIGHT, rings=2)


def parken_sensoren(c: Canvas):
    c.rect((0, 0, W, H), (222, 225, 228))
    c.rect((0, 420, W, 600), (204, 208, 213))          # driving lane
    for x in range(60, W, 220):
        c.rect((x, 504, x + 120, 516), WHITE, radius=6)
    c.rect((0, 0, W, 60), (214, 226, 206))
    c.rect((0, 950, W, H), (214, 226, 206))
    car_colours = [TEAL_LIGHT, PEACH, LAVENDER, MINT, ROSE, BUTTER]
    rnd = random.Random(11)
    for row, (top, flip) in enumerate([(110, False), (630, True)]):
        for k in range(8):
            x = 60 + k * 190
            c.rect((x, top, x + 8, top + 270), WHITE)
            if k == 7:
                c.rect((x + 190, top, x + 198, top + 270), WHITE)
            occupied = (k + row) % 3 != 0
            sx, sy = x + 99, (top + 250 if not flip else top + 20)
            if occupied:
                col = rnd.choice(car_colours)
                c.rect((x + 35, top + 30, x + 165, top + 240), col, radius=34)
                wy = top + 60 if not flip else top + 160
                c.rect((x + 52, wy, x + 148, wy + 50), (246, 248, 250), radius=14)
                c.circle(sx, sy, 11, (226, 166, 150))
            else:
                c.circle(sx, sy - (100 if not flip else -100), 36, (140, 194, 154))
                c.circle(sx, sy - (100 if not flip else -100), 14, WHITE)
    # a bus on the driving lane
    c.rect((840, 445, 1360, 575), (246, 210, 140), radius=36)
    for k in range(5):
        c.rect((900 + k * 90, 465, 960 + k * 90, 505), (250, 246, 236), radius=10)
    c.rect((1290, 465, 1340, 555), (250, 246, 236), radius=12)


def umweltsensoren(c: Canvas):
    c.circle(1330, 190, 95, (248, 226, 160))
    cloud(c, 1060, 200, 120)
    cloud(c, 260, 150, 80)
    c.rect((0, 740, W, H), (206, 224, 196))
    c.ellipse((-200, 690, 1000, 860), (216, 232, 206))
    # the big tree
    c.rect((560, 420, 640, 780), BARK, radius=18)
    c.circle(600, 330, 210, SAGE)
    c.circle(440, 420, 150, SAGE_DARK)
    c.circle(770, 410, 160, (170, 200, 160))
    c.circle(600, 250, 150, (190, 214, 176))
    # the sensor box on the trunk, with its radio waves
    c.rect((640, 560, 730, 650), WHITE, radius=14)
    c.circle(685, 605, 16, (140, 194, 154))
    c.line([(720, 565), (745, 500)], (150, 160, 170), 6)
    for i in range(1, 4):
        c.arc(745, 500, 40 * i, 280, 350, TEAL, 12)
    # a soil probe with a cable
    c.rect((690, 790, 704, 860), (150, 160, 170), radius=4)
    c.line([(697, 790), (697, 720), (685, 650)], (170, 178, 186), 5)
    # a second, small sensor post on the right (air quality)
    c.rect((1240, 560, 1258, 800), (150, 160, 170), radius=6)
    c.rect((1205, 500, 1295, 580), WHITE, radius=14)
    for k in range(3):
        c.rect((1222, 518 + k * 18, 1278, 526 + k * 18), STONE, radius=4)
    for dx, dy in [(1080, 880), (1400, 860), (260, 880), (900, 900)]:
        c.line([(dx, dy), (dx - 10, dy - 40)], SAGE_DARK, 6)
        c.line([(dx + 14, dy), (dx + 18, dy - 34)], SAGE_DARK, 6)


SCENES = {
    "stadtlabor/raum.png": (stadtlabor, (243, 238, 230)),
    "digitale-modellregion/region.png": (digitale_modellregion, (234, 242, 238)),
    "friedhof-der-zukunft/friedhof.png": (friedhof, (238, 241, 236)),
    "programmwerkstatt/werkstatt.png": (programmwerkstatt, (242, 237, 244)),
    "maengelmelder/meldung.png": (maengelmelder, SKY),
    "buergerservice-online/online-antrag.png": (buergerservice_online, (244, 239, 232)),
    "open-data/daten.png": (open_data, (236, 240, 246)),
    "digitaler-zwilling/stadtmodell.png": (digitaler_zwilling, (238, 240, 246)),
    "freies-wlan/wlan.png": (freies_wlan, SKY),
    "parken-sensoren/parken.png": (parken_sensoren, (222, 225, 228)),
    "umweltsensoren/sensoren.png": (umweltsensoren, (234, 243, 238)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "media")
    args = parser.parse_args()
    for name, (draw, background) in SCENES.items():
        random.seed(name)  # the same picture on every run
        canvas = Canvas(background)
        draw(canvas)
        size = canvas.save(args.out / name)
        print(f"{args.out / name}  {size // 1024} KB")


if __name__ == "__main__":
    main()
