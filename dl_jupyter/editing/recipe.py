"""What a recipe allows: its labels (with colours and order) and the attributes of each label.

Edits are checked here before anything is written. As the SDK does, a label missing from
the recipe is accepted but flagged; attribute values are checked against their kind
(checkbox, radio_button, range, boolean, freeText) and scope, and a wrong one is refused.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dl_jupyter.entities.labels import color_for
from dl_jupyter.enums import AttributesTypes
from dl_jupyter.exceptions import BadRequestError

MAX_TEXT = 10_000


@dataclass(frozen=True)
class LabelInfo:
    """One label of the recipe, by its full dotted path."""

    name: str
    color: str
    display: str


@dataclass(frozen=True)
class RecipeRules:
    """The labels and attribute specs an annotator works with."""

    labels: tuple[LabelInfo, ...] = ()
    attributes: tuple[Mapping[str, Any], ...] = field(default=())

    @classmethod
    def from_ontology(cls, ontology: Any) -> RecipeRules:
        """Rules from an ontology entity (``dataset._ontology()`` or ``recipe.get_ontology()``)."""
        labels = tuple(
            LabelInfo(path, label.color, label.display_label or path)
            for path, label in ontology.labels_flat_dict.items()
        )
        return cls(labels, tuple(dict(a) for a in ontology.metadata.get("attributes") or []))

    @classmethod
    def from_labels(
        cls, labels: Mapping[str, str] | Iterable[str], attributes: Sequence[Mapping[str, Any]] = ()
    ) -> RecipeRules:
        """Rules without a store: ``{'cat': '#ff0000'}`` or ``['cat', 'dog']`` (colours derived)."""
        pairs = labels.items() if isinstance(labels, Mapping) else ((name, None) for name in labels)
        return cls(
            tuple(LabelInfo(name, color or color_for(name), name) for name, color in pairs),
            tuple(dict(a) for a in attributes),
        )

    # -- labels --------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [label.name for label in self.labels]

    def known(self, label: str | None) -> bool:
        return any(info.name == label for info in self.labels)

    def color(self, label: str | None) -> str:
        """The recipe's colour, or a stable derived one for a label the recipe lacks."""
        for info in self.labels:
            if info.name == label:
                return info.color
        return color_for(label or "")

    def check_label(self, label: object) -> str:
        if not isinstance(label, str) or not label.strip():
            raise BadRequestError(f"label must be a non-empty string, got {label!r}")
        return label

    # -- attributes ----------------------------------------------------------------------
    def attributes_for(self, label: str | None) -> list[Mapping[str, Any]]:
        """The attribute specs whose scope is every label (``'*'``) or names ``label``."""
        return [
            a
            for a in self.attributes
            if a.get("scope") in ("*", None) or label in (a.get("scope") or [])
        ]

    def check_attributes(self, label: str | None, changes: object) -> dict[str, Any]:
        """``changes`` ({key: value}, None removes a key) checked against the specs of ``label``."""
        if not isinstance(changes, Mapping):
            raise BadRequestError(f"attributes must be an object of key: value, got {changes!r}")
        specs = {a.get("key"): a for a in self.attributes_for(label)}
        checked = {}
        for key, value in changes.items():
            spec = specs.get(key)
            if spec is None:
                known = [a.get("key") for a in self.attributes if a.get("key") == key]
                why = f"does not apply to label {label!r}" if known else "is not in the recipe"
                raise BadRequestError(f"attribute {key!r} {why}")
            checked[key] = None if value is None else _check_value(spec, value)
        return checked

    def missing_required(
        self, label: str | None, attributes: Mapping[str, Any] | None
    ) -> list[str]:
        """Keys of required (non-optional) attributes of ``label`` that have no value yet."""
        given = attributes if isinstance(attributes, Mapping) else {}
        return [
            a["key"]
            for a in self.attributes_for(label)
            if a.get("optional") is False and given.get(a["key"]) in (None, "", [])
        ]


def _check_value(spec: Mapping[str, Any], value: object) -> object:
    key, kind = spec.get("key"), spec.get("type")
    values = list(spec.get("values") or [])
    if kind == AttributesTypes.CHECKBOX:
        if not isinstance(value, list) or any(v not in values for v in value):
            raise BadRequestError(f"attribute {key!r} takes a list of {values}, got {value!r}")
        return [v for v in values if v in value]
    if kind == AttributesTypes.RADIO_BUTTON:
        if value not in values:
            raise BadRequestError(f"attribute {key!r} takes one of {values}, got {value!r}")
        return value
    if kind == AttributesTypes.SLIDER:
        bounds = spec.get("range") or {}
        low, high = bounds.get("min", -math.inf), bounds.get("max", math.inf)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            raise BadRequestError(
                f"attribute {key!r} takes a number from {low} to {high}, got {value!r}"
            )
        return value
    if kind == AttributesTypes.YES_NO:
        if not isinstance(value, bool):
            raise BadRequestError(f"attribute {key!r} takes true or false, got {value!r}")
        return value
    if kind == AttributesTypes.FREE_TEXT:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise BadRequestError(
                f"attribute {key!r} takes text up to {MAX_TEXT} characters, got {value!r:.80}"
            )
        return value
    raise BadRequestError(f"attribute {key!r} has an unknown type {kind!r} in the recipe")
