"""The order a task serves its items in (Label Studio's sampling modes).

``sequential`` keeps the query's order (its ``sort_by``, then creation order, like Label
Studio's ascending ids); ``uniform`` shuffles by a per-task hash; ``prediction-score-min`` /
``-max`` put first the items whose model-made annotations have the lowest / highest average
score (items without scores go last). The order is fixed as ``seq`` when items join a task.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from dl_jupyter.store import schema
from dl_jupyter.workflows.hashing import task_hash_sql

items = schema.items
annotations = schema.annotations


def average_score() -> ColumnElement:
    """The mean score of the item's scored (model-made) annotations, NULL without any."""
    return (
        sa.select(sa.func.avg(annotations.c.score))
        .where(annotations.c.item_id == items.c.id, annotations.c.score.is_not(None))
        .scalar_subquery()
    )


def order_keys(
    conn: Connection, sampling: str, task_id: str, query_order: list[tuple[ColumnElement, bool]]
) -> list[tuple[ColumnElement, bool]]:
    """(key over ``items``, descending) pairs for ``sampling``, ending with the item id."""
    if sampling == "uniform":
        return [(task_hash_sql(conn, items.c.id + task_id), False), (items.c.id, False)]
    if sampling in ("prediction-score-min", "prediction-score-max"):
        score = average_score()
        unscored_last = sa.case((score.is_(None), 1), else_=0)
        return [(unscored_last, False), (score, sampling.endswith("max")), (items.c.id, False)]
    return [*query_order, (items.c.id, False)]
