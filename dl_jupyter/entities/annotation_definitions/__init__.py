"""Annotation definitions: the geometry (or text) of one annotation, as in dtlpy.

Each class converts to and from the ``coordinates`` value of the Dataloop annotation JSON
(``to_coordinates`` / ``from_coordinates``), validates itself on construction, and draws itself
with ``show``. ``DEFINITIONS`` maps a Dataloop type string to its class.
"""

from __future__ import annotations

from typing import Any

from .base import BaseAnnotationDefinition
from .box import Box
from .classification import Classification, Description, Subtitle, Text, UndefinedAnnotationType
from .cube import Cube
from .ellipse import Ellipse
from .note import Note
from .point import Point
from .polygon import Polygon, Polyline
from .pose import Pose
from .segmentation import Segmentation

DEFINITIONS: dict[str, type[BaseAnnotationDefinition]] = {
    cls.type: cls
    for cls in (
        Box,
        Cube,
        Point,
        Pose,
        Polygon,
        Polyline,
        Ellipse,
        Segmentation,
        Classification,
        Subtitle,
        Text,
        Note,
        Description,
    )
}


def definition_from_coordinates(
    type: str,  # dtlpy names it so
    coordinates: object,
    label: str | None = None,
    attributes: object = None,
    description: str | None = None,
    **extra: Any,
) -> BaseAnnotationDefinition:
    """The definition of a stored annotation; unknown types become UndefinedAnnotationType.

    ``extra`` goes to the class's ``from_coordinates`` (``color`` for Segmentation, ``points``
    for Pose). Stored data is not validated.
    """
    cls = DEFINITIONS.get(str(type))
    if cls is None:
        return UndefinedAnnotationType.from_coordinates(
            coordinates, label, attributes, description, type=str(type)
        )
    return cls.from_coordinates(coordinates, label, attributes, description, **extra)


__all__ = [
    "DEFINITIONS",
    "BaseAnnotationDefinition",
    "Box",
    "Classification",
    "Cube",
    "Description",
    "Ellipse",
    "Note",
    "Point",
    "Polygon",
    "Polyline",
    "Pose",
    "Segmentation",
    "Subtitle",
    "Text",
    "UndefinedAnnotationType",
    "definition_from_coordinates",
]
