"""Segmentation: a binary mask the size of the item (type 'binary'), stored as a PNG data URL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dl_jupyter.enums import AnnotationType
from dl_jupyter.exceptions import BadRequestError

from . import raster
from .base import BaseAnnotationDefinition, Bounds
from .box import Box
from .contours import binary_mask


class Segmentation(BaseAnnotationDefinition):
    """``geo`` is a 2-D mask (bool or numbers; nonzero = set); ``color`` paints it in the PNG."""

    type = AnnotationType.SEGMENTATION.value

    def __init__(
        self,
        geo: object,
        label: str | None,
        attributes: object = None,
        description: str | None = None,
        color: Sequence[int] | None = None,
    ):
        super().__init__(label, attributes, description)
        self.geo = geo
        self.color = color

    @property
    def geo(self) -> np.ndarray:
        return self._geo

    @geo.setter
    def geo(self, value: object) -> None:
        self._geo = np.asarray(value)

    def validate(self) -> None:
        super().validate()
        binary_mask(self.geo, owner=f"{type(self).__name__} geo")
        if self.color is not None:
            raster.rgba(self.color)

    def _mask(self) -> np.ndarray:
        return binary_mask(self.geo, owner=f"{type(self).__name__} geo")

    @property
    def bounds(self) -> Bounds | None:
        mask = self._mask()
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        if rows.size == 0:
            return None
        return (int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1]))

    @property
    def area(self) -> float:
        return float(np.count_nonzero(self._mask()))

    def to_coordinates(self, color: Sequence[int] | None = None) -> str:
        """The RGBA PNG data URL painted in ``color``, else ``self.color``, else the label's."""
        paint = color if color is not None else self._show_color()
        return raster.mask_to_data_url(self._mask(), raster.rgba(paint)[:3])

    @classmethod
    def from_coordinates(
        cls,
        coordinates: object,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
        color: Sequence[int] | None = None,
    ) -> Segmentation:
        """Decodes the PNG: set where alpha > 127; ``color`` defaults to the painted colour."""
        mask, painted = raster.data_url_to_mask(coordinates)
        return cls.unchecked(
            mask.astype(np.uint8),
            label,
            attributes,
            description,
            color if color is not None else painted,
        )

    @classmethod
    def from_polygon(
        cls, geo: object, label: str | None, shape: Sequence[int], attributes: object = None
    ) -> Segmentation:
        """Fill polygon vertices ``[[x, y], ...]``, boundary included, on a (h, w) ``shape``."""
        if not isinstance(shape, Sequence | np.ndarray) or len(shape) < 2:
            raise BadRequestError(f"shape must be (height, width), got {shape!r}")
        height, width = (int(n) for n in shape[:2])
        return cls(raster.fill_polygon(geo, height, width), label, attributes)

    def to_box(self) -> list[Box]:
        """One Box per separate blob of the mask, largest first."""
        return Box.from_segmentation(self.geo, self.label, self.attributes)

    def _coverage(self, rows: int, cols: int, thickness: int) -> np.ndarray:
        """The mask itself (thickness does not apply), cropped or padded to the canvas."""
        mask = self._mask()
        coverage = np.zeros((rows, cols), dtype=bool)
        overlap_rows, overlap_cols = min(rows, mask.shape[0]), min(cols, mask.shape[1])
        coverage[:overlap_rows, :overlap_cols] = mask[:overlap_rows, :overlap_cols]
        return coverage

    def _show_color(self) -> tuple[int, ...]:
        return tuple(self.color) if self.color is not None else raster.default_color(self.label)

    def _fields(self) -> dict[str, Any]:
        """The mask only: ``color`` is how it is painted, not what it marks."""
        return {"geo": self._mask()}
