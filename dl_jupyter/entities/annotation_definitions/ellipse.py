"""Ellipse: centre, two radii and a rotation in degrees (type 'ellipse')."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PIL import ImageDraw

from dl_jupyter.enums import AnnotationType
from dl_jupyter.exceptions import BadRequestError

from . import raster
from .base import BaseAnnotationDefinition, Bounds, NumberField, as_number, require_number


class Ellipse(BaseAnnotationDefinition):
    """Centre (x, y), radii rx along the rotated x axis and ry, ``angle`` in degrees (clockwise)."""

    type = AnnotationType.ELLIPSE.value

    x = NumberField()
    y = NumberField()
    rx = NumberField()
    ry = NumberField()
    angle = NumberField()

    def __init__(
        self,
        x: float,
        y: float,
        rx: float,
        ry: float,
        angle: float | None,
        label: str | None,
        attributes: object = None,
        description: str | None = None,
    ):
        super().__init__(label, attributes, description)
        self.x, self.y, self.rx, self.ry = x, y, rx, ry
        self.angle = 0 if angle is None else angle

    def validate(self) -> None:
        super().validate()
        name = type(self).__name__
        for field in ("x", "y", "rx", "ry", "angle"):
            require_number(name, field, getattr(self, field))
        for field in ("rx", "ry"):
            if getattr(self, field) < 0:
                raise BadRequestError(
                    f"{name} {field} must not be negative, got {getattr(self, field)!r}"
                )

    @property
    def rad(self) -> float:
        """The angle in radians."""
        return math.radians(self.angle)

    @property
    def geo(self) -> np.ndarray:
        """dtlpy's layout: ``[[x, y], [rx, ry], [angle, rad]]``."""
        return np.asarray(
            [[self.x, self.y], [self.rx, self.ry], [self.angle, self.rad]], dtype=float
        )

    @property
    def bounds(self) -> Bounds:
        cos, sin = math.cos(self.rad), math.sin(self.rad)
        half_width = math.hypot(self.rx * cos, self.ry * sin)
        half_height = math.hypot(self.rx * sin, self.ry * cos)
        return (
            self.x - half_width,
            self.y - half_height,
            self.x + half_width,
            self.y + half_height,
        )

    @property
    def area(self) -> float:
        return math.pi * self.rx * self.ry

    def outline(self) -> np.ndarray:
        """About one vertex per pixel of perimeter (at least 32), as Nx2 (x, y)."""
        count = max(32, math.ceil(2 * math.pi * max(self.rx, self.ry)))
        t = np.linspace(0, 2 * math.pi, count, endpoint=False)
        px, py = self.rx * np.cos(t), self.ry * np.sin(t)
        cos, sin = math.cos(self.rad), math.sin(self.rad)
        return np.column_stack([self.x + px * cos - py * sin, self.y + px * sin + py * cos])

    def to_coordinates(self) -> dict[str, Any]:
        return {
            "angle": float(self.angle),
            "center": {"x": float(self.x), "y": float(self.y), "z": 0},
            "rx": float(self.rx),
            "ry": float(self.ry),
        }

    @classmethod
    def from_coordinates(
        cls,
        coordinates: object,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
    ) -> Ellipse:
        try:
            center = coordinates["center"]
            values = [center["x"], center["y"], coordinates["rx"], coordinates["ry"]]
        except (KeyError, TypeError):
            raise BadRequestError(
                "ellipse coordinates must be {center: {x, y}, rx, ry, angle}, "
                f"got {coordinates!r}"
            ) from None
        x, y, rx, ry = (as_number(v) for v in values)
        angle = as_number(coordinates.get("angle"))
        return cls.unchecked(x, y, rx, ry, angle, label, attributes, description)

    def _draw(self, draw: ImageDraw.ImageDraw, thickness: int) -> None:
        raster.draw_path(draw, self.outline(), closed=True, thickness=thickness)

    def _fields(self) -> dict[str, Any]:
        return {"x": self.x, "y": self.y, "rx": self.rx, "ry": self.ry, "angle": self.angle}
