"""Labels and ontology attributes: the vocabulary a recipe gives annotators.

Labels form a tree written with dots (``'animal.Dog.poodle'``, up to five levels); colours
are ``'#rrggbb'`` strings, given as a hex string or an RGB tuple, or derived from the tag.
"""

from __future__ import annotations

import colorsys
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from dl_jupyter import _html
from dl_jupyter.enums import AttributesTypes
from dl_jupyter.exceptions import BadRequestError

MAX_LABEL_DEPTH = 5


def color_for(tag: str) -> str:
    """A stable, well-saturated colour for a tag (the same tag always gets the same colour)."""
    hue = int(hashlib.sha1(tag.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    r, g, b = colorsys.hsv_to_rgb(hue, 0.75, 0.9)
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"


def to_hex(color: Any, tag: str) -> str:
    """``color`` as ``'#rrggbb'``: accepts hex strings and RGB(A) tuples; None derives one."""
    if color is None:
        return color_for(tag)
    if isinstance(color, str):
        text = color.strip().lower()
        if len(text) == 7 and text[0] == "#" and all(c in "0123456789abcdef" for c in text[1:]):
            return text
    elif isinstance(color, (tuple, list)) and len(color) in (3, 4):
        try:
            r, g, b = (int(c) for c in color[:3])
        except (TypeError, ValueError):
            pass
        else:
            if all(0 <= c <= 255 for c in (r, g, b)):
                return f"#{r:02x}{g:02x}{b:02x}"
    raise BadRequestError(
        f"Label {tag!r}: color must be '#rrggbb' or an (r, g, b) tuple, got {color!r}"
    )


@dataclass(repr=False)
class Label:
    """One label of an ontology, with its children."""

    tag: str
    display_data: dict = field(default_factory=dict)
    color: Any = None
    display_label: str | None = None
    attributes: list = field(default_factory=list)
    children: list[Label] = field(default_factory=list)
    hotkey: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.tag, str) or not self.tag.strip():
            raise BadRequestError(f"A label tag must be a non-empty string, got {self.tag!r}")
        self.color = to_hex(self.color, self.tag)
        if self.display_label is None:
            self.display_label = self.tag
        self.attributes = list(self.attributes or [])
        self.children = [c if isinstance(c, Label) else label_from(c) for c in self.children or []]

    @property
    def rgb(self) -> tuple[int, int, int]:
        return tuple(int(self.color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]

    @property
    def hex(self) -> str:
        return self.color

    def to_root(self) -> dict:
        """The platform JSON of the label and its subtree."""
        value = {
            "tag": self.tag,
            "displayLabel": self.display_label,
            "color": self.color,
            "attributes": list(self.attributes),
            "displayData": dict(self.display_data),
        }
        if self.hotkey:
            value["hotkey"] = self.hotkey
        return {"value": value, "children": [c.to_root() for c in self.children]}

    @classmethod
    def from_root(cls, root: Mapping) -> Label:
        value = root.get("value", root)
        return cls(
            tag=value["tag"],
            display_data=dict(value.get("displayData") or {}),
            color=value.get("color"),
            display_label=value.get("displayLabel"),
            attributes=list(value.get("attributes") or []),
            children=[cls.from_root(c) for c in root.get("children") or []],
            hotkey=value.get("hotkey"),
        )

    def __repr__(self) -> str:
        return (
            f"Label(tag={self.tag!r}, display_data={self.display_data!r}, color={self.color!r}, "
            f"display_label={self.display_label!r}, attributes={self.attributes!r}, "
            f"children={self.children!r})"
        )

    def _repr_html_(self) -> str:
        swatch = f"<span style='color:{_html.esc(self.color)}'>&#9632;</span>"
        kids = "".join(f"<li>{c._repr_html_()}</li>" for c in self.children)
        return f"{swatch} {_html.esc(self.tag)}" + (f"<ul>{kids}</ul>" if kids else "")


def label_from(spec: Any, color: Any = None) -> Label:
    """A Label from a Label, a tag string, or a dict in the SDK's "big dict" or JSON shapes."""
    if isinstance(spec, Label):
        return spec
    if isinstance(spec, str):
        return Label(tag=spec, color=color)
    if isinstance(spec, Mapping):
        if "value" in spec:
            return Label.from_root(spec)
        tag = spec.get("label_name", spec.get("tag"))
        if tag is None:
            raise BadRequestError(f"A label dict needs 'label_name' or 'tag': {dict(spec)!r}")
        return Label(
            tag=tag,
            color=spec.get("color", color),
            display_label=spec.get("display_label", spec.get("displayLabel")),
            attributes=list(spec.get("attributes") or []),
            children=[label_from(c) for c in spec.get("children") or []],
        )
    raise BadRequestError(f"Not a label: {spec!r}; give a name, a dl.Label or a dict")


def iter_flat(labels: Iterable[Label], prefix: str = "") -> Iterator[tuple[str, Label]]:
    """Every label with its full dotted path, parents before children."""
    for label in labels:
        path = f"{prefix}.{label.tag}" if prefix else label.tag
        yield path, label
        yield from iter_flat(label.children, path)


def insert_label(labels: list[Label], path: str, label: Label, upsert: bool, add: bool) -> Label:
    """Place ``label`` at the dotted ``path`` inside ``labels``, creating missing parents.

    ``add`` fails on an existing label; ``upsert`` replaces one; neither means it must exist.
    """
    parts = path.split(".")
    if len(parts) > MAX_LABEL_DEPTH:
        raise BadRequestError(f"Label {path!r} is deeper than {MAX_LABEL_DEPTH} levels")
    if any(not p for p in parts):
        raise BadRequestError(f"Label {path!r} has an empty level")
    siblings = labels
    for depth, part in enumerate(parts[:-1]):
        parent = next((lb for lb in siblings if lb.tag == part), None)
        if parent is None:
            if not add and not upsert:
                raise BadRequestError(f"Label {'.'.join(parts[: depth + 1])!r} does not exist")
            parent = Label(tag=part)
            siblings.append(parent)
        siblings = parent.children
    label.tag = parts[-1]
    existing = next((i for i, lb in enumerate(siblings) if lb.tag == label.tag), None)
    if existing is None:
        if not add and not upsert:
            raise BadRequestError(f"Label {path!r} does not exist; pass upsert=True to add it")
        siblings.append(label)
    else:
        if add and not upsert:
            return siblings[existing]
        if not label.children:
            label.children = siblings[existing].children
        siblings[existing] = label
    return label


def remove_label(labels: list[Label], path: str) -> bool:
    """Remove the label at the dotted ``path``; True if it was there."""
    parts = path.split(".")
    siblings = labels
    for part in parts[:-1]:
        parent = next((lb for lb in siblings if lb.tag == part), None)
        if parent is None:
            return False
        siblings = parent.children
    for i, label in enumerate(siblings):
        if label.tag == parts[-1]:
            del siblings[i]
            return True
    return False


@dataclass
class AttributesRange:
    """The range of a slider attribute."""

    min: float
    max: float
    step: float = 1

    def to_json(self) -> dict:
        return {"min": self.min, "max": self.max, "step": self.step}


def make_attribute(
    key: str,
    title: str | None,
    attribute_type: Any,
    scope: Any = None,
    optional: bool | None = None,
    values: list | None = None,
    attribute_range: AttributesRange | Mapping | None = None,
) -> dict:
    """An ontology attribute (2.0) as stored in the ontology's metadata, validated."""
    try:
        kind = AttributesTypes(str(attribute_type))
    except ValueError:
        raise BadRequestError(
            f"Unknown attribute_type {attribute_type!r}; use one of "
            f"{[t.value for t in AttributesTypes]}"
        ) from None
    if not isinstance(key, str) or not key:
        raise BadRequestError(f"An attribute key must be a non-empty string, got {key!r}")
    if kind in (AttributesTypes.CHECKBOX, AttributesTypes.RADIO_BUTTON) and not values:
        raise BadRequestError(f"Attribute {key!r} of type {kind.value} needs values")
    if kind == AttributesTypes.SLIDER and attribute_range is None:
        raise BadRequestError(f"Attribute {key!r} of type range needs attribute_range")
    if isinstance(attribute_range, AttributesRange):
        attribute_range = attribute_range.to_json()
    if scope is None or scope == "*":
        scope = "*"
    elif isinstance(scope, str):
        scope = [scope]
    else:
        scope = list(scope)
    return {
        "key": key,
        "title": title or key,
        "type": kind.value,
        "scope": scope,
        "optional": True if optional is None else bool(optional),
        "values": list(values or []),
        "range": dict(attribute_range) if attribute_range else None,
    }
