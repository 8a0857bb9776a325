"""Projects (the top container, with members and roles) and datasets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from dl_jupyter import _hooks
from dl_jupyter.dql.filters import Filters
from dl_jupyter.entities import html
from dl_jupyter.entities.base import BaseEntity
from dl_jupyter.entities.labels import Label
from dl_jupyter.enums import MemberRole


@dataclass(repr=False, eq=False)
class Project(BaseEntity):
    """A project: datasets, recipes and tasks shared by its members."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "name", "creator", "created_at")
    id: str = ""
    name: str = ""
    creator: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    metadata: dict = field(default_factory=dict)
    role: str | None = None
    version: int = 1

    @property
    def datasets(self) -> Any:
        return self.client.datasets_repo(project=self)

    @property
    def recipes(self) -> Any:
        return self.client.recipes_repo(project_id=self.id)

    @property
    def ontologies(self) -> Any:
        return self.client.ontologies_repo(project_id=self.id)

    @property
    def tasks(self) -> Any:
        return self.client.tasks_repo(project=self)

    @property
    def assignments(self) -> Any:
        return self.client.assignments_repo(project=self)

    @property
    def contributors(self) -> list[dict]:
        return self.list_members()

    def add_member(self, email: str, role: Any = MemberRole.DEVELOPER) -> dict:
        return self.client.projects_repo().add_member(email=email, project_id=self.id, role=role)

    def update_member(self, email: str, role: Any = MemberRole.DEVELOPER) -> dict:
        return self.client.projects_repo().update_member(email=email, project_id=self.id, role=role)

    def remove_member(self, email: str) -> bool:
        return self.client.projects_repo().remove_member(email=email, project_id=self.id)

    def list_members(self, role: Any = None) -> list[dict]:
        return self.client.projects_repo().list_members(project=self, role=role)

    def update(self, system_metadata: bool = False) -> Project:
        return self.client.projects_repo().update(project=self, system_metadata=system_metadata)

    def delete(self, sure: bool = False, really: bool = False) -> bool:
        return self.client.projects_repo().delete(project_id=self.id, sure=sure, really=really)

    def checkout(self) -> None:
        self.client.projects_repo().checkout(project=self)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "creator": self.creator,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "metadata": self.metadata,
            "role": self.role,
        }

    def _repr_html_(self) -> str:
        return html.project_html(self)


@dataclass(repr=False, eq=False)
class Dataset(BaseEntity):
    """A collection of items with their metadata and annotations, organised in folders."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "name", "creator", "items_count", "created_at")
    id: str = ""
    name: str = ""
    project_id: str = ""
    creator: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    metadata: dict = field(default_factory=dict)
    readonly: bool = False
    recipe_ids: list[str] = field(default_factory=list)
    clone_of: str | None = None
    version: int = 1

    # -- repositories ------------------------------------------------------------------
    @property
    def items(self) -> Any:
        return self.client.items_repo(dataset=self)

    @property
    def annotations(self) -> Any:
        return self.client.annotations_repo(dataset=self)

    @property
    def recipes(self) -> Any:
        return self.client.recipes_repo(project_id=self.project_id, dataset=self)

    @property
    def ontologies(self) -> Any:
        return self.client.ontologies_repo(project_id=self.project_id)

    @property
    def tasks(self) -> Any:
        return self.client.tasks_repo(dataset=self)

    @property
    def assignments(self) -> Any:
        return self.client.assignments_repo(dataset=self)

    @property
    def project(self) -> Any:
        return self.client.projects_repo().get(project_id=self.project_id)

    @property
    def items_count(self) -> int:
        return self.items.count()

    @property
    def annotated(self) -> int:
        return self.items.count(annotated=True)

    # -- the default recipe's labels -----------------------------------------------------
    def get_recipe(self, recipe_id: str | None = None) -> Any:
        return self.recipes.get(recipe_id or self.recipe_ids[0])

    def _ontology(self, recipe_id: str | None = None, ontology_id: str | None = None) -> Any:
        if ontology_id is not None:
            return self.ontologies.get(ontology_id)
        return self.get_recipe(recipe_id).get_ontology()

    @property
    def ontology_ids(self) -> list[str]:
        return self.get_recipe().ontology_ids

    @property
    def labels(self) -> list[Label]:
        return self._ontology().labels

    @property
    def labels_flat_dict(self) -> dict[str, Label]:
        return self._ontology().labels_flat_dict

    @property
    def instance_map(self) -> dict[str, int]:
        return self._ontology().instance_map

    def add_label(
        self,
        label_name: str | None = None,
        color: Any = None,
        children: Any = None,
        attributes: Any = None,
        display_label: str | None = None,
        label: Label | None = None,
        recipe_id: str | None = None,
        ontology_id: str | None = None,
        icon_path: str | None = None,
    ) -> Label:
        """Add a label to the dataset's recipe (dotted names make a hierarchy)."""
        ontology = self._ontology(recipe_id, ontology_id)
        added = ontology.add_label(
            label_name=label_name,
            color=color,
            children=children,
            attributes=attributes,
            display_label=display_label,
            label=label,
            icon_path=icon_path,
        )
        ontology.update()
        return added

    def add_labels(
        self, label_list: Any, ontology_id: str | None = None, recipe_id: str | None = None
    ) -> list[Label]:
        ontology = self._ontology(recipe_id, ontology_id)
        added = ontology.add_labels(label_list)
        ontology.update()
        return added

    def update_label(
        self,
        label_name: str | None = None,
        color: Any = None,
        children: Any = None,
        attributes: Any = None,
        display_label: str | None = None,
        label: Label | None = None,
        recipe_id: str | None = None,
        ontology_id: str | None = None,
        upsert: bool = False,
        icon_path: str | None = None,
    ) -> Label:
        ontology = self._ontology(recipe_id, ontology_id)
        updated = ontology.update_label(
            label_name=label_name,
            color=color,
            children=children,
            attributes=attributes,
            display_label=display_label,
            label=label,
            upsert=upsert,
            icon_path=icon_path,
        )
        ontology.update()
        return updated

    def update_labels(
        self,
        label_list: Any,
        ontology_id: str | None = None,
        recipe_id: str | None = None,
        upsert: bool = False,
    ) -> list[Label]:
        ontology = self._ontology(recipe_id, ontology_id)
        updated = ontology.update_labels(label_list, upsert=upsert)
        ontology.update()
        return updated

    def delete_labels(
        self, label_names: Any, ontology_id: str | None = None, recipe_id: str | None = None
    ) -> bool:
        return self._ontology(recipe_id, ontology_id).delete_labels(label_names)

    def update_attributes(
        self,
        title: str | None,
        key: str,
        attribute_type: Any,
        recipe_id: str | None = None,
        ontology_id: str | None = None,
        scope: Any = None,
        optional: bool | None = None,
        values: Any = None,
        attribute_range: Any = None,
    ) -> dict:
        return self._ontology(recipe_id, ontology_id).update_attributes(
            title, key, attribute_type, scope, optional, values, attribute_range
        )

    def delete_attributes(
        self, keys: Any, recipe_id: str | None = None, ontology_id: str | None = None
    ) -> bool:
        return self._ontology(recipe_id, ontology_id).delete_attributes(keys)

    def switch_recipe(self, recipe_id: str | None = None, recipe: Any = None) -> Dataset:
        return self.client.datasets_repo(project_id=self.project_id).switch_recipe(
            dataset=self, recipe_id=recipe.id if recipe is not None else recipe_id
        )

    # -- lifecycle ---------------------------------------------------------------------
    def _repo(self) -> Any:
        return self.client.datasets_repo(project_id=self.project_id)

    def update(self, system_metadata: bool = False, patch: dict | None = None) -> Dataset:
        return self._repo().update(dataset=self, system_metadata=system_metadata, patch=patch)

    def delete(self, sure: bool = False, really: bool = False) -> bool:
        return self._repo().delete(dataset_id=self.id, sure=sure, really=really)

    def clone(
        self,
        clone_name: str,
        filters: Any = None,
        with_items_annotations: bool = True,
        with_metadata: bool = True,
        with_task_annotations_status: bool = True,
        dataset_id: str | None = None,
    ) -> Dataset:
        return self._repo().clone(
            dataset_id=self.id,
            clone_name=clone_name,
            filters=filters,
            with_items_annotations=with_items_annotations,
            with_metadata=with_metadata,
            with_task_annotations_status=with_task_annotations_status,
        )

    def set_readonly(self, state: bool) -> None:
        self._repo().set_readonly(state=state, dataset=self)

    def directory_tree(self) -> Any:
        return self._repo().directory_tree(dataset=self)

    def checkout(self) -> None:
        self._repo().checkout(dataset=self)

    def download(
        self,
        filters: Any = None,
        local_path: str | None = None,
        file_types: Any = None,
        annotation_options: Any = None,
        annotation_filters: Any = None,
        overwrite: bool = False,
        to_items_folder: bool = True,
        thickness: int = 1,
        with_text: bool = False,
        without_relative_path: Any = None,
        alpha: float = 1,
        export_version: Any = None,
        save_locally: bool = True,
    ) -> str:
        """Download items and their annotation JSON to ``local_path``; returns the folder."""
        return self.items.download(
            filters=filters,
            local_path=local_path,
            file_types=file_types,
            annotation_options=annotation_options,
            annotation_filters=annotation_filters,
            overwrite=overwrite,
            to_items_folder=to_items_folder,
            thickness=thickness,
            with_text=with_text,
            without_relative_path=without_relative_path,
            alpha=alpha,
            export_version=export_version,
            return_folder=True,
        )

    def download_folder(
        self, folder_path: str, filters: Any = None, local_path: str | None = None, **options: Any
    ) -> str:
        """``download`` of the items under the dataset folder ``folder_path`` (recursive);
        takes the same options (``save_locally`` included, as the SDK's snippets pass it)."""
        chosen = filters if filters is not None else Filters()
        chosen.add(field="filename", values=folder_path.rstrip("/") + "/**")
        return self.download(filters=chosen, local_path=local_path, **options)

    def download_annotations(
        self,
        local_path: str | None = None,
        filters: Any = None,
        annotation_options: Any = None,
        annotation_filters: Any = None,
        overwrite: bool = False,
        thickness: int = 1,
        with_text: bool = False,
        remote_path: Any = None,
        include_annotations_in_output: bool = True,
        export_png_files: bool = False,
        filter_output_annotations: bool = False,
        alpha: float = 1,
        export_version: Any = None,
    ) -> str:
        """Download only the annotation JSON files (no binaries); returns the folder."""
        return self.items.download(
            filters=filters,
            local_path=local_path,
            annotation_options=annotation_options or "json",
            annotation_filters=annotation_filters,
            overwrite=overwrite,
            thickness=thickness,
            with_text=with_text,
            alpha=alpha,
            export_version=export_version,
            return_folder=True,
            with_binaries=False,
        )

    def upload_annotations(
        self,
        local_path: str,
        filters: Any = None,
        clean: bool = False,
        remote_root_path: str = "/",
        export_version: Any = None,
    ) -> Any:
        return self.annotations.upload_from_folder(
            local_path=local_path, filters=filters, clean=clean, remote_root_path=remote_root_path
        )

    # -- other tools' formats (dl_jupyter.formats) -------------------------------------------
    def import_from(self, path: str, format: Any, **options: Any) -> Any:
        """Import a file or folder in ``format`` ('coco', 'label_studio', 'yolo', ...) into this
        dataset; returns the import report (what was imported, what was skipped and why)."""
        return _hooks.call("formats.import", self, path, format=format, **options)

    def export_to(self, path: str, format: Any, filters: Any = None, **options: Any) -> Any:
        """Export the items matching ``filters`` with their annotations to ``path`` in ``format``;
        returns the export report."""
        return _hooks.call("formats.export", self, path, format=format, filters=filters, **options)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "projects": [self.project_id],
            "creator": self.creator,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "metadata": self.metadata,
            "readonly": self.readonly,
            "cloneOf": self.clone_of,
            "recipes": list(self.recipe_ids),
        }

    def widget(self, filters: Any = None, **options: Any) -> Any:
        """A gallery of the dataset's items (those matching ``filters``)."""
        return _hooks.call("view.gallery", self, filters=filters, **options)

    def annotate(self, filters: Any = None, **kwargs: Any) -> Any:
        """An annotator over the dataset's items (those matching ``filters``), one at a time;
        reopening it resumes where you stopped (see ``dl.Annotator`` for the options)."""
        return _hooks.call("view.annotator", self, filters=filters, **kwargs)

    def show(self, filters: Any = None, **options: Any) -> None:
        """Display ``widget()`` in the notebook."""
        html.display(self.widget(filters=filters, **options))

    def _repr_html_(self) -> str:
        return html.dataset_html(self)
