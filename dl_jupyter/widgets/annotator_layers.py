"""The annotator's ipycanvas layers: the item's image, and its committed shapes above it.

Both layers are drawn in device pixels for one view at a time (``View``), in one
``hold_canvas`` batch per redraw (the image as JPEG, or as PNG when zoomed in far enough that
single pixels matter); the browser shows the latest frame, lined up under its own
live view while the next one is on its way. Shapes look as the browser draws its own
(``js/src/annotator/draw.js``): 2 px outlines in the label's colour, closed shapes filled at
15 % opacity, dashed when the label is not in the recipe.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from ipycanvas import MultiCanvas, hold_canvas

from dl_jupyter.editing.geometry import to_definition
from dl_jupyter.widgets.annotator_images import Region, View

BACKGROUND = "#2b2b2b"
LINE_WIDTH = 2
FILL_ALPHA = 0.15
POINT_RADIUS = 4
FONT_PX = 11
EXACT_FROM = 2.0  # device pixels per image pixel from which the image layer is sent lossless


class Layers:
    """A two-layer MultiCanvas (image, shapes) of the stage's size in device pixels."""

    def __init__(self, width: int, height: int, dpr: float = 1.0) -> None:
        self.dpr = dpr
        self.canvas = MultiCanvas(2, width=width, height=height)

    @property
    def size(self) -> tuple[int, int]:
        return self.canvas.width, self.canvas.height

    def resize(self, width: int, height: int, dpr: float) -> None:
        self.dpr = dpr
        if (width, height) != self.size:
            self.canvas.width, self.canvas.height = width, height

    def draw(
        self,
        region: Region | None,
        shapes: Iterable[Mapping[str, Any]],
        view: View,
        lifted: str | None,
        image: bool = True,
    ) -> None:
        """Redraw the shapes layer, and the image layer too when ``image`` (one batch)."""
        image_layer, shape_layer = self.canvas[0], self.canvas[1]
        with hold_canvas():
            if image:
                image_layer.clear()
                image_layer.fill_style = BACKGROUND
                image_layer.fill_rect(0, 0, *self.size)
                if region is not None:
                    image_layer.put_image_data(
                        self._encodable(region.pixels, view), region.left, region.top
                    )
            shape_layer.clear()
            for shape in shapes:
                if shape["key"] != lifted:
                    self._shape(shape_layer, shape, view)

    def _encodable(self, pixels: np.ndarray, view: View) -> np.ndarray:
        """RGB goes as JPEG; zoomed in, where single pixels are judged, RGBA goes as PNG."""
        if view.scale * self.dpr < EXACT_FROM:
            return pixels
        alpha = np.full((*pixels.shape[:2], 1), 255, dtype=np.uint8)
        return np.concatenate([pixels, alpha], axis=2)

    def _shape(self, layer: Any, shape: Mapping[str, Any], view: View) -> None:
        geometry = shape.get("geometry")
        color = shape["color"]
        device = view.scale * self.dpr
        dashed = bool(shape.get("flags")) and "label not in recipe" in shape["flags"]
        layer.stroke_style = layer.fill_style = color
        layer.line_width = LINE_WIDTH * self.dpr
        layer.set_line_dash([6 * self.dpr, 4 * self.dpr] if dashed else [])
        if geometry is None:
            if shape.get("bounds") and shape["type"] != "class":
                left, top, right, bottom = shape["bounds"]
                layer.set_line_dash([3 * self.dpr, 3 * self.dpr])
                layer.stroke_rect(
                    (left - view.x) * device,
                    (top - view.y) * device,
                    (right - left) * device,
                    (bottom - top) * device,
                )
            return
        kind = geometry["type"]
        if kind == "class":
            return
        if kind == "ellipse":
            (cx, cy), corner = geometry["points"][0], np.asarray(bounds_of(geometry)[:2])
            layer.begin_path()
            layer.ellipse(
                (cx - view.x) * device,
                (cy - view.y) * device,
                geometry["rx"] * device,
                geometry["ry"] * device,
                math.radians(geometry.get("angle") or 0),
                0,
                2 * math.pi,
            )
            layer.global_alpha = FILL_ALPHA
            layer.fill()
            layer.global_alpha = 1
            layer.stroke()
            self._caption(layer, shape["label"] or "", color, (corner - (view.x, view.y)) * device)
            return
        points = (np.asarray(outline(geometry), dtype=float) - (view.x, view.y)) * device
        if kind == "point":
            (x, y), radius = points[0], POINT_RADIUS * self.dpr
            layer.fill_circle(x, y, radius)
            layer.stroke_style = "#ffffff"
            layer.line_width = 1.5 * self.dpr
            layer.stroke_circle(x, y, radius)
        elif kind == "polyline":
            layer.stroke_lines(points)
        else:
            layer.global_alpha = FILL_ALPHA
            layer.fill_polygon(points)
            layer.global_alpha = 1
            layer.stroke_polygon(points)
        self._caption(layer, shape["label"] or "", color, points.min(axis=0))

    def _caption(self, layer: Any, text: str, color: str, corner: np.ndarray) -> None:
        size = FONT_PX * self.dpr
        x, y = float(corner[0]), max(float(corner[1]) - size - 3 * self.dpr, 0.0)
        layer.set_line_dash([])
        layer.fill_style = color
        layer.fill_rect(x, y, (len(text) * 0.62 * FONT_PX + 6) * self.dpr, size + 3 * self.dpr)
        layer.fill_style = "#ffffff"
        layer.font = f"{size:.0f}px sans-serif"
        layer.text_baseline = "top"
        layer.fill_text(text, x + 3 * self.dpr, y + 1.5 * self.dpr)


def outline(geometry: Mapping[str, Any]) -> list[list[float]]:
    """The outline in image pixels of a box (its corners, rotated), path or point."""
    if geometry["type"] == "box":
        return to_definition(geometry, None).four_points
    return [list(p) for p in geometry["points"]]


def bounds_of(geometry: Mapping[str, Any]) -> tuple[float, float, float, float]:
    return to_definition(geometry, None).bounds
