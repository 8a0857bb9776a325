"""The filterable fields of a dataset, discovered from its data, with the operators each allows.

User metadata keys and their value types come from the ``item_fields`` index; labels,
annotation types, statuses and folders from the indexes on their tables. Distinct values are
read with a loose index scan (a recursive query that seeks from one value to the next), so
discovering the fields of a million-item dataset costs a few index seeks per key, not a scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from dl_jupyter.enums import AnnotationStatus
from dl_jupyter.exceptions import NotFoundError
from dl_jupyter.repositories.permissions import Action
from dl_jupyter.store import item_fields as vtypes
from dl_jupyter.store import schema

STRING, NUMBER, BOOLEAN, TIME, PRESENCE = "string", "number", "boolean", "time", "presence"
OPERATORS: dict[str, tuple[str, ...]] = {
    STRING: ("eq", "ne", "in", "nin", "gt", "lt", "exists"),
    NUMBER: ("eq", "ne", "gt", "lt", "in", "nin", "exists"),
    BOOLEAN: ("eq", "ne", "exists"),
    TIME: ("gt", "lt"),
    PRESENCE: ("exists",),
}
KIND_OF_VTYPE = {
    vtypes.STRING: STRING, vtypes.STRING_TRUNCATED: STRING, vtypes.NUMBER: NUMBER,
    vtypes.BOOLEAN: BOOLEAN, vtypes.NULL: PRESENCE, vtypes.EMPTY_LIST: PRESENCE,
    vtypes.EMPTY_DICT: PRESENCE,
}  # fmt: skip
MAX_VALUES = 100
MAX_KEYS = 500


@dataclass
class FieldInfo:
    """One field a filter can use: its DQL name, kind, operators and some of its values."""

    name: str
    kind: str
    resource: str = "items"  # "annotations": a condition on the item's annotations (a join)
    values: list[Any] = field(default_factory=list)
    operators: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.operators:
            self.operators = OPERATORS[self.kind]


def distinct_values(
    conn: Connection,
    column: sa.Column,
    conditions: Sequence[ColumnElement[bool]],
    limit: int = MAX_VALUES,
) -> list[Any]:
    """The distinct non-null values of ``column`` where ``conditions`` hold, in order, up to
    ``limit``; each step is one seek on an index that starts with the conditions' columns."""
    first = sa.select(sa.func.min(column).label("v")).where(*conditions)
    seek = first.cte("seek", recursive=True)
    following = (
        sa.select(sa.func.min(column)).where(*conditions, column > seek.c.v).scalar_subquery()
    )
    seek = seek.union_all(sa.select(following).where(seek.c.v.is_not(None)))
    query = sa.select(seek.c.v).where(seek.c.v.is_not(None)).limit(limit)
    return list(conn.execute(query).scalars())


def discover(client: Any, dataset_id: str) -> list[FieldInfo]:
    """Every field of the dataset's items and annotations that a filter builder offers."""
    i, a, f, r = schema.items, schema.annotations, schema.item_fields, schema.item_refs
    with client.store.read() as conn:
        d = schema.datasets
        project_id = conn.execute(sa.select(d.c.project_id).where(d.c.id == dataset_id)).scalar()
        if project_id is None:
            raise NotFoundError(f"Dataset not found. Id: {dataset_id!r}")
        client.require(project_id, Action.READ, conn)
        dirs = distinct_values(conn, i.c.dir, [i.c.dataset_id == dataset_id])
        statuses = distinct_values(conn, r.c.status, [r.c.dataset_id == dataset_id])
        labels = distinct_values(conn, a.c.label, [a.c.dataset_id == dataset_id])
        types = distinct_values(conn, a.c.type, [a.c.dataset_id == dataset_id])
        metadata = [
            _metadata_field(conn, dataset_id, key)
            for key in distinct_values(conn, f.c.key, [f.c.dataset_id == dataset_id], MAX_KEYS)
            if key
        ]
    item_fields = [
        FieldInfo("dir", STRING, values=dirs),
        FieldInfo("filename", STRING),
        FieldInfo("name", STRING),
        FieldInfo("annotated", BOOLEAN, values=[True, False], operators=("eq",)),
        FieldInfo("annotationsCount", NUMBER),
        FieldInfo(
            "metadata.system.annotationStatus",
            STRING,
            values=statuses,
            operators=("eq", "ne", "in", "nin", "exists"),
        ),
        FieldInfo("metadata.system.mimetype", STRING),
        FieldInfo("metadata.system.width", NUMBER),
        FieldInfo("metadata.system.height", NUMBER),
        FieldInfo("metadata.system.size", NUMBER),
        FieldInfo("createdAt", TIME),
        FieldInfo("updatedAt", TIME),
        FieldInfo("creator", STRING),
        *metadata,
    ]
    annotation_fields = [
        FieldInfo("label", STRING, "annotations", labels, ("eq", "ne", "in", "nin")),
        FieldInfo("type", STRING, "annotations", types, ("eq", "ne", "in", "nin")),
        FieldInfo(
            "metadata.system.status",
            STRING,
            "annotations",
            [s.value for s in AnnotationStatus if s != AnnotationStatus.CLEAR],
        ),
        FieldInfo("creator", STRING, "annotations"),
        FieldInfo("area", NUMBER, "annotations"),
        FieldInfo("metadata.user.model.name", STRING, "annotations"),
        FieldInfo("metadata.user.model.confidence", NUMBER, "annotations"),
        FieldInfo("createdAt", TIME, "annotations"),
    ]
    return item_fields + annotation_fields


def _metadata_field(conn: Connection, dataset_id: str, key: str) -> FieldInfo:
    """``metadata.user.<key>``: its kind from the value types stored under it, and (for text)
    its first distinct values."""
    f = schema.item_fields
    on_key = [f.c.dataset_id == dataset_id, f.c.key == key]
    kinds = {KIND_OF_VTYPE.get(t, PRESENCE) for t in distinct_values(conn, f.c.vtype, on_key)}
    kind = next((k for k in (STRING, NUMBER, BOOLEAN) if k in kinds), PRESENCE)
    values: list[Any] = []
    if kind == STRING:
        values = distinct_values(conn, f.c.vtext, [*on_key, f.c.vtype == vtypes.STRING])
    elif kind == BOOLEAN:
        values = [True, False]
    operators = tuple(dict.fromkeys(op for k in kinds for op in OPERATORS[k]))
    return FieldInfo(f"metadata.user.{key}", kind, values=values, operators=operators)
