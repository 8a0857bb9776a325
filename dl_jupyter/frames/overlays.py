"""Annotations as small drawing instructions for overlays in reprs and the gallery.

A shape is ``{"k": kind, "l": label, "p": [numbers]}`` in image pixels: ``rect`` (x0, y0, x1,
y1), ``poly`` and ``line`` (x, y, x, y, ...), ``point`` (x, y), ``ellipse`` (cx, cy, rx, ry,
degrees) or ``tag`` (a whole-item label, no geometry). Masks are drawn as their bounding box,
so a page of overlays never carries mask images.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dl_jupyter.entities import annotation_definitions as defs
from dl_jupyter.entities.labels import color_for
from dl_jupyter.repositories.base import chunks
from dl_jupyter.store import schema

TAG_TYPES = {"class"}
BOUNDS_ONLY = {"binary", "cube"}


def _rounded(values: Iterable[float]) -> list[float]:
    return [round(float(v), 2) for v in values]


def shape(kind: str, label: str | None, coordinates: Any, bounds: Sequence[Any]) -> dict | None:
    """The drawing of one stored annotation, or None when it draws nothing."""
    if kind in TAG_TYPES:
        return {"k": "tag", "l": label, "p": []}
    if kind in BOUNDS_ONLY:
        return {"k": "rect", "l": label, "p": _rounded(bounds)} if None not in bounds else None
    try:
        definition = defs.definition_from_coordinates(kind, coordinates, label=label)
    except (ValueError, TypeError, KeyError):
        return None
    if isinstance(definition, defs.Box):
        if definition.angle:
            return {
                "k": "poly",
                "l": label,
                "p": _rounded(v for p in definition.four_points for v in p),
            }
        return {"k": "rect", "l": label, "p": _rounded(definition.bounds)}
    if isinstance(definition, (defs.Polygon, defs.Polyline)):
        kind_name = "poly" if isinstance(definition, defs.Polygon) else "line"
        return {"k": kind_name, "l": label, "p": _rounded(definition.geo.reshape(-1))}
    if isinstance(definition, defs.Point):
        return {"k": "point", "l": label, "p": _rounded((definition.x, definition.y))}
    if isinstance(definition, defs.Ellipse):
        d = definition
        return {"k": "ellipse", "l": label, "p": _rounded((d.x, d.y, d.rx, d.ry, d.angle))}
    return None


def shapes_of_items(conn: Connection, item_ids: Sequence[str]) -> dict[str, list[dict]]:
    """Every item's shapes, in creation order, read in one query per 900 items."""
    a = schema.annotations
    found: dict[str, list[dict]] = {item_id: [] for item_id in item_ids}
    # masks carry an image in their coordinates: leave it in the database
    coordinates = sa.case((a.c.type.in_(sorted(BOUNDS_ONLY)), sa.null()), else_=a.c.coordinates)
    for part in chunks(list(item_ids)):
        query = (
            sa.select(
                a.c.item_id,
                a.c.type,
                a.c.label,
                coordinates.label("coordinates"),
                a.c.x0,
                a.c.y0,
                a.c.x1,
                a.c.y1,
            )
            .where(a.c.item_id.in_(part))
            .order_by(a.c.item_id, a.c.created_at, a.c.id)
        )
        for row in conn.execute(query):
            drawn = shape(row.type, row.label, row.coordinates, (row.x0, row.y0, row.x1, row.y1))
            if drawn is not None:
                found[row.item_id].append(drawn)
    return found


def label_colors(labels: Mapping[str, Any], extra: Iterable[str] = ()) -> dict[str, str]:
    """``{label: '#rrggbb'}`` from a recipe's flat labels, plus the stable colour ``color_for``
    gives labels found in the data but missing from the recipe."""
    colors = {tag: label.color for tag, label in labels.items()}
    colors.update({tag: color_for(tag) for tag in extra if tag and tag not in colors})
    return colors
