"""SQL expressions that make new ids inside set-based INSERT ... SELECT statements.

They have the shape of ``timeutil.new_id()`` (8 hex digits of seconds, 16 random hex digits),
so rows copied in SQL sort like rows inserted from Python.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement


def new_id_sql(dialect: str) -> ColumnElement:
    """An expression giving a fresh 24-hex id for every row it is evaluated on."""
    if dialect == "sqlite":
        return sa.literal_column(
            "printf('%08x', CAST(strftime('%s','now') AS INTEGER)) || lower(hex(randomblob(8)))"
        )
    return sa.literal_column(
        "lpad(to_hex(extract(epoch from now())::bigint), 8, '0') "
        "|| substr(replace(gen_random_uuid()::text, '-', ''), 1, 16)"
    )
