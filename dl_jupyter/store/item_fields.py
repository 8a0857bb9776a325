"""The rows that mirror an item's user metadata into the ``item_fields`` index table.

Each scalar leaf of ``metadata.user`` becomes one row keyed by its dotted path; each
scalar element of a list becomes a row under the list's key (so that ``tags == 'a'``
finds lists holding 'a', as the DQL's array rule says); empty lists and dicts leave a
row that only records that the key exists. Strings longer than ``MAX_INDEXED_TEXT``
keep a prefix and are marked truncated, so equality on them is checked against the JSON.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from dl_jupyter.exceptions import BadRequestError

MAX_KEY = 200
MAX_INDEXED_TEXT = 400

STRING = "s"
STRING_TRUNCATED = "S"
NUMBER = "n"
BOOLEAN = "b"
NULL = "z"
EMPTY_LIST = "a"
EMPTY_DICT = "o"

FieldRow = tuple[str, str, "str | None", "float | None"]


def field_rows(user_metadata: Mapping[str, Any] | None) -> list[FieldRow]:
    """The (key, vtype, vtext, vnum) rows for one item's ``metadata.user``."""
    if not user_metadata:
        return [("", EMPTY_DICT, None, None)] if user_metadata is not None else []
    return list(_walk(user_metadata, ""))


def _walk(value: Any, key: str, in_list: bool = False) -> Iterator[FieldRow]:
    if isinstance(value, Mapping):
        if not value:
            yield (key, EMPTY_DICT, None, None)
        for name, child in value.items():
            child_key = f"{key}.{name}" if key else str(name)
            if len(child_key) > MAX_KEY:
                raise BadRequestError(
                    f"Metadata key is longer than {MAX_KEY} characters: {child_key[:60]!r}..."
                )
            yield from _walk(child, child_key)
    elif isinstance(value, (list, tuple)):
        if not value:
            yield (key, EMPTY_LIST, None, None)
        for element in value:
            if not in_list:  # lists of lists are kept in the JSON only
                yield from _walk(element, key, in_list=True)
    else:
        yield scalar_row(key, value)


def scalar_row(key: str, value: Any) -> FieldRow:
    """The row of one scalar value (booleans before numbers: ``True`` is an int in Python)."""
    if value is None:
        return (key, NULL, None, None)
    if isinstance(value, bool):
        return (key, BOOLEAN, None, 1.0 if value else 0.0)
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            raise BadRequestError(f"Metadata value of {key!r} is not a finite number: {value!r}")
        return (key, NUMBER, None, number)
    text = str(value)
    if len(text) > MAX_INDEXED_TEXT:
        return (key, STRING_TRUNCATED, text[:MAX_INDEXED_TEXT], None)
    return (key, STRING, text, None)
