"""Qualification: an assignee answers a task of gold items; their score and pass are recorded
when they finish, and production tasks created with ``qualification_task`` admit only those
who passed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dl_jupyter.exceptions import ForbiddenError
from dl_jupyter.store import schema
from dl_jupyter.store.timeutil import now_iso
from dl_jupyter.workflows import gold

results = schema.qualification_results
refs = schema.item_refs


def graded_answers(
    conn: Connection, client: Any, assignment_id: str, email: str, only_gold_of: str | None = None
) -> list[gold.Grade]:
    """Grades of the items an assignment gave a status to that have known solutions
    (only the task's gold items, for ``only_gold_of``)."""
    query = sa.select(refs.c.item_id).where(
        refs.c.ref_id == assignment_id, refs.c.ref_type == "assignment", refs.c.status.is_not(None)
    )
    if only_gold_of is not None:
        g = schema.task_gold
        query = query.where(
            refs.c.item_id.in_(sa.select(g.c.item_id).where(g.c.task_id == only_gold_of))
        )
    item_ids = list(conn.execute(query).scalars())
    known = gold.solutions_of(conn, item_ids, gold.KNOWN)
    answered = gold.answers(conn, client, list(known), [email])
    return [
        gold.grade(gold.answer_of(answered.get((item_id, email), [])), known[item_id])
        for item_id in known
    ]


def record(conn: Connection, client: Any, task: Any, assignment_id: str, email: str) -> None:
    """Score a finished qualification and store it (replacing an earlier result)."""
    grades = graded_answers(conn, client, assignment_id, email)
    score = sum(g.credit for g in grades) / len(grades) if grades else 0.0
    passed = bool(grades) and score >= task.settings["pass_score"]
    conn.execute(results.delete().where(results.c.task_id == task.id, results.c.annotator == email))
    conn.execute(
        results.insert().values(
            task_id=task.id,
            annotator=email,
            score=score,
            passed=passed,
            answered=len(grades),
            created_at=now_iso(),
        )
    )


def require_pass(conn: Connection, task: Any, email: str) -> None:
    """ForbiddenError unless ``email`` passed the qualification the task requires."""
    qualification = task.settings.get("qualification_task_id")
    if qualification is None:
        return
    passed = conn.execute(
        sa.select(results.c.passed).where(
            results.c.task_id == qualification, results.c.annotator == email
        )
    ).scalar()
    if not passed:
        name = conn.execute(
            sa.select(schema.tasks.c.name).where(schema.tasks.c.id == qualification)
        ).scalar()
        raise ForbiddenError(
            f"{email} must pass qualification task {name or qualification!r} before "
            f"working on task {task.name!r}"
        )
