"""Point: a single (x, y) position (type 'point')."""

from __future__ import annotations

from typing import Any

from PIL import ImageDraw

from dl_jupyter.enums import AnnotationType
from dl_jupyter.exceptions import BadRequestError

from .base import BaseAnnotationDefinition, Bounds, NumberField, as_number, require_number


class Point(BaseAnnotationDefinition):
    """A keypoint; drawn as a dot whose radius is the thickness (default 5)."""

    type = AnnotationType.POINT.value
    default_thickness = 5

    x = NumberField()
    y = NumberField()

    def __init__(
        self,
        x: float,
        y: float,
        label: str | None,
        attributes: object = None,
        description: str | None = None,
    ):
        super().__init__(label, attributes, description)
        self.x, self.y = x, y

    def validate(self) -> None:
        super().validate()
        require_number(type(self).__name__, "x", self.x)
        require_number(type(self).__name__, "y", self.y)

    @property
    def geo(self) -> list[float]:
        return [self.x, self.y]

    @property
    def bounds(self) -> Bounds:
        return (self.x, self.y, self.x, self.y)

    def to_coordinates(self) -> dict[str, float]:
        return {"x": float(self.x), "y": float(self.y), "z": 0}

    @classmethod
    def from_coordinates(
        cls,
        coordinates: object,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
    ) -> Point:
        if not isinstance(coordinates, dict) or "x" not in coordinates or "y" not in coordinates:
            raise BadRequestError(f"point coordinates must be {{x, y}}, got {coordinates!r}")
        return cls.unchecked(
            as_number(coordinates["x"]), as_number(coordinates["y"]), label, attributes, description
        )

    def _draw(self, draw: ImageDraw.ImageDraw, thickness: int) -> None:
        radius = thickness if thickness > 0 else self.default_thickness
        x, y = round(self.x), round(self.y)
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)

    def _fields(self) -> dict[str, Any]:
        return {"x": self.x, "y": self.y}
