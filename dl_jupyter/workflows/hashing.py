"""A stable task hash per item (Prodigy's ``_task_hash``), the same in Python and in SQL.

The hash is the first 32 bits of the MD5 of a key (the item id, or the item id and a task id
for a per-task shuffle). It decides, without any stored state, which items get extra
annotators and in which order a uniform sample is served, so routing stays consistent
across processes and restarts.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import BIT
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

TASK_HASH_ATTR = "_task_hash"
_SQLITE_FUNCTION = "dl_task_hash"


def task_hash(key: str) -> int:
    """An unsigned 32-bit hash of ``key``."""
    return int(hashlib.md5(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:8], 16)


def task_hash_sql(conn: Connection, key: ColumnElement) -> ColumnElement:
    """``task_hash(key)`` as a SQL expression on ``conn``'s dialect."""
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        raw.create_function(_SQLITE_FUNCTION, 1, task_hash, deterministic=True)
        return getattr(sa.func, _SQLITE_FUNCTION)(key)
    digits = sa.func.lpad(sa.func.substr(sa.func.md5(key), 1, 8), 16, "0")
    bits = sa.cast(sa.literal("x") + digits, BIT(64))
    return sa.cast(bits, sa.BigInteger)
