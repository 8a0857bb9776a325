"""How much two annotators' annotations of one item agree, from 0 to 1 (pure geometry).

Annotations are matched one to one, only between equal labels: regions (boxes, polygons,
ellipses, masks) by IoU, points by distance, classes and other annotations by exact equality
of label and attributes. Agreement is ``2 * sum(match scores) / (len(a) + len(b))``, 1 when
both are empty, so an extra or missing annotation costs as much as a wrong one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from dl_jupyter.entities.annotation_definitions.box import rotate

REGION_TYPES = ("box", "segment", "ellipse", "binary")
POINT_TYPES = ("point",)
RASTER_SIDE = 256  # regions other than upright boxes are compared on a grid this wide


def family(definition: Any) -> str:
    if definition.type in REGION_TYPES:
        return "region"
    if definition.type in POINT_TYPES:
        return "point"
    return "exact"


def _upright_box(definition: Any) -> tuple[float, float, float, float] | None:
    if definition.type == "box" and not getattr(definition, "angle", None):
        return (definition.left, definition.top, definition.right, definition.bottom)
    return None


def iou(a: Any, b: Any) -> float:
    """Intersection over union of two regions."""
    box_a, box_b = _upright_box(a), _upright_box(b)
    if box_a is not None and box_b is not None:
        width = min(box_a[2], box_b[2]) - max(box_a[0], box_b[0])
        height = min(box_a[3], box_b[3]) - max(box_a[1], box_b[1])
        inter = max(width, 0.0) * max(height, 0.0)
        union = _area(box_a) + _area(box_b) - inter
        return inter / union if union > 0 else float(box_a == box_b)
    frame = _frame(a.bounds, b.bounds)
    if frame is None:
        return 0.0
    mask_a, mask_b = _raster(a, frame), _raster(b, frame)
    union = np.logical_or(mask_a, mask_b).sum()
    return float(np.logical_and(mask_a, mask_b).sum() / union) if union else 0.0


def _area(box: tuple[float, float, float, float]) -> float:
    return max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0)


def _frame(first: Any, second: Any) -> tuple[float, float, float, int, int] | None:
    """(left, top, scale, width, height) of a grid covering both bounds, or None if apart."""
    if first is None or second is None:
        return None
    if first[2] < second[0] or second[2] < first[0] or first[3] < second[1] or second[3] < first[1]:
        return None
    left, top = min(first[0], second[0]), min(first[1], second[1])
    right, bottom = max(first[2], second[2]), max(first[3], second[3])
    scale = RASTER_SIDE / max(right - left, bottom - top, 1e-9)
    return (
        left,
        top,
        scale,
        max(1, round((right - left) * scale)),
        max(1, round((bottom - top) * scale)),
    )


def _raster(definition: Any, frame: tuple[float, float, float, int, int]) -> np.ndarray:
    left, top, scale, width, height = frame
    if definition.type == "binary":
        mask = np.asarray(definition.geo, dtype=bool)
        xs = np.clip((left + (np.arange(width) + 0.5) / scale).astype(int), 0, mask.shape[1] - 1)
        ys = np.clip((top + (np.arange(height) + 0.5) / scale).astype(int), 0, mask.shape[0] - 1)
        return mask[np.ix_(ys, xs)]
    image = Image.new("1", (width, height), 0)
    outline = _outline(definition)
    ImageDraw.Draw(image).polygon(
        [((x - left) * scale, (y - top) * scale) for x, y in outline], fill=1
    )
    return np.asarray(image, dtype=bool)


def _outline(definition: Any) -> list[tuple[float, float]]:
    if definition.type == "box":
        corners = [
            (definition.left, definition.top),
            (definition.right, definition.top),
            (definition.right, definition.bottom),
            (definition.left, definition.bottom),
        ]
        center = (
            (definition.left + definition.right) / 2,
            (definition.top + definition.bottom) / 2,
        )
        return [tuple(p) for p in rotate(corners, center, definition.angle or 0)]
    if definition.type == "ellipse":
        return [tuple(p) for p in np.asarray(definition.outline())]
    return [tuple(p) for p in np.asarray(definition.geo, dtype=float)]


def point_score(a: Any, b: Any, tolerance: float) -> float:
    distance = float(np.hypot(a.x - b.x, a.y - b.y))
    return max(0.0, 1.0 - distance / tolerance)


def _exact_key(definition: Any) -> str:
    return json.dumps(
        [definition.type, definition.label, definition.attributes or {}],
        sort_keys=True,
        default=str,
    )


def pair_score(a: Any, b: Any, point_tolerance: float) -> float:
    """How well ``b`` matches ``a`` (0 for different labels or families)."""
    if a.label != b.label or family(a) != family(b):
        return 0.0
    if family(a) == "region":
        return iou(a, b)
    if family(a) == "point":
        return point_score(a, b, point_tolerance)
    return float(_exact_key(a) == _exact_key(b))


def match(
    a: Sequence[Any], b: Sequence[Any], threshold: float = 0.5, point_tolerance: float = 10.0
) -> list[tuple[int, int, float]]:
    """One-to-one matches (index in a, index in b, score), best scores first, each at least
    ``threshold`` (exact matches score 1)."""
    pairs = [
        (pair_score(x, y, point_tolerance), i, j) for i, x in enumerate(a) for j, y in enumerate(b)
    ]
    used_a: set[int] = set()
    used_b: set[int] = set()
    matches = []
    for score, i, j in sorted(pairs, key=lambda p: -p[0]):
        if score < threshold or score <= 0:
            break
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        matches.append((i, j, score))
    return matches


def agreement(
    a: Sequence[Any], b: Sequence[Any], threshold: float = 0.5, point_tolerance: float = 10.0
) -> float:
    """Agreement of two annotation sets (definitions), from 0 to 1."""
    if not a and not b:
        return 1.0
    matched = match(a, b, threshold, point_tolerance)
    return 2 * sum(score for _, _, score in matched) / (len(a) + len(b))


def same_answer(
    a: Sequence[Any], b: Sequence[Any], threshold: float = 0.5, point_tolerance: float = 10.0
) -> bool:
    """Every annotation of each set has a match in the other."""
    return len(a) == len(b) and len(match(a, b, threshold, point_tolerance)) == len(a)
