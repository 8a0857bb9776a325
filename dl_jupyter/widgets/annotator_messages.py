"""The messages the annotator's front end sends, checked before anything acts on them.

Each message is ``{type, seq, ...}``; ``parse`` turns it into one of the dataclasses below or
raises BadRequestError naming the field. Shape keys may be ``"@<seq>"``: the shape created by
message ``seq``, which the browser draws before Python has answered with its key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from dl_jupyter.exceptions import BadRequestError

MAX_SIDE = 16_384


@dataclass(frozen=True)
class Message:
    seq: int


@dataclass(frozen=True)
class Edit(Message):
    """A message that changes what is stored; Python answers it with an ``ack``."""


@dataclass(frozen=True)
class Create(Edit):
    geometry: dict
    label: str


@dataclass(frozen=True)
class Update(Edit):
    key: str
    geometry: dict


@dataclass(frozen=True)
class Relabel(Edit):
    key: str
    label: str


@dataclass(frozen=True)
class SetAttributes(Edit):
    key: str
    changes: dict


@dataclass(frozen=True)
class Delete(Edit):
    key: str


@dataclass(frozen=True)
class Classify(Edit):
    label: str


@dataclass(frozen=True)
class Select(Message):
    key: str | None


@dataclass(frozen=True)
class Undo(Edit):
    pass


@dataclass(frozen=True)
class Redo(Edit):
    pass


@dataclass(frozen=True)
class Navigate(Message):
    to: str


@dataclass(frozen=True)
class Act(Message):
    action: str


@dataclass(frozen=True)
class CopyPrevious(Edit):
    pass


@dataclass(frozen=True)
class ViewChange(Message):
    scale: float
    x: float
    y: float


@dataclass(frozen=True)
class Viewport(Message):
    width: int
    height: int
    dpr: float = field(default=1.0)


def _text(content: dict, name: str, optional: bool = False) -> Any:
    value = content.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise BadRequestError(
            f"{content.get('type')} message: {name} must be a non-empty string, got {value!r}"
        )
    return value


def _object(content: dict, name: str) -> dict:
    value = content.get(name)
    if not isinstance(value, dict):
        raise BadRequestError(
            f"{content.get('type')} message: {name} must be an object, got {value!r}"
        )
    return value


def _number(content: dict, name: str, low: float, high: float) -> float:
    value = content.get(name)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise BadRequestError(
            f"{content.get('type')} message: {name} must be a number from {low} "
            f"to {high}, got {value!r}"
        )
    return float(value)


def parse(content: object) -> Message:
    """The typed message, or BadRequestError."""
    if not isinstance(content, dict):
        raise BadRequestError(
            f"An annotator message must be an object, got {type(content).__name__}"
        )
    seq = content.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise BadRequestError(f"An annotator message needs a whole seq >= 0, got {seq!r}")
    kind = content.get("type")
    if kind == "create":
        return Create(seq, _object(content, "geometry"), _text(content, "label"))
    if kind == "update":
        return Update(seq, _text(content, "key"), _object(content, "geometry"))
    if kind == "label":
        return Relabel(seq, _text(content, "key"), _text(content, "label"))
    if kind == "attributes":
        return SetAttributes(seq, _text(content, "key"), _object(content, "changes"))
    if kind == "delete":
        return Delete(seq, _text(content, "key"))
    if kind == "classify":
        return Classify(seq, _text(content, "label"))
    if kind == "select":
        return Select(seq, _text(content, "key", optional=True))
    if kind == "navigate":
        to = content.get("to")
        if to not in ("next", "previous"):
            raise BadRequestError(f"navigate message: to must be 'next' or 'previous', got {to!r}")
        return Navigate(seq, to)
    if kind == "act":
        return Act(seq, _text(content, "action"))
    if kind == "view":
        view = _object(content, "view")
        view = {**view, "type": "view"}
        return ViewChange(
            seq,
            _number(view, "scale", 1 / 64, 64),
            _number(view, "x", -1e9, 1e9),
            _number(view, "y", -1e9, 1e9),
        )
    if kind == "viewport":
        return Viewport(
            seq,
            int(_number(content, "width", 1, MAX_SIDE)),
            int(_number(content, "height", 1, MAX_SIDE)),
            _number(content, "dpr", 0.25, 8),
        )
    simple = {"undo": Undo, "redo": Redo, "copy_previous": CopyPrevious}
    if kind in simple:
        return simple[kind](seq)
    raise BadRequestError(f"Unknown annotator message type {kind!r}")
