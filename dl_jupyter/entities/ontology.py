"""Ontologies (labels and attributes) and recipes (an ontology plus instructions)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from dl_jupyter import _html
from dl_jupyter.entities import html
from dl_jupyter.entities.base import BaseEntity
from dl_jupyter.entities.labels import (
    Label,
    insert_label,
    iter_flat,
    label_from,
    make_attribute,
    remove_label,
)
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.store.timeutil import new_id


def _label_list(label_list: Any) -> list[Label]:
    if isinstance(label_list, (Label, str, dict)):
        return [label_from(label_list)]
    return [label_from(spec) for spec in label_list]


def _label_at(
    label_name: str | None,
    label: Label | None,
    color: Any,
    children: Any,
    attributes: Any,
    display_label: str | None,
    icon_path: str | None,
) -> tuple[str, Label]:
    """(dotted path, Label) from either a name with its fields or a ready Label."""
    if label is None:
        if label_name is None:
            raise BadRequestError("Give label_name or label")
        label = Label(
            tag=label_name,
            color=color,
            display_label=display_label,
            attributes=attributes or [],
            children=list(children or []),
        )
        path = label_name
    else:
        path = label.tag
    if icon_path:
        label.display_data["icon"] = icon_path
    return path, label


@dataclass(repr=False, eq=False)
class Ontology(BaseEntity):
    """Labels (a tree) and attributes; changes persist on ``update()``, or at once with
    ``update_ontology=True``."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "title")
    id: str = ""
    title: str = ""
    labels: list[Label] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    project_id: str | None = None
    creator: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    version: int = 1

    @property
    def attributes(self) -> list[dict]:
        return self.metadata.setdefault("attributes", [])

    @property
    def labels_flat_dict(self) -> dict[str, Label]:
        """Every label, children included, by its dotted path."""
        return dict(iter_flat(self.labels))

    @property
    def instance_map(self) -> dict[str, int]:
        """Label path -> integer id (1, 2, ...) for instance masks."""
        return {path: i for i, path in enumerate(self.labels_flat_dict, start=1)}

    @property
    def color_map(self) -> dict[str, tuple[int, int, int]]:
        return {path: label.rgb for path, label in self.labels_flat_dict.items()}

    # -- labels ------------------------------------------------------------------------
    def add_label(
        self,
        label_name: str | None = None,
        color: Any = None,
        children: Iterable | None = None,
        attributes: list | None = None,
        display_label: str | None = None,
        label: Label | None = None,
        add: bool = True,
        icon_path: str | None = None,
        update_ontology: bool = False,
    ) -> Label:
        """Add one label (dotted names create their parents); an existing label is kept."""
        path, label = _label_at(
            label_name, label, color, children, attributes, display_label, icon_path
        )
        added = insert_label(self.labels, path, label, upsert=False, add=add)
        if update_ontology:
            self.update()
        return added

    def add_labels(self, label_list: Any, update_ontology: bool = False) -> list[Label]:
        added = [self.add_label(label=lb) for lb in _label_list(label_list)]
        if update_ontology:
            self.update()
        return added

    def update_label(
        self,
        label_name: str | None = None,
        color: Any = None,
        children: Iterable | None = None,
        attributes: list | None = None,
        display_label: str | None = None,
        label: Label | None = None,
        add: bool = True,
        icon_path: str | None = None,
        upsert: bool = False,
        update_ontology: bool = False,
    ) -> Label:
        """Replace an existing label (``upsert=True`` adds it when missing)."""
        path, label = _label_at(
            label_name, label, color, children, attributes, display_label, icon_path
        )
        updated = insert_label(self.labels, path, label, upsert=upsert, add=False)
        if update_ontology:
            self.update()
        return updated

    def update_labels(
        self, label_list: Any, upsert: bool = False, update_ontology: bool = False
    ) -> list[Label]:
        updated = [self.update_label(label=lb, upsert=upsert) for lb in _label_list(label_list)]
        if update_ontology:
            self.update()
        return updated

    def delete_labels(self, label_names: Any) -> bool:
        """Remove labels by name (or Label); persists at once."""
        names = [label_names] if isinstance(label_names, (str, Label)) else list(label_names)
        for name in names:
            path = name.tag if isinstance(name, Label) else name
            if not remove_label(self.labels, path):
                raise BadRequestError(f"Label {path!r} is not in ontology {self.title!r}")
        self.update()
        return True

    # -- attributes --------------------------------------------------------------------
    def update_attributes(
        self,
        title: str | None,
        key: str,
        attribute_type: Any,
        scope: Any = None,
        optional: bool | None = None,
        values: list | None = None,
        attribute_range: Any = None,
    ) -> dict:
        """Add an attribute, or replace the one with the same key; persists at once."""
        attribute = make_attribute(
            key, title, attribute_type, scope, optional, values, attribute_range
        )
        kept = [a for a in self.attributes if a.get("key") != key]
        self.metadata["attributes"] = [*kept, attribute]
        self.update()
        return attribute

    def delete_attributes(self, keys: Any) -> bool:
        keys = [keys] if isinstance(keys, str) else list(keys)
        missing = [k for k in keys if k not in {a.get("key") for a in self.attributes}]
        if missing:
            raise BadRequestError(f"No such attribute keys in ontology {self.title!r}: {missing}")
        self.metadata["attributes"] = [a for a in self.attributes if a.get("key") not in keys]
        self.update()
        return True

    def attributes_for(self, label: str) -> list[dict]:
        """The attributes that apply to ``label`` (scope ``'*'`` or naming it)."""
        return [
            a for a in self.attributes if a.get("scope") == "*" or label in (a.get("scope") or [])
        ]

    # -- persistence -------------------------------------------------------------------
    def update(self, system_metadata: bool = False) -> Ontology:
        return self.client.ontologies_repo(project_id=self.project_id).update(self, system_metadata)

    def delete(self) -> bool:
        return self.client.ontologies_repo(project_id=self.project_id).delete(self.id)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "roots": [label.to_root() for label in self.labels],
            "metadata": self.metadata,
            "projectIds": [self.project_id] if self.project_id else [],
            "creator": self.creator,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }

    def _repr_html_(self) -> str:
        labels = "".join(f"<li>{lb._repr_html_()}</li>" for lb in self.labels)
        attrs = ", ".join(_html.esc(a.get("key")) for a in self.attributes) or "none"
        return (
            f"<div class='dl-ontology'><b>Ontology</b> {_html.esc(self.title)}"
            f"<ul>{labels}</ul><div>attributes: {attrs}</div></div>"
        )


@dataclass(repr=False, eq=False)
class Recipe(BaseEntity):
    """An ontology with labeling instructions; every dataset has a default one."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "title")
    id: str = ""
    title: str = ""
    project_id: str | None = None
    ontology_ids: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    creator: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    version: int = 1

    @property
    def project_ids(self) -> list[str]:
        return [self.project_id] if self.project_id else []

    @property
    def instructions(self) -> list:
        return self.metadata.setdefault("system", {}).setdefault("instructions", [])

    @property
    def ontologies(self) -> Any:
        return self.client.ontologies_repo(project_id=self.project_id, recipe=self)

    def get_ontology(self) -> Ontology:
        """The recipe's (first) ontology."""
        return self.ontologies.get(self.ontology_ids[0])

    def add_instruction(self, annotation_instruction_file: str) -> Recipe:
        self.instructions.append(str(annotation_instruction_file))
        return self.update()

    def create_annotation_template(self, template_name: str, points: list[str]) -> str:
        """Define a pose template (named points, in order); returns its id."""
        templates = self.metadata.setdefault("system", {}).setdefault("templates", [])
        if any(t["name"] == template_name for t in templates):
            raise BadRequestError(f"Recipe {self.title!r} already has a template {template_name!r}")
        template = {"id": new_id(), "name": template_name, "points": list(points)}
        templates.append(template)
        self.update()
        return template["id"]

    def get_annotation_template_id(self, template_name: str) -> str | None:
        templates = self.metadata.get("system", {}).get("templates", [])
        return next((t["id"] for t in templates if t["name"] == template_name), None)

    def update(self, system_metadata: bool = False) -> Recipe:
        return self.client.recipes_repo(project_id=self.project_id).update(self, system_metadata)

    def delete(self, force: bool = False) -> bool:
        return self.client.recipes_repo(project_id=self.project_id).delete(self.id, force=force)

    def clone(self, shallow: bool = False) -> Recipe:
        return self.client.recipes_repo(project_id=self.project_id).clone(
            recipe=self, shallow=shallow
        )

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "projectIds": self.project_ids,
            "ontologyIds": list(self.ontology_ids),
            "metadata": self.metadata,
            "creator": self.creator,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }

    def _repr_html_(self) -> str:
        return html.recipe_html(self)
