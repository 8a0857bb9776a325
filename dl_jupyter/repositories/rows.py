"""Rows to entities and entities to rows: the one place that knows both shapes.

Items keep their filterable system metadata (mimetype, size, width, height) in columns and
the rest in the JSON; ``annotationStatus`` and ``refs`` come from ``item_refs``, ``statusLog``
from ``item_status_log``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Row

from dl_jupyter.entities import annotation_definitions as defs
from dl_jupyter.entities.annotation import Annotation
from dl_jupyter.entities.item import Item
from dl_jupyter.entities.labels import Label
from dl_jupyter.entities.ontology import Ontology, Recipe
from dl_jupyter.entities.project import Dataset, Project

ITEM_SYSTEM_COLUMNS = ("mimetype", "size", "width", "height")


def project(row: Row, client: Any, role: str | None = None) -> Project:
    return Project(
        id=row.id,
        name=row.name,
        creator=row.creator,
        created_at=row.created_at,
        updated_at=row.updated_at,
        metadata=dict(row.metadata or {}),
        role=role,
        version=row.version,
        _client=client,
    )


def dataset(row: Row, client: Any) -> Dataset:
    return Dataset(
        id=row.id,
        name=row.name,
        project_id=row.project_id,
        creator=row.creator,
        created_at=row.created_at,
        updated_at=row.updated_at,
        metadata=dict(row.metadata or {}),
        readonly=bool(row.readonly),
        recipe_ids=list(row.recipe_ids or []),
        clone_of=row.clone_of,
        version=row.version,
        _client=client,
    )


def ontology(row: Row, client: Any) -> Ontology:
    return Ontology(
        id=row.id,
        title=row.title,
        labels=[Label.from_root(r) for r in row.labels or []],
        metadata=dict(row.metadata or {}),
        project_id=row.project_id,
        creator=row.creator,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        _client=client,
    )


def recipe(row: Row, client: Any) -> Recipe:
    return Recipe(
        id=row.id,
        title=row.title,
        project_id=row.project_id,
        ontology_ids=list(row.ontology_ids or []),
        metadata=dict(row.metadata or {}),
        creator=row.creator,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        _client=client,
    )


def item(
    row: Row, client: Any, refs: list[dict] | None = None, status_log: list[dict] | None = None
) -> Item:
    # one dict of the row: attribute access on a Row costs several times more, per field
    v = dict(zip(row._fields, row))
    metadata = dict(v["metadata"] or {})  # decoded afresh for this row: nothing shared to copy
    system = metadata["system"] = dict(metadata.get("system") or {})
    for column in ITEM_SYSTEM_COLUMNS:
        if v[column] is not None:
            system[column] = v[column]
    if refs is not None:
        system["refs"] = [
            {"type": r["type"], "id": r["id"], "metadata": {"status": r["status"]}}
            if r.get("status")
            else {"type": r["type"], "id": r["id"]}
            for r in refs
        ]
        system["annotationStatus"] = sorted({r["status"] for r in refs if r.get("status")})
    if status_log:  # items that never had a status in a task keep no (empty) log
        system["statusLog"] = status_log
    return Item(
        id=v["id"],
        dataset_id=v["dataset_id"],
        filename=v["filename"],
        dir=v["dir"],
        name=v["name"],
        type=v["type"],
        hidden=bool(v["hidden"]),
        metadata=metadata,
        description=v["description"],
        annotations_count=v["annotations_count"],
        creator=v["creator"],
        created_at=v["created_at"],
        updated_by=v["updated_by"],
        updated_at=v["updated_at"],
        src_item_id=v["src_item_id"],
        blob=v["blob"],
        link=v["link"],
        version=v["version"],
        _client=client,
    )


def split_item_metadata(metadata: Mapping) -> tuple[dict, dict]:
    """(column values, JSON to store) from an item's full metadata."""
    stored = copy.deepcopy(dict(metadata or {}))
    system = stored.setdefault("system", {})
    columns = {c: system.pop(c, None) for c in ITEM_SYSTEM_COLUMNS}
    system.pop("refs", None)
    system.pop("annotationStatus", None)
    system.pop("statusLog", None)
    return columns, stored


def annotation(row: Row, client: Any, item_entity: Any = None) -> Annotation:
    v = dict(zip(row._fields, row))  # see item(): cheaper than attribute access per field
    metadata = dict(v["metadata"] or {})
    definition = defs.definition_from_coordinates(
        v["type"],
        v["coordinates"],
        label=v["label"],
        attributes=v["attributes"],
        description=v["description"],
    )
    return Annotation(
        annotation_definition=definition,
        id=v["id"],
        item_id=v["item_id"],
        dataset_id=v["dataset_id"],
        metadata=metadata,
        status=v["status"],
        object_id=v["object_id"],
        parent_id=v["parent_id"],
        automated=bool(v["automated"]),
        source=metadata.get("system", {}).get("source", "sdk"),
        creator=v["creator"],
        created_at=v["created_at"],
        updated_by=v["updated_by"],
        updated_at=v["updated_at"],
        version=v["version"],
        item=item_entity,
        _client=client,
    )


def annotation_values(entity: Annotation) -> dict:
    """The annotation's column values (everything but ids and audit fields)."""
    definition = entity.annotation_definition
    bounds = definition.bounds
    model = entity.model_info or {}
    metadata = dict(entity.metadata)
    system = metadata["system"] = dict(metadata.get("system") or {})
    for key in ("status", "automated", "objectId", "parentId", "attributes", "system"):
        system.pop(key, None)
    system["source"] = entity.source
    confidence = model.get("confidence")
    area = definition.area
    return {
        "type": definition.type,
        "label": definition.label,
        "coordinates": definition.to_coordinates(),
        "attributes": definition.attributes,
        "status": entity.status,
        "object_id": entity.object_id,
        "parent_id": entity.parent_id,
        "automated": bool(entity.automated),
        "model_name": model.get("name"),
        "score": float(confidence) if isinstance(confidence, (int, float)) else None,
        "x0": bounds[0] if bounds else None,
        "y0": bounds[1] if bounds else None,
        "x1": bounds[2] if bounds else None,
        "y1": bounds[3] if bounds else None,
        "area": float(area) if area is not None else None,
        "description": definition.description,
        "metadata": metadata,
    }


def box_values(
    label: str | None,
    left: float,
    top: float,
    right: float,
    bottom: float,
    system: dict,
    source: str = "sdk",
) -> dict:
    """``annotation_values`` of a plain, unrotated Box without building entities: what bulk
    imports of millions of boxes write (``system`` is its metadata.system, without 'source')."""
    return {
        "type": "box",
        "label": label,
        "coordinates": [
            {"x": float(left), "y": float(top), "z": 0},
            {"x": float(right), "y": float(bottom), "z": 0},
        ],
        "attributes": None,
        "status": None,
        "object_id": None,
        "parent_id": None,
        "automated": False,
        "model_name": None,
        "score": None,
        "x0": left,
        "y0": top,
        "x1": right,
        "y1": bottom,
        "area": float((right - left) * (bottom - top)),
        "description": None,
        "metadata": {"system": {**system, "source": source}, "user": {}},
    }
