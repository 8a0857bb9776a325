"""Who may get which item: Toloka's ``reserved_for`` (only these) and ``unavailable_for``
(never these), per task item, as SQL conditions for pulls and steals."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from dl_jupyter.store import schema

rules = schema.task_item_access
RESERVED = "reserved"
UNAVAILABLE = "unavailable"


def allowed_for(task_id: str, email: str, item_id: ColumnElement) -> ColumnElement[bool]:
    """SQL: the item in ``item_id`` may go to ``email``."""

    def rule(kind: str, *extra: ColumnElement[bool]) -> ColumnElement[bool]:
        return sa.exists().where(
            rules.c.task_id == task_id, rules.c.item_id == item_id, rules.c.rule == kind, *extra
        )

    return sa.and_(
        sa.not_(rule(UNAVAILABLE, rules.c.email == email)),
        sa.or_(sa.not_(rule(RESERVED)), rule(RESERVED, rules.c.email == email)),
    )


def replace_rules(
    conn: Connection,
    task_id: str,
    item_ids: Sequence[str],
    reserved_for: Sequence[str] | None,
    unavailable_for: Sequence[str] | None,
) -> None:
    """Set the given rule lists for these items (a list replaces that rule; None keeps it)."""
    for kind, emails in ((RESERVED, reserved_for), (UNAVAILABLE, unavailable_for)):
        if emails is None:
            continue
        conn.execute(
            rules.delete().where(
                rules.c.task_id == task_id, rules.c.item_id.in_(item_ids), rules.c.rule == kind
            )
        )
        rows = [
            {"task_id": task_id, "item_id": i, "email": e, "rule": kind}
            for i in item_ids
            for e in emails
        ]
        if rows:
            conn.execute(rules.insert(), rows)


def release_forbidden(conn: Connection, task_id: str, item_ids: Sequence[str]) -> int:
    """Give back to the task's pool the items held, without a status, by someone they are no
    longer allowed to; returns how many were released."""
    refs, assignments = schema.item_refs, schema.assignments
    held = conn.execute(
        sa.select(refs.c.item_id, refs.c.ref_id, assignments.c.annotator)
        .join(assignments, assignments.c.id == refs.c.ref_id)
        .where(
            assignments.c.task_id == task_id,
            refs.c.item_id.in_(item_ids),
            refs.c.ref_type == "assignment",
            refs.c.status.is_(None),
        )
    ).all()
    released = 0
    for item_id, assignment_id, email in held:
        ok = conn.execute(sa.select(allowed_for(task_id, email, sa.literal(item_id)))).scalar()
        if ok:
            continue
        conn.execute(
            refs.delete().where(
                refs.c.item_id == item_id,
                refs.c.ref_type == "assignment",
                refs.c.ref_id == assignment_id,
            )
        )
        conn.execute(
            refs.update()
            .values(taken=refs.c.taken - 1)
            .where(refs.c.item_id == item_id, refs.c.ref_type == "task", refs.c.ref_id == task_id)
        )
        released += 1
    return released
