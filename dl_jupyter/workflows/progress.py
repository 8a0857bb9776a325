"""How a task is going, as DataFrames: per assignee counts and pace, and per item statuses.

Time per item is the median gap between an assignee's consecutive statuses, leaving out
gaps longer than ``BREAK_S`` (breaks); throughput is items per hour of that active time.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dl_jupyter.store import schema

refs = schema.item_refs
assignments = schema.assignments
log = schema.item_status_log
BREAK_S = 30 * 60


def progress(conn: Connection, task_id: str) -> pd.DataFrame:
    """One row per assignee: assigned, done, open, one column per status, seconds_per_item and
    items_per_hour; ``attrs['pool']`` counts the slots still waiting for an assignee."""
    counts = pd.DataFrame(
        conn.execute(
            sa.select(
                assignments.c.id,
                assignments.c.annotator,
                refs.c.status,
                sa.func.count(refs.c.item_id).label("n"),
            )
            .join(refs, refs.c.ref_id == assignments.c.id, isouter=True)
            .where(assignments.c.task_id == task_id)
            .group_by(assignments.c.id, assignments.c.annotator, refs.c.status)
        ).all(),
        columns=["assignment_id", "assignee", "status", "n"],
    )
    per_status = counts.dropna(subset=["status"]).pivot_table(
        index="assignee", columns="status", values="n", aggfunc="sum", fill_value=0
    )
    frame = pd.DataFrame(index=pd.Index(sorted(counts["assignee"].unique()), name="assignee"))
    frame["assigned"] = counts.groupby("assignee")["n"].sum()
    frame["done"] = per_status.sum(axis=1) if not per_status.empty else 0
    frame = frame.fillna(0).astype(int)
    frame["open"] = frame["assigned"] - frame["done"]
    frame = frame.join(per_status).fillna(0)
    pace = _pace(conn, task_id, dict(zip(counts["assignment_id"], counts["assignee"])))
    frame = frame.join(pace)
    for column in per_status.columns:
        frame[column] = frame[column].astype(int)
    needed = sa.func.coalesce(refs.c.needed, refs.c.taken)
    frame.attrs["pool"] = int(
        conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(needed - refs.c.taken), 0)).where(
                refs.c.ref_id == task_id, sa.text(schema.POOL_CONDITION)
            )
        ).scalar_one()
    )
    return frame


def _pace(conn: Connection, task_id: str, assignees: dict[str, str]) -> pd.DataFrame:
    events = pd.DataFrame(
        conn.execute(
            sa.select(log.c.assignment_id, log.c.created_at)
            .where(
                log.c.task_id == task_id,
                log.c.assignment_id.is_not(None),
                log.c.operation == "create",
            )
            .order_by(log.c.assignment_id, log.c.created_at)
        ).all(),
        columns=["assignment_id", "at"],
    )
    columns = ["seconds_per_item", "items_per_hour"]
    if events.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="assignee"), dtype=float)
    events["assignee"] = events["assignment_id"].map(assignees)
    events["at"] = pd.to_datetime(events["at"], utc=True)
    events["gap"] = events.groupby("assignment_id")["at"].diff().dt.total_seconds()
    active = events[(events["gap"] > 0) & (events["gap"] <= BREAK_S)]
    grouped = active.groupby("assignee")["gap"]
    return pd.DataFrame(
        {
            "seconds_per_item": grouped.median(),
            "items_per_hour": grouped.count() * 3600 / grouped.sum(),
        }
    )


def items_frame(
    conn: Connection, task_id: str | None = None, assignment_id: str | None = None
) -> pd.DataFrame:
    """One row per item and assignee: filename, assignee, their status, who set it and when,
    and the item's status in the task."""
    task_row = refs.alias("task_row")
    items = schema.items
    query = (
        sa.select(
            refs.c.item_id,
            items.c.filename,
            assignments.c.annotator.label("assignee"),
            refs.c.status,
            refs.c.status_by,
            refs.c.status_at,
            task_row.c.status.label("task_status"),
        )
        .join(assignments, assignments.c.id == refs.c.ref_id)
        .join(items, items.c.id == refs.c.item_id)
        .join(
            task_row,
            sa.and_(
                task_row.c.item_id == refs.c.item_id,
                task_row.c.ref_type == "task",
                task_row.c.ref_id == assignments.c.task_id,
            ),
        )
        .where(refs.c.ref_type == "assignment")
        .order_by(refs.c.seq, refs.c.item_id, assignments.c.annotator)
    )
    if task_id is not None:
        query = query.where(assignments.c.task_id == task_id)
    if assignment_id is not None:
        query = query.where(assignments.c.id == assignment_id)
    result = conn.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))
