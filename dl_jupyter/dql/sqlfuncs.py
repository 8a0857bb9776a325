"""SQL building blocks that differ between SQLite and PostgreSQL: glob patterns and JSON paths.

Values always travel as bound parameters; JSON path strings are built here with every key
quoted, so a key cannot change the path's meaning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, JSONPATH
from sqlalchemy.sql.elements import ColumnElement

from dl_jupyter.dql.values import is_number

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


def has_glob(value: Any) -> bool:
    return isinstance(value, str) and "*" in value


def glob_match(column: ColumnElement, pattern: str, dialect: str) -> ColumnElement[bool]:
    """``column`` matches the DQL wildcard ``pattern`` (``*`` and ``**`` match any characters)."""
    while "**" in pattern:
        pattern = pattern.replace("**", "*")
    if dialect == SQLITE:
        escaped = "".join({"[": "[[]", "?": "[?]"}.get(ch, ch) for ch in pattern)
        return column.op("GLOB")(escaped)
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(escaped.replace("*", "%"), escape="\\")


def glob_regex(pattern: str) -> str:
    """The DQL wildcard ``pattern`` as an anchored regular expression (for JSON path matching)."""
    while "**" in pattern:
        pattern = pattern.replace("**", "*")
    return "^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$"


# -- JSON paths ---------------------------------------------------------------------------


def _quote_key(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sqlite_path(keys: Sequence[str]) -> str:
    return "$" + "".join("." + _quote_key(k) for k in keys)


def pg_path(keys: Sequence[str]) -> str:
    return "$" + "".join("." + _quote_key(k) for k in keys)


def _sqlite_type_test(value: Any) -> tuple[str, ...]:
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("true",) if value else ("false",)
    if is_number(value):
        return ("integer", "real")
    return ("text",)


def json_exists(column: ColumnElement, keys: Sequence[str], dialect: str) -> ColumnElement[bool]:
    """The path exists in the JSON (a JSON null counts as present, as in MongoDB)."""
    if dialect == SQLITE:
        return sa.func.json_type(column, sqlite_path(keys)).is_not(None)
    return sa.func.jsonb_path_exists(column, sa.cast(pg_path(keys), JSONPATH))


def json_compare(
    column: ColumnElement, keys: Sequence[str], op: str, value: Any, dialect: str
) -> ColumnElement[bool]:
    """Some value at the path (the value itself, or any element of a list there) satisfies
    ``op`` (``eq``, ``gt``, ``lt`` or ``glob``) against ``value``, comparing like types only."""
    if dialect == SQLITE:
        path = sqlite_path(keys)
        each = sa.func.json_each(column, path).table_valued("value", "type").alias()
        test = each.c.type.in_(_sqlite_type_test(value))
        if op == "eq":
            test = sa.and_(test, each.c.value == (int(value) if isinstance(value, bool) else value))
        elif op == "gt":
            test = sa.and_(test, each.c.value > value)
        elif op == "lt":
            test = sa.and_(test, each.c.value < value)
        elif op == "glob":
            test = sa.and_(test, glob_match(each.c.value, value, dialect))
        not_object = sa.func.json_type(column, path) != "object"
        return sa.and_(
            not_object, sa.exists(sa.select(sa.literal(1)).select_from(each).where(test))
        )
    path = pg_path(keys)
    if op == "glob":
        regex = json.dumps(glob_regex(value))
        return sa.func.jsonb_path_exists(
            column, sa.cast(f"{path} ? (@ like_regex {regex})", JSONPATH)
        )
    symbol = {"eq": "==", "gt": ">", "lt": "<"}[op]
    return sa.func.jsonb_path_exists(
        column,
        sa.cast(f"{path} ? (@ {symbol} $v)", JSONPATH),
        jsonb_value({"v": value}),
    )


def jsonb_value(value: Any) -> ColumnElement:
    """``value`` as a bound JSONB parameter."""
    return sa.literal(value, JSONB)


def json_equals_document(
    column: ColumnElement, keys: Sequence[str], value: Any, dialect: str
) -> ColumnElement[bool]:
    """The JSON at the path equals ``value`` as a whole (a list or dict matched exactly)."""
    document = json.dumps(value, separators=(",", ":"))
    if dialect == SQLITE:
        return sa.func.json_extract(column, sqlite_path(keys)) == sa.func.json(document)
    return column.op("#>")(sa.cast(list(keys), sa.ARRAY(sa.Text))) == jsonb_value(value)


def json_sort_key(column: ColumnElement, keys: Sequence[str], dialect: str) -> ColumnElement:
    """An ORDER BY expression for the value at the path."""
    if dialect == SQLITE:
        return sa.func.json_extract(column, sqlite_path(keys))
    return column.op("#>")(sa.cast(list(keys), sa.ARRAY(sa.Text)))


def one_of(column: ColumnElement, values: Sequence[Any], dialect: str) -> ColumnElement[bool]:
    """``column IN values`` with the values as one bound parameter (a JSON array on SQLite, an
    array on PostgreSQL): a page of a thousand ids compiles as fast as one id, with no limit
    on the number of variables."""
    if dialect == SQLITE:
        each = sa.func.json_each(sa.literal(json.dumps(list(values)))).table_valued("value")
        return column.in_(sa.select(each.c.value))
    return column == sa.any_(sa.literal(list(values), sa.ARRAY(sa.Text)))
