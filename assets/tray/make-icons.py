#!/usr/bin/env python3
"""Regenerates the tray icons in this folder: python3 assets/tray/make-icons.py

Standard library only (zlib + struct PNG writer), so anyone can rebuild the icons without an
image editor or a package install, and a change to a colour or shape is a reviewable diff.

Each state of src-main/tray/tray-presentation.ts (TrayIconState) gets a round "lamp" in the
state colour with a white glyph, at 16x16 (<state>.png) and 32x32 (<state>@2x.png):

  registered    green lamp, handset         ready for calls
  unregistered  grey lamp, handset          not registered
  error         red lamp, "!"               an account failed
  ringing       amber lamp with a halo, handset (the halo reads as "pulsing")
  in-call       blue lamp, handset
  dnd           purple lamp, white bar      do not disturb

macOS menu-bar icons are "template" images: black plus alpha, tinted by the OS for light
and dark menu bars. The steady states get one (<state>Template.png and @2x); the coloured
states stay coloured on macOS too, because colour is the point of ringing/in-call/error.

Shapes are described in a unit square and rasterised with 8x8 supersampling per pixel, which
gives anti-aliased edges at both sizes from one description.
"""

import math
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SUPERSAMPLE = 8

# Colours chosen to stay distinguishable for the common colour-vision deficiencies when paired
# with their glyphs, and to read on both light and dark taskbars (the dark rim helps on light).
GREEN = (46, 158, 72)
GREY = (128, 134, 143)
RED = (214, 48, 49)
AMBER = (242, 160, 0)
BLUE = (37, 110, 214)
PURPLE = (122, 76, 178)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)


# --- geometry: each shape is a predicate inside(x, y) on the unit square, y pointing down ---


def circle(cx, cy, r):
    return lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def ring(cx, cy, r_outer, r_inner):
    return lambda x, y: r_inner * r_inner <= (x - cx) ** 2 + (y - cy) ** 2 <= r_outer * r_outer


def capsule(x1, y1, x2, y2, r):
    """A segment with round ends (a stadium) of radius r."""
    dx, dy = x2 - x1, y2 - y1
    length2 = dx * dx + dy * dy

    def inside(x, y):
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / length2))
        px, py = x1 + t * dx - x, y1 + t * dy - y
        return px * px + py * py <= r * r

    return inside


def arc_band(cx, cy, r, half_width, start_deg, end_deg):
    """A thick circular arc between two angles (degrees, clockwise on screen from +x)."""
    a0, a1 = math.radians(start_deg), math.radians(end_deg)

    def inside(x, y):
        d = math.hypot(x - cx, y - cy)
        if abs(d - r) > half_width:
            return False
        a = math.atan2(y - cy, x - cx) % (2 * math.pi)
        return a0 <= a <= a1

    return inside


def ellipse(cx, cy, a, b, angle_deg):
    """An ellipse with semi-axes a (along angle_deg) and b."""
    t = math.radians(angle_deg)
    c, s = math.cos(t), math.sin(t)

    def inside(x, y):
        dx, dy = x - cx, y - cy
        u, v = dx * c + dy * s, -dx * s + dy * c
        return (u / a) ** 2 + (v / b) ** 2 <= 1

    return inside


def union(*shapes):
    return lambda x, y: any(s(x, y) for s in shapes)


def minus(shape, hole):
    return lambda x, y: shape(x, y) and not hole(x, y)


def scaled(shape, cx, cy, k):
    """The shape scaled by k about (cx, cy)."""
    return lambda x, y: shape(cx + (x - cx) / k, cy + (y - cy) / k)


def handset():
    """A classic telephone handset lying diagonally: a curved grip around the top-right corner,
    convex towards the bottom-left, with an oval ear and mouth piece at its two ends."""
    cx, cy, r = 0.80, 0.20, 0.56
    start, end = 100, 170  # degrees: the mouthpiece end (bottom) and the earpiece end (left)
    # The band stops short of the pads so its square ends never poke out of them.
    grip = arc_band(cx, cy, r, 0.10, start + 6, end - 6)

    def piece(angle_deg):
        # An oval lying along the grip's direction, set slightly inside the curve.
        a = math.radians(angle_deg)
        px, py = cx + (r - 0.07) * math.cos(a), cy + (r - 0.07) * math.sin(a)
        return ellipse(px, py, 0.20, 0.12, angle_deg + 90)

    return union(grip, piece(start), piece(end))


def exclamation():
    return union(capsule(0.5, 0.24, 0.5, 0.56, 0.085), circle(0.5, 0.76, 0.09))


def bar():
    return capsule(0.27, 0.5, 0.73, 0.5, 0.10)


# --- rasterising and compositing ---


def coverage(shape, size):
    """Fraction of each pixel inside the shape, from SUPERSAMPLE^2 samples."""
    n = SUPERSAMPLE
    out = []
    for py in range(size):
        row = []
        for px in range(size):
            hits = 0
            for sy in range(n):
                y = (py + (sy + 0.5) / n) / size
                for sx in range(n):
                    x = (px + (sx + 0.5) / n) / size
                    if shape(x, y):
                        hits += 1
            row.append(hits / (n * n))
        out.append(row)
    return out


def paint(layers, size):
    """Composites (shape, rgb, opacity) layers bottom to top ("over"), premultiplied."""
    pixels = [[(0.0, 0.0, 0.0, 0.0)] * size for _ in range(size)]
    for shape, rgb, opacity in layers:
        cov = coverage(shape, size)
        for y in range(size):
            for x in range(size):
                a = cov[y][x] * opacity
                if a == 0:
                    continue
                r, g, b, alpha = pixels[y][x]
                pixels[y][x] = (
                    rgb[0] / 255 * a + r * (1 - a),
                    rgb[1] / 255 * a + g * (1 - a),
                    rgb[2] / 255 * a + b * (1 - a),
                    a + alpha * (1 - a),
                )
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            r, g, b, a = pixels[y][x]
            if a <= 0:
                row += bytes(4)
            else:
                # Un-premultiply for PNG's straight alpha.
                row += bytes(round(min(1.0, c / a) * 255) for c in (r, g, b))
                row.append(round(a * 255))
        rows.append(bytes(row))
    return rows


def write_png(path, rows, size):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 (none) per row
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))  # 8-bit RGBA
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
    with open(path, "wb") as f:
        f.write(png)


# --- the icons ---

LAMP = circle(0.5, 0.5, 0.47)
RIM = ring(0.5, 0.5, 0.47, 0.415)
GLYPH_SCALE = 0.68


def lamp(colour, glyph, halo=False):
    layers = []
    body = LAMP
    if halo:
        # A translucent outer ring around a smaller lamp: a ringing bell's "pulse".
        layers.append((ring(0.5, 0.5, 0.5, 0.40), colour, 0.45))
        body = circle(0.5, 0.5, 0.36)
    layers.append((body, colour, 1.0))
    if not halo:
        # A slightly darker rim keeps the lamp's edge visible on a light taskbar.
        layers.append((RIM, BLACK, 0.18))
    k = GLYPH_SCALE * (0.88 if halo else 1.0)
    layers.append((scaled(glyph, 0.5, 0.5, k), WHITE, 1.0))
    return layers


ICONS = {
    "registered": lamp(GREEN, handset()),
    "unregistered": lamp(GREY, handset()),
    "error": lamp(RED, exclamation()),
    "ringing": lamp(AMBER, handset(), halo=True),
    "in-call": lamp(BLUE, handset()),
    "dnd": lamp(PURPLE, bar()),
}

TEMPLATES = {
    # Registered: the handset alone, solid.
    "registered": [(scaled(handset(), 0.5, 0.5, 0.92), BLACK, 1.0)],
    # Not registered: the same handset, faded, which is how macOS shows "inactive".
    "unregistered": [(scaled(handset(), 0.5, 0.5, 0.92), BLACK, 0.4)],
    # Do not disturb: the familiar disc with the bar knocked out.
    "dnd": [(minus(circle(0.5, 0.5, 0.44), scaled(bar(), 0.5, 0.5, 0.95)), BLACK, 1.0)],
}


def main():
    for name, layers in ICONS.items():
        for size, suffix in ((16, ""), (32, "@2x")):
            write_png(os.path.join(HERE, f"{name}{suffix}.png"), paint(layers, size), size)
    for name, layers in TEMPLATES.items():
        for size, suffix in ((16, ""), (32, "@2x")):
            write_png(os.path.join(HERE, f"{name}Template{suffix}.png"), paint(layers, size), size)


if __name__ == "__main__":
    main()
