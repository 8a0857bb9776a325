"""Putting items into a task and dealing them to assignees, in a few set-based statements.

Items join a task as 'task' rows of ``item_refs`` (numbered ``seq`` in the task's order, with
how many assignees each ``needed``), in one ``INSERT ... SELECT``. A distribution task then
deals them with one more statement per overlap slot: the item at position p goes to the
assignee at ``wheel[p % len(wheel)]``, where the wheel lists assignees in proportion to their
loads, spread out (smooth weighted round robin), and slot j of an overlapped item goes to the
j-th next distinct assignee. No Python loop touches the items.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import reduce

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.store import schema
from dl_jupyter.workflows.hashing import task_hash_sql
from dl_jupyter.workflows.overlap import Overlap

refs = schema.item_refs
items = schema.items
EQUAL_LOADS = 0.011  # loads this close (in percent) are an equal split: plain modulo


def load_wheel(loads: Sequence[float]) -> list[int]:
    """Assignee indexes in dealing order: each in proportion to its load, spread out."""
    if not loads or max(loads) <= 0:
        raise BadRequestError("A workload needs at least one assignee with a load above 0")
    if max(loads) - min(loads) <= EQUAL_LOADS:
        return list(range(len(loads)))
    weights = _whole_percents(loads)
    divisor = reduce(math.gcd, [w for w in weights if w])
    weights = [w // divisor for w in weights]
    total = sum(weights)
    current = [0] * len(weights)
    order = []
    for _ in range(total):
        current = [c + w for c, w in zip(current, weights)]
        pick = max(range(len(weights)), key=lambda i: (current[i], -i))
        current[pick] -= total
        order.append(pick)
    return order


def _whole_percents(loads: Sequence[float]) -> list[int]:
    """Loads as whole percents summing to 100 (largest remainders round up)."""
    scaled = [load * 100 / sum(loads) for load in loads]
    whole = [math.floor(s) for s in scaled]
    by_remainder = sorted(range(len(loads)), key=lambda i: whole[i] - scaled[i])
    for i in by_remainder[: 100 - sum(whole)]:
        whole[i] += 1
    return whole


def dealt_to(
    position: ColumnElement, wheel: list[int], assignee_refs: list[str], slot: int = 0
) -> ColumnElement:
    """SQL: the assignment that gets overlap ``slot`` of the item at 0-based ``position``."""
    n = len(assignee_refs)
    if wheel == list(range(n)):
        return sa.case({i: ref for i, ref in enumerate(assignee_refs)}, value=(position + slot) % n)
    cycle = len(wheel)
    if slot == 0:
        return sa.case({p: assignee_refs[i] for p, i in enumerate(wheel)}, value=position % cycle)
    first = sa.case({p: i for p, i in enumerate(wheel)}, value=position % cycle)
    return sa.case({i: ref for i, ref in enumerate(assignee_refs)}, value=(first + slot) % n)


def last_seq(conn: Connection, task_id: str) -> int:
    """The highest ``seq`` of the task's items (0 for none)."""
    found = conn.execute(
        sa.select(sa.func.max(refs.c.seq)).where(
            refs.c.ref_id == task_id, refs.c.ref_type == "task"
        )
    ).scalar()
    return int(found or 0)


def in_task(task_id: str) -> sa.Select:
    return sa.select(refs.c.item_id).where(refs.c.ref_id == task_id, refs.c.ref_type == "task")


def add_task_items(
    conn: Connection,
    task_id: str,
    dataset_id: str,
    where: ColumnElement[bool],
    order: list[tuple[ColumnElement, bool]],
    limit: int | None,
    policy: Overlap,
    dealt_count: int | None,
) -> tuple[int, int]:
    """Add the dataset's items matching ``where`` (not yet in the task) as task rows.

    ``dealt_count`` is how many assignees a distribution deals to (their slots are taken at
    once); None leaves every slot for assignees to pull. Returns (items added, previous last seq).
    """
    base = last_seq(conn, task_id)
    chosen = sa.and_(items.c.dataset_id == dataset_id, where, items.c.id.not_in(in_task(task_id)))
    clauses = [key.desc() if descending else key.asc() for key, descending in order]
    if limit is None:
        numbered = sa.select(
            items.c.id, items.c.dataset_id, sa.func.row_number().over(order_by=clauses).label("r")
        ).where(chosen)
    else:
        keys = [key.label(f"k{i}") for i, (key, _) in enumerate(order)]
        first = (
            sa.select(items.c.id.label("item"), items.c.dataset_id.label("dataset"), *keys)
            .where(chosen)
            .order_by(*clauses)
            .limit(limit)
            .subquery()
        )
        inner = [
            first.c[f"k{i}"].desc() if descending else first.c[f"k{i}"].asc()
            for i, (_, descending) in enumerate(order)
        ]
        numbered = sa.select(
            first.c.item.label("id"),
            first.c.dataset.label("dataset_id"),
            sa.func.row_number().over(order_by=inner).label("r"),
        )
    source = numbered.subquery()
    item_hash = task_hash_sql(conn, source.c.id) if policy.needs_hash else None
    needed = policy.needed_sql(item_hash)
    if dealt_count is None:
        taken: ColumnElement = sa.literal(0)
    else:
        taken = sa.literal(dealt_count) if policy.infinite else policy.needed_sql(item_hash)
    added = conn.execute(
        refs.insert().from_select(
            ["item_id", "ref_type", "ref_id", "dataset_id", "seq", "needed", "taken"],
            sa.select(
                source.c.id,
                sa.literal("task"),
                sa.literal(task_id),
                source.c.dataset_id,
                source.c.r + base,
                needed,
                taken,
            ),
        )
    ).rowcount
    return added, base


def deal(
    conn: Connection,
    task_id: str,
    after_seq: int,
    assignment_ids: list[str],
    loads: list[float],
    policy: Overlap,
    step: Callable[[], object] | None = None,
) -> None:
    """Give the task rows after ``after_seq`` to assignments: one statement per overlap slot."""
    wheel = load_wheel(loads)
    slots = len(assignment_ids) if policy.infinite else policy.high
    position = sa.cast(refs.c.seq, sa.BigInteger) - after_seq - 1
    for slot in range(slots):
        conn.execute(
            refs.insert().from_select(
                ["item_id", "ref_type", "ref_id", "dataset_id", "seq"],
                sa.select(
                    refs.c.item_id,
                    sa.literal("assignment"),
                    dealt_to(position, wheel, assignment_ids, slot),
                    refs.c.dataset_id,
                    refs.c.seq,
                ).where(
                    refs.c.ref_id == task_id,
                    refs.c.ref_type == "task",
                    refs.c.seq > after_seq,
                    sa.or_(refs.c.needed.is_(None), refs.c.needed > slot),
                ),
            )
        )
        if step is not None:
            step()


def move_open_items(
    conn: Connection, source_id: str, assignment_ids: list[str], loads: list[float]
) -> int:
    """Deal the items ``source_id`` holds without a status to ``assignment_ids`` by load.

    An item whose dealt assignee already holds it (overlap) goes to the next one that does not;
    when none is left the move is refused. Returns how many items moved.
    """
    wheel = load_wheel(loads)
    numbered = (
        sa.select(
            refs.c.item_id,
            (sa.func.row_number().over(order_by=(refs.c.seq, refs.c.item_id)) - 1).label(
                "position"
            ),
        )
        .where(refs.c.ref_id == source_id, sa.text(schema.QUEUE_CONDITION))
        .subquery()
    )
    moves = sa.select(
        numbered.c.item_id, dealt_to(numbered.c.position, wheel, assignment_ids).label("target")
    ).subquery()
    holder = refs.alias("holder")
    clash = sa.exists().where(
        holder.c.item_id == moves.c.item_id,
        holder.c.ref_type == "assignment",
        holder.c.ref_id == moves.c.target,
    )
    clashing = conn.execute(sa.select(moves.c.item_id, moves.c.target).where(clash)).all()
    moved = conn.execute(
        refs.update()
        .values(ref_id=moves.c.target)
        .where(
            refs.c.item_id == moves.c.item_id,
            refs.c.ref_type == "assignment",
            refs.c.ref_id == source_id,
            moves.c.target != source_id,
            sa.not_(clash),
        )
    ).rowcount
    for item_id, target in clashing:
        moved += _move_one(
            conn, item_id, source_id, assignment_ids, start=assignment_ids.index(target)
        )
    return moved


def _move_one(
    conn: Connection, item_id: str, source_id: str, assignment_ids: list[str], start: int
) -> int:
    holders = set(
        conn.execute(
            sa.select(refs.c.ref_id).where(
                refs.c.item_id == item_id, refs.c.ref_type == "assignment"
            )
        ).scalars()
    )
    for step in range(len(assignment_ids)):
        target = assignment_ids[(start + step) % len(assignment_ids)]
        if target == source_id:
            return 0
        if target not in holders:
            conn.execute(
                refs.update()
                .values(ref_id=target)
                .where(
                    refs.c.item_id == item_id,
                    refs.c.ref_type == "assignment",
                    refs.c.ref_id == source_id,
                )
            )
            return 1
    raise BadRequestError(
        f"Item {item_id} cannot move: every assignee of the workload holds it already"
    )
