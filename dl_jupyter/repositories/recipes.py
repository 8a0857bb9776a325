"""Recipes and ontologies of a project: create, get, list, update, delete, clone."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dl_jupyter.entities.labels import label_from, make_attribute
from dl_jupyter.entities.ontology import Ontology, Recipe
from dl_jupyter.exceptions import BadRequestError, ForbiddenError, NotFoundError
from dl_jupyter.repositories import rows
from dl_jupyter.repositories.base import Repository
from dl_jupyter.repositories.permissions import Action
from dl_jupyter.store import schema
from dl_jupyter.store.timeutil import new_id, now_iso

r = schema.recipes
o = schema.ontologies


def _labels_json(labels: Any) -> list[dict]:
    """Labels in any accepted shape ({tag: color}, names, dl.Label, dicts) as JSON roots."""
    if labels is None:
        return []
    if isinstance(labels, dict) and not (
        "tag" in labels or "label_name" in labels or "value" in labels
    ):
        specs = [label_from(tag, color) for tag, color in labels.items()]
    elif isinstance(labels, (str, dict)) or not hasattr(labels, "__iter__"):
        specs = [label_from(labels)]
    else:
        specs = [label_from(spec) for spec in labels]
    ontology = Ontology()
    for spec in specs:
        ontology.add_label(label=spec)
    return [label.to_root() for label in ontology.labels]


def _attributes_json(attributes: Any) -> list[dict]:
    result = []
    for attribute in attributes or []:
        if not isinstance(attribute, dict) or "key" not in attribute:
            raise BadRequestError(
                f"An ontology attribute is a dict with a 'key', got {attribute!r}"
            )
        result.append(
            make_attribute(
                attribute["key"],
                attribute.get("title"),
                attribute.get("type", attribute.get("attribute_type")),
                attribute.get("scope"),
                attribute.get("optional"),
                attribute.get("values"),
                attribute.get("range", attribute.get("attribute_range")),
            )
        )
    return result


class Ontologies(Repository):
    """Ontologies of a project (or of one recipe)."""

    def __init__(
        self, client: Any, project_id: str | None = None, recipe: Recipe | None = None
    ) -> None:
        super().__init__(client)
        self.project_id = project_id
        self.recipe = recipe

    def insert(
        self,
        conn: Connection,
        project_id: str,
        labels: Any = None,
        title: str | None = None,
        attributes: Any = None,
    ) -> str:
        """Write a new ontology in ``conn``'s transaction; returns its id."""
        user = self.client.require_user()
        now = now_iso()
        ontology_id = new_id()
        conn.execute(
            o.insert().values(
                id=ontology_id,
                project_id=project_id,
                title=title or "ontology",
                labels=_labels_json(labels),
                metadata={"attributes": _attributes_json(attributes)},
                creator=user,
                created_at=now,
                updated_by=user,
                updated_at=now,
            )
        )
        return ontology_id

    def create(
        self,
        labels: Any = None,
        title: str | None = None,
        project_ids: Any = None,
        attributes: Any = None,
    ) -> Ontology:
        project_id = (
            project_ids[0] if isinstance(project_ids, list) else project_ids
        ) or self.project_id
        if project_id is None:
            raise BadRequestError("Creating an ontology needs a project")
        self.client.require(project_id, Action.WRITE_RECIPES)
        with self.store.write() as conn:
            ontology_id = self.insert(conn, project_id, labels, title, attributes)
        return self.get(ontology_id)

    def get(self, ontology_id: str) -> Ontology:
        with self.store.read() as conn:
            row = self._one(
                conn,
                sa.select(o).where(o.c.id == ontology_id),
                f"Ontology not found. Id: {ontology_id!r}",
            )
            if self.client.role_in(row.project_id, conn) is None:
                raise ForbiddenError(
                    f"{self.client.require_user()} is not a member of this ontology's project"
                )
        return rows.ontology(row, self.client)

    def list(self, project_ids: Any = None) -> list[Ontology]:
        query = sa.select(o).order_by(o.c.created_at, o.c.id)
        if self.recipe is not None:
            query = query.where(o.c.id.in_(self.recipe.ontology_ids))
        else:
            project_id = (
                project_ids[0] if isinstance(project_ids, list) else project_ids
            ) or self.project_id
            if project_id is None:
                raise BadRequestError("Listing ontologies needs a project")
            query = query.where(o.c.project_id == project_id)
        with self.store.read() as conn:
            return [rows.ontology(row, self.client) for row in conn.execute(query)]

    def update(self, ontology: Ontology, system_metadata: bool = False) -> Ontology:
        """Write the ontology's labels, attributes and title; a stale copy gets a conflict."""
        user = self.client.require(ontology.project_id, Action.WRITE_RECIPES)
        with self.store.write() as conn:
            result = conn.execute(
                o.update()
                .where(o.c.id == ontology.id, o.c.version == ontology.version)
                .values(
                    title=ontology.title,
                    labels=[lb.to_root() for lb in ontology.labels],
                    metadata=ontology.metadata,
                    updated_by=user,
                    updated_at=now_iso(),
                    version=o.c.version + 1,
                )
            )
            self._check_version(result, f"Ontology {ontology.title!r}")
        ontology.version += 1
        return ontology

    def delete(self, ontology_id: str) -> bool:
        ontology = self.get(ontology_id)
        self.client.require(ontology.project_id, Action.WRITE_RECIPES)
        with self.store.write() as conn:
            in_use = [
                row.title
                for row in conn.execute(sa.select(r.c.title, r.c.ontology_ids))
                if ontology_id in (row.ontology_ids or [])
            ]
            if in_use:
                raise BadRequestError(f"Ontology {ontology.title!r} is used by recipes {in_use}")
            conn.execute(o.delete().where(o.c.id == ontology_id))
        return True

    def update_attributes(
        self,
        ontology_id: str,
        title: str | None,
        key: str,
        attribute_type: Any,
        scope: Any = None,
        optional: bool | None = None,
        values: Any = None,
        attribute_range: Any = None,
    ) -> dict:
        return self.get(ontology_id).update_attributes(
            title, key, attribute_type, scope, optional, values, attribute_range
        )

    def delete_attributes(self, ontology_id: str, keys: Any) -> bool:
        return self.get(ontology_id).delete_attributes(keys)

    @staticmethod
    def labels_to_roots(labels: Any) -> list[dict]:
        """Labels in any accepted shape as the platform's JSON roots."""
        return _labels_json(labels)


class Recipes(Repository):
    """Recipes of a project, or of one dataset (its default first)."""

    def __init__(self, client: Any, project_id: str | None = None, dataset: Any = None) -> None:
        super().__init__(client)
        self.dataset = dataset
        self.project_id = dataset.project_id if dataset is not None else project_id

    def insert(self, conn: Connection, project_id: str, title: str, ontology_ids: list[str]) -> str:
        user = self.client.require_user()
        now = now_iso()
        recipe_id = new_id()
        conn.execute(
            r.insert().values(
                id=recipe_id,
                project_id=project_id,
                title=title,
                ontology_ids=list(ontology_ids),
                metadata={"system": {"instructions": [], "templates": []}},
                creator=user,
                created_at=now,
                updated_by=user,
                updated_at=now,
            )
        )
        return recipe_id

    def create(
        self,
        project_ids: Any = None,
        ontology_ids: Any = None,
        labels: Any = None,
        recipe_name: str | None = None,
        attributes: Any = None,
        annotation_instruction_file: str | None = None,
    ) -> Recipe:
        """A recipe; without ontology_ids an ontology is created from labels and attributes."""
        project_id = (
            project_ids[0] if isinstance(project_ids, list) else project_ids
        ) or self.project_id
        if project_id is None:
            raise BadRequestError("Creating a recipe needs a project")
        self.client.require(project_id, Action.WRITE_RECIPES)
        with self.store.write() as conn:
            if ontology_ids is None:
                ontology_ids = [
                    Ontologies(self.client).insert(
                        conn, project_id, labels, f"{recipe_name or 'recipe'} ontology", attributes
                    )
                ]
            elif isinstance(ontology_ids, str):
                ontology_ids = [ontology_ids]
            found = set(conn.execute(sa.select(o.c.id).where(o.c.id.in_(ontology_ids))).scalars())
            missing = [i for i in ontology_ids if i not in found]
            if missing:
                raise NotFoundError(f"Ontology not found. Ids: {missing}")
            recipe_id = self.insert(conn, project_id, recipe_name or "recipe", ontology_ids)
            if self.dataset is not None:
                self._link(conn, self.dataset.id, recipe_id)
        recipe = self.get(recipe_id)
        if annotation_instruction_file:
            recipe.add_instruction(annotation_instruction_file)
        return recipe

    @staticmethod
    def _link(conn: Connection, dataset_id: str, recipe_id: str) -> None:
        d = schema.datasets
        current = conn.execute(sa.select(d.c.recipe_ids).where(d.c.id == dataset_id)).scalar() or []
        if recipe_id not in current:
            conn.execute(
                d.update().where(d.c.id == dataset_id).values(recipe_ids=[*current, recipe_id])
            )

    def get(self, recipe_id: str) -> Recipe:
        with self.store.read() as conn:
            row = self._one(
                conn,
                sa.select(r).where(r.c.id == recipe_id),
                f"Recipe not found. Id: {recipe_id!r}",
            )
            if self.client.role_in(row.project_id, conn) is None:
                raise ForbiddenError(
                    f"{self.client.require_user()} is not a member of this recipe's project"
                )
        return rows.recipe(row, self.client)

    def list(self, filters: Any = None) -> list[Recipe]:
        with self.store.read() as conn:
            if self.dataset is not None:
                ids = (
                    conn.execute(
                        sa.select(schema.datasets.c.recipe_ids).where(
                            schema.datasets.c.id == self.dataset.id
                        )
                    ).scalar()
                    or []
                )
                found = {row.id: row for row in conn.execute(sa.select(r).where(r.c.id.in_(ids)))}
                return [rows.recipe(found[i], self.client) for i in ids if i in found]
            if self.project_id is None:
                raise BadRequestError("Listing recipes needs a project or a dataset")
            query = (
                sa.select(r)
                .where(r.c.project_id == self.project_id)
                .order_by(r.c.created_at, r.c.id)
            )
            return [rows.recipe(row, self.client) for row in conn.execute(query)]

    def update(self, recipe: Recipe, system_metadata: bool = False) -> Recipe:
        user = self.client.require(recipe.project_id, Action.WRITE_RECIPES)
        with self.store.write() as conn:
            result = conn.execute(
                r.update()
                .where(r.c.id == recipe.id, r.c.version == recipe.version)
                .values(
                    title=recipe.title,
                    ontology_ids=list(recipe.ontology_ids),
                    metadata=recipe.metadata,
                    updated_by=user,
                    updated_at=now_iso(),
                    version=r.c.version + 1,
                )
            )
            self._check_version(result, f"Recipe {recipe.title!r}")
        recipe.version += 1
        return recipe

    def delete(self, recipe_id: str, force: bool = False) -> bool:
        """Delete a recipe no dataset uses (``force=True`` unlinks it from datasets first)."""
        recipe = self.get(recipe_id)
        self.client.require(recipe.project_id, Action.WRITE_RECIPES)
        d = schema.datasets
        with self.store.write() as conn:
            users = [
                row
                for row in conn.execute(sa.select(d.c.id, d.c.name, d.c.recipe_ids))
                if recipe_id in (row.recipe_ids or [])
            ]
            if users and not force:
                raise BadRequestError(
                    f"Recipe {recipe.title!r} is used by datasets {[u.name for u in users]}; "
                    "pass force=True"
                )
            for row in users:
                remaining = [i for i in row.recipe_ids if i != recipe_id]
                if not remaining:
                    raise BadRequestError(
                        f"Recipe {recipe.title!r} is the only recipe of dataset {row.name!r}"
                    )
                conn.execute(d.update().where(d.c.id == row.id).values(recipe_ids=remaining))
            conn.execute(r.delete().where(r.c.id == recipe_id))
        return True

    def clone(
        self, recipe: Recipe | None = None, recipe_id: str | None = None, shallow: bool = False
    ) -> Recipe:
        """A copy of the recipe; ``shallow=True`` shares its ontologies, else copies them too."""
        recipe = recipe or self.get(recipe_id)
        self.client.require(recipe.project_id, Action.WRITE_RECIPES)
        with self.store.write() as conn:
            ontology_ids = list(recipe.ontology_ids)
            if not shallow:
                copies = []
                for source in conn.execute(sa.select(o).where(o.c.id.in_(ontology_ids))):
                    copies.append(
                        Ontologies(self.client).insert(conn, source.project_id, None, source.title)
                    )
                    conn.execute(
                        o.update()
                        .where(o.c.id == copies[-1])
                        .values(labels=source.labels, metadata=source.metadata)
                    )
                ontology_ids = copies
            clone_id = self.insert(conn, recipe.project_id, f"{recipe.title} clone", ontology_ids)
            conn.execute(r.update().where(r.c.id == clone_id).values(metadata=recipe.metadata))
        return self.get(clone_id)

    def open_in_web(self, recipe: Recipe | None = None, recipe_id: str | None = None) -> None:
        (recipe or self.get(recipe_id)).open_in_web()
