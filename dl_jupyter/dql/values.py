"""Checking and normalising DQL values for a field's kind, with errors that name both."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.store.timeutil import to_iso

STRING = "string"
NUMBER = "number"
INTEGER = "integer"
BOOLEAN = "boolean"
TIME = "time"


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def as_number(field: str, value: Any) -> float | int:
    """A number, also from a numeric string such as ``'5242880'`` (as the SDK's examples send)."""
    if is_number(value):
        if isinstance(value, float) and not math.isfinite(value):
            raise BadRequestError(f"Filter value for {field!r} is not a finite number: {value!r}")
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return int(number) if number.is_integer() and "." not in value else number
    raise BadRequestError(f"Filter field {field!r} takes numbers, got {value!r}")


def as_boolean(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if is_number(value) and value in (0, 1):
        return bool(value)
    raise BadRequestError(f"Filter field {field!r} takes true or false, got {value!r}")


def as_string(field: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    raise BadRequestError(f"Filter field {field!r} takes strings, got {value!r}")


def as_time(field: str, value: Any) -> str:
    """An ISO-8601 UTC string in the store's own form, so that string order is time order."""
    if isinstance(value, datetime):
        return to_iso(value)
    if is_number(value):  # epoch milliseconds, as the SDK's task dates
        return to_iso(datetime.fromtimestamp(value / 1000, tz=timezone.utc))
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            return to_iso(datetime.fromisoformat(text))
        except ValueError:
            pass
    raise BadRequestError(
        f"Filter field {field!r} takes ISO-8601 UTC dates such as '2020-08-30T08:17:08.000Z', "
        f"got {value!r}"
    )


def normalise(field: str, kind: str, value: Any) -> Any:
    """``value`` checked and converted for a field of ``kind``."""
    if kind in (NUMBER, INTEGER):
        return as_number(field, value)
    if kind == BOOLEAN:
        return as_boolean(field, value)
    if kind == TIME:
        return as_time(field, value)
    return as_string(field, value)
