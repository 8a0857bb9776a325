"""Undo and redo: each step is a list of changes from one stored state of a shape to another.

A change names its shape by the session's key (which outlives the annotation id: undoing a
delete stores the annotation again under a new id) and holds the content before and after
(None before: created; None after: deleted).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dl_jupyter.entities import annotation_definitions as defs

HISTORY_LIMIT = 500


@dataclass(frozen=True)
class Snapshot:
    """What an edit can change in an annotation: its type, coordinates, label and attributes."""

    type: str
    coordinates: Any
    label: str | None
    attributes: Any

    @classmethod
    def of(cls, definition: defs.BaseAnnotationDefinition) -> Snapshot:
        return cls(
            definition.type,
            copy.deepcopy(definition.to_coordinates()),
            definition.label,
            copy.deepcopy(definition.attributes),
        )

    def definition(self) -> defs.BaseAnnotationDefinition:
        """A fresh definition with this content (validated when the store writes it)."""
        return defs.definition_from_coordinates(
            self.type,
            copy.deepcopy(self.coordinates),
            label=self.label,
            attributes=copy.deepcopy(self.attributes),
        )


@dataclass(frozen=True)
class Change:
    key: str
    before: Snapshot | None
    after: Snapshot | None

    def inverse(self) -> Change:
        return Change(self.key, self.after, self.before)


@dataclass(frozen=True)
class Step:
    """One user action (a drag, a relabel, a paste of several shapes), undone as a whole."""

    description: str
    changes: tuple[Change, ...]

    def inverse(self) -> Step:
        return Step(self.description, tuple(c.inverse() for c in reversed(self.changes)))


class History:
    """The undo and redo stacks of one item's session."""

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self.limit = limit
        self._undo: list[Step] = []
        self._redo: list[Step] = []

    def record(self, description: str, changes: Sequence[Change]) -> None:
        """A new step; it ends what could be redone."""
        self._undo.append(Step(description, tuple(changes)))
        del self._undo[: -self.limit]
        self._redo.clear()

    def next_undo(self) -> Step | None:
        return self._undo[-1] if self._undo else None

    def next_redo(self) -> Step | None:
        return self._redo[-1] if self._redo else None

    def undone(self) -> None:
        """The step from next_undo() was applied backwards."""
        self._redo.append(self._undo.pop())

    def redone(self) -> None:
        """The step from next_redo() was applied again."""
        self._undo.append(self._redo.pop())

    @property
    def counts(self) -> dict[str, int]:
        return {"undo": len(self._undo), "redo": len(self._redo)}
