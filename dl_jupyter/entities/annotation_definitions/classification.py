"""Definitions without a drawn shape: whole-item classes, subtitles, text spans, descriptions,
and a pass-through for types this package does not know."""

from __future__ import annotations

from typing import Any

from dl_jupyter.enums import AnnotationType
from dl_jupyter.exceptions import BadRequestError

from .base import BaseAnnotationDefinition, NumberField, as_number, require_number


def _text_field(coordinates: object, kind: str) -> object:
    if not isinstance(coordinates, dict) or "text" not in coordinates:
        raise BadRequestError(f"{kind} coordinates must be {{text}}, got {coordinates!r}")
    return coordinates["text"]


def _require_text(owner: str, field: str, value: object) -> None:
    if not isinstance(value, str):
        raise BadRequestError(f"{owner} {field} must be a string, got {value!r}")


class Classification(BaseAnnotationDefinition):
    """A label for the whole item (or frame); it has no coordinates."""

    type = AnnotationType.CLASSIFICATION.value

    def __init__(
        self, label: str | None, attributes: object = None, description: str | None = None
    ):
        super().__init__(label, attributes, description)

    def to_coordinates(self) -> None:
        return None

    @classmethod
    def from_coordinates(
        cls,
        coordinates: object = None,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
    ) -> Classification:
        """Ignores ``coordinates`` (dtlpy writes an empty list or nothing)."""
        return cls.unchecked(label, attributes, description)


class Subtitle(BaseAnnotationDefinition):
    """A transcription line of audio or video; its time span lives on the annotation."""

    type = AnnotationType.SUBTITLE.value

    def __init__(
        self,
        text: str,
        label: str | None,
        attributes: object = None,
        description: str | None = None,
    ):
        super().__init__(label, attributes, description)
        self.text = text

    def validate(self) -> None:
        super().validate()
        _require_text(type(self).__name__, "text", self.text)

    def to_coordinates(self) -> dict[str, Any]:
        return {"text": self.text}

    @classmethod
    def from_coordinates(
        cls,
        coordinates: object,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
    ) -> Subtitle:
        return cls.unchecked(_text_field(coordinates, "subtitle"), label, attributes, description)

    def _fields(self) -> dict[str, Any]:
        return {"text": self.text}


class Text(BaseAnnotationDefinition):
    """A span of a text item, ``start`` to ``end`` in characters (type 'text_mark')."""

    type = AnnotationType.TEXT.value

    start = NumberField()
    end = NumberField()
    top = NumberField()
    left = NumberField()

    def __init__(
        self,
        text_type: str | None,
        start: int,
        end: int,
        label: str | None,
        top: float | None = None,
        left: float | None = None,
        attributes: object = None,
        description: str | None = None,
    ):
        super().__init__(label, attributes, description)
        self.text_type = text_type
        self.start, self.end = start, end
        self.top, self.left = top, left

    def validate(self) -> None:
        super().validate()
        name = type(self).__name__
        require_number(name, "start", self.start)
        require_number(name, "end", self.end)
        if self.start < 0:
            raise BadRequestError(f"{name} start must not be negative, got {self.start!r}")
        if self.end < self.start:
            raise BadRequestError(f"{name} end={self.end!r} is before start={self.start!r}")

    def to_coordinates(self) -> dict[str, Any]:
        coordinates = {
            "type": self.text_type,
            "label": self.label,
            "start": self.start,
            "end": self.end,
        }
        if self.top is not None and self.left is not None:
            coordinates.update(top=self.top, left=self.left)
        return coordinates

    @classmethod
    def from_coordinates(
        cls,
        coordinates: object,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
    ) -> Text:
        if not isinstance(coordinates, dict):
            raise BadRequestError(
                f"text_mark coordinates must be {{type, start, end}}, got {coordinates!r}"
            )
        return cls.unchecked(
            coordinates.get("type"),
            as_number(coordinates.get("start")),
            as_number(coordinates.get("end")),
            label if label is not None else coordinates.get("label"),
            top=coordinates.get("top"),
            left=coordinates.get("left"),
            attributes=attributes,
            description=description,
        )

    def _fields(self) -> dict[str, Any]:
        return {
            "text_type": self.text_type,
            "start": self.start,
            "end": self.end,
            "top": self.top,
            "left": self.left,
        }


class Description(BaseAnnotationDefinition):
    """The item's free-text description, kept as a system annotation labelled 'item.description'."""

    type = AnnotationType.DESCRIPTION.value
    LABEL = "item.description"

    def __init__(self, text: str, description: str | None = None):
        super().__init__(self.LABEL, {}, description)
        self.text = text

    def validate(self) -> None:
        super().validate()
        _require_text(type(self).__name__, "text", self.text)

    def to_coordinates(self) -> dict[str, Any]:
        return {"text": self.text}

    @classmethod
    def from_coordinates(
        cls,
        coordinates: object,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
    ) -> Description:
        """``label`` and ``attributes`` are fixed for descriptions and ignored."""
        return cls.unchecked(_text_field(coordinates, "item_description"), description)

    def _fields(self) -> dict[str, Any]:
        return {"text": self.text}


class UndefinedAnnotationType(BaseAnnotationDefinition):
    """Any other type string: its coordinates are kept untouched so they round-trip."""

    def __init__(
        self,
        type: str,  # dtlpy names it so
        label: str | None,
        coordinates: object,
        attributes: object = None,
        description: str | None = None,
    ):
        super().__init__(label, attributes, description)
        self.type = type
        self.coordinates = coordinates

    def to_coordinates(self) -> object:
        return self.coordinates

    @classmethod
    def from_coordinates(
        cls,
        coordinates: object,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
        type: str = "",  # dtlpy names it so
    ) -> UndefinedAnnotationType:
        return cls.unchecked(type, label, coordinates, attributes, description)

    def _fields(self) -> dict[str, Any]:
        return {"type": self.type, "coordinates": self.coordinates}
