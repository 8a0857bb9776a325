"""Box: a rectangle given by two corners, optionally rotated about its centre (type 'box')."""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import Any

from PIL import ImageDraw

from dl_jupyter.enums import AnnotationType
from dl_jupyter.exceptions import BadRequestError

from . import raster
from .base import BaseAnnotationDefinition, Bounds, NumberField, as_number, require_number
from .contours import find_components


def rotate(
    points: Sequence[Sequence[float]], center: Sequence[float], degrees: float
) -> list[list[float]]:
    """Points turned about ``center`` by ``degrees``, clockwise on screen (y down)."""
    radians = math.radians(degrees)
    cos, sin = math.cos(radians), math.sin(radians)
    cx, cy = center
    return [
        [cx + cos * (x - cx) - sin * (y - cy), cy + sin * (x - cx) + cos * (y - cy)]
        for x, y in points
    ]


class Box(BaseAnnotationDefinition):
    """``[(left, top), (right, bottom)]``; ``angle`` (degrees, about the centre) makes it rotated.

    ``left/top/right/bottom`` are the rectangle before rotation; ``bounds`` is what is drawn.
    """

    type = AnnotationType.BOX.value

    left = NumberField()
    top = NumberField()
    right = NumberField()
    bottom = NumberField()
    angle = NumberField()

    def __init__(
        self,
        left: float | None = None,
        top: float | None = None,
        right: float | None = None,
        bottom: float | None = None,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
        angle: float | None = None,
    ):
        super().__init__(label, attributes, description)
        self.left, self.top, self.right, self.bottom = left, top, right, bottom
        self.angle = angle

    def validate(self) -> None:
        super().validate()
        name = type(self).__name__
        for field in ("left", "top", "right", "bottom"):
            require_number(name, field, getattr(self, field))
        if self.angle is not None:
            require_number(name, "angle", self.angle)
        if self.right < self.left:
            raise BadRequestError(
                f"{name} right={self.right!r} is less than left={self.left!r}: negative width"
            )
        if self.bottom < self.top:
            raise BadRequestError(
                f"{name} bottom={self.bottom!r} is less than top={self.top!r}: negative height"
            )

    @property
    def geo(self) -> list[list[float]]:
        return [[self.left, self.top], [self.right, self.bottom]]

    @property
    def four_points(self) -> list[list[float]]:
        """Corners top-left, bottom-left, bottom-right, top-right, rotated when ``angle`` is set."""
        corners = [
            [self.left, self.top],
            [self.left, self.bottom],
            [self.right, self.bottom],
            [self.right, self.top],
        ]
        if not self.angle:
            return corners
        center = ((self.left + self.right) / 2, (self.top + self.bottom) / 2)
        return rotate(corners, center, self.angle)

    @property
    def bounds(self) -> Bounds:
        if not self.angle:
            return (self.left, self.top, self.right, self.bottom)
        xs, ys = zip(*self.four_points)
        return (min(xs), min(ys), max(xs), max(ys))

    @property
    def area(self) -> float:
        return float((self.right - self.left) * (self.bottom - self.top))

    def to_coordinates(self) -> list:
        """Two corner points; a nonzero angle is appended as a third, bare-number element."""
        points: list = [{"x": float(x), "y": float(y), "z": 0} for x, y in self.geo]
        if self.angle:
            points.append(self.angle)
        return points

    @classmethod
    def from_coordinates(
        cls,
        coordinates: object,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
    ) -> Box:
        """Reads corners in any order (min/max) and the optional trailing angle."""
        xs, ys, angle = corners_from_coordinates(coordinates)
        return cls.unchecked(
            left=min(xs),
            top=min(ys),
            right=max(xs),
            bottom=max(ys),
            label=label,
            attributes=attributes,
            description=description,
            angle=angle,
        )

    @classmethod
    def from_segmentation(
        cls, mask: object, label: str | None, attributes: object = None
    ) -> list[Box]:
        """One box per 8-connected blob of the mask (largest first), in inclusive pixel indices."""
        return [
            cls(c.left, c.top, c.right, c.bottom, label=label, attributes=copy.deepcopy(attributes))
            for c in find_components(mask)
        ]

    def _draw(self, draw: ImageDraw.ImageDraw, thickness: int) -> None:
        raster.draw_path(draw, self.four_points, closed=True, thickness=thickness)

    def _fields(self) -> dict[str, Any]:
        return {
            "left": self.left,
            "top": self.top,
            "right": self.right,
            "bottom": self.bottom,
            "angle": self.angle or None,
        }


def corners_from_coordinates(coordinates: object) -> tuple[list[float], list[float], float | None]:
    """x values, y values and angle of box coordinates ``[{x, y}, {x, y}, angle?]``."""
    if not isinstance(coordinates, list | tuple):
        raise BadRequestError(f"box coordinates must be a list of points, got {coordinates!r}")
    points = [point for point in coordinates if isinstance(point, dict)]
    angles = [as_number(value) for value in coordinates if not isinstance(value, dict)]
    if not points or any("x" not in point or "y" not in point for point in points):
        raise BadRequestError(f"box coordinates need points with x and y, got {coordinates!r}")
    xs = [as_number(point["x"]) for point in points]
    ys = [as_number(point["y"]) for point in points]
    return xs, ys, (angles[0] if angles else None)
