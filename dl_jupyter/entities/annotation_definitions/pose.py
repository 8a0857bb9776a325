"""Pose: a skeleton instance of a recipe template; its keypoints are child Point annotations."""

from __future__ import annotations

import uuid
from typing import Any

from PIL import ImageDraw

from dl_jupyter.enums import AnnotationType
from dl_jupyter.exceptions import BadRequestError

from .base import BaseAnnotationDefinition, Bounds
from .point import Point


class Pose(BaseAnnotationDefinition):
    """Template id plus instance id (a new uuid when not given); ``points`` are optional Points."""

    type = AnnotationType.POSE.value
    default_thickness = Point.default_thickness

    def __init__(
        self,
        label: str | None,
        template_id: str,
        instance_id: str | None = None,
        attributes: object = None,
        points: list[Point] | None = None,
        description: str | None = None,
    ):
        super().__init__(label, attributes, description)
        self.template_id = template_id
        self.instance_id = str(uuid.uuid4()) if instance_id is None else instance_id
        self.points = [] if points is None else list(points)

    def validate(self) -> None:
        super().validate()
        name = type(self).__name__
        if not isinstance(self.template_id, str) or not self.template_id:
            raise BadRequestError(
                f"{name} template_id must be a non-empty string, got {self.template_id!r}"
            )
        for point in self.points:
            if not isinstance(point, Point):
                raise BadRequestError(f"{name} points must be Point definitions, got {point!r}")

    @property
    def bounds(self) -> Bounds | None:
        if not self.points:
            return None
        xs, ys = [p.x for p in self.points], [p.y for p in self.points]
        return (min(xs), min(ys), max(xs), max(ys))

    def to_coordinates(self) -> dict[str, Any]:
        return {"templateId": self.template_id, "instanceId": self.instance_id}

    @classmethod
    def from_coordinates(
        cls,
        coordinates: object,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
        points: list[Point] | None = None,
    ) -> Pose:
        if not isinstance(coordinates, dict) or "templateId" not in coordinates:
            raise BadRequestError(
                f"pose coordinates must be {{templateId, instanceId}}, got {coordinates!r}"
            )
        return cls.unchecked(
            label,
            coordinates["templateId"],
            coordinates.get("instanceId"),
            attributes,
            points,
            description,
        )

    def _draw(self, draw: ImageDraw.ImageDraw, thickness: int) -> None:
        for point in self.points:
            point._draw(draw, thickness)

    def _fields(self) -> dict[str, Any]:
        return {
            "template_id": self.template_id,
            "instance_id": self.instance_id,
            "points": self.points,
        }
