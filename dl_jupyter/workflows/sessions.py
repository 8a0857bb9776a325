"""Who works on a task: its assignments, one per assignee (Prodigy's sessions).

A task's team is its ``allowed_assignees`` (given, or the assignees it was created with);
a task created without anyone is open to every member of its project, who joins on the
first pull. Joining creates the member's assignment.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from dl_jupyter.exceptions import BadRequestError, ForbiddenError
from dl_jupyter.store import schema
from dl_jupyter.store.timeutil import new_id, now_iso

assignments = schema.assignments


def assignment_name(task_name: str, email: str) -> str:
    return f"{task_name}-{email}"


def find(conn: Connection, task_id: str, email: str) -> Row | None:
    return conn.execute(
        sa.select(assignments).where(
            assignments.c.task_id == task_id, assignments.c.annotator == email
        )
    ).first()


def sessions(conn: Connection, task_id: str) -> list[str]:
    """The task's assignees in the order they joined."""
    return list(
        conn.execute(
            sa.select(assignments.c.annotator)
            .where(assignments.c.task_id == task_id)
            .order_by(assignments.c.created_at, assignments.c.id)
        ).scalars()
    )


def members(conn: Connection, project_id: str) -> list[str]:
    m = schema.project_members
    return list(
        conn.execute(
            sa.select(m.c.email).where(m.c.project_id == project_id).order_by(m.c.email)
        ).scalars()
    )


def projects_of(email: str) -> sa.Select:
    """The ids of the projects ``email`` is a member of (a subquery)."""
    m = schema.project_members
    return sa.select(m.c.project_id).where(m.c.email == email)


def require_member(conn: Connection, project_id: str, emails: list[str]) -> None:
    """BadRequest naming the emails that are not members of the project."""
    known = set(members(conn, project_id))
    missing = [e for e in emails if e not in known]
    if missing:
        raise BadRequestError(
            f"Unknown assignee(s) {missing}: add them to the project first "
            "(project.add_member(email, role))"
        )


def ensure(conn: Connection, task: Any, email: str, creator: str, load: float | None = None) -> str:
    """The id of ``email``'s assignment in ``task``, created when missing (two processes
    creating it at once end up with the same one)."""
    now = now_iso()
    values = {
        "id": new_id(),
        "task_id": task.id,
        "project_id": task.project_id,
        "dataset_id": task.dataset_id,
        "name": assignment_name(task.name, email),
        "annotator": email,
        "status": "open",
        "load": load,
        "metadata": {},
        "creator": creator,
        "created_at": now,
        "updated_by": creator,
        "updated_at": now,
    }
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        dialect_insert(assignments)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["task_id", "annotator"])
    )
    found = find(conn, task.id, email)
    if load is not None and found.load != load:
        conn.execute(assignments.update().where(assignments.c.id == found.id).values(load=load))
    return found.id


def join(conn: Connection, task: Any, email: str, creator: str) -> str:
    """``email``'s assignment, joining the task if its team allows; else ForbiddenError."""
    found = find(conn, task.id, email)
    if found is not None:
        return found.id
    team = task.settings.get("allowed_assignees")
    if team is not None and email not in team:
        raise ForbiddenError(f"{email} is not an assignee of task {task.name!r}")
    if email not in members(conn, task.project_id):
        raise ForbiddenError(f"{email} is not a member of the project of task {task.name!r}")
    return ensure(conn, task, email, creator)
