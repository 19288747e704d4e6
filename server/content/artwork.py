"""Generated poster (2:3) and backdrop (16:9) art for a title, drawn with Pillow.

Each title gets its own palette, composition and title lettering, derived deterministically from
its id, so the home screen looks varied and a rebuild draws the same pictures.
"""

from __future__ import annotations

import colorsys
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

POSTER_SIZE = (400, 600)
BACKDROP_SIZE = (1280, 720)
_JPEG_QUALITY = 88


@dataclass(frozen=True)
class ArtSpec:
    """What the art shows: ``hue`` (0-1) sets the palette, the id seeds the composition."""

    title_id: str
    title: str
    caption: str
    hue: float


def _rgb(hue: float, lightness: float, saturation: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)


def _rng(title_id: str, what: str) -> random.Random:
    return random.Random(hashlib.sha256(f"{title_id}/{what}".encode()).digest())


def _background(size: tuple[int, int], hue: float, rng: random.Random) -> Image.Image:
    """A two-colour gradient at a random angle between a dark and a vivid tone."""
    dark = Image.new("RGB", size, _rgb(hue, 0.12, 0.6))
    vivid = Image.new("RGB", size, _rgb(hue + rng.uniform(0.08, 0.35), 0.5, 0.8))
    side = max(size) * 2
    mask = Image.linear_gradient("L").resize((side, side)).rotate(rng.uniform(0, 360))
    left, top = (side - size[0]) // 2, (side - size[1]) // 2
    mask = mask.crop((left, top, left + size[0], top + size[1]))
    return Image.composite(vivid, dark, mask)


def _shapes(size: tuple[int, int], hue: float, rng: random.Random) -> Image.Image:
    """A translucent layer with one of a few motifs: orbs, rings or shards."""
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    w, h = size
    hue += rng.uniform(0.3, 0.7)  # shapes contrast with the background
    motif = rng.choice(("orbs", "rings", "shards"))
    for _ in range(rng.randint(5, 9)):
        colour = (*_rgb(hue + rng.uniform(-0.15, 0.15), rng.uniform(0.45, 0.8), 0.9),
                  rng.randint(60, 150))
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.08, 0.35) * min(w, h) * (1.6 if motif == "rings" else 1)
        if motif == "orbs":
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
        elif motif == "rings":
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=colour,
                         width=max(3, int(r * rng.uniform(0.05, 0.18))))
        else:
            points = [(cx + rng.uniform(-2, 2) * r, cy + rng.uniform(-2, 2) * r) for _ in range(3)]
            draw.polygon(points, fill=colour)
    return layer.filter(ImageFilter.GaussianBlur(radius=min(w, h) / 180))


def _shade(size: tuple[int, int], start: float) -> Image.Image:
    """Black, fading in from ``start`` (fraction of the height) to the bottom: room for text."""
    threshold = 256 * start
    ramp = Image.linear_gradient("L").point(
        lambda v: 0 if v < threshold else min(230, int((v - threshold) / (1 - start) * 0.9)))
    shade = Image.new("RGBA", size, (0, 0, 0, 255))
    shade.putalpha(ramp.resize(size))
    return shade


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _fit_title(draw: ImageDraw.ImageDraw, text: str, width: int, size: int,
               max_lines: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font (from ``size`` down) at which ``text`` fits ``width`` in few lines."""
    while True:
        font = ImageFont.load_default(size=size)
        lines = _wrap(draw, text, font, width)
        if size <= 14 or (len(lines) <= max_lines and
                          all(draw.textlength(line, font=font) <= width for line in lines)):
            return font, lines
        size -= 4


@dataclass(frozen=True)
class _Layout:
    size: tuple[int, int]
    margin: int
    title_size: int  # the largest title font tried
    title_width: int
    title_lines: int
    caption_size: int
    stroke: int
    upper: bool


_POSTER = _Layout(POSTER_SIZE, 28, 64, POSTER_SIZE[0] - 56, 3, 20, 2, True)
_BACKDROP = _Layout(BACKDROP_SIZE, 64, 96, BACKDROP_SIZE[0] // 2, 2, 30, 3, False)


def _draw(path: Path, layout: _Layout, art: ArtSpec) -> None:
    """Art for a title with the title in large letters at the lower left and a caption."""
    rng = _rng(art.title_id, f"{layout.size}")
    image = _background(layout.size, art.hue, rng).convert("RGBA")
    image = Image.alpha_composite(image, _shapes(layout.size, art.hue, rng))
    image = Image.alpha_composite(image, _shade(layout.size, 0.45))
    draw = ImageDraw.Draw(image)
    font, lines = _fit_title(draw, art.title.upper() if layout.upper else art.title,
                             layout.title_width, layout.title_size, layout.title_lines)
    line_height = font.size * 1.1
    caption_font = ImageFont.load_default(size=layout.caption_size)
    bottom = layout.size[1] - layout.margin
    y = bottom - layout.caption_size * 1.5 - line_height * len(lines)
    for line in lines:
        draw.text((layout.margin, y), line, font=font, fill="white",
                  stroke_width=layout.stroke, stroke_fill="black")
        y += line_height
    draw.text((layout.margin, bottom - layout.caption_size), art.caption, font=caption_font,
              fill=(230, 230, 230))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.convert("RGB").save(path, "JPEG", quality=_JPEG_QUALITY, optimize=True)


def draw_poster(path: Path, art: ArtSpec) -> None:
    """A 400x600 (2:3) JPEG poster."""
    _draw(path, _POSTER, art)


def draw_backdrop(path: Path, art: ArtSpec) -> None:
    """A 1280x720 (16:9) JPEG backdrop."""
    _draw(path, _BACKDROP, art)
