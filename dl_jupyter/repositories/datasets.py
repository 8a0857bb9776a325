"""``project.datasets``: datasets with a default recipe; clone, merge, folders, read-only mode."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from dl_jupyter.dql.compile import as_query, compile_query
from dl_jupyter.entities.project import Dataset
from dl_jupyter.exceptions import BadRequestError, ConflictError, ForbiddenError, NotFoundError
from dl_jupyter.repositories import rows
from dl_jupyter.repositories.base import Repository
from dl_jupyter.repositories.copying import CopyOptions, copy_items
from dl_jupyter.repositories.folders import ensure_dirs
from dl_jupyter.repositories.permissions import Action
from dl_jupyter.repositories.recipes import Ontologies, Recipes
from dl_jupyter.store import schema
from dl_jupyter.store.timeutil import new_id, now_iso

d = schema.datasets


@dataclass
class DirectoryTree:
    """The folders of a dataset: ``dir_names`` in order, and each folder's direct subfolders."""

    dir_names: list[str] = field(default_factory=list)

    @property
    def root(self) -> str:
        return "/"

    def children(self, directory: str = "/") -> list[str]:
        prefix = directory.rstrip("/") + "/"
        return [
            n
            for n in self.dir_names
            if n != directory and n.startswith(prefix) and "/" not in n[len(prefix) :]
        ]

    def __iter__(self):
        return iter(self.dir_names)

    def __repr__(self) -> str:
        return f"DirectoryTree({self.dir_names!r})"


class Datasets(Repository):
    """Datasets of a project (or of every project the user is in, for ``dl.datasets``)."""

    def __init__(self, client: Any, project_id: str | None = None) -> None:
        super().__init__(client)
        self.project_id = project_id

    def _project_id(self) -> str:
        project_id = self.project_id or self.client.checked_out("project")
        if project_id is None:
            raise BadRequestError("No project: use project.datasets, or check out a project first")
        return project_id

    def create(
        self,
        dataset_name: str,
        labels: Any = None,
        attributes: Any = None,
        ontology_ids: Any = None,
        driver: Any = None,
        driver_id: str | None = None,
        checkout: bool = False,
        expiration_options: Any = None,
        index_driver: Any = None,
        recipe_id: str | None = None,
    ) -> Dataset:
        """A new, empty dataset with its default recipe (made from ``labels``/``attributes``)."""
        if not isinstance(dataset_name, str) or not dataset_name.strip() or "/" in dataset_name:
            raise BadRequestError(
                f"A dataset name must be a non-empty string without '/', got {dataset_name!r}"
            )
        project_id = self._project_id()
        user = self.client.require(project_id, Action.WRITE_DATASETS)
        now = now_iso()
        dataset_id = new_id()
        metadata: dict = {"system": {}}
        if expiration_options is not None:
            metadata["system"]["expirationOptions"] = getattr(
                expiration_options, "__dict__", expiration_options
            )
        if index_driver is not None:
            metadata["system"]["indexDriver"] = str(index_driver)
        with self.store.write() as conn:
            if conn.execute(
                sa.select(d.c.id).where(d.c.project_id == project_id, d.c.name == dataset_name)
            ).first():
                raise ConflictError(f"Dataset already exists. Name: {dataset_name!r}")
            if recipe_id is None:
                if ontology_ids is None:
                    ontology_ids = [
                        Ontologies(self.client).insert(
                            conn, project_id, labels, f"{dataset_name} ontology", attributes
                        )
                    ]
                elif isinstance(ontology_ids, str):
                    ontology_ids = [ontology_ids]
                recipe_id = Recipes(self.client).insert(
                    conn, project_id, f"{dataset_name} Default Recipe", ontology_ids
                )
            elif not conn.execute(
                sa.select(schema.recipes.c.id).where(schema.recipes.c.id == recipe_id)
            ).first():
                raise NotFoundError(f"Recipe not found. Id: {recipe_id!r}")
            conn.execute(
                d.insert().values(
                    id=dataset_id,
                    project_id=project_id,
                    name=dataset_name,
                    recipe_ids=[recipe_id],
                    metadata=metadata,
                    creator=user,
                    created_at=now,
                    updated_by=user,
                    updated_at=now,
                )
            )
        dataset = self.get(dataset_id=dataset_id)
        if checkout:
            self.checkout(dataset=dataset)
        return dataset

    def get(
        self,
        dataset_name: str | None = None,
        dataset_id: str | None = None,
        checkout: bool = False,
        fetch: Any = None,
    ) -> Dataset:
        """A dataset by name (in this project) or id, or the checked-out one."""
        if dataset_name is None and dataset_id is None:
            dataset_id = self.client.checked_out("dataset")
            if dataset_id is None:
                raise BadRequestError(
                    "Give dataset_name or dataset_id, or check out a dataset first"
                )
        with self.store.read() as conn:
            if dataset_id is not None:
                row = conn.execute(sa.select(d).where(d.c.id == dataset_id)).first()
                missing = f"Dataset not found. Id: {dataset_id!r}"
            else:
                row = conn.execute(
                    sa.select(d).where(
                        d.c.project_id == self._project_id(), d.c.name == dataset_name
                    )
                ).first()
                missing = f"Dataset not found. Name: {dataset_name!r}"
            if row is None or (self.project_id is not None and row.project_id != self.project_id):
                raise NotFoundError(missing)
            if self.client.role_in(row.project_id, conn) is None:
                raise ForbiddenError(
                    f"{self.client.require_user()} is not a member of the dataset's project"
                )
        dataset = rows.dataset(row, self.client)
        if checkout:
            self.checkout(dataset=dataset)
        return dataset

    def list(self, name: str | None = None, creator: str | None = None) -> list[Dataset]:
        """Datasets of the project (all of the user's projects for ``dl.datasets``), by name."""
        query = sa.select(d).order_by(d.c.name, d.c.id)
        if self.project_id is not None or self.client.checked_out("project"):
            query = query.where(d.c.project_id == self._project_id())
        else:
            m = schema.project_members
            query = query.where(
                d.c.project_id.in_(
                    sa.select(m.c.project_id).where(m.c.email == self.client.require_user())
                )
            )
        if name is not None:
            query = query.where(d.c.name == name)
        if creator is not None:
            query = query.where(d.c.creator == creator)
        with self.store.read() as conn:
            return [rows.dataset(row, self.client) for row in conn.execute(query)]

    def update(
        self, dataset: Dataset, system_metadata: bool = False, patch: dict | None = None
    ) -> Dataset:
        """Write the dataset's name and metadata (``patch`` merges into the metadata first)."""
        user = self.client.require(dataset.project_id, Action.WRITE_DATASETS)
        if patch:
            dataset.metadata.update(patch.get("metadata", patch))
        with self.store.write() as conn:
            clash = conn.execute(
                sa.select(d.c.id).where(
                    d.c.project_id == dataset.project_id,
                    d.c.name == dataset.name,
                    d.c.id != dataset.id,
                )
            )
            if clash.first():
                raise ConflictError(f"Dataset already exists. Name: {dataset.name!r}")
            result = conn.execute(
                d.update()
                .where(d.c.id == dataset.id, d.c.version == dataset.version)
                .values(
                    name=dataset.name,
                    metadata=dataset.metadata,
                    updated_by=user,
                    updated_at=now_iso(),
                    version=d.c.version + 1,
                )
            )
            self._check_version(result, f"Dataset {dataset.name!r}")
        return dataset._refresh_from(self.get(dataset_id=dataset.id))

    def delete(
        self,
        dataset_name: str | None = None,
        dataset_id: str | None = None,
        sure: bool = False,
        really: bool = False,
    ) -> bool:
        """Delete a dataset with its items and annotations, forever (``sure=True, really=True``)."""
        if not (sure and really):
            raise BadRequestError("Deleting a dataset is forever: pass sure=True, really=True")
        dataset = self.get(dataset_name=dataset_name, dataset_id=dataset_id)
        self.client.require(dataset.project_id, Action.WRITE_DATASETS)
        items = schema.items
        with self.store.write() as conn:
            hashes = (
                conn.execute(
                    sa.select(items.c.blob)
                    .where(items.c.dataset_id == dataset.id, items.c.blob.is_not(None))
                    .distinct()
                )
                .scalars()
                .all()
            )
            self.store.release_blobs(conn, hashes)
            for table in (schema.annotations, schema.item_fields, schema.item_refs):
                conn.execute(table.delete().where(table.c.dataset_id == dataset.id))
            conn.execute(items.delete().where(items.c.dataset_id == dataset.id))
            conn.execute(d.delete().where(d.c.id == dataset.id))
        self.store.collect_orphan_blobs()
        if self.client.checked_out("dataset") == dataset.id:
            self.client.checkout("dataset", None)
        return True

    def set_readonly(self, state: bool, dataset: Dataset) -> None:
        """Block (True) or allow (False) changes to the dataset's items and annotations."""
        self.client.require(dataset.project_id, Action.WRITE_DATASETS)
        with self.store.write() as conn:
            conn.execute(d.update().where(d.c.id == dataset.id).values(readonly=bool(state)))
        dataset.readonly = bool(state)

    def switch_recipe(self, dataset: Dataset, recipe_id: str) -> Dataset:
        """Make ``recipe_id`` the dataset's default recipe."""
        self.client.require(dataset.project_id, Action.WRITE_RECIPES)
        Recipes(self.client).get(recipe_id)
        ids = [recipe_id, *[i for i in dataset.recipe_ids if i != recipe_id]]
        with self.store.write() as conn:
            conn.execute(d.update().where(d.c.id == dataset.id).values(recipe_ids=ids))
        dataset.recipe_ids = ids
        return dataset

    def checkout(
        self,
        identifier: str | None = None,
        dataset_name: str | None = None,
        dataset_id: str | None = None,
        dataset: Dataset | None = None,
    ) -> None:
        if dataset is None:
            dataset = self.get(dataset_name=dataset_name or identifier, dataset_id=dataset_id)
        self.client.checkout("project", dataset.project_id)
        self.client.checkout("dataset", dataset.id)

    def open_in_web(
        self,
        dataset_name: str | None = None,
        dataset_id: str | None = None,
        dataset: Dataset | None = None,
    ) -> None:
        (dataset or self.get(dataset_name=dataset_name, dataset_id=dataset_id)).open_in_web()

    def directory_tree(
        self,
        dataset: Dataset | None = None,
        dataset_name: str | None = None,
        dataset_id: str | None = None,
    ) -> DirectoryTree:
        dataset = dataset or self.get(dataset_name=dataset_name, dataset_id=dataset_id)
        items = schema.items
        with self.store.read() as conn:
            dirs = set(
                conn.execute(
                    sa.select(items.c.dir).where(items.c.dataset_id == dataset.id).distinct()
                ).scalars()
            )
            dirs |= set(
                conn.execute(
                    sa.select(items.c.filename).where(
                        items.c.dataset_id == dataset.id, items.c.type == "dir"
                    )
                ).scalars()
            )
        return DirectoryTree(sorted(dirs | {"/"}))

    # -- versions of a dataset -------------------------------------------------------------
    def clone(
        self,
        dataset_id: str,
        clone_name: str,
        filters: Any = None,
        with_items_annotations: bool = True,
        with_metadata: bool = True,
        with_task_annotations_status: bool = True,
        wait: bool = True,
    ) -> Dataset:
        """A new dataset whose items point at the source's binaries (all, or ``filters``')."""
        source = self.get(dataset_id=dataset_id)
        clone = self.client.datasets_repo(project_id=source.project_id).create(
            dataset_name=clone_name, recipe_id=source.recipe_ids[0]
        )
        query = compile_query(as_query(filters, "items"), self.dialect, source.id)
        where = sa.and_(schema.items.c.dataset_id == source.id, query.where)
        user = self.client.require_user()
        with self.store.write() as conn:
            copy_items(
                conn,
                self.dialect,
                where,
                clone.id,
                user,
                CopyOptions(with_metadata=with_metadata, with_annotations=with_items_annotations),
            )
            conn.execute(d.update().where(d.c.id == clone.id).values(clone_of=source.id))
            ensure_dirs(conn, clone.id, user)
        return self.get(dataset_id=clone.id)

    def merge(
        self,
        merge_name: str,
        dataset_ids: list[str],
        project_ids: Any = None,
        with_items_annotations: bool = True,
        with_metadata: bool = True,
        with_task_annotations_status: bool = True,
        wait: bool = True,
    ) -> Dataset:
        """One dataset from several with the same default recipe.

        Clones of one dataset merge item by item (annotations from every clone end up on one
        item); other datasets add up their items, and an item whose path is already taken is
        placed under a folder named after its dataset.
        """
        if not isinstance(dataset_ids, (list, tuple)) or len(dataset_ids) < 2:
            raise BadRequestError("merge needs a list of at least two dataset_ids")
        sources = [self.client.datasets_repo().get(dataset_id=i) for i in dataset_ids]
        recipes = {s.recipe_ids[0] for s in sources}
        if len(recipes) > 1:
            raise BadRequestError(
                "Datasets with different default recipes cannot be merged; switch_recipe() first: "
                + ", ".join(f"{s.name}: {s.recipe_ids[0]}" for s in sources)
            )
        target = self.client.datasets_repo(project_id=sources[0].project_id).create(
            dataset_name=merge_name, recipe_id=sources[0].recipe_ids[0]
        )
        user = self.client.require_user()
        items = schema.items
        options = CopyOptions(with_metadata=with_metadata, with_annotations=with_items_annotations)
        with self.store.write() as conn:
            for source in sources:
                taken = sa.exists(
                    sa.select(sa.literal(1))
                    .select_from(items.alias("t"))
                    .where(
                        sa.literal_column("t.dataset_id") == target.id,
                        sa.literal_column("t.filename") == items.c.filename,
                    )
                )
                renamed = sa.case(
                    (taken, sa.literal("/" + source.name) + items.c.filename),
                    else_=items.c.filename,
                )
                where = sa.and_(items.c.dataset_id == source.id, items.c.type == "file")
                copy_items(
                    conn,
                    self.dialect,
                    where,
                    target.id,
                    user,
                    options,
                    filename_sql=renamed,
                    reuse_by_origin=True,
                )
            ensure_dirs(conn, target.id, user)
        return self.get(dataset_id=target.id)
