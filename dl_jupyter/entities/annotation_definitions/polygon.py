"""Polygon (closed, type 'segment') and Polyline (open, type 'polyline'): [x, y] vertices."""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import numpy as np
from PIL import ImageDraw

from dl_jupyter.enums import AnnotationType
from dl_jupyter.exceptions import BadRequestError

from . import raster
from .base import BaseAnnotationDefinition, Bounds, as_number
from .contours import mask_to_outlines, polygon_area


class _Path(BaseAnnotationDefinition):
    """Vertices as an Nx2 float array; Dataloop stores them as ``[[{x, y}, ...]]``."""

    closed: ClassVar[bool]
    min_points: ClassVar[int]

    def __init__(
        self,
        geo: object,
        label: str | None,
        attributes: object = None,
        description: str | None = None,
    ):
        super().__init__(label, attributes, description)
        self.geo = geo

    @property
    def geo(self) -> np.ndarray:
        return self._geo

    @geo.setter
    def geo(self, value: object) -> None:
        try:
            points = np.array(value, dtype=float)
        except (TypeError, ValueError):
            points = None
        if points is not None and points.size == 0:
            points = points.reshape(0, 2)
        if points is None or points.ndim != 2 or points.shape[1] != 2:
            raise BadRequestError(
                f"{type(self).__name__} geo must be a list of [x, y] points, got {value!r}"
            )
        self._geo = points

    def validate(self) -> None:
        super().validate()
        name = type(self).__name__
        if len(self.geo) < self.min_points:
            raise BadRequestError(
                f"{name} geo needs at least {self.min_points} points, got {len(self.geo)}"
            )
        if not np.isfinite(self.geo).all():
            raise BadRequestError(f"{name} geo must hold finite numbers, got {self.geo.tolist()!r}")

    @property
    def bounds(self) -> Bounds | None:
        if len(self.geo) == 0:
            return None
        left, top = self.geo.min(axis=0)
        right, bottom = self.geo.max(axis=0)
        return (float(left), float(top), float(right), float(bottom))

    def to_coordinates(self) -> list[list[dict[str, float]]]:
        return [[{"x": float(x), "y": float(y)} for x, y in self.geo]]

    @classmethod
    def from_coordinates(
        cls,
        coordinates: object,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
    ) -> _Path:
        """Reads the first ring of ``[[{x, y}, ...], ...]``, or a flat ``[{x, y}, ...]``."""
        ring = coordinates
        if isinstance(ring, list | tuple) and ring and not isinstance(ring[0], dict):
            ring = ring[0]
        try:
            geo = [[as_number(point["x"]), as_number(point["y"])] for point in ring]
        except (KeyError, TypeError):
            raise BadRequestError(
                f"{cls.type} coordinates must be [{{x, y}}, ...] rings, got {coordinates!r}"
            ) from None
        return cls.unchecked(geo, label, attributes, description)

    def _draw(self, draw: ImageDraw.ImageDraw, thickness: int) -> None:
        if len(self.geo):
            raster.draw_path(draw, self.geo, closed=self.closed, thickness=thickness)

    def _fields(self) -> dict[str, Any]:
        return {"geo": self.geo}


class Polygon(_Path):
    """A closed outline of at least three vertices (holes are not represented)."""

    type = AnnotationType.POLYGON.value
    closed = True
    min_points = 3

    @property
    def area(self) -> float:
        return polygon_area(self.geo)

    @classmethod
    def from_segmentation(
        cls,
        mask: object,
        label: str | None,
        attributes: object = None,
        epsilon: float | None = None,
        max_instances: int | None = 1,
        min_area: float = 0,
    ) -> Polygon | list[Polygon]:
        """Outline the mask's blobs (outer borders), largest first.

        ``epsilon``: Douglas-Peucker tolerance in pixels (0 or None keeps every border pixel);
        ``min_area``: blobs with fewer pixels are dropped; ``max_instances``: how many to keep
        (None = all). With ``max_instances == 1`` the result is one Polygon (an empty list when
        the mask is empty), otherwise a list.
        """
        outlines = mask_to_outlines(
            mask, epsilon=epsilon, max_instances=max_instances, min_area=min_area
        )
        polygons = [cls(outline, label, copy.deepcopy(attributes)) for outline in outlines]
        if max_instances == 1 and polygons:
            return polygons[0]
        return polygons


class Polyline(_Path):
    """An open line of at least two vertices; it cannot be filled."""

    type = AnnotationType.POLYLINE.value
    closed = False
    min_points = 2

    def _draw(self, draw: ImageDraw.ImageDraw, thickness: int) -> None:
        super()._draw(draw, thickness if thickness > 0 else self.default_thickness)
