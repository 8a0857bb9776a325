"""Cube: a 2-D drawn cuboid, front and back faces of four corners each (type 'cube')."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PIL import ImageDraw

from dl_jupyter.enums import AnnotationType
from dl_jupyter.exceptions import BadRequestError

from . import raster
from .base import BaseAnnotationDefinition, Bounds, as_number, require_number
from .box import rotate
from .contours import polygon_area

CORNERS = (
    "front_tl",
    "front_tr",
    "front_br",
    "front_bl",
    "back_tl",
    "back_tr",
    "back_br",
    "back_bl",
)


class Cube(BaseAnnotationDefinition):
    """Eight ``[x, y]`` corners; ``angle`` in degrees (default: heading front_tl -> front_tr)."""

    type = AnnotationType.CUBE.value

    def __init__(
        self,
        label: str | None,
        front_tl: Any,
        front_tr: Any,
        front_br: Any,
        front_bl: Any,
        back_tl: Any,
        back_tr: Any,
        back_br: Any,
        back_bl: Any,
        angle: float | None = None,
        attributes: object = None,
        description: str | None = None,
    ):
        super().__init__(label, attributes, description)
        corners = (front_tl, front_tr, front_br, front_bl, back_tl, back_tr, back_br, back_bl)
        for name, corner in zip(CORNERS, corners):
            setattr(self, name, [as_number(v) for v in corner] if _is_pair(corner) else corner)
        self._angle = as_number(angle)

    @property
    def angle(self) -> float:
        """Rotation in degrees in [0, 360); measured from front_tl to front_tr when not given."""
        if self._angle is not None:
            return self._angle
        (x0, y0), (x1, y1) = self.front_tl, self.front_tr
        return math.degrees(math.atan2(y1 - y0, x1 - x0)) % 360

    @angle.setter
    def angle(self, value: float | None) -> None:
        self._angle = as_number(value)

    def validate(self) -> None:
        super().validate()
        name = type(self).__name__
        for corner in CORNERS:
            value = getattr(self, corner)
            if not _is_pair(value):
                raise BadRequestError(f"{name} {corner} must be an [x, y] point, got {value!r}")
            for number in value:
                require_number(name, corner, number)
        if self._angle is not None:
            require_number(name, "angle", self._angle)

    @property
    def geo(self) -> np.ndarray:
        """The eight corners as an 8x2 array, front face first."""
        return np.asarray([getattr(self, corner) for corner in CORNERS], dtype=float)

    @property
    def bounds(self) -> Bounds:
        geo = self.geo
        left, top = geo.min(axis=0)
        right, bottom = geo.max(axis=0)
        return (float(left), float(top), float(right), float(bottom))

    @property
    def area(self) -> float:
        """Area of the front face."""
        return polygon_area(self.geo[:4])

    def to_coordinates(self) -> dict[str, Any]:
        coordinates: dict[str, Any] = {
            corner: {"x": float(x), "y": float(y), "z": 0}
            for corner, (x, y) in zip(CORNERS, self.geo)
        }
        coordinates["angle"] = float(self.angle)
        return coordinates

    @classmethod
    def from_coordinates(
        cls,
        coordinates: object,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
    ) -> Cube:
        try:
            corners = {
                c: [as_number(coordinates[c]["x"]), as_number(coordinates[c]["y"])] for c in CORNERS
            }
        except (KeyError, TypeError):
            raise BadRequestError(
                f"cube coordinates need {', '.join(CORNERS)} points, got {coordinates!r}"
            ) from None
        return cls.unchecked(
            label,
            **corners,
            angle=coordinates.get("angle"),
            attributes=attributes,
            description=description,
        )

    @classmethod
    def from_boxes_and_angle(
        cls,
        front_left: float,
        front_top: float,
        front_right: float,
        front_bottom: float,
        back_left: float,
        back_top: float,
        back_right: float,
        back_bottom: float,
        label: str | None,
        angle: float = 0,
        attributes: object = None,
    ) -> Cube:
        """A cube from front and back rectangles, each turned by ``angle`` about its centre."""
        faces = []
        for left, top, right, bottom in (
            (front_left, front_top, front_right, front_bottom),
            (back_left, back_top, back_right, back_bottom),
        ):
            corners = [[left, top], [right, top], [right, bottom], [left, bottom]]
            center = ((left + right) / 2, (top + bottom) / 2)
            faces += rotate(corners, center, angle) if angle else corners
        return cls(label, *faces, angle=angle, attributes=attributes)

    def _draw(self, draw: ImageDraw.ImageDraw, thickness: int) -> None:
        width = thickness if thickness > 0 else self.default_thickness
        geo = self.geo
        raster.draw_path(draw, geo[:4], closed=True, thickness=width)
        raster.draw_path(draw, geo[4:], closed=True, thickness=width)
        for front, back in zip(geo[:4], geo[4:]):
            raster.draw_path(draw, [front, back], closed=False, thickness=width)

    def _fields(self) -> dict[str, Any]:
        return {**{corner: getattr(self, corner) for corner in CORNERS}, "angle": self.angle}


def _is_pair(value: object) -> bool:
    return isinstance(value, list | tuple | np.ndarray) and len(value) == 2
