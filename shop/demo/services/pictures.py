"""Still-life product pictures for the demo catalog, drawn with Pillow: a wall, a table top
with its texture, soft light from the upper left, the object's shadow, and the object itself
(chosen by the listing's words: basket, beads, fabric, phone, mangoes, bread, bicycle…).

Deterministic: the same listing and colour always give the same bytes. Drawn at twice the
size and scaled down, so edges are smooth at thumbnail size.
"""

import functools
import math
import random
import re
from collections.abc import Callable
from io import BytesIO

from PIL import Image, ImageChops, ImageDraw, ImageFilter

WIDTH, HEIGHT = 640, 480
SCALE = 2
HORIZON = 250  # where the wall meets the table top
ZOOM_CENTRE = (320, 330)  # objects grow around this point, staying on the table
OBJECT_ZOOM = 1.15
JPEG_QUALITY = 90

RGB = tuple[int, int, int]
WHITE: RGB = (255, 255, 255)
BLACK: RGB = (0, 0, 0)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def lighter(colour: RGB, t: float) -> RGB:
    return mix(colour, WHITE, t)


def darker(colour: RGB, t: float) -> RGB:
    return mix(colour, BLACK, t)


def _gradients() -> dict[str, Image.Image]:
    """256 × 256 ramps, 0 where the light falls (upper left) and 255 in the shade."""
    vertical = Image.linear_gradient("L")
    horizontal = vertical.rotate(90)
    round_ = Image.radial_gradient("L").resize((420, 420)).crop((120, 110, 376, 366))
    return {
        "vertical": vertical,
        "horizontal": horizontal,
        "diagonal": ImageChops.add(vertical, horizontal, scale=2.0),
        "round": round_,
        "flat": Image.new("L", (256, 256), 96),
    }


GRADIENTS = _gradients()


class Shape:
    """A painted region: where it lies on the canvas and its coverage mask (for textures)."""

    def __init__(self, origin: tuple[int, int], mask: Image.Image):
        self.origin, self.mask = origin, mask


class StillLife:
    """A canvas in 640 × 480 picture coordinates; everything is drawn SCALE times larger, and
    objects `zoom` times larger around the middle of the table."""

    def __init__(self, rng: random.Random, *, zoom: float = 1.0):
        self.rng, self.zoom = rng, zoom
        self.unit = SCALE * zoom
        self.image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE))

    def px(self, x: float, y: float) -> tuple[float, float]:
        """Picture coordinates to canvas pixels."""
        cx, cy = ZOOM_CENTRE
        return (cx + (x - cx) * self.zoom) * SCALE, (cy + (y - cy) * self.zoom) * SCALE

    def _points(self, points, origin=(0, 0)) -> list[tuple[float, float]]:
        ox, oy = origin
        return [(px - ox, py - oy) for px, py in (self.px(x, y) for x, y in zip(points[::2], points[1::2], strict=True))]

    # Painting primitives -------------------------------------------------------------

    def paint(
        self,
        bbox: tuple[float, float, float, float],
        draw: Callable[[ImageDraw.ImageDraw, Callable], None],
        colour: RGB,
        *,
        shade: str = "diagonal",
        contrast: float = 0.32,
        alpha: float = 1.0,
    ) -> Shape:
        """Fill what `draw` draws (in picture coordinates) with `colour`, lit from the upper left."""
        (left, top), (right, bottom) = self.px(bbox[0], bbox[1]), self.px(bbox[2], bbox[3])
        x0, y0 = math.floor(left) - 2, math.floor(top) - 2
        size = (max(1, math.ceil(right) + 2 - x0), max(1, math.ceil(bottom) + 2 - y0))
        mask = Image.new("L", size, 0)
        draw(ImageDraw.Draw(mask), lambda *points: self._points(points, (x0, y0)))
        if alpha < 1:
            mask = mask.point(lambda v: round(v * alpha))
        ramp = GRADIENTS[shade].resize(size, Image.Resampling.BILINEAR)
        light, dark = Image.new("RGB", size, lighter(colour, contrast * 0.7)), Image.new("RGB", size, darker(colour, contrast))
        self.image.paste(Image.composite(dark, light, ramp), (x0, y0), mask)
        return Shape((x0, y0), mask)

    def ellipse(self, box, colour: RGB, **kwargs) -> Shape:
        return self.paint(box, lambda d, at: d.ellipse(_box(at(*box)), fill=255), colour, **kwargs)

    def rect(self, box, colour: RGB, *, radius: float = 0, **kwargs) -> Shape:
        return self.paint(
            box, lambda d, at: d.rounded_rectangle(_box(at(*box)), radius=radius * self.unit, fill=255), colour, **kwargs
        )

    def polygon(self, points, colour: RGB, **kwargs) -> Shape:
        xs, ys = points[::2], points[1::2]
        return self.paint((min(xs), min(ys), max(xs), max(ys)), lambda d, at: d.polygon(at(*points), fill=255), colour, **kwargs)

    def pieslice(self, box, start: float, end: float, colour: RGB, **kwargs) -> Shape:
        return self.paint(box, lambda d, at: d.pieslice(_box(at(*box)), start, end, fill=255), colour, **kwargs)

    def line(self, points, colour: RGB, width: float, *, alpha: float = 1.0) -> None:
        """A flat stroke (cords, straps, stitches)."""
        layer = ImageDraw.Draw(self.image, "RGBA")
        layer.line(self._points(points), fill=(*colour, round(255 * alpha)), width=max(1, round(width * self.unit)), joint="curve")

    def arc(self, box, start: float, end: float, colour: RGB, width: float, *, alpha: float = 1.0) -> None:
        layer = ImageDraw.Draw(self.image, "RGBA")
        fill = (*colour, round(255 * alpha))
        layer.arc(_box(self._points(box)), start, end, fill=fill, width=max(1, round(width * self.unit)))

    def texture(self, shape: Shape, draw: Callable[[ImageDraw.ImageDraw, Callable], None], colour: RGB, *, alpha: float = 1.0):
        """Lines or dots drawn inside a painted shape only (weave, stripes, print)."""
        layer = Image.new("L", shape.mask.size, 0)
        draw(ImageDraw.Draw(layer), lambda *points: self._points(points, shape.origin))
        mask = ImageChops.multiply(layer, shape.mask)
        if alpha < 1:
            mask = mask.point(lambda v: round(v * alpha))
        self.image.paste(colour, shape.origin, mask)

    def glow(self, box, colour: RGB = WHITE, *, alpha: float = 0.5, blur: float = 6) -> None:
        """A soft highlight or shadow: a blurred ellipse (blurred at a quarter of the canvas size, for speed)."""
        (left, top), (right, bottom) = self.px(box[0], box[1]), self.px(box[2], box[3])
        pad, shrink = blur * 3 * self.unit, 4
        x0, y0, x1, y1 = left - pad, top - pad, right + pad, bottom + pad
        small = (max(1, round((x1 - x0) / shrink)), max(1, round((y1 - y0) / shrink)))
        mask = Image.new("L", small, 0)
        ImageDraw.Draw(mask).ellipse(
            (pad / shrink, pad / shrink, small[0] - pad / shrink, small[1] - pad / shrink), fill=round(255 * alpha)
        )
        mask = mask.filter(ImageFilter.GaussianBlur(blur * self.unit / shrink))
        size = (round(x1 - x0), round(y1 - y0))
        self.image.paste(colour, (round(x0), round(y0)), mask.resize(size, Image.Resampling.BILINEAR))

    def shadow(self, cx: float, y: float, width: float, depth: float = 26, *, alpha: float = 0.45) -> None:
        """The soft contact shadow an object casts on the table, pushed right by the light."""
        self.glow((cx - width / 2 + 14, y - depth / 2, cx + width / 2 + 22, y + depth / 2), (25, 18, 12), alpha=alpha, blur=9)
        self.glow((cx - width / 2.6, y - depth / 4, cx + width / 2.6, y + depth / 5), (20, 14, 10), alpha=alpha * 0.8, blur=3)

    def finish(self) -> bytes:
        """The picture at its real size, as JPEG."""
        picture = self.image.reduce(SCALE)
        buffer = BytesIO()
        picture.save(buffer, "JPEG", quality=JPEG_QUALITY)
        return buffer.getvalue()


@functools.cache
def _vignette() -> Image.Image:
    corners = Image.radial_gradient("L").resize((WIDTH // 4, HEIGHT // 4)).point(lambda v: round(max(0, v - 110) * 0.55))
    return corners.resize((WIDTH * SCALE, HEIGHT * SCALE), Image.Resampling.BILINEAR)


def _box(points) -> tuple[float, float, float, float]:
    (x0, y0), (x1, y1) = points
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


# The room: wall and table top --------------------------------------------------------------

WALLS: dict[str, list[RGB]] = {
    "warm": [(236, 226, 208), (229, 214, 196), (240, 232, 220), (226, 220, 206)],
    "cool": [(222, 228, 232), (214, 222, 226), (230, 232, 234), (220, 226, 222)],
    "green": [(214, 224, 206), (222, 228, 210), (206, 218, 204)],
    "pink": [(240, 222, 218), (236, 216, 214), (242, 230, 222)],
}
SURFACES: dict[str, list[RGB]] = {
    "wood": [(150, 98, 58), (168, 116, 72), (124, 80, 48), (182, 136, 92)],
    "linen": [(214, 202, 184), (222, 212, 196), (200, 190, 174)],
    "desk": [(208, 208, 204), (196, 198, 196), (226, 224, 218)],
    "sisal": [(196, 164, 116), (186, 152, 104)],
    "marble": [(232, 230, 228), (238, 234, 230)],
    "concrete": [(172, 170, 166), (186, 184, 178)],
}
# top-level category: (wall mood, table surfaces)
ROOMS = {
    "crafts": ("warm", ["wood", "sisal", "linen"]),
    "fashion": ("pink", ["linen", "wood"]),
    "electronics": ("cool", ["desk", "wood"]),
    "home": ("warm", ["wood", "linen"]),
    "food": ("green", ["wood"]),
    "shopping": ("warm", ["wood", "linen"]),
    "beauty": ("pink", ["marble", "linen"]),
    "health": ("cool", ["marble", "desk"]),
    "services": ("warm", ["wood", "desk"]),
    "transport": ("cool", ["concrete", "wood"]),
}


def room_paint(scene: StillLife, top_slug: str) -> None:
    """Wall and table top: each category has two sets, like a shop's photo corner, picked by the seed."""
    rng = random.Random(f"{top_slug}-{scene.rng.randrange(2)}")
    mood, surfaces = ROOMS.get(top_slug, ("warm", ["wood"]))
    wall, surface_name = rng.choice(WALLS[mood]), rng.choice(surfaces)
    scene.image = _room(wall, surface_name, rng.choice(SURFACES[surface_name])).copy()


@functools.cache
def _room(wall: RGB, surface_name: str, table: RGB) -> Image.Image:
    """The empty room, lit from the upper left; drawn once per wall, surface and colour."""
    scene = StillLife(random.Random(f"{wall}{surface_name}{table}"))
    rng = scene.rng
    scene.rect((0, 0, WIDTH, HORIZON + 4), wall, shade="diagonal", contrast=0.16)
    # A window's light falling on the wall.
    scene.glow((-60, -120, 330, 200), WHITE, alpha=0.35, blur=40)
    top = scene.rect((0, HORIZON, WIDTH, HEIGHT), table, shade="vertical", contrast=0.22)
    if surface_name == "wood":
        def grain(d, at):
            for _ in range(26):
                y = rng.uniform(HORIZON, HEIGHT)
                spread = (y - HORIZON) / (HEIGHT - HORIZON)
                wave = rng.uniform(-3, 3) * (0.5 + spread)
                points = []
                for step in range(17):
                    x = step * WIDTH / 16
                    points += [x, y + math.sin(step * 0.45 + wave) * (1 + spread * 3)]
                d.line(at(*points), fill=round(255 * rng.uniform(0.15, 0.4)), width=round((1 + spread * 2) * SCALE))

        scene.texture(top, grain, darker(table, 0.3))
    elif surface_name in ("linen", "sisal"):
        step = 5 if surface_name == "linen" else 8

        def weave(d, at):
            for x in range(0, WIDTH, step):
                d.line(at(x, HORIZON, x, HEIGHT), fill=255, width=1)
            for y in range(HORIZON, HEIGHT, step):
                d.line(at(0, y, WIDTH, y), fill=255, width=1)

        scene.texture(top, weave, darker(table, 0.15), alpha=0.35 if surface_name == "sisal" else 0.2)
    elif surface_name == "marble":
        def veins(d, at):
            for _ in range(5):
                x, y = rng.uniform(0, WIDTH), rng.uniform(HORIZON, HEIGHT)
                points = [x, y]
                for _ in range(6):
                    x += rng.uniform(20, 60)
                    y += rng.uniform(-14, 14)
                    points += [x, y]
                d.line(at(*points), fill=255, width=SCALE)

        scene.texture(top, veins, (150, 150, 156), alpha=0.35)
    elif surface_name == "concrete":
        def speckle(d, at):
            for _ in range(260):
                x, y = rng.uniform(0, WIDTH), rng.uniform(HORIZON, HEIGHT)
                d.ellipse(_box(at(x, y, x + 1.4, y + 1.4)), fill=255)

        scene.texture(top, speckle, darker(table, 0.25), alpha=0.5)
    # The back edge of the table catches the light.
    scene.rect((0, HORIZON, WIDTH, HORIZON + 3), lighter(table, 0.35), shade="flat", alpha=0.7)
    scene.glow((-40, HORIZON + 10, 420, HEIGHT - 60), WHITE, alpha=0.14, blur=30)
    # Light falls off towards the corners.
    scene.image.paste((20, 14, 10), (0, 0), _vignette())
    return scene.image


# The objects ---------------------------------------------------------------------------------
# Each draws itself standing on the table around (CX, FLOOR), in the given main colour.

CX, FLOOR = 320, 405
WOOD: RGB = (150, 100, 60)
CREAM: RGB = (238, 230, 214)
STEEL: RGB = (60, 64, 72)
KRAFT: RGB = (186, 146, 100)
SCREEN: RGB = (24, 40, 72)


def basket(scene: StillLife, colour: RGB, rng: random.Random, *, hamper: bool = False) -> None:
    scene.shadow(CX, FLOOR, 300)
    top, bottom = 220, FLOOR
    body = scene.polygon([CX - 150, top, CX + 150, top, CX + 118, bottom, CX - 118, bottom], colour, contrast=0.35)
    natural = (206, 176, 128)

    def weave(d, at):
        for row, y in enumerate(range(top, bottom, 12)):
            for x in range(CX - 160 + (row % 2) * 10, CX + 160, 20):
                d.ellipse(_box(at(x, y + 1, x + 14, y + 10)), fill=255)

    scene.texture(body, weave, lighter(colour, 0.25), alpha=0.55)
    # The stakes the sisal is woven round, narrowing to the base.
    scene.texture(body, lambda d, at: [d.line(at(CX + x, top, CX + x * 0.79, bottom), fill=255, width=2 * SCALE)
                                       for x in range(-150, 151, 20)], darker(colour, 0.3), alpha=0.5)

    def bands(d, at):
        for y in (top + 40, top + 56, bottom - 40):
            d.rectangle(_box(at(CX - 160, y, CX + 160, y + 8)), fill=255)

    plain = sum(abs(a - b) for a, b in zip(colour, natural, strict=True)) < 60
    scene.texture(body, bands, (150, 50, 50) if plain else natural, alpha=0.85)
    scene.ellipse((CX - 152, top - 18, CX + 152, top + 18), darker(colour, 0.35), shade="vertical")
    scene.ellipse((CX - 140, top - 12, CX + 140, top + 12), darker(colour, 0.6), shade="vertical", contrast=0.2)
    if hamper:
        scene.rect((CX - 90, top - 80, CX - 30, top + 4), (120, 70, 40), radius=6)  # coffee bag
        scene.rect((CX - 86, top - 60, CX - 34, top - 36), CREAM, shade="flat")
        scene.rect((CX - 10, top - 60, CX + 50, top + 4), (226, 160, 40), radius=10)  # honey jar
        scene.rect((CX - 14, top - 72, CX + 54, top - 56), (70, 60, 50), radius=4)
        scene.ellipse((CX + 60, top - 40, CX + 120, top + 6), (230, 120, 40), shade="round")  # mango
    # A leather strap over the top.
    scene.arc((CX - 130, top - 120, CX + 130, top + 110), 182, 358, (96, 60, 36), 9)


def beads_necklace(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    colours = [colour, lighter(colour, 0.5), (240, 200, 60), WHITE, (30, 30, 30)] if colour != (219, 39, 119) else [
        (200, 40, 40), (37, 99, 235), (240, 200, 60), (22, 163, 74), WHITE]
    scene.shadow(CX, 380, 330, 40, alpha=0.25)
    for ring, (rx, ry) in enumerate([(190, 120), (166, 102), (142, 86)]):
        count = 44 - ring * 6
        for n in range(count + 1):
            angle = math.pi * (0.02 + 0.96 * n / count)
            x, y = CX + rx * math.cos(angle), 240 + ry * 1.2 * math.sin(angle) + ring * 8
            bead = colours[(n + ring) % len(colours) if ring != 1 else (n // 3) % len(colours)]
            size = 9 - ring
            scene.glow((x - size + 3, y - size + 4, x + size + 3, y + size + 4), (30, 20, 10), alpha=0.35, blur=2)
            scene.ellipse((x - size, y - size, x + size, y + size), bead, shade="round", contrast=0.45)
    scene.ellipse((CX - 12, 392, CX + 12, 416), (230, 190, 60), shade="round")


def beads_bracelets(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    flag = [(30, 30, 30), (200, 40, 40), (22, 140, 70), WHITE, (200, 40, 40)]
    for index, (cx, cy) in enumerate([(230, 360), (330, 330), (420, 370), (300, 395), (400, 300)]):
        scene.shadow(cx, cy + 22, 120, 22, alpha=0.2)
        for n in range(24):
            angle = 2 * math.pi * n / 24
            x, y = cx + 58 * math.cos(angle), cy + 26 * math.sin(angle)
            tint = flag[index] if n % 6 else (240, 200, 60)
            scene.ellipse((x - 6, y - 6, x + 6, y + 6), tint, shade="round", contrast=0.45)


def leaf(cx: float, cy: float, length: float, width: float, angle: float, *, flatten: float = 1.0) -> list[float]:
    """A pointed oval (leaf, sole, blade) around (cx, cy), turned by `angle` radians, squashed vertically
    by `flatten` to lie on the table."""
    points = []
    for n in range(24):
        t = 2 * math.pi * n / 24
        x, y = length / 2 * math.cos(t), width / 2 * math.sin(t) * (1 - 0.35 * math.cos(t))
        points += [cx + x * math.cos(angle) - y * math.sin(angle), cy + (x * math.sin(angle) + y * math.cos(angle)) * flatten]
    return points


def sandals(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    leather = colour if colour != (40, 40, 46) else (120, 72, 40)
    for cx, angle in ((235, -1.35), (400, -1.75)):
        scene.shadow(cx + 6, 400, 130, 30, alpha=0.35)
        scene.polygon(leaf(cx, 330, 250, 100, angle, flatten=0.62), (60, 44, 34), contrast=0.2)  # the tyre sole
        scene.polygon(leaf(cx, 324, 240, 92, angle, flatten=0.62), leather, shade="diagonal", contrast=0.3)
        strap = scene.rect((cx - 58, 330, cx + 58, 360), darker(leather, 0.2), radius=14, shade="vertical")
        beads = [(200, 40, 40), WHITE, (37, 99, 235), (240, 200, 60)]
        scene.texture(strap, lambda d, at, cx=cx: [d.ellipse(_box(at(x - 4, 341, x + 4, 349)), fill=255)
                                                   for x in range(cx - 50, cx + 52, 10)], WHITE)
        for n, x in enumerate(range(cx - 50, cx + 52, 10)):
            scene.ellipse((x - 4, 341, x + 4, 349), beads[n % 4], shade="round")
        scene.rect((cx - 7, 262, cx + 7, 335), darker(leather, 0.1), radius=6)  # the toe post


def fabric(scene: StillLife, colour: RGB, rng: random.Random, *, pattern: str = "stripes") -> None:
    scene.shadow(CX, 410, 380, 34)
    for layer in range(3):
        y0 = 300 - layer * 48
        tone = colour if layer != 1 else lighter(colour, 0.1)
        if layer == 1 and pattern == "checks":
            tone = (37, 60, 140) if colour[0] > 150 else (200, 40, 40)
        fold = scene.rect((CX - 185 + layer * 12, y0, CX + 185 - layer * 8, y0 + 105), tone, radius=22, contrast=0.3)
        accent = (240, 200, 60) if tone[0] < 200 else (40, 40, 46)
        if pattern == "stripes":
            scene.texture(fold, lambda d, at, y0=y0: [d.rectangle(_box(at(CX - 200, y, CX + 200, y + 6)), fill=255)
                                                     for y in range(y0 + 10, y0 + 110, 18)], accent, alpha=0.8)
            scene.texture(fold, lambda d, at, y0=y0: [d.rectangle(_box(at(CX - 200, y, CX + 200, y + 3)), fill=255)
                                                     for y in range(y0 + 20, y0 + 110, 18)], WHITE, alpha=0.7)
        elif pattern == "checks":
            def checks(d, at, y0=y0):
                for x in range(CX - 200, CX + 200, 28):
                    d.rectangle(_box(at(x, y0, x + 12, y0 + 110)), fill=255)
                for y in range(y0, y0 + 110, 28):
                    d.rectangle(_box(at(CX - 200, y, CX + 200, y + 12)), fill=255)
            scene.texture(fold, checks, darker(tone, 0.45), alpha=0.55)
        elif pattern == "wax":
            def wax(d, at, y0=y0):
                for x in range(CX - 200, CX + 200, 36):
                    for y in range(y0 - 10, y0 + 120, 36):
                        d.ellipse(_box(at(x, y, x + 24, y + 24)), outline=255, width=5 * SCALE)
            scene.texture(fold, wax, accent, alpha=0.85)
            scene.texture(fold, lambda d, at, y0=y0: [d.ellipse(_box(at(x + 8, y + 8, x + 16, y + 16)), fill=255)
                                                      for x in range(CX - 200, CX + 200, 36) for y in range(y0 - 10, y0 + 120, 36)],
                          (180, 40, 60), alpha=0.9)
        elif pattern == "indigo":
            def spots(d, at, y0=y0):
                for x in range(CX - 200, CX + 200, 30):
                    for y in range(y0, y0 + 110, 30):
                        d.ellipse(_box(at(x + rng.uniform(-4, 4), y, x + 14, y + 14)), outline=255, width=2 * SCALE)
            scene.texture(fold, spots, (220, 226, 240), alpha=0.7)
        else:
            def mud(d, at, y0=y0):
                for x in range(CX - 200, CX + 200, 26):
                    d.line(at(x, y0, x + 10, y0 + 110), fill=255, width=3 * SCALE)
                    d.ellipse(_box(at(x + 10, y0 + 40, x + 16, y0 + 46)), fill=255)
            scene.texture(fold, mud, CREAM, alpha=0.8)
        scene.rect((CX - 185 + layer * 12, y0 + 92, CX + 185 - layer * 8, y0 + 105), darker(tone, 0.35), radius=8, alpha=0.6)
    # Tassels on the front fold.
    for x in range(CX - 170, CX + 170, 12):
        scene.line([x, 402, x + 2, 418], lighter(colour, 0.2), 2.5)


def elephant(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    stone = (214, 204, 196) if colour in ((203, 213, 225), None) else (200, 190, 186)
    scene.shadow(CX, 405, 300)
    for x in (CX - 90, CX - 40, CX + 50, CX + 95):
        scene.rect((x - 18, 320, x + 18, 405), stone, radius=10)
    scene.ellipse((CX - 130, 230, CX + 130, 360), stone, shade="round", contrast=0.4)
    scene.ellipse((CX + 90, 200, CX + 200, 310), stone, shade="round", contrast=0.38)  # head
    scene.ellipse((CX + 70, 200, CX + 150, 300), darker(stone, 0.08), shade="round")  # ear
    scene.polygon([CX + 175, 280, CX + 205, 270, CX + 215, 340, CX + 240, 390, CX + 222, 398, CX + 190, 350], stone)  # trunk
    scene.ellipse((CX + 170, 240, CX + 180, 250), (60, 50, 50))
    scene.line([CX + 186, 300, CX + 220, 316], CREAM, 6)  # tusk
    scene.line([CX - 128, 270, CX - 150, 320], darker(stone, 0.2), 5)  # tail
    scene.glow((CX - 70, 240, CX + 10, 275), WHITE, alpha=0.35, blur=8)


def bowl(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    stone = colour if colour in ((236, 72, 153),) else (226, 220, 214)
    stone = lighter(stone, 0.45) if stone == (236, 72, 153) else stone
    scene.shadow(CX, 395, 330)
    scene.pieslice((CX - 170, 150, CX + 170, 400), 0, 180, stone, shade="horizontal", contrast=0.38)
    scene.ellipse((CX - 170, 250, CX + 170, 300), darker(stone, 0.25), shade="vertical")
    scene.ellipse((CX - 158, 255, CX + 158, 295), lighter(stone, 0.05), shade="diagonal")
    scene.arc((CX - 150, 190, CX + 150, 380), 20, 160, darker(stone, 0.3), 3, alpha=0.6)
    for n in range(3):
        scene.ellipse((CX - 80 + n * 50, 240, CX - 10 + n * 50, 290), [(240, 150, 40), (200, 40, 40), (120, 170, 60)][n], shade="round")
    scene.glow((CX - 120, 315, CX - 40, 350), WHITE, alpha=0.35)


def mats(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    fibre = (196, 160, 100)
    for n in range(5):
        y = 380 - n * 10
        scene.shadow(CX, y + 18, 330, 30, alpha=0.12)
        mat = scene.ellipse((CX - 170, y - 60, CX + 170, y + 30), fibre if n % 2 else darker(fibre, 0.1), shade="vertical")
    scene.texture(mat, lambda d, at: [d.ellipse(_box(at(CX - r * 1.9, 325 - r * 0.5, CX + r * 1.9, 325 + r * 0.5)),
                                                outline=255, width=3 * SCALE) for r in range(10, 90, 9)], darker(fibre, 0.35), alpha=0.7)
    scene.ellipse((CX - 30, 315, CX + 30, 335), (120, 70, 40), shade="round")


def spoons(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    olive = (184, 140, 90)
    for offset, tilt in ((-45, -18), (45, 18)):
        cx = CX + offset
        scene.shadow(cx + 10, 395, 110, 20, alpha=0.3)
        scene.polygon([cx - 8 - tilt, 160, cx + 8 - tilt, 160, cx + 12, 300, cx - 12, 300], olive, shade="horizontal")
        scene.ellipse((cx - 42, 290, cx + 42, 400), olive, shade="round", contrast=0.4)
        scene.ellipse((cx - 32, 300, cx + 32, 388), darker(olive, 0.15), shade="round")


def painting(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX + 20, 415, 360, 20, alpha=0.5)
    scene.polygon([CX - 175, 90, CX + 175, 90, CX + 185, 415, CX - 185, 415], (90, 60, 38), shade="diagonal")  # frame
    sky = scene.rect((CX - 160, 105, CX + 160, 400), (244, 170, 80), shade="vertical", contrast=0.35)
    scene.texture(sky, lambda d, at: d.rectangle(_box(at(CX - 160, 105, CX + 160, 200)), fill=255), (240, 120, 60), alpha=0.5)
    scene.ellipse((CX + 30, 200, CX + 110, 280), (255, 220, 120), shade="flat")  # the sun
    scene.rect((CX - 160, 300, CX + 160, 400), (170, 120, 50), shade="vertical")  # savanna
    scene.ellipse((CX - 150, 180, CX - 20, 232), (40, 50, 30), shade="flat")  # acacia crown
    scene.line([CX - 85, 230, CX - 80, 320], (40, 30, 20), 6)
    for x in (CX + 40, CX + 70, CX + 100):
        scene.rect((x - 6, 290, x + 6, 345), (60, 30, 20), radius=5)  # walking figures
        scene.ellipse((x - 6, 280, x + 6, 293), (50, 25, 20))
        scene.rect((x - 8, 300, x + 8, 330), (190, 30, 30), radius=3)


def bag(scene: StillLife, colour: RGB, rng: random.Random, *, handbag: bool = False) -> None:
    leather = colour
    scene.shadow(CX, 405, 360 if not handbag else 260)
    width = 170 if not handbag else 120
    top = 230 if not handbag else 250
    scene.arc((CX - width * 0.55, top - 110, CX + width * 0.55, top + 80), 195, 345, darker(leather, 0.2), 12)
    body = scene.rect((CX - width, top, CX + width, 405), leather, radius=46 if not handbag else 30, contrast=0.36)
    scene.texture(body, lambda d, at: d.line(at(CX - width + 14, top + 14, CX + width - 14, top + 14), fill=255, width=2 * SCALE),
                  lighter(leather, 0.45), alpha=0.6)
    scene.rect((CX - width, top + 60, CX + width, top + 80), darker(leather, 0.25), alpha=0.7)
    for x in (CX - width * 0.5, CX + width * 0.5):
        scene.rect((x - 16, top + 52, x + 16, top + 88), (200, 160, 60), radius=4, shade="diagonal", contrast=0.4)  # buckles
        scene.rect((x - 9, top + 60, x + 9, top + 80), darker(leather, 0.25))
    scene.glow((CX - width + 20, top + 20, CX - 20, top + 60), WHITE, alpha=0.25, blur=10)


def coffee_table(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    wood = (110, 62, 34)
    scene.shadow(CX, 420, 420, 40, alpha=0.35)
    for x in (CX - 170, CX + 150, CX - 130, CX + 110):
        scene.rect((x, 300, x + 20, 420 if x in (CX - 170, CX + 150) else 395), darker(wood, 0.1), shade="horizontal")
    top = scene.polygon([CX - 150, 250, CX + 150, 250, CX + 200, 300, CX - 200, 300], wood, shade="diagonal", contrast=0.25)
    scene.texture(top, lambda d, at: [d.line(at(CX - 200, y, CX + 200, y + 3), fill=255, width=SCALE) for y in range(254, 300, 7)],
                  darker(wood, 0.35), alpha=0.5)
    scene.rect((CX - 200, 300, CX + 200, 318), darker(wood, 0.3), shade="horizontal")
    scene.ellipse((CX - 40, 222, CX + 30, 268), (240, 236, 228), shade="round")  # a cup on the table
    scene.rect((CX - 30, 222, CX + 20, 258), (240, 236, 228), radius=6)


def smartphone(scene: StillLife, colour: RGB, rng: random.Random, *, cracked: bool = False, glass: bool = False) -> None:
    body = colour
    scene.shadow(CX + 40, 415, 260, 24)
    # The phone stands on a small stand, screen to the viewer; its twin lies behind, back up.
    scene.rect((CX + 10, 190, CX + 150, 400), darker(body, 0.05), radius=22, contrast=0.35)
    scene.rect((CX + 30, 210, CX + 78, 270), darker(body, 0.5), radius=14)
    for y in (222, 246):
        scene.ellipse((CX + 38, y, CX + 58, y + 20), (20, 20, 26), shade="round")
    scene.rect((CX - 120, 150, CX + 40, 412), darker(body, 0.2), radius=26, contrast=0.3)
    screen = scene.rect((CX - 111, 160, CX + 31, 402), SCREEN, radius=20, shade="diagonal", contrast=0.45)
    first, second = rng.sample([(60, 120, 220), (160, 80, 200), (240, 120, 60), (30, 170, 140), (220, 60, 110)], 2)
    scene.texture(screen, lambda d, at: d.ellipse(_box(at(CX - 160, 110, CX + 60, 340)), fill=255), first, alpha=0.55)
    scene.texture(screen, lambda d, at: d.ellipse(_box(at(CX - 60, 240, CX + 120, 460)), fill=255), second, alpha=0.45)
    for n in range(4):
        x = CX - 95 + n * 32
        scene.rect((x, 330, x + 22, 352), [(240, 200, 60), (40, 200, 120), (240, 90, 80), WHITE][n], radius=6, shade="flat")
    scene.rect((CX - 58, 190, CX - 22, 200), (230, 230, 236), radius=3, shade="flat", alpha=0.8)  # the clock
    scene.ellipse((CX - 44, 166, CX - 36, 174), (10, 10, 14))
    scene.polygon([CX - 111, 160, CX - 10, 160, CX - 111, 290], WHITE, alpha=0.12)  # glass reflection
    if cracked:
        for x, y in ((CX - 60, 300), (CX - 30, 210), (CX + 10, 340), (CX - 100, 260)):
            scene.line([CX - 50, 270, x, y], (220, 230, 240), 1.5, alpha=0.8)
        scene.rect((CX - 250, 340, CX - 130, 352), (200, 40, 40), radius=5)  # screwdriver
        scene.rect((CX - 130, 343, CX - 70, 349), (170, 174, 180), radius=2)
    if glass:
        scene.rect((CX - 260, 250, CX - 130, 420), (200, 220, 235), radius=20, alpha=0.45)
        scene.line([CX - 250, 400, CX - 150, 270], WHITE, 3, alpha=0.6)


def feature_phone(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX, 412, 180)
    scene.rect((CX - 70, 150, CX + 70, 412), colour, radius=30, contrast=0.35)
    scene.rect((CX - 52, 172, CX + 52, 252), (150, 200, 230), radius=6, shade="diagonal", contrast=0.4)
    scene.rect((CX - 40, 200, CX + 20, 210), (30, 60, 100), shade="flat")
    scene.rect((CX - 40, 220, CX + 0, 228), (30, 60, 100), shade="flat")
    scene.ellipse((CX - 22, 262, CX + 22, 292), darker(colour, 0.3), shade="round")
    for row in range(4):
        for col in range(3):
            x, y = CX - 46 + col * 33, 305 + row * 25
            scene.rect((x, y, x + 26, y + 18), lighter(colour, 0.35), radius=7, shade="vertical")


def laptop(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    shell = (170, 174, 182)
    scene.shadow(CX, 412, 460, 30)
    scene.polygon([CX - 190, 120, CX + 190, 120, CX + 200, 350, CX - 200, 350], darker(shell, 0.55), shade="diagonal")
    screen = scene.polygon([CX - 178, 132, CX + 178, 132, CX + 188, 340, CX - 188, 340], SCREEN, shade="diagonal", contrast=0.4)
    scene.texture(screen, lambda d, at: d.ellipse(_box(at(CX - 260, 60, CX + 60, 300)), fill=255), (50, 130, 220), alpha=0.5)
    scene.texture(screen, lambda d, at: d.rectangle(_box(at(CX - 188, 322, CX + 188, 340)), fill=255), (30, 34, 44), alpha=0.9)
    scene.polygon([CX - 178, 132, CX - 20, 132, CX - 188, 290], WHITE, alpha=0.1)
    scene.polygon([CX - 200, 350, CX + 200, 350, CX + 250, 405, CX - 250, 405], shell, shade="vertical", contrast=0.2)
    keys = scene.polygon([CX - 175, 356, CX + 175, 356, CX + 200, 382, CX - 200, 382], darker(shell, 0.45))
    scene.texture(keys, lambda d, at: [d.rectangle(_box(at(x, y, x + 16, y + 6)), fill=255)
                                       for y in (357, 366, 375) for x in range(CX - 200, CX + 200, 20)], darker(shell, 0.55), alpha=0.9)
    scene.polygon([CX - 40, 386, CX + 40, 386, CX + 44, 400, CX - 44, 400], darker(shell, 0.1), shade="vertical")
    scene.rect((CX - 250, 405, CX + 250, 411), darker(shell, 0.35), shade="horizontal")


def earbuds(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX - 30, 405, 220)
    scene.rect((CX - 130, 270, CX + 70, 405), colour, radius=60, contrast=0.35)
    scene.line([CX - 122, 320, CX + 62, 320], darker(colour, 0.35), 2)
    scene.ellipse((CX - 36, 350, CX - 24, 362), (40, 200, 120))
    for x, flip in ((CX + 110, 1), (CX + 190, -1)):
        scene.shadow(x, 405, 70, 16, alpha=0.3)
        scene.ellipse((x - 34, 320, x + 34, 380), colour, shade="round", contrast=0.4)
        scene.rect((x - 10 + 18 * flip, 360, x + 10 + 18 * flip, 405), colour, radius=10, shade="horizontal")
        scene.ellipse((x - 16, 332, x + 8, 356), darker(colour, 0.45), shade="round")


def speaker(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX, 412, 300)
    scene.rect((CX - 140, 230, CX + 140, 412), colour, radius=60, contrast=0.3)
    grille = scene.rect((CX - 120, 248, CX + 120, 395), darker(colour, 0.25), radius=48)
    scene.texture(grille, lambda d, at: [d.ellipse(_box(at(x, y, x + 4, y + 4)), fill=255)
                                         for x in range(CX - 120, CX + 120, 9) for y in range(248, 395, 9)],
                  darker(colour, 0.6), alpha=0.8)
    scene.rect((CX - 30, 302, CX + 30, 330), lighter(colour, 0.2), radius=6)
    scene.rect((CX - 22, 308, CX + 22, 324), darker(colour, 0.5), radius=4)
    scene.rect((CX + 110, 220, CX + 150, 262), (60, 60, 66), radius=8)  # the strap


def radio(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    body = (60, 64, 72)
    scene.shadow(CX, 410, 360)
    scene.arc((CX - 120, 130, CX + 120, 300), 190, 350, (40, 40, 44), 12)
    scene.rect((CX - 170, 220, CX + 170, 410), body, radius=24, contrast=0.35)
    grille = scene.ellipse((CX - 150, 250, CX - 10, 390), (40, 42, 48), shade="round")
    scene.texture(grille, lambda d, at: [d.line(at(CX - 150, y, CX - 10, y), fill=255, width=2 * SCALE) for y in range(256, 390, 8)],
                  (90, 94, 100), alpha=0.8)
    scene.rect((CX + 10, 250, CX + 150, 296), (220, 210, 170), radius=6, shade="diagonal")
    scene.line([CX + 70, 256, CX + 70, 290], (200, 40, 40), 3)
    for x in (CX + 40, CX + 110):
        scene.ellipse((x - 20, 315, x + 20, 355), (190, 194, 200), shade="round", contrast=0.4)
    panel = scene.rect((CX + 10, 368, CX + 150, 398), (30, 40, 80), radius=4, shade="diagonal")  # solar panel
    scene.texture(panel,
                  lambda d, at: [d.line(at(x, 368, x, 398), fill=255, width=SCALE) for x in range(CX + 10, CX + 150, 14)],
                  (120, 140, 190), alpha=0.6)


def power_bank(scene: StillLife, colour: RGB, rng: random.Random, *, charger: bool = False) -> None:
    shell = (40, 40, 46) if not charger else (236, 236, 238)
    if charger:
        scene.shadow(CX - 60, 405, 200)
        scene.rect((CX - 150, 250, CX + 20, 405), shell, radius=20, contrast=0.22)
        scene.rect((CX - 40, 300, CX - 10, 320), (40, 40, 46), radius=4)
        scene.line([CX - 10, 310, CX + 60, 330, CX + 120, 390, CX + 200, 396, CX + 240, 380], WHITE, 9)
        scene.line([CX - 10, 314, CX + 60, 334, CX + 120, 394, CX + 200, 400, CX + 240, 384], (180, 180, 186), 3, alpha=0.6)
        scene.rect((CX + 236, 368, CX + 270, 390), (220, 220, 224), radius=4)
        return
    scene.shadow(CX, 410, 360)
    scene.polygon([CX - 170, 300, CX + 130, 270, CX + 190, 340, CX - 110, 380], lighter(shell, 0.1), shade="vertical")
    scene.polygon([CX - 110, 380, CX + 190, 340, CX + 190, 375, CX - 110, 415], darker(shell, 0.2), shade="horizontal")
    scene.polygon([CX - 170, 300, CX - 110, 380, CX - 110, 415, CX - 170, 335], darker(shell, 0.35))
    for n in range(4):
        x = CX - 10 + n * 20
        scene.ellipse((x, 318 - n * 2, x + 8, 326 - n * 2), (40, 200, 120) if n < 3 else (80, 80, 80))
    scene.rect((CX - 40, 300, CX + 60, 310), (240, 140, 20), radius=3, alpha=0.9)


def watch(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    strap = colour
    scene.shadow(CX, 410, 260)
    scene.rect((CX - 46, 150, CX + 46, 270), strap, radius=18, shade="horizontal")
    scene.rect((CX - 46, 330, CX + 46, 410), strap, radius=18, shade="horizontal")
    scene.rect((CX - 80, 220, CX + 80, 370), (60, 62, 70), radius=34, contrast=0.4)
    face = scene.rect((CX - 68, 232, CX + 68, 358), (10, 12, 18), radius=26, shade="diagonal")
    scene.texture(face, lambda d, at: d.arc(_box(at(CX - 46, 252, CX + 46, 340)), 0, 250, fill=255, width=6 * SCALE), (60, 200, 130))
    scene.rect((CX - 30, 286, CX + 30, 304), (230, 230, 236), radius=3, shade="flat")
    scene.rect((CX + 80, 270, CX + 88, 300), (90, 90, 96), radius=2)


def thermometer(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX, 380, 360, 20)
    scene.polygon([CX - 190, 330, CX + 150, 300, CX + 170, 330, CX - 170, 370], (244, 244, 246), shade="vertical", contrast=0.2)
    scene.polygon([CX + 150, 300, CX + 210, 296, CX + 214, 316, CX + 170, 330], (180, 186, 194), shade="vertical")
    scene.polygon([CX - 90, 322, CX + 10, 313, CX + 14, 332, CX - 86, 343], (140, 190, 200), shade="diagonal")
    scene.polygon([CX - 170, 330, CX - 130, 326, CX - 126, 350, CX - 166, 354], (37, 99, 235), shade="flat")


def mangoes(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX, 410, 420, 34)
    spots = [(CX - 150, 300), (CX + 20, 310), (CX - 70, 250), (CX + 110, 270), (CX - 10, 215)]
    for x, y in spots:
        scene.shadow(x + 60, y + 92, 140, 20, alpha=0.25)
        fruit = scene.ellipse((x, y, x + 150, y + 110), (232, 150, 40), shade="round", contrast=0.45)
        scene.texture(fruit, lambda d, at, x=x, y=y: d.ellipse(_box(at(x - 40, y - 40, x + 90, y + 70)), fill=255), (220, 60, 40), alpha=0.6)
        scene.texture(fruit, lambda d, at, x=x, y=y: d.ellipse(_box(at(x + 90, y + 40, x + 200, y + 150)), fill=255), (120, 160, 40), alpha=0.55)
        scene.glow((x + 30, y + 18, x + 70, y + 42), WHITE, alpha=0.4, blur=5)
    scene.ellipse((CX + 60, 200, CX + 120, 232), (60, 120, 40), shade="diagonal")  # a leaf


def greens(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX, 400, 460, 50)
    tones = [(40, 110, 50), (56, 130, 60), (30, 90, 44), (70, 140, 66)]
    stem = (CX + 150, 370)
    for n in range(8):
        angle = math.pi + 0.5 - n * 0.13
        length = rng.uniform(230, 280)
        x = stem[0] + math.cos(angle) * length / 2
        y = stem[1] + math.sin(angle) * length / 2 * 0.6
        shape = scene.polygon(leaf(x, y, length, 110, angle, flatten=0.6), tones[n % 4], shade="round", contrast=0.35)
        tip = (stem[0] + math.cos(angle) * length, stem[1] + math.sin(angle) * length * 0.6)
        scene.texture(shape, lambda d, at, tip=tip: d.line(at(*stem, *tip), fill=255, width=3 * SCALE), (190, 220, 160), alpha=0.85)
        scene.texture(shape, lambda d, at, x=x, y=y, a=angle: [
            d.line(at(x + k * math.cos(a), y + k * math.sin(a) * 0.6, x + k * math.cos(a) + 40 * s * math.sin(a),
                      y + k * math.sin(a) * 0.6 - 30 * s * math.cos(a) * 0.6 - 12), fill=255, width=SCALE)
            for k in range(-90, 100, 30) for s in (-1, 1)], (150, 200, 130), alpha=0.55)
    for n in range(6):
        scene.line([stem[0] - 10, stem[1] - 6 + n * 3, stem[0] + 60, stem[1] + 10 + n * 3], (160, 200, 120), 5)
    scene.rect((stem[0] + 10, stem[1] - 12, stem[0] + 24, stem[1] + 32), (180, 140, 80), radius=4)  # the string


def sack(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    cloth = (226, 214, 190)
    scene.shadow(CX, 410, 320)
    body = scene.polygon([CX - 130, 190, CX + 130, 190, CX + 150, 405, CX - 150, 405], cloth, contrast=0.28)
    scene.texture(body, lambda d, at: [d.line(at(CX - 160, y, CX + 160, y), fill=255, width=SCALE) for y in range(190, 405, 5)],
                  darker(cloth, 0.1), alpha=0.6)
    scene.rect((CX - 95, 260, CX + 95, 350), (22, 110, 60), radius=10, shade="flat")
    scene.ellipse((CX - 60, 275, CX + 60, 335), (240, 200, 60), shade="flat")
    rice = scene.ellipse((CX - 110, 170, CX + 110, 215), (246, 242, 232), shade="round", contrast=0.15)  # rice on top
    scene.texture(rice,
                  lambda d, at: [d.ellipse(_box(at(x, y, x + 5, y + 2)), fill=255)
                                 for x in range(CX - 100, CX + 100, 7) for y in range(175, 212, 5)], (200, 196, 186), alpha=0.5)
    scene.shadow(CX + 190, 410, 90, 14, alpha=0.3)
    scene.ellipse((CX + 150, 385, CX + 240, 410), (246, 242, 232), shade="round")


def spices(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX - 60, 405, 200)
    scene.rect((CX - 150, 190, CX + 20, 405), (200, 50, 40), radius=10, contrast=0.3)
    scene.rect((CX - 140, 260, CX + 10, 330), CREAM, shade="flat")
    scene.rect((CX - 120, 280, CX - 10, 292), (120, 40, 30), shade="flat")
    scene.rect((CX - 120, 300, CX - 40, 308), (120, 40, 30), shade="flat")
    for x, tone in ((CX + 110, (160, 80, 30)), (CX + 200, (200, 140, 40))):
        scene.shadow(x, 410, 120, 18, alpha=0.3)
        scene.pieslice((x - 60, 340, x + 60, 470), 180, 360, tone, shade="round", contrast=0.35)
    for n in range(5):
        x = CX + 40 + n * 30
        scene.line([x, 390, x + 12, 380], (90, 50, 30), 4)  # cinnamon and cloves


def plate(scene: StillLife, *, width: float = 380) -> None:
    scene.shadow(CX, 395, width * 0.95, 40)
    scene.ellipse((CX - width / 2, 300, CX + width / 2, 410), (246, 246, 244), shade="vertical", contrast=0.15)
    scene.ellipse((CX - width / 2 + 34, 316, CX + width / 2 - 34, 396), (232, 232, 230), shade="vertical", contrast=0.12)


def mandazi(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    plate(scene)
    for x, y in [(CX - 110, 320), (CX - 20, 330), (CX + 60, 316), (CX - 70, 280), (CX + 20, 270)]:
        scene.polygon([x, y + 50, x + 45, y - 20, x + 95, y + 48], (196, 130, 60), shade="round", contrast=0.4)
        scene.glow((x + 30, y + 5, x + 55, y + 25), (250, 230, 180), alpha=0.5, blur=4)


def bread(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    board = (170, 120, 70)
    scene.shadow(CX, 412, 440)
    scene.rect((CX - 210, 340, CX + 210, 412), board, radius=12, shade="vertical")
    scene.ellipse((CX - 180, 210, CX + 180, 380), (190, 120, 50), shade="round", contrast=0.42)
    for n in range(4):
        x = CX - 110 + n * 70
        scene.arc((x - 30, 230, x + 30, 330), 200, 300, (240, 200, 140), 6)
    scene.ellipse((CX + 170, 320, CX + 250, 390), (245, 232, 200), shade="round")  # a cut slice
    scene.glow((CX - 120, 230, CX, 280), (250, 220, 160), alpha=0.45, blur=10)


def chapati(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    plate(scene, width=400)
    for n in range(6):
        y = 350 - n * 7
        disc = scene.ellipse((CX - 150, y - 40, CX + 150, y + 30), (222, 180, 110), shade="vertical", contrast=0.25)
    scene.texture(disc, lambda d, at: [d.ellipse(_box(at(x, y, x + 14, y + 7)), fill=255)
                                       for x, y in [(CX + rng.randint(-120, 110), rng.randint(278, 340)) for _ in range(26)]],
                  (150, 90, 40), alpha=0.6)


def juice(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX - 40, 410, 160)
    scene.rect((CX - 100, 170, CX + 20, 410), (250, 240, 230), radius=24, alpha=0.35)
    scene.rect((CX - 92, 220, CX + 12, 404), (244, 176, 40), radius=20, shade="horizontal", contrast=0.3)
    scene.rect((CX - 64, 130, CX - 16, 176), (250, 240, 230), radius=8, alpha=0.5)
    scene.rect((CX - 70, 118, CX - 10, 140), (22, 140, 70), radius=6)
    scene.rect((CX - 92, 280, CX + 12, 340), (120, 40, 100), shade="flat")
    scene.glow((CX - 80, 230, CX - 60, 390), WHITE, alpha=0.4, blur=4)
    for x, y in ((CX + 90, 340), (CX + 170, 350)):
        scene.shadow(x + 40, y + 62, 100, 16, alpha=0.3)
        scene.ellipse((x, y, x + 80, y + 70), (90, 30, 70), shade="round", contrast=0.45)
    half = scene.pieslice((CX + 120, 370, CX + 200, 420), 180, 360, (240, 190, 40), shade="flat")  # a cut passion fruit
    scene.texture(half,
                  lambda d, at: [d.ellipse(_box(at(x, y, x + 6, y + 6)), fill=255) for x in range(CX + 130, CX + 195, 12) for y in (378, 388)],
                  (40, 30, 20))


def coffee(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX - 40, 410, 260)
    scene.polygon([CX - 140, 160, CX + 60, 160, CX + 80, 410, CX - 160, 410], KRAFT, shade="diagonal", contrast=0.3)
    scene.rect((CX - 140, 150, CX + 60, 175), darker(KRAFT, 0.15), shade="vertical")
    scene.rect((CX - 120, 240, CX + 50, 330), (40, 30, 26), radius=4, shade="flat")
    scene.ellipse((CX - 60, 250, CX - 10, 300), (200, 40, 40), shade="flat")
    scene.rect((CX - 100, 305, CX + 30, 315), CREAM, shade="flat")
    scene.glow((CX - 130, 180, CX - 90, 380), WHITE, alpha=0.25, blur=8)
    for _ in range(30):
        x, y = CX + rng.uniform(90, 250), 390 + rng.uniform(-8, 18)
        scene.ellipse((x, y, x + 16, y + 11), (70, 40, 24), shade="round", contrast=0.45)
        scene.line([x + 4, y + 5, x + 12, y + 6], (40, 22, 14), 1.2)


def tea(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX - 90, 405, 220)
    scene.rect((CX - 200, 200, CX - 20, 405), (22, 110, 60), radius=6, contrast=0.3)
    scene.rect((CX - 190, 250, CX - 30, 320), (240, 200, 60), shade="flat")
    scene.rect((CX - 170, 270, CX - 50, 282), (22, 80, 40), shade="flat")
    scene.shadow(CX + 110, 410, 200, 26)
    scene.ellipse((CX + 20, 380, CX + 210, 420), (246, 246, 244), shade="vertical")  # saucer
    scene.pieslice((CX + 40, 260, CX + 190, 410), 0, 180, (246, 246, 244), shade="horizontal", contrast=0.3)
    scene.ellipse((CX + 40, 316, CX + 190, 346), (160, 100, 60), shade="vertical")
    scene.arc((CX + 170, 320, CX + 220, 380), 270, 90, (236, 236, 234), 8)


def biryani(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    plate(scene, width=420)
    rice = scene.ellipse((CX - 160, 290, CX + 160, 390), (236, 196, 90), shade="round", contrast=0.3)
    scene.texture(rice, lambda d, at: [d.ellipse(_box(at(x, y, x + 6, y + 2.5)), fill=255)
                                       for x in range(CX - 160, CX + 160, 6) for y in range(292, 390, 4) if (x + y) % 3],
                  (250, 240, 210), alpha=0.45)
    for x, y in ((CX - 60, 300), (CX + 20, 320), (CX - 110, 330), (CX + 70, 296)):
        scene.ellipse((x, y, x + 60, y + 40), (150, 70, 30), shade="round", contrast=0.45)
    for x, y in ((CX - 10, 300), (CX + 60, 340), (CX - 80, 356)):
        scene.ellipse((x, y, x + 14, y + 10), (40, 120, 50))


def samosa(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    plate(scene)
    for x, y, flip in ((CX - 150, 300, 1), (CX - 40, 310, -1), (CX + 60, 300, 1), (CX - 90, 260, -1), (CX + 10, 255, 1)):
        points = [x, y + 60, x + 110, y + 60, x + 55, y - 10] if flip > 0 else [x, y - 4, x + 110, y - 4, x + 55, y + 64]
        scene.polygon(points, (214, 150, 70), shade="round", contrast=0.4)
    scene.ellipse((CX + 110, 250, CX + 170, 290), (220, 60, 40), shade="round")  # a chilli dip


def honey(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX, 410, 260)
    scene.rect((CX - 110, 200, CX + 110, 410), (214, 140, 20), radius=40, contrast=0.4, shade="horizontal")
    scene.rect((CX - 120, 160, CX + 120, 210), (90, 60, 40), radius=10, shade="vertical")
    scene.rect((CX - 80, 270, CX + 80, 350), CREAM, radius=6, shade="flat")
    scene.polygon([CX, 282, CX + 24, 296, CX + 24, 322, CX, 336, CX - 24, 322, CX - 24, 296], (230, 170, 30), shade="flat")
    scene.glow((CX - 90, 220, CX - 60, 390), (255, 230, 150), alpha=0.55, blur=5)
    scene.shadow(CX + 200, 405, 120, 14, alpha=0.3)
    scene.rect((CX + 140, 380, CX + 270, 392), (200, 160, 100), radius=5)  # a wooden dipper
    scene.ellipse((CX + 120, 368, CX + 160, 404), (200, 160, 100), shade="round")


def books(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX, 410, 380)
    for n, tone in enumerate([(37, 99, 235), (200, 48, 48), (22, 163, 74), (234, 179, 8), (126, 34, 206)]):
        y = 390 - n * 26
        dx = rng.uniform(-14, 14)
        scene.rect((CX - 170 + dx, y - 24, CX + 170 + dx, y + 2), tone, radius=3, shade="vertical")
        scene.rect((CX + 150 + dx, y - 22, CX + 168 + dx, y), (244, 244, 240), shade="flat")
    scene.polygon([CX - 150, 230, CX + 120, 200, CX + 124, 210, CX - 146, 240], (240, 200, 40))  # a pencil
    scene.polygon([CX + 120, 200, CX + 150, 198, CX + 124, 210], (220, 180, 140))


def bucket(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX - 60, 410, 260)
    scene.polygon([CX - 180, 230, CX + 40, 230, CX + 20, 410, CX - 160, 410], (37, 99, 235), shade="horizontal", contrast=0.35)
    scene.ellipse((CX - 182, 215, CX + 42, 250), (25, 70, 180), shade="vertical")
    scene.ellipse((CX - 150, 212, CX - 40, 234), WHITE, alpha=0.9)  # foam
    scene.arc((CX - 170, 130, CX + 30, 330), 200, 340, (60, 60, 70), 4)
    scene.shadow(CX + 140, 410, 120)
    scene.rect((CX + 90, 240, CX + 190, 410), (240, 240, 244), radius=18, alpha=0.85)
    scene.rect((CX + 96, 300, CX + 184, 404), (120, 200, 230), radius=14, shade="horizontal")
    scene.rect((CX + 110, 190, CX + 170, 244), (22, 163, 74), radius=8)
    scene.rect((CX + 60, 196, CX + 112, 214), (22, 163, 74), radius=4)
    scene.ellipse((CX - 30, 370, CX + 60, 412), (240, 200, 40), shade="round")  # a sponge


def sofa(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    fabric_ = (70, 110, 130)
    scene.shadow(CX, 415, 500, 30)
    scene.rect((CX - 230, 200, CX + 230, 330), fabric_, radius=28, shade="vertical")
    scene.rect((CX - 240, 300, CX + 240, 390), darker(fabric_, 0.1), radius=20)
    for x in (CX - 200, CX + 2):
        scene.rect((x, 285, x + 198, 330), lighter(fabric_, 0.12), radius=16, shade="vertical")
    for x in (CX - 260, CX + 210):
        scene.rect((x, 250, x + 50, 390), darker(fabric_, 0.05), radius=22, shade="horizontal")
    scene.rect((CX - 150, 230, CX - 60, 300), (240, 200, 60), radius=16)  # a cushion
    for x in (CX - 220, CX + 200):
        scene.rect((x, 390, x + 14, 415), (60, 40, 30))
    scene.glow((CX - 100, 300, CX + 40, 330), WHITE, alpha=0.35, blur=10)


def sewing(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX, 410, 420, 30, alpha=0.25)
    tape = (240, 200, 60)
    scene.ellipse((CX + 60, 300, CX + 200, 380), tape, shade="round")
    scene.ellipse((CX + 100, 320, CX + 160, 360), darker(tape, 0.3), shade="round")
    scene.line([CX + 60, 345, CX - 40, 390, CX - 200, 380], tape, 14)
    for x in range(-190, -40, 12):
        scene.line([CX + x, 376, CX + x, 384], (40, 40, 40), 1.4)
    # Scissors: two blades and two rings.
    scene.polygon([CX - 150, 260, CX + 40, 300, CX - 140, 274], (190, 196, 204), shade="horizontal")
    scene.polygon([CX - 150, 300, CX + 40, 290, CX - 140, 286], (170, 176, 184), shade="horizontal")
    for y in (240, 300):
        scene.arc((CX - 210, y, CX - 150, y + 36), 0, 360, (200, 40, 40), 8)
    for x, tone in ((CX - 20, (37, 99, 235)), (CX + 20, (200, 48, 48))):
        scene.rect((x - 14, 200, x + 14, 250), tone, radius=4, shade="horizontal")  # thread spools
        scene.rect((x - 18, 196, x + 18, 204), (200, 160, 100))
        scene.rect((x - 18, 248, x + 18, 256), (200, 160, 100))


def garment(scene: StillLife, colour: RGB, rng: random.Random, *, suit: bool = False) -> None:
    cloth = colour
    scene.arc((CX - 20, 70, CX + 20, 110), 180, 90, (120, 120, 126), 4)
    scene.line([CX - 120, 150, CX, 105, CX + 120, 150], (150, 100, 60), 7)
    scene.shadow(CX + 30, 430, 300, 20, alpha=0.2)
    if suit:
        scene.polygon([CX - 120, 150, CX + 120, 150, CX + 140, 420, CX - 140, 420], cloth, shade="horizontal")
        scene.polygon([CX - 30, 150, CX + 30, 150, CX, 290], WHITE, shade="flat")
        scene.polygon([CX - 10, 160, CX + 10, 160, CX + 12, 270, CX, 290, CX - 12, 270], (150, 30, 40), shade="flat")
        scene.polygon([CX - 30, 150, CX - 6, 290, CX - 60, 200], darker(cloth, 0.2))
        scene.polygon([CX + 30, 150, CX + 6, 290, CX + 60, 200], darker(cloth, 0.2))
        for y in (320, 360):
            scene.ellipse((CX - 6, y, CX + 6, y + 12), (40, 40, 40))
        return
    body = scene.polygon([CX - 110, 150, CX + 110, 150, CX + 80, 240, CX + 170, 430, CX - 170, 430, CX - 80, 240],
                         cloth, shade="horizontal", contrast=0.3)
    accent = (240, 200, 60) if cloth[0] < 200 or cloth[2] > 200 else (37, 99, 235)

    def print_(d, at):
        for x in range(CX - 180, CX + 180, 40):
            for y in range(150, 440, 40):
                d.ellipse(_box(at(x, y, x + 22, y + 22)), outline=255, width=4 * SCALE)

    scene.texture(body, print_, accent, alpha=0.75)
    scene.polygon([CX - 36, 150, CX + 36, 150, CX, 190], darker(cloth, 0.4))
    for n in range(5):
        scene.line([CX - 60 + n * 30, 430, CX - 50 + n * 28, 250], darker(cloth, 0.25), 2, alpha=0.4)


def camera(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX, 410, 360)
    scene.rect((CX - 170, 230, CX + 170, 405), (36, 36, 40), radius=24, contrast=0.35)
    scene.rect((CX - 90, 200, CX + 10, 240), (36, 36, 40), radius=8)
    scene.rect((CX - 170, 280, CX + 170, 360), (70, 56, 44), shade="flat", alpha=0.85)
    scene.ellipse((CX - 90, 230, CX + 90, 400), (20, 20, 24), shade="round")
    scene.ellipse((CX - 70, 250, CX + 70, 380), (60, 60, 70), shade="round", contrast=0.5)
    scene.ellipse((CX - 44, 276, CX + 44, 354), (30, 40, 70), shade="round", contrast=0.5)
    scene.glow((CX - 30, 286, CX, 310), WHITE, alpha=0.6, blur=3)
    scene.rect((CX + 110, 208, CX + 150, 232), (190, 190, 196), radius=6)


def bicycle(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    frame = colour
    tyre = (30, 30, 34)
    scene.shadow(CX, 418, 520, 22, alpha=0.35)
    for wx in (CX - 150, CX + 150):
        scene.arc((wx - 100, 218, wx + 100, 418), 0, 360, tyre, 14)
        scene.arc((wx - 88, 230, wx + 88, 406), 0, 360, (170, 174, 180), 3)
        for n in range(12):
            angle = math.pi * n / 6
            scene.line([wx, 318, wx + 86 * math.cos(angle), 318 + 86 * math.sin(angle)], (190, 194, 200), 1.2)
    crank = (CX - 10, 330)
    seat, head = (CX - 60, 180), (CX + 95, 180)
    scene.line([CX - 150, 318, *crank, *seat, CX - 150, 318], frame, 10)
    scene.line([*seat, *head, *crank], frame, 10)
    scene.line([*head, CX + 150, 318], frame, 9)
    scene.line([*seat, seat[0] - 8, seat[1] - 30], (60, 60, 64), 7)
    scene.rect((seat[0] - 40, seat[1] - 44, seat[0] + 30, seat[1] - 28), (30, 30, 34), radius=8)
    scene.line([*head, head[0] - 6, head[1] - 34, head[0] - 50, head[1] - 40], (60, 60, 64), 7)
    scene.ellipse((crank[0] - 24, crank[1] - 24, crank[0] + 24, crank[1] + 24), (160, 164, 170), shade="round")


def inner_tube(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    table = scene.image.getpixel(scene.px(CX, 330))
    scene.shadow(CX, 405, 420, 50, alpha=0.3)
    scene.ellipse((CX - 200, 250, CX + 200, 405), (36, 36, 40), shade="round", contrast=0.45)
    scene.ellipse((CX - 140, 290, CX + 140, 370), darker(table, 0.12), shade="vertical", contrast=0.1)  # the table through the hole
    scene.arc((CX - 190, 255, CX + 190, 400), 200, 300, (110, 110, 116), 5)
    scene.rect((CX - 8, 370, CX + 8, 420), (180, 180, 186), radius=3)


def parcel(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX, 410, 380)
    scene.polygon([CX - 180, 260, CX + 60, 240, CX + 190, 280, CX - 50, 305], lighter(KRAFT, 0.1), shade="flat")
    scene.polygon([CX - 180, 260, CX - 50, 305, CX - 50, 415, CX - 180, 370], darker(KRAFT, 0.05), shade="vertical")
    scene.polygon([CX - 50, 305, CX + 190, 280, CX + 190, 385, CX - 50, 415], darker(KRAFT, 0.2), shade="vertical")
    scene.polygon([CX - 120, 250, CX + 120, 260, CX + 130, 292, CX - 110, 282], (214, 190, 140), alpha=0.8)
    scene.rect((CX + 30, 320, CX + 130, 360), WHITE, shade="flat")
    scene.rect((CX + 40, 330, CX + 110, 336), (40, 40, 40), shade="flat")
    scene.rect((CX + 40, 344, CX + 90, 348), (40, 40, 40), shade="flat")


def shea(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX - 40, 410, 280)
    scene.rect((CX - 160, 280, CX + 80, 410), (120, 80, 50), radius=24, shade="horizontal")
    scene.ellipse((CX - 160, 260, CX + 80, 310), (244, 230, 190), shade="round", contrast=0.15)
    scene.pieslice((CX - 100, 240, CX + 20, 310), 180, 360, (250, 240, 206), shade="round", contrast=0.2)
    scene.rect((CX - 120, 330, CX + 40, 380), CREAM, radius=4, shade="flat")
    scene.rect((CX - 100, 345, CX + 20, 355), (22, 120, 60), shade="flat")
    for x, y in ((CX + 140, 370), (CX + 200, 390), (CX + 160, 320)):
        scene.ellipse((x, y, x + 46, y + 34), (140, 100, 50), shade="round", contrast=0.4)  # shea nuts


def soap(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX, 410, 380)
    scene.ellipse((CX - 200, 330, CX + 60, 410), (200, 170, 120), shade="vertical")  # a wooden dish
    for x, y in ((CX - 170, 300), (CX - 60, 310)):
        scene.rect((x, y, x + 110, y + 70), (54, 44, 38), radius=22, shade="round", contrast=0.35)
        scene.glow((x + 18, y + 10, x + 60, y + 26), WHITE, alpha=0.18, blur=4)
    scene.rect((CX + 80, 330, CX + 200, 400), (54, 44, 38), radius=24, shade="round", contrast=0.35)
    scene.ellipse((CX + 130, 260, CX + 240, 320), (230, 236, 240), alpha=0.8)  # foam
    scene.ellipse((CX + 110, 280, CX + 170, 330), (240, 244, 248), alpha=0.8)


def hair(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX, 405, 420)
    for n in range(3):
        y = 260 + n * 40
        tone = darker(colour, 0.1 * n)
        bundle = scene.rect((CX - 200 + n * 20, y, CX + 200 - n * 10, y + 60), tone, radius=28, shade="vertical")
        scene.texture(bundle, lambda d, at, y=y: [d.line(at(CX - 200, y + k, CX + 200, y + k + 6), fill=255, width=SCALE)
                                                  for k in range(2, 60, 5)], lighter(colour, 0.3), alpha=0.5)
        scene.rect((CX - 20, y - 4, CX + 20, y + 64), (200, 40, 40) if n % 2 else (240, 200, 60), radius=4)


def braids(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    hair_ = (44, 32, 28)
    scene.shadow(CX - 50, 400, 340, 60, alpha=0.3)
    for row in range(4):
        base = 285 + row * 32
        for step in range(26):
            x = CX - 200 + step * 11
            y = base + 8 * math.sin(step / 5 + row)
            angle = 0.7 if step % 2 else -0.7
            scene.polygon(leaf(x, y, 26, 12, angle), lighter(hair_, 0.06 * (step % 2)), shade="round", contrast=0.5)
        scene.ellipse((CX + 88, base - 7, CX + 102, base + 7), (240, 200, 60), shade="round")  # a bead at the end
    scene.rect((CX + 140, 330, CX + 270, 350), (200, 40, 40), radius=8)  # a comb
    teeth = scene.rect((CX + 140, 350, CX + 270, 385), (200, 40, 40))
    scene.texture(teeth, lambda d, at: [d.rectangle(_box(at(x, 350, x + 5, 386)), fill=255) for x in range(CX + 144, CX + 270, 9)],
                  scene.image.getpixel(scene.px(CX + 200, 395)))


def lipstick(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    for x in (CX - 90, CX + 60):
        scene.shadow(x + 20, 410, 110, 18)
        scene.rect((x - 30, 290, x + 30, 410), (214, 180, 90), radius=6, shade="horizontal", contrast=0.4)
        scene.rect((x - 26, 240, x + 26, 292), (190, 156, 70), radius=4, shade="horizontal")
        scene.polygon([x - 20, 240, x + 20, 240, x + 20, 200, x - 20, 170], colour, shade="horizontal", contrast=0.3)
    scene.shadow(CX + 190, 410, 60, 12, alpha=0.3)
    scene.rect((CX + 150, 300, CX + 230, 410), (30, 30, 34), radius=8, shade="horizontal")  # the cap


def cushion(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    cloth = (60, 42, 30)
    scene.shadow(CX, 412, 380)
    body = scene.polygon([CX - 170, 170, CX, 185, CX + 170, 170, CX + 160, 290, CX + 170, 405, CX, 390, CX - 170, 405, CX - 160, 290],
                         cloth, shade="round", contrast=0.35)

    def mud(d, at):
        for y in range(190, 400, 40):
            d.line(at(CX - 170, y, CX + 170, y), fill=255, width=3 * SCALE)
            for x in range(CX - 160, CX + 170, 30):
                d.polygon(at(x, y + 8, x + 10, y + 28, x + 20, y + 8), fill=255)

    scene.texture(body, mud, CREAM, alpha=0.85)


def yoga_mat(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX, 412, 460)
    scene.polygon([CX - 220, 360, CX + 160, 330, CX + 230, 380, CX - 150, 412], lighter(colour, 0.1), shade="vertical")
    scene.rect((CX - 200, 240, CX + 120, 350), colour, radius=55, shade="vertical", contrast=0.4)
    scene.ellipse((CX + 70, 240, CX + 170, 350), darker(colour, 0.1), shade="round")
    for r in (40, 28, 16):
        scene.arc((CX + 120 - r, 295 - r * 1.1, CX + 120 + r, 295 + r * 1.1), 0, 360, darker(colour, 0.4), 2)
    scene.line([CX - 120, 240, CX - 110, 350], (40, 40, 44), 8)
    scene.line([CX + 20, 240, CX + 30, 350], (40, 40, 44), 8)


def gift_box(scene: StillLife, colour: RGB, rng: random.Random) -> None:
    scene.shadow(CX, 410, 300)
    scene.rect((CX - 130, 240, CX + 130, 410), colour, radius=6, contrast=0.3)
    scene.rect((CX - 145, 210, CX + 145, 250), lighter(colour, 0.1), radius=6)
    scene.rect((CX - 16, 210, CX + 16, 410), (240, 200, 60), shade="horizontal")
    scene.ellipse((CX - 70, 170, CX, 215), (240, 200, 60))
    scene.ellipse((CX, 170, CX + 70, 215), (240, 200, 60))


# (words, how to draw, options): the first entry with one of its words (whole words) in the
# listing's title or tags wins, so the more specific entries come first.
OBJECTS: list[tuple[tuple[str, ...], Callable, dict]] = [
    (("hamper",), basket, {"hamper": True}),
    (("basket",), basket, {}),
    (("necklace",), beads_necklace, {}),
    (("bracelet",), beads_bracelets, {}),
    (("sandals", "shoes"), sandals, {}),
    (("boubou", "dress"), garment, {}),
    (("kikoi",), fabric, {"pattern": "stripes"}),
    (("shuka",), fabric, {"pattern": "checks"}),
    (("kitenge", "ankara"), fabric, {"pattern": "wax"}),
    (("leppi", "indigo"), fabric, {"pattern": "indigo"}),
    (("elephant", "carving"), elephant, {}),
    (("bowl",), bowl, {}),
    (("mats",), mats, {}),
    (("servers",), spoons, {}),
    (("painting", "canvas"), painting, {}),
    (("handbag",), bag, {"handbag": True}),
    (("weekender", "bag"), bag, {}),
    (("coffee table", "furniture"), coffee_table, {}),
    (("screen replacement",), smartphone, {"cracked": True}),
    (("screen protector",), smartphone, {"glass": True}),
    (("feature phone",), feature_phone, {}),
    (("smartphone",), smartphone, {}),
    (("laptop",), laptop, {}),
    (("earbuds",), earbuds, {}),
    (("speaker",), speaker, {}),
    (("radio",), radio, {}),
    (("power bank",), power_bank, {}),
    (("charger",), power_bank, {"charger": True}),
    (("watch",), watch, {}),
    (("thermometer",), thermometer, {}),
    (("mango", "mangoes"), mangoes, {}),
    (("sukuma", "greens", "vegetables"), greens, {}),
    (("rice",), sack, {}),
    (("spices", "masala"), spices, {}),
    (("mandazi",), mandazi, {}),
    (("chapati", "flatbread"), chapati, {}),
    (("bread",), bread, {}),
    (("juice",), juice, {}),
    (("coffee",), coffee, {}),
    (("tea",), tea, {}),
    (("biryani", "meal"), biryani, {}),
    (("samosa",), samosa, {}),
    (("honey",), honey, {}),
    (("exercise books", "stationery", "lessons", "tutoring"), books, {}),
    (("sofa",), sofa, {}),
    (("cleaning",), bucket, {}),
    (("suit",), garment, {"suit": True}),
    (("tailoring", "alterations"), sewing, {}),
    (("inner tube", "tube"), inner_tube, {}),
    (("bicycle",), bicycle, {}),
    (("parcel", "delivery"), parcel, {}),
    (("photography", "camera"), camera, {}),
    (("shea",), shea, {}),
    (("soap",), soap, {}),
    (("extensions",), hair, {}),
    (("braiding",), braids, {}),
    (("lipstick",), lipstick, {}),
    (("cushion", "mud cloth"), cushion, {}),
    (("yoga",), yoga_mat, {}),
    (("fabric", "wrap", "blanket"), fabric, {"pattern": "mud"}),
]


def picture_object(words: str) -> tuple[Callable, dict]:
    """How to draw a listing, from its title and tags ("Kiondo sisal basket" → a basket)."""
    text = words.lower()
    for keys, draw, options in OBJECTS:
        if any(re.search(rf"\b{re.escape(key)}\b", text) for key in keys):
            return draw, options
    return gift_box, {}


def still_life_picture(*, words: str, colour: RGB, top_slug: str, seed: str) -> bytes:
    """A JPEG still life of the listing's object on a table, in `colour`; same seed, same bytes."""
    rng = random.Random(seed)
    scene = StillLife(rng, zoom=OBJECT_ZOOM)
    room_paint(scene, top_slug)
    draw, options = picture_object(words)
    draw(scene, colour, rng, **options)
    return scene.finish()
