"""Items: files (or folders) of a dataset, with system and user metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from dl_jupyter import _hooks
from dl_jupyter.entities import html
from dl_jupyter.entities.base import BaseEntity


@dataclass(repr=False, eq=False)
class Item(BaseEntity):
    """One file of a dataset (``type='file'``) or a folder (``type='dir'``)."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = (
        "id", "dataset_id", "filename", "name", "type", "created_at", "creator",
        "annotations_count",
    )  # fmt: skip
    id: str = ""
    dataset_id: str = ""
    filename: str = "/"
    dir: str = "/"
    name: str = ""
    type: str = "file"
    hidden: bool = False
    metadata: dict = field(default_factory=dict)
    description: str | None = None
    annotations_count: int = 0
    creator: str | None = None
    created_at: str | None = None
    updated_by: str | None = None
    updated_at: str | None = None
    src_item_id: str | None = None
    blob: str | None = None
    link: str | None = None
    version: int = 1

    # -- system metadata shortcuts ----------------------------------------------------------
    @property
    def system(self) -> dict:
        return self.metadata.setdefault("system", {})

    @property
    def mimetype(self) -> str | None:
        return self.system.get("mimetype")

    @property
    def width(self) -> int | None:
        return self.system.get("width")

    @property
    def height(self) -> int | None:
        return self.system.get("height")

    @property
    def size(self) -> int | None:
        return self.system.get("size")

    @property
    def fps(self) -> float | None:
        return self.system.get("fps")

    @property
    def annotated(self) -> bool:
        return self.annotations_count > 0

    @property
    def filepath(self) -> str:
        return self.filename

    # -- repositories ------------------------------------------------------------------
    @property
    def annotations(self) -> Any:
        return self.client.annotations_repo(item=self)

    @property
    def dataset(self) -> Any:
        return self.client.datasets_repo().get(dataset_id=self.dataset_id)

    def _repo(self) -> Any:
        return self.client.items_repo(dataset_id=self.dataset_id)

    # -- operations ----------------------------------------------------------------------
    def update(self, system_metadata: bool = False) -> Item:
        """Write this item's changed metadata, name and description back; returns the item."""
        return self._repo().update(item=self, system_metadata=system_metadata)

    def delete(self) -> bool:
        return self._repo().delete(item_id=self.id)

    def move(self, new_path: str) -> Item:
        """Move to another folder (``'/dir/'``) or to a new full path (``'/dir/name.jpg'``)."""
        return self._repo().move(item=self, new_path=new_path)

    def clone(
        self,
        dst_dataset_id: str | None = None,
        remote_filepath: str | None = None,
        metadata: dict | None = None,
        with_annotations: bool = True,
        with_metadata: bool = True,
        with_task_annotations_status: bool = False,
        allow_many: bool = False,
        wait: bool = True,
    ) -> Item:
        return self._repo().clone(
            item_id=self.id,
            dst_dataset_id=dst_dataset_id or self.dataset_id,
            remote_filepath=remote_filepath,
            metadata=metadata,
            with_annotations=with_annotations,
            with_metadata=with_metadata,
            allow_many=allow_many,
        )

    def set_description(self, text: str | None) -> Item:
        """Set the item's description; None or '' deletes it."""
        self.description = text or None
        return self.update()

    def update_status(self, status: str, clear: bool = False) -> bool:
        return self._repo().update_status(status=status, items=[self], clear=clear)

    def download(
        self,
        local_path: str | None = None,
        file_types: Any = None,
        save_locally: bool = True,
        to_array: bool = False,
        annotation_options: Any = None,
        overwrite: bool = False,
        to_items_folder: bool = True,
        thickness: int = 1,
        with_text: bool = False,
        annotation_filters: Any = None,
        alpha: float = 1,
        export_version: Any = None,
    ) -> Any:
        """The binary: a file path, a BytesIO (``save_locally=False``) or an array."""
        return self._repo().download_item(
            item=self,
            local_path=local_path,
            save_locally=save_locally,
            to_array=to_array,
            annotation_options=annotation_options,
            overwrite=overwrite,
            to_items_folder=to_items_folder,
            thickness=thickness,
            with_text=with_text,
            annotation_filters=annotation_filters,
            alpha=alpha,
        )

    def open(self) -> Any:
        """The binary as an open file object (read it, then close it)."""
        return self._repo().open_binary(self)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "datasetId": self.dataset_id,
            "createdAt": self.created_at,
            "creator": self.creator,
            "updatedAt": self.updated_at,
            "updatedBy": self.updated_by,
            "dir": self.dir,
            "filename": self.filename,
            "name": self.name,
            "type": self.type,
            "hidden": self.hidden,
            "metadata": self.metadata,
            "description": self.description,
            "annotationsCount": self.annotations_count,
            "annotated": self.annotated,
        }

    def _html_rows(self) -> list[tuple[object, object]]:
        rows: list[tuple[object, object]] = [
            ("id", self.id),
            ("filename", self.filename),
            ("type", self.mimetype or self.type),
        ]
        if self.width:
            rows.append(("size", f"{self.width} x {self.height}"))
        rows += [
            ("annotations", self.annotations_count),
            ("created", f"{self.created_at} by {self.creator}"),
        ]
        user = self.metadata.get("user")
        if user:
            rows += [(f"metadata.user.{k}", v) for k, v in list(user.items())[:20]]
        return rows

    def widget(self, **options: Any) -> Any:
        """The item, large, with its annotations drawn over it."""
        return _hooks.call("view.item", self, **options)

    def annotate(self, **kwargs: Any) -> Any:
        """An annotator widget on this item (see ``dl.Annotator`` for the options)."""
        return _hooks.call("view.annotator", self, **kwargs)

    def show(self, **options: Any) -> None:
        """Display ``widget()`` in the notebook."""
        html.display(self.widget(**options))

    def _repr_html_(self) -> str:
        return html.item_html(self, self._html_rows())
