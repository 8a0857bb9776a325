"""Entities as flat rows, and the dtypes of the columns they make.

User metadata is flattened to ``metadata.user.<path>`` columns (nested dicts become dotted
paths, the same paths DQL filters on); lists stay values. A value missing from an entity and a
JSON null are both NA in the frame, so reading and writing back agree on what "no value" is.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd

from dl_jupyter.entities.annotation import annotation_row

USER_PREFIX = "metadata.user."

# Columns of the item frame, in order, with their dtypes; metadata columns follow.
ITEM_COLUMNS: dict[str, str] = {
    "id": "string",
    "filename": "string",
    "name": "string",
    "dir": "string",
    "mimetype": "string",
    "width": "Int64",
    "height": "Int64",
    "size": "Int64",
    "annotations_count": "int64",
    "description": "string",
    "creator": "string",
    "created_at": "datetime",
    "updated_by": "string",
    "updated_at": "datetime",
    "version": "int64",
}

ANNOTATION_COLUMNS: dict[str, str] = {
    "id": "string",
    "item_id": "string",
    "type": "string",
    "label": "string",
    "status": "string",
    "object_id": "string",
    "parent_id": "string",
    "automated": "boolean",
    "score": "Float64",
    "area": "Float64",
    "left": "Float64",
    "top": "Float64",
    "right": "Float64",
    "bottom": "Float64",
    "creator": "string",
    "created_at": "datetime",
    "updated_at": "datetime",
    "version": "int64",
}

COLUMNS = {"items": ITEM_COLUMNS, "annotations": ANNOTATION_COLUMNS}


def flatten(values: Mapping[str, Any], prefix: str = USER_PREFIX) -> Iterator[tuple[str, Any]]:
    """``(column, value)`` pairs of a metadata dict: nested non-empty dicts become dotted paths."""
    for key, value in values.items():
        if isinstance(value, Mapping) and value:
            yield from flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def item_row(item: Any) -> dict[str, Any]:
    """One item as a flat row (fixed columns, then its user metadata)."""
    row = {
        "id": item.id, "filename": item.filename, "name": item.name, "dir": item.dir,
        "mimetype": item.mimetype, "width": item.width, "height": item.height, "size": item.size,
        "annotations_count": item.annotations_count, "description": item.description,
        "creator": item.creator, "created_at": item.created_at, "updated_by": item.updated_by,
        "updated_at": item.updated_at, "version": item.version,
    }  # fmt: skip
    user = item.metadata.get("user")
    if isinstance(user, Mapping):
        row.update(flatten(user))
    return row


def annotation_flat_row(annotation: Any) -> dict[str, Any]:
    """One annotation as a flat row: ``annotation_row`` with nested metadata flattened too."""
    row = {k: v for k, v in annotation_row(annotation).items() if not k.startswith(USER_PREFIX)}
    row.update(flatten(annotation.user_metadata))
    return row


ROW_OF = {"items": item_row, "annotations": annotation_flat_row}


def is_missing(value: Any) -> bool:
    """None, NaN, pd.NA and NaT: "no value" in a frame."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def metadata_dtype(values: pd.Series) -> str:
    """The dtype a metadata column's values share: boolean, Int64, Float64, string, or object."""
    present = [v for v in values if not is_missing(v)]
    if not present:
        return "object"
    kinds = {_kind(v) for v in present}
    if kinds == {"bool"}:
        return "boolean"
    if kinds == {"int"}:
        return "Int64"
    if kinds <= {"int", "float"}:
        return "Float64"
    if kinds == {"str"}:
        return "string"
    return "object"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if abs(value) < 2**63 else "big"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return "other"


def typed_frame(
    rows: list[dict[str, Any]], resource: str, metadata_types: bool = True
) -> pd.DataFrame:
    """A frame of flat rows with the fixed columns first and each column's dtype set.

    Columns are built as objects first, so that no value is coerced before its dtype is
    chosen (an integer key missing from some rows stays an integer, not a float);
    ``metadata_types=False`` leaves metadata columns as objects (typed after concat).
    """
    fixed = COLUMNS[resource]
    extra = sorted({k for row in rows for k in row} - set(fixed))
    frame = pd.DataFrame(
        {c: pd.Series([row.get(c) for row in rows], dtype=object) for c in [*fixed, *extra]}
    )
    return set_dtypes(frame, resource, metadata_types)


def set_dtypes(frame: pd.DataFrame, resource: str, metadata_types: bool = True) -> pd.DataFrame:
    for column, dtype in COLUMNS[resource].items():
        if column in frame.columns:
            frame[column] = _as_dtype(frame[column], dtype)
    if metadata_types:
        for column in frame.columns:
            if column.startswith(USER_PREFIX):
                frame[column] = _as_dtype(frame[column], metadata_dtype(frame[column]))
    return frame


def _as_dtype(values: pd.Series, dtype: str) -> pd.Series:
    if dtype == "datetime":
        return pd.to_datetime(values, utc=True, format="ISO8601")
    if dtype == "object":
        return values.astype(object).where(values.notna(), None)
    return values.astype(dtype)
