"""What repositories share: the client, transactions, lookups that raise NotFound, paging."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from dl_jupyter.entities.paged import PagedEntities
from dl_jupyter.exceptions import ConflictError, ForbiddenError, NotFoundError
from dl_jupyter.repositories.permissions import Action
from dl_jupyter.store import schema

# SQLite allows 32766 bound parameters per statement; stay well below for IN lists.
IN_CHUNK = 900


def chunks(values: Sequence, size: int = IN_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class Repository:
    """A repository bound to a client (and, in subclasses, to a scope such as a dataset)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.store = client.store

    @property
    def dialect(self) -> str:
        return self.store.dialect

    def _one(self, conn: Connection, query: sa.Select, missing: str) -> Row:
        row = conn.execute(query).first()
        if row is None:
            raise NotFoundError(missing)
        return row

    def _project_of_dataset(self, conn: Connection, dataset_id: str) -> Row:
        d = schema.datasets
        return self._one(
            conn,
            sa.select(d.c.project_id, d.c.readonly, d.c.name).where(d.c.id == dataset_id),
            f"Dataset not found. Id: {dataset_id!r}",
        )

    def _require_dataset_write(self, conn: Connection, dataset_id: str, action: Action) -> str:
        """The acting user, if they may ``action`` in this dataset and it is not read-only."""
        dataset = self._project_of_dataset(conn, dataset_id)
        user = self.client.require(dataset.project_id, action, conn)
        if dataset.readonly:
            raise ForbiddenError(
                f"Dataset {dataset.name!r} is read-only; call set_readonly(False) first"
            )
        return user

    def _paged(
        self,
        table: sa.Table,
        where: ColumnElement[bool],
        order_by: list[tuple[ColumnElement, bool]],
        to_entities: Callable[[Connection, Sequence[Row]], list],
        page_offset: int,
        page_size: int,
        resource: str,
        describe: str = "",
        to_df: Callable[[PagedEntities], Any] | None = None,
    ) -> PagedEntities:
        """Pages over ``table`` rows matching ``where``, ordered by ``order_by`` then id."""
        keys = [*order_by, (table.c.id, order_by[-1][1] if order_by else False)]
        keyset = all(isinstance(k, sa.Column) and not k.nullable for k, _ in keys)
        key_columns = [k.label(f"_k{i}") for i, (k, _) in enumerate(keys)]
        ordering = [k.desc() if desc else k.asc() for k, desc in keys]

        def fetch(offset: int, size: int, after: Any) -> tuple[list, Any]:
            query = sa.select(table, *key_columns).where(where).order_by(*ordering).limit(size)
            if after is not None and keyset:
                query = query.where(_after(keys, after))
            elif after is not None:  # sort keys that can be NULL: continue by position
                query = query.offset(after)
            else:
                query = query.offset(offset * size)
            with self.store.read() as conn:
                rows = conn.execute(query).all()
                entities = to_entities(conn, rows)
            if not rows:
                return entities, None
            if keyset:
                cursor = tuple(getattr(rows[-1], f"_k{i}") for i in range(len(keys)))
            else:
                cursor = (after if after is not None else offset * size) + len(rows)
            return entities, cursor

        def count() -> int:
            with self.store.read() as conn:
                return conn.execute(
                    sa.select(sa.func.count()).select_from(table).where(where)
                ).scalar_one()

        return PagedEntities(
            fetch,
            count,
            page_offset=page_offset,
            page_size=page_size,
            resource=resource,
            describe=describe,
            to_df=to_df,
        )

    @staticmethod
    def _check_version(result: Any, what: str) -> None:
        if result.rowcount == 0:
            raise ConflictError(
                f"{what} was changed or deleted by someone else since it was read; "
                "get it again and reapply the change"
            )


def _after(keys: list[tuple[ColumnElement, bool]], values: tuple) -> ColumnElement[bool]:
    """Rows after ``values`` in the order of ``keys`` (each ascending or descending)."""
    clauses = []
    for i, (key, desc) in enumerate(keys):
        equal_before = [k == v for (k, _), v in zip(keys[:i], values[:i])]
        step = key < values[i] if desc else key > values[i]
        clauses.append(sa.and_(*equal_before, step))
    return sa.or_(*clauses)
