"""Shapes as the annotator's front end sends them, to and from annotation definitions.

The wire form is plain JSON in image pixels, one ``type`` per Dataloop annotation type:

- ``{"type": "box", "points": [[left, top], [right, bottom]], "angle": degrees}``: the
  rectangle before rotation about its centre (a rotated box has a nonzero angle);
- ``{"type": "segment" | "polyline", "points": [[x, y], ...]}``;
- ``{"type": "point", "points": [[x, y]]}``;
- ``{"type": "ellipse", "points": [[cx, cy]], "rx": rx, "ry": ry, "angle": degrees}``;
- ``{"type": "class"}``: a classification of the whole item.

Anything else (masks, cuboids, notes...) is shown by the annotator but not edited in it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from dl_jupyter.entities import annotation_definitions as defs
from dl_jupyter.exceptions import BadRequestError

EDITABLE_TYPES = ("box", "segment", "polyline", "point", "ellipse", "class")
MAX_POINTS = 10_000


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadRequestError(f"geometry {what} must be a finite number, got {value!r}")
    return float(value)


def _points(geometry: Mapping, count: tuple[int, int]) -> list[list[float]]:
    points = geometry.get("points")
    low, high = count
    if not isinstance(points, list) or not low <= len(points) <= high:
        wanted = f"{low}" if low == high else f"{low} to {high}"
        raise BadRequestError(
            f"{geometry.get('type')} geometry needs {wanted} points, got {_preview(points)}"
        )
    parsed = []
    for index, point in enumerate(points):
        if not isinstance(point, list | tuple) or len(point) != 2:
            raise BadRequestError(f"geometry points[{index}] must be [x, y], got {point!r}")
        parsed.append(
            [_number(point[0], f"points[{index}][0]"), _number(point[1], f"points[{index}][1]")]
        )
    return parsed


def _preview(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def to_definition(
    geometry: object, label: str | None, attributes: object = None
) -> defs.BaseAnnotationDefinition:
    """The validated annotation definition of a wire shape; BadRequestError names what is wrong."""
    if not isinstance(geometry, Mapping):
        raise BadRequestError(f"geometry must be an object with a 'type', got {_preview(geometry)}")
    kind = geometry.get("type")
    if kind not in EDITABLE_TYPES:
        raise BadRequestError(f"geometry type must be one of {list(EDITABLE_TYPES)}, got {kind!r}")
    if kind == "class":
        return defs.Classification(label=label, attributes=attributes)
    if kind == "box":
        (x0, y0), (x1, y1) = _points(geometry, (2, 2))
        angle = _number(geometry.get("angle", 0) or 0, "angle")
        return defs.Box(
            left=min(x0, x1),
            top=min(y0, y1),
            right=max(x0, x1),
            bottom=max(y0, y1),
            label=label,
            attributes=attributes,
            angle=normalize_angle(angle) or None,
        )
    if kind == "point":
        ((x, y),) = _points(geometry, (1, 1))
        return defs.Point(x=x, y=y, label=label, attributes=attributes)
    if kind == "ellipse":
        ((x, y),) = _points(geometry, (1, 1))
        return defs.Ellipse(
            x=x,
            y=y,
            rx=_number(geometry.get("rx"), "rx"),
            ry=_number(geometry.get("ry"), "ry"),
            angle=normalize_angle(_number(geometry.get("angle", 0) or 0, "angle")),
            label=label,
            attributes=attributes,
        )
    cls = defs.Polygon if kind == "segment" else defs.Polyline
    return cls(
        geo=_points(geometry, (cls.min_points, MAX_POINTS)), label=label, attributes=attributes
    )


def from_definition(definition: defs.BaseAnnotationDefinition) -> dict[str, Any] | None:
    """The wire shape of a definition, or None for types the annotator does not edit."""
    if isinstance(definition, defs.Classification):
        return {"type": "class"}
    if isinstance(definition, defs.Box):
        return {
            "type": "box",
            "points": [[definition.left, definition.top], [definition.right, definition.bottom]],
            "angle": float(definition.angle or 0),
        }
    if isinstance(definition, defs.Point):
        return {"type": "point", "points": [[definition.x, definition.y]]}
    if isinstance(definition, defs.Ellipse):
        return {
            "type": "ellipse",
            "points": [[definition.x, definition.y]],
            "rx": definition.rx,
            "ry": definition.ry,
            "angle": float(definition.angle),
        }
    if isinstance(definition, defs.Polygon | defs.Polyline):
        return {"type": definition.type, "points": definition.geo.tolist()}
    return None


def normalize_angle(degrees: float) -> float:
    """The same rotation within (-180, 180]."""
    turned = math.fmod(degrees, 360.0)
    if turned <= -180:
        turned += 360
    elif turned > 180:
        turned -= 360
    return turned
