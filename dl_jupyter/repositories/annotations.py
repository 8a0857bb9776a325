"""``item.annotations`` / ``dataset.annotations``: upload, list, get, update, delete, show.

Every write checks the geometry first (a two-point polygon or a negative box is refused
before anything is written) and every update carries the version it was read at, so a
stale copy fails with a conflict instead of overwriting someone else's edit.
Labels missing from the recipe are accepted, as the SDK does; the reprs flag them.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dl_jupyter import _hooks
from dl_jupyter._progress import progress as progress_bar
from dl_jupyter.dql.compile import as_query, compile_query
from dl_jupyter.dql.filters import describe_query
from dl_jupyter.entities.annotation import Annotation, AnnotationCollection
from dl_jupyter.enums import AnnotationStatus, ViewAnnotationOptions
from dl_jupyter.exceptions import BadRequestError, NotFoundError
from dl_jupyter.repositories import rows
from dl_jupyter.repositories.annotation_inserts import insert_annotation_rows, with_json_text
from dl_jupyter.repositories.base import Repository, chunks
from dl_jupyter.repositories.copying import recount_annotations
from dl_jupyter.repositories.permissions import Action
from dl_jupyter.store import schema
from dl_jupyter.store.timeutil import new_id, now_iso

a = schema.annotations
i = schema.items


def _as_list(annotations: Any) -> list[Annotation]:
    if isinstance(annotations, Annotation):
        return [annotations]
    if isinstance(annotations, AnnotationCollection):
        return list(annotations.annotations)
    if hasattr(annotations, "all") and callable(annotations.all):
        return list(annotations.all())
    if isinstance(annotations, Iterable) and not isinstance(annotations, (str, bytes, Mapping)):
        listed = list(annotations)
        if all(isinstance(x, Annotation) for x in listed):
            return listed
    raise BadRequestError(
        f"Upload annotations as a builder, a list of dl.Annotation or one dl.Annotation, "
        f"got {type(annotations).__name__}"
    )


class Annotations(Repository):
    """Annotations of one item, or of a dataset."""

    def __init__(
        self,
        client: Any,
        item: Any = None,
        item_id: str | None = None,
        dataset: Any = None,
        dataset_id: str | None = None,
    ) -> None:
        super().__init__(client)
        self.item = item
        self.item_id = getattr(item, "id", None) or item_id
        self.dataset_id = (
            getattr(dataset, "id", None) or dataset_id or getattr(item, "dataset_id", None)
        )

    def _item(self) -> Any:
        if self.item is None:
            if self.item_id is None:
                raise BadRequestError("This needs an item: use item.annotations")
            self.item = self.client.items_repo().get(item_id=self.item_id)
            self.dataset_id = self.item.dataset_id
        return self.item

    def _dataset_id(self) -> str:
        if self.dataset_id is None:
            if self.item_id is not None:
                return self._item().dataset_id
            raise BadRequestError(
                "This needs a dataset: use dataset.annotations or item.annotations"
            )
        return self.dataset_id

    def builder(self) -> AnnotationCollection:
        """An empty collection bound to the item; ``add`` definitions, then ``upload()``."""
        return AnnotationCollection(item=self._item())

    # -- writing -------------------------------------------------------------------------
    def upload(self, annotations: Any) -> AnnotationCollection:
        """Store new annotations on the item (annotations of another item are copied)."""
        entries = _as_list(annotations)
        item = self._item() if self.item_id is not None or self.item is not None else None
        if item is None:
            raise BadRequestError("Upload annotations through item.annotations")
        for entry in entries:
            if entry.annotation_definition is None:
                raise BadRequestError(
                    "An annotation needs an annotation_definition (dl.Box, dl.Polygon, ...)"
                )
            entry.annotation_definition.validate()
        user_now = now_iso()
        stored_ids: list[str] = []
        with self.store.write() as conn:
            user = self._require_dataset_write(conn, item.dataset_id, Action.WRITE_ANNOTATIONS)
            values = []
            # copies of another item's annotations keep their parent links, renumbered
            renamed = {entry.id: new_id() for entry in entries if entry.id}
            for entry in entries:
                annotation_id = renamed.get(entry.id) or new_id()
                stored_ids.append(annotation_id)
                values.append(
                    {
                        **rows.annotation_values(entry),
                        "id": annotation_id,
                        "item_id": item.id,
                        "dataset_id": item.dataset_id,
                        "creator": user,
                        "created_at": user_now,
                        "updated_by": user,
                        "updated_at": user_now,
                        "version": 1,
                    }
                )
            for value in values:
                value["parent_id"] = renamed.get(value["parent_id"], value["parent_id"])
            parents = {v["parent_id"] for v in values if v["parent_id"]} - set(stored_ids)
            if parents:
                found = set(
                    conn.execute(
                        sa.select(a.c.id).where(a.c.id.in_(parents), a.c.item_id == item.id)
                    ).scalars()
                )
                if parents - found:
                    raise BadRequestError(
                        f"Parent annotations not found on this item: {sorted(parents - found)}"
                    )
            for part in chunks(values, 500):
                conn.execute(a.insert(), list(part))
            recount_annotations(conn, [item.id])
        return self._collection(stored_ids)

    def bulk_insert(self, annotations: Iterable[Annotation], batch_size: int = 5000) -> int:
        """Store many new annotations (each with its ``item_id``) in one transaction.

        For imports at scale: geometries are validated, items must belong to this dataset,
        and the items' annotation counts are recomputed once at the end. Returns the count.
        """
        dataset_id = self._dataset_id()
        created = 0
        progress = progress_bar(desc="Insert Annotations", unit=" annotations")
        with self.store.write() as conn:
            user = self._require_dataset_write(conn, dataset_id, Action.WRITE_ANNOTATIONS)
            now = now_iso()
            audit = {
                "dataset_id": dataset_id,
                "creator": user,
                "created_at": now,
                "updated_by": user,
                "updated_at": now,
                "version": 1,
            }
            pending = iter(annotations)
            while batch := list(itertools.islice(pending, batch_size)):
                wanted = {entry.item_id for entry in batch}
                # by primary key alone: with the dataset in the condition too, SQLite may walk
                # the dataset's index instead, once per batch
                found = {
                    row.id
                    for row in conn.execute(
                        sa.select(i.c.id, i.c.dataset_id).where(i.c.id.in_(wanted))
                    )
                    if row.dataset_id == dataset_id
                }
                if wanted - found:
                    raise BadRequestError(
                        f"Items not in this dataset: {sorted(map(str, wanted - found))[:3]}"
                    )
                values = []
                for entry in batch:
                    entry.annotation_definition.validate()
                    row = with_json_text(rows.annotation_values(entry))
                    row.update(audit, id=new_id(), item_id=entry.item_id)
                    values.append(row)
                insert_annotation_rows(conn, values)
                created += len(values)
                progress.update(len(values))
            recount_annotations(conn, sa.select(i.c.id).where(i.c.dataset_id == dataset_id))
        progress.close()
        return created

    def _collection(self, ids: Sequence[str]) -> AnnotationCollection:
        with self.store.read() as conn:
            found = {}
            for part in chunks(list(ids)):
                found.update(
                    {row.id: row for row in conn.execute(sa.select(a).where(a.c.id.in_(part)))}
                )
        return AnnotationCollection(
            item=self.item,
            annotations=[rows.annotation(found[x], self.client, self.item) for x in ids],
        )

    def upload_file(self, item: Any, path: str) -> AnnotationCollection:
        """Upload a Dataloop JSON file's annotations (``{'annotations': [...]}``) to ``item``."""
        try:
            with open(path) as stream:
                data = json.load(stream)
        except (OSError, ValueError) as exc:
            raise BadRequestError(f"Cannot read annotation file {path}: {exc}") from None
        collection = AnnotationCollection.from_json(data, item=item)
        return (
            self.client.annotations_repo(item=item).upload(collection.annotations)
            if len(collection)
            else collection
        )

    def upload_from_folder(
        self, local_path: str, filters: Any = None, clean: bool = False, remote_root_path: str = "/"
    ) -> int:
        """Upload a folder of Dataloop JSON files, matched to items by path; returns files used."""
        root = Path(local_path).expanduser()
        if not root.is_dir():
            raise NotFoundError(f"Unknown local path: {local_path}")
        items = self.client.items_repo(dataset_id=self._dataset_id())
        prefix = "/" + remote_root_path.strip("/") if remote_root_path.strip("/") else ""
        used = 0
        for file in sorted(root.rglob("*.json")):
            relative = file.relative_to(root).as_posix()[: -len(".json")]
            try:
                item = items.get(filepath=f"{prefix}/{relative}")
            except NotFoundError:
                item = _item_by_stem(items, f"{prefix}/{relative}")
                if item is None:
                    continue
            if clean:
                self.client.annotations_repo(item=item).delete(
                    filters={"resource": "annotations", "filter": {}}
                )
            self.upload_file(item, str(file))
            used += 1
        return used

    def update(self, annotations: Any, system_metadata: bool = False) -> Any:
        """Write changed annotations; returns the stored annotation (or a list for several)."""
        entries = _as_list(annotations)
        updated = []
        with self.store.write() as conn:
            for entry in entries:
                if entry.id is None:
                    raise BadRequestError(
                        "Only uploaded annotations can be updated; upload it first"
                    )
                entry.annotation_definition.validate()
                dataset_id = entry.dataset_id or self._dataset_id()
                user = self._require_dataset_write(conn, dataset_id, Action.WRITE_ANNOTATIONS)
                values = rows.annotation_values(entry)
                if values["parent_id"]:
                    self._check_parent(conn, entry.id, values["parent_id"])
                result = conn.execute(
                    a.update()
                    .where(a.c.id == entry.id, a.c.version == entry.version)
                    .values(
                        **values, updated_by=user, updated_at=now_iso(), version=a.c.version + 1
                    )
                )
                self._check_version(result, f"Annotation {entry.id}")
                updated.append(entry.id)
        fresh = self._collection(updated).annotations
        for entry, stored in zip(entries, fresh):
            entry.version, entry.updated_at, entry.updated_by = (
                stored.version,
                stored.updated_at,
                stored.updated_by,
            )
        return fresh[0] if isinstance(annotations, Annotation) else fresh

    def update_from_df(self, df: Any, dry_run: bool = False) -> Any:
        """Write back a frame of annotations (labels and user metadata), refusing rows changed
        in the store since; ``dry_run=True`` only shows what would change."""
        return _hooks.call("frames.update_annotations", self, df, dry_run=dry_run)

    def _check_parent(self, conn: Connection, annotation_id: str, parent_id: str) -> None:
        """Refuse circular parenting (the SDK's rule) and parents that do not exist."""
        seen = {annotation_id}
        current: str | None = parent_id
        while current is not None:
            if current in seen:
                raise BadRequestError(
                    f"Circular parenting: {annotation_id} would be its own ancestor"
                )
            seen.add(current)
            row = conn.execute(sa.select(a.c.parent_id).where(a.c.id == current)).first()
            if row is None:
                raise BadRequestError(f"Parent annotation not found. Id: {current!r}")
            current = row.parent_id

    def update_status(
        self,
        annotation: Annotation | None = None,
        annotation_id: str | None = None,
        status: Any = AnnotationStatus.ISSUE,
    ) -> Annotation:
        """Set issue / approved / review, or clear the status."""
        try:
            value = AnnotationStatus(str(status))
        except ValueError:
            raise BadRequestError(
                f"Unknown annotation status {status!r}; use issue, approved, review or clear"
            ) from None
        annotation = annotation or self.get(annotation_id)
        with self.store.write() as conn:
            user = self._require_dataset_write(
                conn, annotation.dataset_id, Action.WRITE_ANNOTATIONS
            )
            conn.execute(
                a.update()
                .where(a.c.id == annotation.id)
                .values(
                    status=None if value == AnnotationStatus.CLEAR else value.value,
                    updated_by=user,
                    updated_at=now_iso(),
                    version=a.c.version + 1,
                )
            )
        return self.get(annotation.id)

    def delete(
        self,
        annotation: Annotation | None = None,
        annotation_id: str | None = None,
        filters: Any = None,
        version: int | None = None,
    ) -> bool:
        """Delete one annotation, or every annotation matching an annotation filter.

        ``version``: delete the one annotation only if it is still at that version (else a
        ConflictError), so a stale copy cannot delete someone else's newer edit.
        """
        if annotation is not None or annotation_id is not None:
            target = annotation or self.get(annotation_id)
            where, dataset_id = a.c.id == target.id, target.dataset_id
            if version is not None:
                where = sa.and_(where, a.c.version == version)
        elif filters is not None:
            if version is not None:
                raise BadRequestError("version applies to deleting one annotation, not a filter")
            dataset_id = self._dataset_id()
            compiled = compile_query(as_query(filters, "annotations"), self.dialect, dataset_id)
            if compiled.resource != "annotations":
                raise BadRequestError(
                    "Deleting annotations by filter needs resource=dl.FiltersResource.ANNOTATION"
                )
            where = sa.and_(a.c.dataset_id == dataset_id, compiled.where)
            if self.item_id is not None:
                where = sa.and_(where, a.c.item_id == self.item_id)
        else:
            raise BadRequestError("annotations.delete needs annotation, annotation_id or filters")
        with self.store.write() as conn:
            self._require_dataset_write(conn, dataset_id, Action.WRITE_ANNOTATIONS)
            touched = list(conn.execute(sa.select(a.c.item_id).where(where).distinct()).scalars())
            doomed = sa.select(a.c.id).where(where)
            conn.execute(a.update().where(a.c.parent_id.in_(doomed)).values(parent_id=None))
            deleted = conn.execute(a.delete().where(a.c.id.in_(sa.select(doomed.subquery().c.id))))
            if version is not None:
                self._check_version(deleted, f"Annotation {target.id}")
            for part in chunks(touched):
                recount_annotations(conn, list(part))
        return True

    # -- reading -------------------------------------------------------------------------
    def get(self, annotation_id: str) -> Annotation:
        with self.store.read() as conn:
            row = self._one(
                conn,
                sa.select(a).where(a.c.id == annotation_id),
                f"Annotation not found. Id: {annotation_id!r}",
            )
            project = self._project_of_dataset(conn, row.dataset_id)
            self.client.require(project.project_id, Action.READ, conn)
        return rows.annotation(row, self.client, self.item if self.item_id == row.item_id else None)

    def list(
        self, filters: Any = None, page_offset: int | None = None, page_size: int | None = None
    ) -> Any:
        """An item's annotations (a collection), or pages of a dataset's annotations by filter."""
        if self.item_id is not None and filters is None and page_offset is None:
            with self.store.read() as conn:
                result = conn.execute(
                    sa.select(a).where(a.c.item_id == self.item_id).order_by(a.c.created_at, a.c.id)
                ).all()
            item = self._item()
            return AnnotationCollection(
                item=item, annotations=[rows.annotation(r, self.client, item) for r in result]
            )
        query = as_query(filters, "annotations")
        if query.get("resource") != "annotations":
            raise BadRequestError(
                "annotations.list needs an annotation filter "
                "(resource=dl.FiltersResource.ANNOTATION)"
            )
        dataset_id = self._dataset_id()
        compiled = compile_query(query, self.dialect, dataset_id)
        where = sa.and_(a.c.dataset_id == dataset_id, compiled.where)
        if self.item_id is not None:
            where = sa.and_(where, a.c.item_id == self.item_id)
        return self._paged(
            a,
            where,
            compiled.order_by,
            lambda conn, result: [rows.annotation(r, self.client) for r in result],
            compiled.page if page_offset is None else page_offset,
            compiled.page_size if page_size is None else page_size,
            "annotations",
            describe=describe_query(query),
            to_df=self.client.frames("annotations"),
        )

    def show(
        self,
        image: Any = None,
        thickness: int = 1,
        with_text: bool = False,
        height: int | None = None,
        width: int | None = None,
        annotation_format: Any = ViewAnnotationOptions.MASK,
        alpha: float = 1,
    ) -> np.ndarray:
        """Draw all of the item's annotations, in the recipe's label colours."""
        collection = self.list()
        collection.colors = {k: v.rgb for k, v in self._item().dataset.labels_flat_dict.items()}
        label_ids = (
            self._item().dataset.instance_map if str(annotation_format) == "instance" else None
        )
        return collection.show(
            image=image,
            thickness=thickness,
            with_text=with_text,
            height=height,
            width=width,
            annotation_format=annotation_format,
            label_instance_dict=label_ids,
            alpha=alpha,
        )

    def download(
        self,
        filepath: str,
        annotation_format: Any = ViewAnnotationOptions.JSON,
        img_filepath: str | None = None,
        height: int | None = None,
        width: int | None = None,
        thickness: int = 1,
        with_text: bool = False,
        alpha: float = 1,
    ) -> str:
        """Write the item's annotations to ``filepath``: JSON, or a PNG mask/instance map."""
        from PIL import Image

        fmt = str(annotation_format)
        os.makedirs(os.path.dirname(os.path.abspath(filepath)), exist_ok=True)
        if fmt == ViewAnnotationOptions.JSON:
            with open(filepath, "w") as stream:
                json.dump(self.list().to_json(), stream, indent=2)
            return filepath
        image = None
        if fmt == ViewAnnotationOptions.ANNOTATION_ON_IMAGE:
            image = (
                np.asarray(Image.open(img_filepath).convert("RGBA"))
                if img_filepath
                else self._item().download(save_locally=False, to_array=True)
            )
        array = self.show(
            image=image,
            thickness=thickness,
            with_text=with_text,
            height=height,
            width=width,
            annotation_format=fmt,
            alpha=alpha,
        )
        Image.fromarray(np.asarray(array).astype(np.uint8)).save(filepath)
        return filepath


def _item_by_stem(items: Any, path: str) -> Any:
    """The item whose remote path is ``path`` plus an extension, if exactly one."""
    directory, stem = os.path.split(path)
    candidates = [
        x
        for x in items.list(filters={"filter": {"dir": directory or "/"}}).all()
        if os.path.splitext(x.name)[0] == stem
    ]
    return candidates[0] if len(candidates) == 1 else None
