"""Aggregates of a dataset computed in SQL (GROUP BY), for the dataset card and the dashboards.

Every figure is one statement over the indexes the schema already has; nothing here reads the
rows into Python. ``Stats(client, dataset_id, filters)`` restricts the item-based figures to
the items a DQL filter selects, and the annotation figures to those items' annotations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from dl_jupyter.dql.compile import as_query, compile_query
from dl_jupyter.exceptions import NotFoundError
from dl_jupyter.repositories.permissions import Action
from dl_jupyter.store import schema

i, a, refs = schema.items, schema.annotations, schema.item_refs
NO_STATUS = "(no status)"
# A pause longer than this between two items is a break, not time spent on the next item.
BREAK_SECONDS = 600


@dataclass(frozen=True)
class Summary:
    """What the dataset card shows."""

    items: int
    annotations: int
    labels: list[tuple[str, int]]


def epoch_seconds(column: ColumnElement, dialect: str) -> ColumnElement:
    """An ISO-8601 timestamp column as seconds since 1970 (for differences)."""
    if dialect == "sqlite":
        return (sa.func.julianday(column) - 2440587.5) * 86400.0
    return sa.func.extract("epoch", sa.cast(column, sa.TIMESTAMP(timezone=True)))


class Stats:
    """Counts of one dataset (optionally of the items a filter selects)."""

    def __init__(self, client: Any, dataset_id: str, filters: Any = None) -> None:
        self.client = client
        self.store = client.store
        self.dataset_id = dataset_id
        self.filters = filters
        query = as_query(filters, "items")
        self._items_where = sa.and_(
            i.c.dataset_id == dataset_id,
            compile_query(query, self.store.dialect, dataset_id).where,
        )
        self._filtered = filters is not None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.store.read() as conn:
            d = schema.datasets
            project_id = conn.execute(
                sa.select(d.c.project_id).where(d.c.id == self.dataset_id)
            ).scalar()
            if project_id is None:
                raise NotFoundError(f"Dataset not found. Id: {self.dataset_id!r}")
            self.client.require(project_id, Action.READ, conn)
            yield conn

    def _annotations_where(self) -> ColumnElement[bool]:
        where = a.c.dataset_id == self.dataset_id
        if self._filtered:
            where = sa.and_(where, a.c.item_id.in_(sa.select(i.c.id).where(self._items_where)))
        return where

    def _frame(self, query: sa.Select, columns: list[str]) -> pd.DataFrame:
        with self._read() as conn:
            rows = conn.execute(query).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=columns)

    # -- the card ------------------------------------------------------------------------
    def summary(self, top_labels: int = 12) -> Summary:
        """Item and annotation counts and the most used labels: two statements."""
        items = sa.select(sa.func.count()).select_from(i).where(self._items_where).scalar_subquery()
        annotations = (
            sa.select(sa.func.count())
            .select_from(a)
            .where(self._annotations_where())
            .scalar_subquery()
        )
        with self._read() as conn:
            n_items, n_annotations = conn.execute(sa.select(items, annotations)).one()
            labels = conn.execute(self._label_query().limit(top_labels)).all()
        return Summary(n_items, n_annotations, [(label, count) for label, count in labels])

    # -- distributions --------------------------------------------------------------------
    def _label_query(self) -> sa.Select:
        count = sa.func.count().label("annotations")
        return (
            sa.select(sa.func.coalesce(a.c.label, "").label("label"), count)
            .where(self._annotations_where())
            .group_by(a.c.label)
            .order_by(count.desc(), a.c.label)
        )

    def labels(self) -> pd.DataFrame:
        """Annotations per label (label, annotations, items), most used first."""
        items = sa.func.count(sa.distinct(a.c.item_id)).label("items")
        return self._frame(
            self._label_query().add_columns(items), ["label", "annotations", "items"]
        )

    def annotation_types(self) -> pd.DataFrame:
        """Annotations per type (box, segment, ...)."""
        count = sa.func.count().label("annotations")
        query = (
            sa.select(a.c.type, count)
            .where(self._annotations_where())
            .group_by(a.c.type)
            .order_by(count.desc(), a.c.type)
        )
        return self._frame(query, ["type", "annotations"])

    def statuses(self) -> pd.DataFrame:
        """Items per status in their tasks (items in a task without a status count as such)."""
        status = sa.func.coalesce(refs.c.status, NO_STATUS)
        count = sa.func.count(sa.distinct(refs.c.item_id)).label("items")
        where = sa.and_(refs.c.dataset_id == self.dataset_id, refs.c.ref_type == "task")
        if self._filtered:
            where = sa.and_(where, refs.c.item_id.in_(sa.select(i.c.id).where(self._items_where)))
        query = (
            sa.select(status.label("status"), count)
            .where(where)
            .group_by(status)
            .order_by(count.desc(), status)
        )
        return self._frame(query, ["status", "items"])

    def directories(self, limit: int = 50) -> pd.DataFrame:
        """Files per folder, largest first."""
        count = sa.func.count().label("items")
        query = (
            sa.select(i.c.dir, count)
            .where(self._items_where)
            .group_by(i.c.dir)
            .order_by(count.desc(), i.c.dir)
            .limit(limit)
        )
        return self._frame(query, ["dir", "items"])

    # -- people and time ------------------------------------------------------------------
    def annotators(self) -> pd.DataFrame:
        """Per annotator: annotations, items annotated, and seconds per item (the mean pause
        between starting one item and the next, pauses over BREAK_SECONDS left out)."""
        firsts = (
            sa.select(
                a.c.creator,
                a.c.item_id,
                sa.func.min(a.c.created_at).label("t"),
                sa.func.count().label("n"),
            )
            .where(self._annotations_where())
            .group_by(a.c.creator, a.c.item_id)
            .subquery()
        )
        seconds = epoch_seconds(firsts.c.t, self.store.dialect)
        gaps = sa.select(
            firsts.c.creator,
            firsts.c.n,
            (
                seconds
                - sa.func.lag(seconds).over(partition_by=firsts.c.creator, order_by=firsts.c.t)
            ).label("gap"),
        ).subquery()
        spent = sa.case((gaps.c.gap <= BREAK_SECONDS, gaps.c.gap), else_=None)
        query = (
            sa.select(gaps.c.creator, sa.func.sum(gaps.c.n), sa.func.count(), sa.func.avg(spent))
            .group_by(gaps.c.creator)
            .order_by(sa.func.count().desc(), gaps.c.creator)
        )
        frame = self._frame(query, ["annotator", "annotations", "items", "seconds_per_item"])
        frame["seconds_per_item"] = frame["seconds_per_item"].astype("Float64")
        return frame

    def progress(self) -> pd.DataFrame:
        """Per day: annotations made, items annotated for the first time, and the running total
        of annotated items."""
        day = sa.func.substr(a.c.created_at, 1, 10)
        per_day = (
            sa.select(day.label("day"), sa.func.count())
            .where(self._annotations_where())
            .group_by(day)
        )
        firsts = (
            sa.select(sa.func.substr(sa.func.min(a.c.created_at), 1, 10).label("day"))
            .where(self._annotations_where())
            .group_by(a.c.item_id)
            .subquery()
        )
        new_items = sa.select(firsts.c.day, sa.func.count()).group_by(firsts.c.day)
        with self._read() as conn:
            made = dict(conn.execute(per_day).all())
            started = dict(conn.execute(new_items).all())
        days = sorted(set(made) | set(started))
        frame = pd.DataFrame(
            {
                "day": pd.to_datetime(pd.Series(days, dtype=object), format="%Y-%m-%d", utc=True),
                "annotations": [made.get(d, 0) for d in days],
                "items_started": [started.get(d, 0) for d in days],
            }
        )
        frame["items_annotated"] = frame["items_started"].cumsum()
        return frame
