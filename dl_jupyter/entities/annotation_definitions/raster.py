"""Pixel helpers shared by the definitions: canvases, colours, compositing and PNG data URLs."""

from __future__ import annotations

import base64
import colorsys
import hashlib
import io
import numbers
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from PIL import Image, ImageColor, ImageDraw, ImageFont

from dl_jupyter.enums import ViewAnnotationOptions
from dl_jupyter.exceptions import BadRequestError

COLOR_FORMATS = (ViewAnnotationOptions.MASK, ViewAnnotationOptions.ANNOTATION_ON_IMAGE)
INDEX_FORMATS = (ViewAnnotationOptions.INSTANCE, ViewAnnotationOptions.OBJECT_ID)
DATA_URL_PREFIX = "data:image/png;base64,"


def view_format(annotation_format: object) -> ViewAnnotationOptions:
    """The drawable view format named by an enum member or its string value."""
    try:
        fmt = ViewAnnotationOptions(str(annotation_format))
    except ValueError:
        fmt = None
    if fmt not in COLOR_FORMATS + INDEX_FORMATS:
        known = ", ".join(str(f) for f in COLOR_FORMATS + INDEX_FORMATS)
        raise BadRequestError(
            f"annotation_format {annotation_format!r} cannot be drawn; use one of {known}"
        )
    return fmt


def new_canvas(
    image: object, height: object, width: object, fmt: ViewAnnotationOptions
) -> np.ndarray:
    """A fresh array to draw on: a copy of ``image`` (RGBA for colour formats) or a blank one."""
    if image is not None:
        array = np.asarray(image)
        if fmt in INDEX_FORMATS:
            if array.ndim != 2:
                raise BadRequestError(
                    f"image must be a 2-D array to draw {fmt}, got shape {array.shape}"
                )
            return array.copy()
        return _as_rgba(array)
    if fmt is ViewAnnotationOptions.ANNOTATION_ON_IMAGE:
        raise BadRequestError(f"Must input an image to draw with annotation_format {fmt!r}")
    if height is None or width is None:
        raise BadRequestError("Must input an image or height and width")
    shape = (_size("height", height), _size("width", width))
    if fmt in INDEX_FORMATS:
        return np.zeros(shape, dtype=np.uint8)
    return np.zeros((*shape, 4), dtype=np.uint8)


def _size(name: str, value: object) -> int:
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and value >= 1:
        return int(value)
    raise BadRequestError(f"{name} must be a positive number of pixels, got {value!r}")


def _as_rgba(array: np.ndarray) -> np.ndarray:
    if array.dtype != np.uint8:
        raise BadRequestError(f"image must be a uint8 array, got dtype {array.dtype}")
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise BadRequestError(f"image must be gray, RGB or RGBA, got shape {array.shape}")
    if array.shape[2] == 3:
        opaque = np.full((*array.shape[:2], 1), 255, dtype=np.uint8)
        return np.concatenate([array, opaque], axis=2)
    return array.copy()


def line_thickness(thickness: object, default: int) -> int:
    """``None`` means the definition's default; -1 (any negative) means fill."""
    if thickness is None:
        return default
    if not isinstance(thickness, numbers.Real) or isinstance(thickness, bool):
        raise BadRequestError(f"thickness must be an integer (-1 fills), got {thickness!r}")
    return -1 if thickness < 0 else max(1, int(thickness))


def default_color(label: str | None) -> tuple[int, int, int]:
    """A bright colour picked from a hash of the label, so a label keeps its colour everywhere."""
    if label is None:
        return (255, 255, 255)
    digest = hashlib.md5(label.encode("utf-8"), usedforsecurity=False).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    red, green, blue = colorsys.hsv_to_rgb(hue, 0.7, 0.95)
    return (round(red * 255), round(green * 255), round(blue * 255))


def rgba(color: object, alpha: object = 1) -> tuple[int, int, int, int]:
    """An RGB(A) tuple or a CSS colour string, with its alpha scaled by ``alpha`` in [0, 1]."""
    if not isinstance(alpha, numbers.Real) or isinstance(alpha, bool) or not 0 <= alpha <= 1:
        raise BadRequestError(f"alpha must be a number between 0 and 1, got {alpha!r}")
    if isinstance(color, str):
        try:
            color = ImageColor.getrgb(color)
        except ValueError:
            raise BadRequestError(f"color {color!r} is not a colour name or #hex value") from None
    if (
        not isinstance(color, Sequence | np.ndarray)
        or len(color) not in (3, 4)
        or not all(isinstance(c, numbers.Integral) and 0 <= c <= 255 for c in color)
    ):
        raise BadRequestError(
            f"color must be an RGB or RGBA tuple of 0-255 integers, got {color!r}"
        )
    channels = [int(c) for c in color]
    opacity = channels[3] if len(channels) == 4 else 255
    return (channels[0], channels[1], channels[2], round(opacity * alpha))


def index_value(
    fmt: ViewAnnotationOptions, color: object, instance_id: object, object_id: object
) -> int:
    """The integer the instance formats write: an integer ``color`` (as dtlpy passes it), else
    ``object_id`` for the 'object_id' format when given, else ``instance_id``."""
    if isinstance(color, numbers.Integral) and not isinstance(color, bool):
        value = color
    elif fmt is ViewAnnotationOptions.OBJECT_ID and object_id is not None:
        value = object_id
    else:
        value = instance_id
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise BadRequestError(f"{fmt} value must be a non-negative integer, got {value!r}")
    return number


def paint_index(canvas: np.ndarray, coverage: np.ndarray, value: int) -> np.ndarray:
    """Write ``value`` where ``coverage`` is set, widening the dtype when the value needs it."""
    dtype = np.promote_types(canvas.dtype, np.min_scalar_type(value))
    out = canvas.astype(dtype, copy=True)
    out[coverage] = value
    return out


def paint_rgba(
    canvas: np.ndarray,
    coverage: np.ndarray,
    color: tuple[int, int, int, int],
    text: str | None = None,
    text_at: tuple[int, int] = (0, 0),
) -> np.ndarray:
    """Alpha-composite ``color`` (and optional text) over an RGBA canvas where covered."""
    layer = np.zeros_like(canvas)
    layer[coverage] = color
    overlay = Image.fromarray(layer, "RGBA")
    if text:
        ImageDraw.Draw(overlay).text(text_at, text, fill=color, font=_font())
    return np.array(Image.alpha_composite(Image.fromarray(canvas, "RGBA"), overlay))


def text_height() -> int:
    """Pixel height of the label font, to place text just above a shape."""
    _, top, _, bottom = _font().getbbox("Ag")
    return int(bottom - top)


@lru_cache(maxsize=1)
def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default()


def pixel_points(points: object) -> list[tuple[int, int]]:
    """Vertices rounded to whole pixels, as Pillow draws them."""
    array = np.rint(np.asarray(points, dtype=float).reshape(-1, 2)).astype(int)
    return [(int(x), int(y)) for x, y in array]


def draw_path(draw: ImageDraw.ImageDraw, points: object, closed: bool, thickness: int) -> None:
    """Stroke (or, closed with thickness -1, fill) a path of vertices in coverage value 255."""
    xy = pixel_points(points)
    if len(xy) < 2:
        draw.point(xy, fill=255)
    elif closed and thickness < 0:
        draw.polygon(xy, fill=255)
    else:
        draw.line(xy + xy[:1] if closed else xy, fill=255, width=max(thickness, 1), joint="curve")


def fill_polygon(points: object, height: int, width: int) -> np.ndarray:
    """A uint8 0/1 mask of the polygon, boundary pixels included."""
    image = Image.new("L", (width, height), 0)
    draw_path(ImageDraw.Draw(image), points, closed=True, thickness=-1)
    return (np.asarray(image) > 0).astype(np.uint8)


def mask_to_data_url(mask: np.ndarray, color: Sequence[int]) -> str:
    """Encode a mask as Dataloop does: an RGBA PNG in ``color`` with alpha 255 where it is set."""
    pixels = np.zeros((*mask.shape, 4), dtype=np.uint8)
    pixels[mask] = (*color[:3], 255)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, format="PNG")
    return DATA_URL_PREFIX + base64.b64encode(buffer.getvalue()).decode("ascii")


def data_url_to_mask(coordinates: object) -> tuple[np.ndarray, tuple[int, int, int] | None]:
    """Decode a PNG data URL (or ``{"data": url}``): mask = alpha > 127, and the painted colour."""
    data = coordinates.get("data") if isinstance(coordinates, dict) else coordinates
    if not isinstance(data, str):
        raise BadRequestError(
            f"binary coordinates must be a PNG data URL, got {type(data).__name__}"
        )
    payload = data.split(",", 1)[1] if data.startswith("data:") else data
    try:
        image = Image.open(io.BytesIO(base64.b64decode(payload)))
        image.load()
    except (ValueError, OSError) as error:
        raise BadRequestError(f"binary coordinates are not a readable PNG: {error}") from None
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        pixels = np.asarray(image.convert("RGBA"))
        mask = pixels[:, :, 3] > 127
    else:
        pixels = np.asarray(image.convert("RGB"))
        mask = np.asarray(image.convert("L")) > 127
    rows, cols = np.nonzero(mask)
    color = tuple(int(c) for c in pixels[rows[0], cols[0], :3]) if rows.size else None
    return mask, color
