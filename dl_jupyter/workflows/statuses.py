"""Item statuses in tasks, with their history, and what a status sets in motion.

An assignee's status goes on their 'assignment' row; the item's status in the task (the
'task' row, which ``metadata.system.annotationStatus`` and QA tasks read) follows once every
assignee it needs has answered: the status most of them gave. Every change is logged in
``item_status_log`` (``metadata.system.statusLog``).

Effects: 'issue' in a QA task sends the item back to its annotators in the parent task and
flags its annotations; when they complete it again it returns to the QA queue with its
annotations 'review'; 'approved' approves the annotations. Dynamic overlap may ask for one
more assignee, and finishing a qualification task records the score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dl_jupyter.exceptions import BadRequestError, ConflictError
from dl_jupyter.store import schema
from dl_jupyter.store.timeutil import new_id, now_iso
from dl_jupyter.workflows import dynamic, qualification
from dl_jupyter.workflows.options import TaskOptions

refs = schema.item_refs
log = schema.item_status_log
assignments = schema.assignments
annotations = schema.annotations
ISSUE = "issue"
ALIASES = {"complete": "completed", "discard": "discarded", "approve": "approved"}


def clears(operation: Any) -> bool:
    """True for the SDK's clearing operation ('delete'), False for 'create'."""
    value = str(operation).lower()
    if value in ("create", "created"):
        return False
    if value in ("delete", "deleted"):
        return True
    raise BadRequestError(f"operation must be 'create' or 'delete', got {operation!r}")


def actions_of(task: Any) -> list[str]:
    """The statuses an assignee may give in the task (QA tasks can also raise an issue)."""
    names = [a.action for a in task.available_actions]
    return [*names, ISSUE] if task.task_type == "qa" and ISSUE not in names else names


def action(task: Any, status: Any) -> str:
    """The task's action named ``status`` (case-insensitive, by name or display name)."""
    wanted = str(getattr(status, "value", status)).strip().lower()
    wanted = ALIASES.get(wanted, wanted)
    for candidate in task.available_actions:
        if wanted in (candidate.action.lower(), str(candidate.display_name).lower()):
            return candidate.action
    if task.task_type == "qa" and wanted == ISSUE:
        return ISSUE
    raise BadRequestError(
        f"Status {status!r} is not an action of task {task.name!r}; use one of {actions_of(task)}"
    )


def _log(
    conn: Connection,
    task_id: str,
    dataset_id: str,
    item_ids: Sequence[str],
    status: str | None,
    user: str,
    assignment_id: str | None = None,
) -> None:
    now = now_iso()
    conn.execute(
        log.insert(),
        [
            {
                "id": new_id(),
                "item_id": i,
                "dataset_id": dataset_id,
                "task_id": task_id,
                "assignment_id": assignment_id,
                "status": status,
                "operation": "delete" if status is None else "create",
                "creator": user,
                "created_at": now,
            }
            for i in item_ids
        ],
    )


def _in_task(task_id: str) -> sa.ColumnElement[bool]:
    return refs.c.ref_id.in_(sa.select(assignments.c.id).where(assignments.c.task_id == task_id))


def set_by_assignee(
    conn: Connection,
    client: Any,
    task: Any,
    assignment_id: str,
    email: str,
    item_ids: Sequence[str],
    status: str | None,
    user: str,
) -> None:
    """An assignee's status on items they hold (None clears it), with its consequences."""
    changed = set(
        conn.execute(
            refs.update()
            .where(
                refs.c.ref_id == assignment_id,
                refs.c.ref_type == "assignment",
                refs.c.item_id.in_(item_ids),
            )
            .values(status=status, status_by=user, status_at=now_iso())
            .returning(refs.c.item_id)
        ).scalars()
    )
    missing = [i for i in item_ids if i not in changed]
    if missing:
        raise ConflictError(
            f"Item {missing[0]} is not in {email}'s assignment of task {task.name!r} "
            "(it was reassigned or taken by someone else)"
        )
    _log(conn, task.id, task.dataset_id, item_ids, status, user, assignment_id)
    if task.task_type == "qa" and status == ISSUE:
        _send_back(conn, task, item_ids, user)
    else:
        finished = follow(conn, client, task, item_ids)
        if task.task_type == "qa" and status == "approved":
            _annotation_status(conn, item_ids, "approved", (None, "review"), user)
        _return_to_qa(conn, task, finished, user)
    if task.kind == "qualification" and _holds_nothing(conn, assignment_id):
        qualification.record(conn, client, task, assignment_id, email)
    refresh(conn, task.id, [assignment_id], always=False)


def set_by_manager(
    conn: Connection, client: Any, task: Any, item_ids: Sequence[str], status: str | None, user: str
) -> None:
    """Set (or clear) items' status in the task itself, and for assignees who gave none."""
    now = now_iso()
    conn.execute(
        refs.update()
        .where(refs.c.ref_id == task.id, refs.c.ref_type == "task", refs.c.item_id.in_(item_ids))
        .values(status=status, status_by=user, status_at=now)
    )
    mine = [_in_task(task.id), refs.c.ref_type == "assignment", refs.c.item_id.in_(item_ids)]
    if status is not None:
        mine.append(refs.c.status.is_(None))
    touched = list(conn.execute(sa.select(refs.c.ref_id).where(*mine).distinct()).scalars())
    conn.execute(refs.update().where(*mine).values(status=status, status_by=user, status_at=now))
    _log(conn, task.id, task.dataset_id, item_ids, status, user)
    refresh(conn, task.id, touched)


def follow(conn: Connection, client: Any, task: Any, item_ids: Sequence[str]) -> list[str]:
    """Bring the items' status in the task in line with their assignees' statuses; returns the
    items that now have one."""
    holder = refs.alias("holder")
    found = conn.execute(
        sa.select(
            refs.c.item_id,
            refs.c.needed,
            refs.c.taken,
            holder.c.status,
            holder.c.status_at,
            assignments.c.annotator,
        )
        .join(
            holder,
            sa.and_(holder.c.item_id == refs.c.item_id, holder.c.ref_type == "assignment"),
            isouter=True,
        )
        .join(
            assignments,
            sa.and_(assignments.c.id == holder.c.ref_id, assignments.c.task_id == task.id),
            isouter=True,
        )
        .where(refs.c.ref_id == task.id, refs.c.ref_type == "task", refs.c.item_id.in_(item_ids))
    ).all()
    state = {row.item_id: row for row in found}
    given: dict[str, list[tuple[str | None, str | None, str]]] = {i: [] for i in state}
    for row in found:
        if row.annotator is not None:
            given[row.item_id].append((row.status, row.status_at, row.annotator))
    finished = {}
    for item_id, answers in given.items():
        wanted = (
            state[item_id].needed if state[item_id].needed is not None else state[item_id].taken
        )
        done = [a for a in answers if a[0] is not None]
        if done and len(done) == len(answers) and len(done) >= (wanted or 1):
            finished[item_id] = [a[2] for a in done]
    growing = set(dynamic.items_needing_more(conn, client, task, finished))
    if growing:
        conn.execute(
            refs.update()
            .values(needed=refs.c.needed + 1)
            .where(
                refs.c.ref_id == task.id,
                refs.c.ref_type == "task",
                refs.c.item_id.in_(growing),
                refs.c.needed < _most(task),
            )
        )
    decided: dict[str | None, list[str]] = {}
    for item_id in given:
        if item_id in finished and item_id not in growing:
            decided.setdefault(_majority(given[item_id]), []).append(item_id)
        else:
            decided.setdefault(None, []).append(item_id)
    for status, ids in decided.items():
        conn.execute(
            refs.update()
            .where(refs.c.ref_id == task.id, refs.c.ref_type == "task", refs.c.item_id.in_(ids))
            .values(status=status, status_at=now_iso() if status else None)
        )
    return [i for s, ids in decided.items() if s is not None for i in ids]


def _most(task: Any) -> int:
    return TaskOptions.from_settings(task.settings).policy.most or 0


def _majority(answers: list[tuple[str | None, str | None, str]]) -> str:
    """The status most assignees gave; a tie goes to the most recent of the tied ones."""
    counts = Counter(status for status, _, _ in answers)
    top = max(counts.values())
    tied = [a for a in answers if counts[a[0]] == top]
    return max(tied, key=lambda a: a[1] or "")[0]


def _annotation_status(
    conn: Connection,
    item_ids: Sequence[str],
    status: str,
    current: tuple[str | None, ...],
    user: str,
) -> None:
    known = [s for s in current if s is not None]
    was = (
        sa.or_(annotations.c.status.in_(known), annotations.c.status.is_(None))
        if None in current
        else annotations.c.status.in_(known)
    )
    conn.execute(
        annotations.update()
        .where(annotations.c.item_id.in_(item_ids), was)
        .values(
            status=status, updated_by=user, updated_at=now_iso(), version=annotations.c.version + 1
        )
    )


def _send_back(conn: Connection, qa_task: Any, item_ids: Sequence[str], user: str) -> None:
    """A QA issue: the items go back to their annotators in the parent task."""
    parent_id = qa_task.parent_id
    now = now_iso()
    conn.execute(
        refs.update()
        .where(refs.c.ref_id == parent_id, refs.c.ref_type == "task", refs.c.item_id.in_(item_ids))
        .values(status=ISSUE, status_by=user, status_at=now)
    )
    conn.execute(
        refs.update()
        .where(_in_task(parent_id), refs.c.ref_type == "assignment", refs.c.item_id.in_(item_ids))
        .values(status=None, status_by=user, status_at=now)
    )
    _log(conn, parent_id, qa_task.dataset_id, item_ids, ISSUE, user)
    flagged = set(
        conn.execute(
            sa.select(annotations.c.item_id).where(
                annotations.c.item_id.in_(item_ids), annotations.c.status == ISSUE
            )
        ).scalars()
    )
    unflagged = [i for i in item_ids if i not in flagged]
    if unflagged:
        _annotation_status(conn, unflagged, ISSUE, (None, "review", "approved"), user)
    conn.execute(
        refs.update()
        .where(refs.c.ref_id == qa_task.id, refs.c.ref_type == "task", refs.c.item_id.in_(item_ids))
        .values(status=None, status_at=None)
    )
    refresh(
        conn,
        parent_id,
        list(
            conn.execute(
                sa.select(assignments.c.id).where(assignments.c.task_id == parent_id)
            ).scalars()
        ),
    )


def _return_to_qa(conn: Connection, task: Any, item_ids: Sequence[str], user: str) -> None:
    """Items completed again after a QA issue go back into their reviewers' queues."""
    if not item_ids:
        return
    qa = assignments.alias("qa")
    qa_tasks = sa.select(schema.tasks.c.id).where(schema.tasks.c.parent_id == task.id)
    waiting = conn.execute(
        sa.select(refs.c.item_id, refs.c.ref_id, qa.c.task_id)
        .join(qa, qa.c.id == refs.c.ref_id)
        .where(
            qa.c.task_id.in_(qa_tasks),
            refs.c.ref_type == "assignment",
            refs.c.status == ISSUE,
            refs.c.item_id.in_(item_ids),
        )
    ).all()
    for row in waiting:
        conn.execute(
            refs.update()
            .where(
                refs.c.item_id == row.item_id,
                refs.c.ref_id == row.ref_id,
                refs.c.ref_type == "assignment",
            )
            .values(status=None, status_by=user, status_at=now_iso())
        )
        _log(conn, row.task_id, task.dataset_id, [row.item_id], None, user, row.ref_id)
        refresh(conn, row.task_id, [row.ref_id])
    if waiting:
        _annotation_status(conn, sorted({r.item_id for r in waiting}), "review", (ISSUE,), user)


def _holds_nothing(conn: Connection, assignment_id: str) -> bool:
    return (
        conn.execute(
            sa.select(refs.c.item_id)
            .where(refs.c.ref_id == assignment_id, sa.text(schema.QUEUE_CONDITION))
            .limit(1)
        ).first()
        is None
    )


def refresh(
    conn: Connection, task_id: str, assignment_ids: Sequence[str], always: bool = True
) -> None:
    """Assignments holding nothing are 'completed'; so is a task with nothing left to hand out.
    Without ``always`` the task is looked at only when an assignment's status changed (an
    assignee's answer can only complete a task by completing their assignment)."""
    changed = always
    for assignment_id in assignment_ids:
        holds = sa.exists().where(refs.c.ref_id == assignment_id, sa.text(schema.QUEUE_CONDITION))
        status = sa.case((holds, "open"), else_="completed")
        changed |= (
            conn.execute(
                assignments.update()
                .where(assignments.c.id == assignment_id, assignments.c.status != status)
                .values(status=status)
            ).rowcount
            > 0
        )
    if not changed:
        return
    busy = conn.execute(
        sa.select(assignments.c.id)
        .where(assignments.c.task_id == task_id, assignments.c.status == "open")
        .limit(1)
    ).first()
    pooled = conn.execute(
        sa.select(refs.c.item_id)
        .where(refs.c.ref_id == task_id, sa.text(schema.POOL_CONDITION))
        .limit(1)
    ).first()
    status = "open" if busy or pooled else "completed"
    conn.execute(
        schema.tasks.update()
        .where(schema.tasks.c.id == task_id, schema.tasks.c.status != status)
        .values(status=status)
    )
