"""The edit session of one item: its shapes, the selection, undo and redo.

Every edit is written through the repositories the moment it is made (``upload`` for a new
shape, ``update`` and ``delete`` with the version the session holds), so a kernel that dies
loses nothing that was committed. A stale version fails with a ConflictError: the session then
reloads the item's annotations from the store, so the user sees the other edit instead of
overwriting it. Undo and redo are edits too, checked the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dl_jupyter.editing.geometry import from_definition, to_definition
from dl_jupyter.editing.history import Change, History, Snapshot, Step
from dl_jupyter.editing.recipe import RecipeRules
from dl_jupyter.entities.annotation import Annotation
from dl_jupyter.exceptions import BadRequestError, ConflictError, NotFoundError

SOURCE = "ui"


class EditSession:
    """Shapes of ``item`` keyed by a session key (the id the annotation had when first seen)."""

    def __init__(self, item: Any, rules: RecipeRules | None = None) -> None:
        self.item = item
        self.rules = rules if rules is not None else rules_of(item)
        self.history = History()
        self.selected: str | None = None
        self._shapes: dict[str, Annotation] = {}
        self.reload()

    # -- reading -------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the item's annotations again; shapes keep their keys."""
        keys = {annotation.id: key for key, annotation in self._shapes.items()}
        self._shapes = {keys.get(a.id, a.id): a for a in self.item.annotations.list()}
        if self.selected not in self._shapes:
            self.selected = None

    @property
    def keys(self) -> list[str]:
        return list(self._shapes)

    def annotation(self, key: str) -> Annotation:
        try:
            return self._shapes[key]
        except KeyError:
            raise NotFoundError(f"No shape {key!r} on item {self.item.id}") from None

    def snapshots(self) -> list[Snapshot]:
        """The content of every shape, to paste onto another item."""
        return [Snapshot.of(a.annotation_definition) for a in self._shapes.values()]

    def to_wire(self) -> list[dict[str, Any]]:
        """Every shape as the front end draws and lists it (coordinates in image pixels)."""
        return [self._wire(key, a) for key, a in self._shapes.items()]

    def _wire(self, key: str, annotation: Annotation) -> dict[str, Any]:
        definition = annotation.annotation_definition
        geometry = from_definition(definition)
        flags = []
        if not self.rules.known(definition.label):
            flags.append("label not in recipe")
        attributes = definition.attributes if isinstance(definition.attributes, dict) else {}
        flags += [f"missing {k}" for k in self.rules.missing_required(definition.label, attributes)]
        bounds = definition.bounds
        return {
            "key": key,
            "id": annotation.id,
            "version": annotation.version,
            "type": definition.type,
            "label": definition.label,
            "color": self.rules.color(definition.label),
            "attributes": attributes,
            "geometry": geometry,
            "readonly": geometry is None,
            "bounds": list(bounds) if bounds else None,
            "flags": flags,
        }

    # -- selection -----------------------------------------------------------------------
    def select(self, key: str | None) -> None:
        if key is not None:
            self.annotation(key)
        self.selected = key

    def select_next(self, step: int = 1) -> str | None:
        """Cycle the selection through the shapes (Tab / Shift+Tab)."""
        keys = self.keys
        if not keys:
            self.selected = None
        elif self.selected not in keys:
            self.selected = keys[0] if step > 0 else keys[-1]
        else:
            self.selected = keys[(keys.index(self.selected) + step) % len(keys)]
        return self.selected

    # -- edits ---------------------------------------------------------------------------
    def create(self, geometry: Mapping, label: object, attributes: Mapping | None = None) -> str:
        """Store a new shape (wire geometry, see editing.geometry); returns its key, selected."""
        label = self.rules.check_label(label)
        checked = {
            k: v
            for k, v in self.rules.check_attributes(label, attributes or {}).items()
            if v is not None
        }
        definition = to_definition(geometry, label, checked or None)
        (key,) = self._commit(f"create {definition.type}", [(None, Snapshot.of(definition))])
        self.selected = key
        return key

    def update_geometry(self, key: str, geometry: Mapping) -> None:
        """Move, resize or reshape a shape (its type stays)."""
        current = self.annotation(key).annotation_definition
        if not isinstance(geometry, Mapping) or geometry.get("type") != current.type:
            raise BadRequestError(
                f"shape {key!r} is a {current.type!r}; its geometry cannot become {geometry!r:.80}"
            )
        definition = to_definition(geometry, current.label, current.attributes)
        self._commit("edit shape", [(key, Snapshot.of(definition))])

    def set_label(self, key: str, label: object) -> None:
        label = self.rules.check_label(label)
        current = self.annotation(key).annotation_definition
        after = Snapshot.of(current)
        self._commit(
            "relabel", [(key, Snapshot(after.type, after.coordinates, label, after.attributes))]
        )

    def set_attributes(self, key: str, changes: object) -> None:
        """Merge ``{key: value}`` into the shape's attributes (None removes a key)."""
        current = self.annotation(key).annotation_definition
        checked = self.rules.check_attributes(current.label, changes)
        attributes = dict(current.attributes) if isinstance(current.attributes, dict) else {}
        for name, value in checked.items():
            if value is None:
                attributes.pop(name, None)
            else:
                attributes[name] = value
        before = Snapshot.of(current)
        after = Snapshot(before.type, before.coordinates, before.label, attributes or None)
        self._commit("set attributes", [(key, after)])

    def delete(self, key: str) -> None:
        self.annotation(key)
        self._commit("delete", [(key, None)])

    def toggle_classification(self, label: object) -> str | None:
        """Add a classification with ``label``, or remove the one there is; returns its key."""
        label = self.rules.check_label(label)
        for key, annotation in self._shapes.items():
            if annotation.type == "class" and annotation.label == label:
                self._commit(f"unclassify {label}", [(key, None)])
                return None
        return self.create({"type": "class"}, label)

    def paste(self, snapshots: Iterable[Snapshot]) -> list[str]:
        """Store copies of shapes (from another item) as one step; returns their keys."""
        changes = [(None, snapshot) for snapshot in snapshots]
        return self._commit("paste", changes) if changes else []

    # -- undo / redo ---------------------------------------------------------------------
    def undo(self) -> bool:
        step = self.history.next_undo()
        if step is None:
            return False
        self._apply(step.inverse())
        self.history.undone()
        return True

    def redo(self) -> bool:
        step = self.history.next_redo()
        if step is None:
            return False
        self._apply(step)
        self.history.redone()
        return True

    # -- writing -------------------------------------------------------------------------
    def _commit(
        self, description: str, targets: Sequence[tuple[str | None, Snapshot | None]]
    ) -> list[str]:
        """Write ``(key or None for a new shape, content after or None to delete)`` pairs as
        one step of the history; returns the keys written."""
        changes = []
        for key, after in targets:
            before = (
                None if key is None else Snapshot.of(self.annotation(key).annotation_definition)
            )
            changes.append(Change(key or "", before, after))
        keys = self._apply(Step(description, tuple(changes)))
        recorded = [Change(k, c.before, c.after) for k, c in zip(keys, changes)]
        self.history.record(description, recorded)
        return keys

    def _apply(self, step: Step) -> list[str]:
        """Make the store go from each change's ``before`` to its ``after``; new shapes are
        written together in one upload. On a conflict the session reloads and re-raises."""
        try:
            keys = [""] * len(step.changes)
            new = [(i, c) for i, c in enumerate(step.changes) if c.before is None]
            if new:
                stored = self.item.annotations.upload(
                    [self._new_annotation(c.after) for _, c in new]
                )
                for (index, change), annotation in zip(new, stored):
                    keys[index] = change.key or annotation.id
                    self._shapes[keys[index]] = annotation
            for index, change in enumerate(step.changes):
                if change.before is not None:
                    keys[index] = change.key
                    self._write(change)
        except ConflictError:
            self.reload()
            raise
        if self.selected not in self._shapes:
            self.selected = None
        return keys

    def _new_annotation(self, content: Snapshot) -> Annotation:
        annotation = Annotation.new(
            item=self.item, annotation_definition=content.definition(), automated=False
        )
        annotation.source = SOURCE
        return annotation

    def _write(self, change: Change) -> None:
        current = self._shapes.get(change.key)
        if current is None:
            raise ConflictError(f"Shape {change.key!r} is no longer on item {self.item.id}")
        if Snapshot.of(current.annotation_definition) != change.before:
            raise ConflictError(
                f"Shape {change.key!r} was changed by someone else since; "
                "this would overwrite their edit"
            )
        repo = self.item.annotations
        if change.after is None:
            repo.delete(annotation=current, version=current.version)
            del self._shapes[change.key]
            return
        edited = dataclasses.replace(current, annotation_definition=change.after.definition())
        self._shapes[change.key] = repo.update(edited)


def rules_of(item: Any) -> RecipeRules:
    """The rules of the item's dataset's default recipe."""
    return RecipeRules.from_ontology(item.dataset.get_recipe().get_ontology())
