"""Note: a box carrying a discussion thread (type 'note'); default filters leave notes out."""

from __future__ import annotations

import time
from typing import Any

from dl_jupyter.enums import AnnotationType
from dl_jupyter.exceptions import BadRequestError

from .box import Box, corners_from_coordinates


class Note(Box):
    """A Box plus ``messages`` (``{id, creator, time, body}`` dicts), status, creator, assignee."""

    type = AnnotationType.NOTE.value

    def __init__(
        self,
        left: float,
        top: float,
        right: float,
        bottom: float,
        label: str | None,
        attributes: object = None,
        messages: list | None = None,
        status: str | None = "issue",
        assignee: str | None = None,
        create_time: int | None = None,
        creator: str | None = None,
        description: str | None = None,
    ):
        super().__init__(left, top, right, bottom, label, attributes, description)
        self.creator = creator
        self.assignee = creator if assignee is None else assignee
        self.status = status
        self.create_time = create_time
        self.messages: list[dict[str, Any]] = []
        for message in messages or []:
            if isinstance(message, dict):
                self.messages.append(dict(message))
            else:
                self.add_message(message)

    def add_message(self, body: str, creator: str | None = None) -> dict[str, Any]:
        """Append a message stamped now (milliseconds), by ``creator`` or the note's creator."""
        message = {
            "id": None,
            "creator": self.creator if creator is None else creator,
            "time": int(time.time() * 1000),
            "body": body,
        }
        self.messages.append(message)
        return message

    def validate(self) -> None:
        super().validate()
        for message in self.messages:
            if not isinstance(message.get("body"), str):
                raise BadRequestError(
                    f"Note message body must be a string, got {message.get('body')!r}"
                )

    def to_coordinates(self) -> dict[str, Any]:
        return {
            "box": super().to_coordinates(),
            "note": {
                "messages": [dict(message) for message in self.messages],
                "status": self.status,
                "createTime": self.create_time,
                "creator": self.creator,
                "assignee": self.assignee,
            },
        }

    @classmethod
    def from_coordinates(
        cls,
        coordinates: object,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
    ) -> Note:
        if not isinstance(coordinates, dict) or "box" not in coordinates:
            raise BadRequestError(f"note coordinates must be {{box, note}}, got {coordinates!r}")
        xs, ys, angle = corners_from_coordinates(coordinates["box"])
        note = coordinates.get("note") or {}
        instance = cls.unchecked(
            min(xs),
            min(ys),
            max(xs),
            max(ys),
            label,
            attributes,
            messages=note.get("messages"),
            status=note.get("status"),
            assignee=note.get("assignee"),
            create_time=note.get("createTime"),
            creator=note.get("creator"),
            description=description,
        )
        instance.angle = angle
        return instance

    def _fields(self) -> dict[str, Any]:
        return {
            **super()._fields(),
            "messages": self.messages,
            "status": self.status,
            "assignee": self.assignee,
            "create_time": self.create_time,
            "creator": self.creator,
        }
