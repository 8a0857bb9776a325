"""Many new annotation rows in one driver-level ``executemany``.

Bulk inserts and imports write hundreds of thousands of rows; SQLAlchemy's per-row parameter
processing (a JSON dump per JSON column, type processors per value) would cost more than the
database does. Rows come ready instead: ``with_json_text`` dumps their JSON columns once, and
``insert_annotation_rows`` runs the INSERT that Core compiled for those columns.
"""

from __future__ import annotations

import functools
import json
import operator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.compiler import Compiled

from dl_jupyter.store import schema

JSON_COLUMNS = ("coordinates", "attributes", "metadata")

_dumps = json.JSONEncoder().encode  # what json.dumps does with default options, minus its checks


def with_json_text(row: dict) -> dict:
    """``row`` (column values, as ``rows.annotation_values`` gives) with its JSON columns
    as text, in place."""
    row["coordinates"] = _dumps(row["coordinates"])
    row["attributes"] = "null" if row["attributes"] is None else _dumps(row["attributes"])
    row["metadata"] = _dumps(row["metadata"])
    return row


def insert_annotation_rows(conn: Connection, values: list[dict]) -> None:
    """INSERT ``values`` (complete rows with the same keys, JSON as text) in one executemany."""
    if not values:
        return
    compiled = _annotation_insert(conn.dialect, tuple(values[0]))
    if compiled.positional:
        as_tuple = operator.itemgetter(*compiled.positiontup)
        conn.exec_driver_sql(str(compiled), [as_tuple(row) for row in values])
    else:
        conn.exec_driver_sql(str(compiled), values)


@functools.cache
def _annotation_insert(dialect: Dialect, names: tuple[str, ...]) -> Compiled:
    """The INSERT of these annotation columns, compiled; the JSON ones are taken as text
    (cast to JSONB on PostgreSQL)."""
    table = schema.annotations

    def param(name: str) -> Any:
        if name not in JSON_COLUMNS:
            return sa.bindparam(name, type_=table.c[name].type)
        value = sa.bindparam(name, type_=sa.Text)
        return sa.cast(value, JSONB) if dialect.name == "postgresql" else value

    return table.insert().values({name: param(name) for name in names}).compile(dialect=dialect)
