"""Annotations (a geometry, a label and metadata on one item) and the builder that collects them."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from dl_jupyter import _html
from dl_jupyter.entities import annotation_definitions as defs
from dl_jupyter.entities.base import BaseEntity
from dl_jupyter.enums import AnnotationStatus, ViewAnnotationOptions
from dl_jupyter.exceptions import BadRequestError


def _as_definition(definition: Any) -> defs.BaseAnnotationDefinition:
    if not isinstance(definition, defs.BaseAnnotationDefinition):
        raise BadRequestError(
            f"annotation_definition must be a dl annotation type (dl.Box, dl.Polygon, ...), "
            f"got {type(definition).__name__}"
        )
    return definition


@dataclass(repr=False, eq=False)
class Annotation(BaseEntity):
    """One annotation: a definition (geometry and label) on an item, with metadata and status."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "type", "label", "item_id")
    annotation_definition: Any = None
    id: str | None = None
    item_id: str | None = None
    dataset_id: str | None = None
    metadata: dict = field(default_factory=dict)
    status: str | None = None
    object_id: str | None = None
    parent_id: str | None = None
    automated: bool = False
    source: str = "ui"
    creator: str | None = None
    created_at: str | None = None
    updated_by: str | None = None
    updated_at: str | None = None
    version: int = 0
    item: Any = None
    frames: dict[int, Any] = field(default_factory=dict)
    item_height: int | None = None
    item_width: int | None = None

    # -- construction ------------------------------------------------------------------
    @classmethod
    def new(
        cls,
        item: Any = None,
        annotation_definition: Any = None,
        object_id: Any = None,
        automated: bool = True,
        metadata: dict | None = None,
        frame_num: int | None = None,
        parent_id: str | None = None,
        start_time: float | None = None,
        item_height: int | None = None,
        item_width: int | None = None,
        end_time: float | None = None,
        model_info: Mapping | None = None,
    ) -> Annotation:
        """A new annotation, not yet uploaded (``item.annotations.upload(...)``, ``.upload()``)."""
        metadata = copy.deepcopy(metadata) if metadata else {}
        if model_info is not None:
            info = dict(model_info)
            metadata.setdefault("user", {})["model"] = {
                "name": info.get("name"),
                "confidence": info.get("confidence"),
            }
        system = metadata.setdefault("system", {})
        for key, value in (("frame", frame_num), ("startTime", start_time), ("endTime", end_time)):
            if value is not None:
                system[key] = value
        annotation = cls(
            annotation_definition=None
            if annotation_definition is None
            else _as_definition(annotation_definition),
            item_id=getattr(item, "id", None),
            dataset_id=getattr(item, "dataset_id", None),
            metadata=metadata,
            object_id=None if object_id is None else str(object_id),
            parent_id=parent_id,
            automated=bool(automated),
            source="model" if automated and model_info is not None else "sdk",
            item=item,
            item_height=item_height,
            item_width=item_width,
            _client=getattr(item, "_client", None),
        )
        if annotation_definition is not None and frame_num is not None:
            annotation.frames[int(frame_num)] = annotation.annotation_definition
        return annotation

    # -- the definition's fields ---------------------------------------------------------
    def _definition(self) -> defs.BaseAnnotationDefinition:
        if self.annotation_definition is None:
            raise BadRequestError("This annotation has no annotation_definition yet")
        return self.annotation_definition

    @property
    def type(self) -> str:
        return self._definition().type

    @property
    def label(self) -> str | None:
        return self._definition().label

    @label.setter
    def label(self, label: str) -> None:
        if not isinstance(label, str) or not label:
            raise BadRequestError(f"A label must be a non-empty string, got {label!r}")
        self._definition().label = label

    @property
    def attributes(self) -> Any:
        """The 2.0 attributes dict (created empty on first use, so ``.update({...})`` works)."""
        definition = self._definition()
        if definition.attributes is None:
            definition.attributes = {}
        return definition.attributes

    @attributes.setter
    def attributes(self, attributes: Any) -> None:
        self._definition().attributes = attributes

    @property
    def description(self) -> str | None:
        return self._definition().description

    @property
    def geo(self) -> Any:
        return self._definition().geo

    @property
    def coordinates(self) -> Any:
        return self._definition().to_coordinates()

    def __getattr__(self, name: str) -> Any:
        # left/top/right/bottom/x/y/rx/ry/angle... come from the definition, as in the SDK
        if name.startswith("_") or name in ("annotation_definition",):
            raise AttributeError(name)
        definition = self.__dict__.get("annotation_definition")
        if definition is not None and hasattr(definition, name):
            return getattr(definition, name)
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    @property
    def user_metadata(self) -> dict:
        user = self.metadata.setdefault("user", {})
        return user if isinstance(user, dict) else {}

    @property
    def model_info(self) -> dict | None:
        model = self.user_metadata.get("model")
        return model if isinstance(model, dict) else None

    @property
    def score(self) -> float | None:
        info = self.model_info
        return None if info is None else info.get("confidence")

    @property
    def hash(self) -> str:
        """A content hash of type, label, coordinates and attributes."""
        definition = self._definition()
        content = json.dumps(
            [definition.type, definition.label, definition.to_coordinates(), definition.attributes],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha1(content.encode()).hexdigest()

    # -- JSON ----------------------------------------------------------------------------
    def to_json(self) -> dict:
        definition = self._definition()
        system = dict(self.metadata.get("system") or {})
        attributes = definition.attributes
        system.update(
            status=self.status,
            automated=self.automated,
            objectId=self.object_id,
            parentId=self.parent_id,
            system=definition.type == "item_description",
            attributes=attributes if isinstance(attributes, dict) else {},
        )
        metadata = {**self.metadata, "system": system}
        metadata.setdefault("user", {})
        data = {
            "id": self.id,
            "itemId": self.item_id,
            "datasetId": self.dataset_id,
            "type": definition.type,
            "label": definition.label,
            "attributes": list(attributes) if isinstance(attributes, list) else [],
            "metadata": metadata,
            "creator": self.creator,
            "createdAt": self.created_at,
            "updatedBy": self.updated_by,
            "updatedAt": self.updated_at,
            "source": self.source,
            "description": definition.description,
            "hash": self.hash,
        }
        coordinates = definition.to_coordinates()
        if coordinates is not None:
            data["coordinates"] = coordinates
        return data

    @classmethod
    def from_json(
        cls, _json: Mapping, item: Any = None, client_api: Any = None, **_ignored: Any
    ) -> Annotation:
        """An annotation from platform JSON; works without a store (``Annotation.from_json(d)``)."""
        if not isinstance(_json, Mapping) or "type" not in _json:
            raise BadRequestError("Annotation JSON needs at least a 'type'")
        metadata = copy.deepcopy(dict(_json.get("metadata") or {}))
        system = metadata.setdefault("system", {})
        attributes: Any = system.get("attributes") or _json.get("attributes") or None
        definition = defs.definition_from_coordinates(
            _json["type"],
            _json.get("coordinates"),
            label=_json.get("label"),
            attributes=attributes,
            description=_json.get("description"),
        )
        system.pop("attributes", None)
        system.pop("system", None)
        status = system.pop("status", None)
        return cls(
            annotation_definition=definition,
            id=_json.get("id"),
            item_id=_json.get("itemId", getattr(item, "id", None)),
            dataset_id=_json.get("datasetId", getattr(item, "dataset_id", None)),
            metadata=metadata,
            status=None if status in (None, AnnotationStatus.CLEAR) else status,
            object_id=_none_or_str(system.pop("objectId", None)),
            parent_id=system.pop("parentId", None),
            automated=bool(system.pop("automated", False)),
            source=_json.get("source") or "sdk",
            creator=_json.get("creator"),
            created_at=_json.get("createdAt"),
            updated_by=_json.get("updatedBy"),
            updated_at=_json.get("updatedAt"),
            item=item,
            _client=getattr(item, "_client", None),
        )

    # -- operations ----------------------------------------------------------------------
    def _repo(self) -> Any:
        if self.item is not None:
            return self.client.annotations_repo(item=self.item)
        return self.client.annotations_repo(item_id=self.item_id)

    def upload(self) -> Annotation:
        """Upload this new annotation to its item."""
        return self._repo().upload(self)[0]

    def update(self, system_metadata: bool = False) -> Annotation:
        """Write changes back; fails with a conflict if someone changed it since it was read."""
        return self._repo().update(self, system_metadata=system_metadata)

    def delete(self) -> bool:
        return self._repo().delete(annotation_id=self.id)

    def update_status(self, status: Any = AnnotationStatus.ISSUE) -> Annotation:
        return self._repo().update_status(annotation=self, status=status)

    def add_frame(
        self,
        annotation_definition: Any,
        frame_num: int | None = None,
        fixed: bool = True,
        object_visible: bool = True,
    ) -> None:
        """Add a key frame (video); the first frame's geometry is the annotation's own."""
        definition = _as_definition(annotation_definition)
        if self.annotation_definition is not None and definition.type != self.type:
            raise BadRequestError(
                f"A frame of a {self.type!r} annotation must be a {self.type!r} too"
            )
        frame = max(self.frames, default=-1) + 1 if frame_num is None else int(frame_num)
        self.frames[frame] = definition
        first = min(self.frames)
        self.annotation_definition = self.frames[first]
        system = self.metadata.setdefault("system", {})
        system["frame"] = first
        system["endFrame"] = max(self.frames)
        system["snapshots_"] = [
            {
                "frame": f,
                "fixed": fixed,
                "objectVisible": object_visible,
                "type": "transition",
                "data": d.to_coordinates(),
                "label": d.label,
            }
            for f, d in sorted(self.frames.items())
            if f != first
        ]

    def show(
        self,
        image: Any = None,
        thickness: int | None = None,
        with_text: bool = False,
        height: int | None = None,
        width: int | None = None,
        annotation_format: Any = ViewAnnotationOptions.MASK,
        color: Any = None,
        label_instance_dict: Mapping | None = None,
        alpha: float = 1,
        frame_num: int | None = None,
    ) -> np.ndarray:
        """Draw the annotation (an RGBA array for 'mask'); needs an image or height and width."""
        definition = (
            self.frames.get(frame_num, self._definition())
            if frame_num is not None
            else self._definition()
        )
        kwargs: dict[str, Any] = {}
        fmt = str(annotation_format)
        if fmt == ViewAnnotationOptions.INSTANCE:
            kwargs["instance_id"] = (label_instance_dict or {}).get(definition.label, 1)
        elif fmt == ViewAnnotationOptions.OBJECT_ID:
            kwargs["instance_id"] = int(self.object_id) if (self.object_id or "").isdigit() else 1
        return definition.show(
            image=image,
            thickness=thickness,
            with_text=with_text,
            height=height or self.item_height,
            width=width or self.item_width,
            annotation_format=fmt,
            color=color,
            alpha=alpha,
            **kwargs,
        )

    def __repr__(self) -> str:
        if self.annotation_definition is None:
            return f"Annotation(id={self.id!r}, type=None)"
        return (
            f"Annotation(id={self.id!r}, type={self.type!r}, label={self.label!r}, "
            f"item_id={self.item_id!r})"
        )

    def _html_rows(self) -> list[tuple[object, object]]:
        rows: list[tuple[object, object]] = [
            ("id", self.id),
            ("type", self.type),
            ("label", self.label),
        ]
        if self.status:
            rows.append(("status", self.status))
        if self.model_info:
            rows.append(("model", f"{self.model_info.get('name')} ({self.score})"))
        rows.append(("geometry", repr(self.annotation_definition)))
        return rows


def _none_or_str(value: Any) -> str | None:
    return None if value is None else str(value)


class AnnotationCollection:
    """Annotations of one item, built before upload (``item.annotations.builder()``) or listed."""

    def __init__(
        self,
        item: Any = None,
        annotations: Iterable[Annotation] | None = None,
        dataset: Any = None,
        colors: Mapping | None = None,
    ) -> None:
        self.item = item
        self.dataset = dataset
        self.colors = dict(colors or {})
        self.annotations: list[Annotation] = list(annotations or [])

    def add(
        self,
        annotation_definition: Any = None,
        object_id: Any = None,
        frame_num: int | None = None,
        end_frame_num: int | None = None,
        start_time: float | None = None,
        end_time: float | None = None,
        automated: bool = True,
        fixed: bool = True,
        object_visible: bool = True,
        metadata: dict | None = None,
        parent_id: str | None = None,
        model_info: Mapping | None = None,
        annotations_definition: Any = None,
    ) -> None:
        """Add one definition, or a list (as ``to_box()`` and ``from_segmentation`` give)."""
        definition = (
            annotation_definition if annotation_definition is not None else annotations_definition
        )
        if definition is None:
            raise BadRequestError("add() needs annotation_definition")
        if isinstance(definition, (list, tuple)):
            for one in definition:
                self.add(
                    one,
                    object_id,
                    frame_num,
                    end_frame_num,
                    start_time,
                    end_time,
                    automated,
                    fixed,
                    object_visible,
                    metadata,
                    parent_id,
                    model_info,
                )
            return
        definition = _as_definition(definition)
        definition.validate()
        if object_id is not None and frame_num is not None:
            for existing in self.annotations:
                if existing.object_id == str(object_id) and existing.type == definition.type:
                    existing.add_frame(
                        definition, frame_num, fixed=fixed, object_visible=object_visible
                    )
                    return
        annotation = Annotation.new(
            item=self.item,
            annotation_definition=definition,
            object_id=object_id,
            automated=automated,
            metadata=metadata,
            frame_num=frame_num,
            parent_id=parent_id,
            start_time=start_time,
            end_time=end_time,
            model_info=model_info,
        )
        if end_frame_num is not None:
            annotation.metadata.setdefault("system", {})["endFrame"] = end_frame_num
        if not object_visible:
            annotation.metadata.setdefault("system", {})["objectVisible"] = False
        self.annotations.append(annotation)

    def upload(self) -> AnnotationCollection:
        """Upload every annotation to the item; returns the stored annotations."""
        if self.item is None:
            raise BadRequestError("This collection has no item to upload to")
        return self.item.annotations.upload(self.annotations)

    def update(self, system_metadata: bool = True) -> AnnotationCollection:
        return AnnotationCollection(
            self.item, [a.update(system_metadata) for a in self.annotations]
        )

    def delete(self) -> bool:
        for annotation in self.annotations:
            annotation.delete()
        return True

    def get_frame(self, frame_num: int) -> AnnotationCollection:
        """The annotations visible at ``frame_num`` with that frame's geometry."""
        frame = []
        for annotation in self.annotations:
            if not annotation.frames:
                frame.append(annotation)
                continue
            keys = [f for f in sorted(annotation.frames) if f <= frame_num]
            if keys:
                shown = copy.copy(annotation)
                shown.annotation_definition = annotation.frames[keys[-1]]
                frame.append(shown)
        return AnnotationCollection(self.item, frame)

    def show(
        self,
        image: Any = None,
        thickness: int | None = None,
        with_text: bool = False,
        height: int | None = None,
        width: int | None = None,
        annotation_format: Any = ViewAnnotationOptions.MASK,
        label_instance_dict: Mapping | None = None,
        color: Any = None,
        alpha: float = 1,
        frame_num: int | None = None,
    ) -> np.ndarray:
        """Draw every annotation into one array (RGBA for 'mask', usable with ``Image.paste``)."""
        if image is None:
            height = height or getattr(self.item, "height", None)
            width = width or getattr(self.item, "width", None)
            if not height or not width:
                raise BadRequestError("show() needs an image, or height and width")
            channels = 4 if str(annotation_format) == ViewAnnotationOptions.MASK else 1
            canvas: np.ndarray = np.zeros(
                (height, width, channels) if channels > 1 else (height, width), dtype=np.uint8
            )
        else:
            canvas = np.asarray(image)
        if label_instance_dict is None and str(annotation_format) == ViewAnnotationOptions.INSTANCE:
            labels = sorted({a.label for a in self.annotations if a.label})
            label_instance_dict = {lb: i for i, lb in enumerate(labels, start=1)}
        for annotation in self.annotations:
            if annotation.type in ("class", "note", "item_description", "subtitle"):
                continue
            label_color = color or self.colors.get(annotation.label)
            canvas = annotation.show(
                image=canvas,
                thickness=thickness,
                with_text=with_text,
                annotation_format=annotation_format,
                color=label_color,
                label_instance_dict=label_instance_dict,
                alpha=alpha,
                frame_num=frame_num,
            )
        return canvas

    def to_json(self) -> dict:
        return {
            "_id": getattr(self.item, "id", None),
            "filename": getattr(self.item, "filename", None),
            "annotations": [a.to_json() for a in self.annotations],
        }

    @classmethod
    def from_json(cls, _json: Any, item: Any = None, **_ignored: Any) -> AnnotationCollection:
        """From a list of annotation JSON, or a Dataloop file (``{'annotations': [...]}``)."""
        entries = _json.get("annotations", []) if isinstance(_json, Mapping) else _json
        return cls(item=item, annotations=[Annotation.from_json(a, item=item) for a in entries])

    def from_instance_mask(
        self, mask: np.ndarray, instance_map: Mapping[str, int] | None = None
    ) -> None:
        """Add one Segmentation per label whose id appears in ``mask``."""
        if instance_map is None:
            instance_map = self.item.dataset.instance_map
        mask = np.asarray(mask)
        for label, value in instance_map.items():
            region = mask == value
            if region.any():
                self.add(defs.Segmentation(geo=region, label=label))

    def __iter__(self) -> Iterator[Annotation]:
        return iter(self.annotations)

    def __len__(self) -> int:
        return len(self.annotations)

    def __getitem__(self, index: int) -> Annotation:
        return self.annotations[index]

    def __repr__(self) -> str:
        labels = sorted({a.label or "" for a in self.annotations})
        item_id = getattr(self.item, "id", None)
        return f"AnnotationCollection(item={item_id!r}, count={len(self)}, labels={labels})"

    def print(self) -> None:
        for annotation in self.annotations:
            print(repr(annotation))

    def to_df(self) -> Any:
        import pandas as pd

        return pd.DataFrame([annotation_row(a) for a in self.annotations])

    def _repr_html_(self) -> str:
        missing = set(self._labels_missing_from_recipe())
        rows = "".join(
            f"<tr><td>{_html.esc(a.type)}</td><td>{_html.esc(a.label)}"
            + (" <b title='not in the recipe'>(not in recipe)</b>" if a.label in missing else "")
            + f"</td><td>{_html.esc(repr(a.annotation_definition))}</td></tr>"
            for a in self.annotations[:50]
        )
        more = f"<div>... {len(self) - 50} more</div>" if len(self) > 50 else ""
        return (
            f"<div class='dl-annotations'><b>{len(self)} annotations</b><table>"
            f"<tr><th>type</th><th>label</th><th>geometry</th></tr>{rows}</table>{more}</div>"
        )

    def _labels_missing_from_recipe(self) -> list[str]:
        if self.item is None or getattr(self.item, "_client", None) is None:
            return []
        known = set(self.item.dataset.labels_flat_dict)
        return sorted({a.label for a in self.annotations if a.label and a.label not in known})


def annotation_row(annotation: Annotation) -> dict:
    """One flat row describing an annotation, for DataFrames."""
    definition = annotation.annotation_definition
    bounds = getattr(definition, "bounds", None)
    row = {
        "id": annotation.id,
        "item_id": annotation.item_id,
        "type": annotation.type,
        "label": annotation.label,
        "status": annotation.status,
        "object_id": annotation.object_id,
        "parent_id": annotation.parent_id,
        "automated": annotation.automated,
        "score": annotation.score,
        "area": getattr(definition, "area", None),
        "left": bounds[0] if bounds else None,
        "top": bounds[1] if bounds else None,
        "right": bounds[2] if bounds else None,
        "bottom": bounds[3] if bounds else None,
        "creator": annotation.creator,
        "created_at": annotation.created_at,
        "updated_at": annotation.updated_at,
        "version": annotation.version,
    }
    for key, value in annotation.user_metadata.items():
        row[f"metadata.user.{key}"] = value
    return row
