"""Leases: what an assignee holds, pulling more from the task's pool, and work stealing.

An assignee holds an item while its 'assignment' row has no status. Pulling takes the
first items of the pool (task rows still short of assignees) in the task's order, after
where the assignee's last pull ended. On PostgreSQL the candidate rows are locked with
``FOR UPDATE SKIP LOCKED``, so concurrent pulls take disjoint items and never hand out an
item beyond its overlap; each assignee's own pulls queue on a lock of their assignment row.
On SQLite every write transaction already runs alone (``BEGIN IMMEDIATE``).

Two processes of one assignee share their assignment, but each skips the item the other one
is showing (a short lease per queue), so they never work on the same item at once.

Work stealing: an assignee with nothing left takes items held without a status by
assignees idle for longer than the task's timeout (Prodigy's remedy for examples locked in
a stale session); with ``allow_work_stealing=False`` it never happens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from dl_jupyter.repositories import rows
from dl_jupyter.store import schema
from dl_jupyter.store.timeutil import now_iso, to_iso
from dl_jupyter.workflows import access, routing, sessions
from dl_jupyter.workflows.hashing import task_hash, task_hash_sql

refs = schema.item_refs
assignments = schema.assignments
POOL = sa.text(schema.POOL_CONDITION)
QUEUE = sa.text(schema.QUEUE_CONDITION)
leases = schema.queue_leases
Position = float  # a place in a task's order: a ``seq`` (unique among a task's items)
SHOWN_LEASE_S = 600  # how long an item a queue showed stays out of the assignee's other queues


@dataclass
class Lease:
    """One assignee's hold on a task, inside a write transaction."""

    conn: Connection
    task: Any
    assignment_id: str
    email: str
    client: Any
    token: str = ""  # the queue working through this lease

    @property
    def postgres(self) -> bool:
        return self.conn.dialect.name == "postgresql"

    def lock(self) -> Row | None:
        """The assignment row, marked active now and locked against the assignee's other
        processes; None when the assignment is gone or is someone else's now (reassigned)."""
        return self.conn.execute(
            assignments.update()
            .where(assignments.c.id == self.assignment_id, assignments.c.annotator == self.email)
            .values(last_active_at=now_iso())
            .returning(*assignments.c)
        ).first()

    def touch(self, cursor: Position, took: bool) -> None:
        """Record where the last pull ended (and that the assignment is open, if it took items)."""
        values: dict[str, Any] = {"cursor_seq": cursor}
        if took:
            values["status"] = "open"
        self.conn.execute(
            assignments.update().where(assignments.c.id == self.assignment_id).values(**values)
        )

    # -- what is held ----------------------------------------------------------------
    def held_after(self, after: Position | None, other_than: str | None = None) -> Row | None:
        """The first item held without a status after ``after`` (from the start for None),
        leaving out the item another queue of this assignee is showing."""
        query = sa.select(refs.c.item_id, refs.c.seq).where(
            refs.c.ref_id == self.assignment_id,
            QUEUE,
            sa.not_(self._shown_elsewhere(refs.c.item_id)),
        )
        if after is not None:
            query = query.where(refs.c.seq > after)
        if other_than is not None:
            query = query.where(refs.c.item_id != other_than)
        return self.conn.execute(query.order_by(refs.c.seq).limit(1)).first()

    def _shown_elsewhere(self, item_id: sa.ColumnElement) -> sa.ColumnElement[bool]:
        fresh = to_iso(datetime.now(timezone.utc) - timedelta(seconds=SHOWN_LEASE_S))
        return sa.exists().where(
            leases.c.assignment_id == self.assignment_id,
            leases.c.item_id == item_id,
            leases.c.token != self.token,
            leases.c.leased_at > fresh,
        )

    def show(self, item_id: str) -> None:
        """Lease ``item_id`` to this queue (in place of the item it showed before)."""
        values = {
            "assignment_id": self.assignment_id,
            "token": self.token,
            "item_id": item_id,
            "leased_at": now_iso(),
        }
        insert = (postgresql.insert if self.postgres else sqlite.insert)(leases).values(**values)
        self.conn.execute(
            insert.on_conflict_do_update(
                index_elements=["assignment_id", "token"],
                set_={"item_id": item_id, "leased_at": values["leased_at"]},
            )
        )

    def done_with(self, item_id: str) -> None:
        """The item got a status: no queue of the assignee is showing it any more."""
        self.conn.execute(
            leases.delete().where(
                leases.c.assignment_id == self.assignment_id, leases.c.item_id == item_id
            )
        )

    def held(self) -> int:
        """How many items this assignee holds without a status."""
        return self.conn.execute(
            sa.select(sa.func.count())
            .select_from(refs)
            .where(refs.c.ref_id == self.assignment_id, QUEUE)
        ).scalar_one()

    def counts(self) -> tuple[int, int]:
        """(items held or done, items held without a status)."""
        total = self.conn.execute(
            sa.select(sa.func.count()).select_from(refs).where(refs.c.ref_id == self.assignment_id)
        ).scalar_one()
        return total, self.held()

    def _not_mine(self, item_id: sa.ColumnElement) -> sa.ColumnElement[bool]:
        mine = refs.alias("mine")
        return sa.not_(
            sa.exists().where(
                mine.c.item_id == item_id,
                mine.c.ref_type == "assignment",
                mine.c.ref_id == self.assignment_id,
            )
        )

    def _allowed(self, item_id: sa.ColumnElement) -> sa.ColumnElement[bool]:
        return access.allowed_for(self.task.id, self.email, item_id)

    # -- pulling ---------------------------------------------------------------------
    def pull(self, want: int, cursor: Position | None) -> int:
        """Take up to ``want`` items from the pool (routing them when the task has a router)."""
        router = routing.router_of(self.task)
        taken = 0
        start, after, wrapped = cursor, cursor, False
        while taken < want:
            window = max(2 * want, 20) if router else want - taken
            candidates = self._pool(after, start if wrapped else None, window)
            if not candidates:
                if wrapped or start is None:
                    break
                after, wrapped = None, True  # the pool behind the cursor: released or grown items
                continue
            if router is None:
                self.give(self.assignment_id, candidates)
                taken += len(candidates)
                last = candidates[-1]
            else:
                took, last = self._route(router, candidates, want - taken)
                taken += took
            after = last.seq
        if after is not None and after != cursor:
            self.touch(after, took=taken > 0)
        return taken

    def _pool(self, after: Position | None, until: Position | None, window: int) -> Sequence[Row]:
        query = sa.select(refs.c.item_id, refs.c.seq, refs.c.needed, refs.c.dataset_id).where(
            refs.c.ref_id == self.task.id,
            POOL,
            self._not_mine(refs.c.item_id),
            self._allowed(refs.c.item_id),
        )
        if after is not None:
            query = query.where(refs.c.seq > after)
        if until is not None:
            query = query.where(refs.c.seq <= until)
        query = query.order_by(refs.c.seq).limit(window)
        if self.postgres:
            query = query.with_for_update(skip_locked=True, of=refs)
        return self.conn.execute(query).all()

    def give(self, assignment_id: str, candidates: Sequence[Row]) -> None:
        """Hand ``candidates`` (task rows) to an assignment, counting one more holder each."""
        ids = [c.item_id for c in candidates]
        self.conn.execute(
            refs.insert(),
            [
                {
                    "item_id": c.item_id,
                    "ref_type": "assignment",
                    "ref_id": assignment_id,
                    "dataset_id": c.dataset_id,
                    "seq": c.seq,
                }
                for c in candidates
            ],
        )
        self.conn.execute(
            refs.update()
            .values(taken=refs.c.taken + 1)
            .where(
                refs.c.ref_id == self.task.id, refs.c.ref_type == "task", refs.c.item_id.in_(ids)
            )
        )
        if assignment_id != self.assignment_id:  # a router gave it to someone else
            self.reopen(assignment_id)

    def reopen(self, assignment_id: str) -> None:
        """An assignment given items is open again."""
        self.conn.execute(
            assignments.update()
            .where(assignments.c.id == assignment_id, assignments.c.status != "open")
            .values(status="open")
        )

    def _route(
        self, router: routing.Router, candidates: Sequence[Row], want: int
    ) -> tuple[int, Row]:
        """Route candidates until ``want`` came to this assignee; returns (taken, last seen)."""
        entities = self._items([c.item_id for c in candidates if c.needed is None])
        team = sessions.sessions(self.conn, self.task.id)
        current: dict[str, Any] = {}
        ctrl = routing.Controller(
            self.task,
            team,
            sessions.members(self.conn, self.task.project_id),
            join=lambda email: sessions.join(self.conn, self.task, email, self.email),
            holders=lambda: self._holders(current["item"]),
        )
        taken = 0
        for candidate in candidates:
            last = candidate
            if (
                candidate.needed is not None
            ):  # routed before, one holder short: any session may take it
                self.give(self.assignment_id, [candidate])
                taken += 1
            else:
                current["item"] = candidate.item_id
                item = routing.router_item(
                    entities[candidate.item_id], task_hash(candidate.item_id)
                )
                chosen = routing.route(router, ctrl, self.email, item)
                self.conn.execute(
                    refs.update()
                    .values(needed=len(chosen))
                    .where(
                        refs.c.ref_id == self.task.id,
                        refs.c.ref_type == "task",
                        refs.c.item_id == candidate.item_id,
                    )
                )
                for email in chosen:
                    self.give(sessions.join(self.conn, self.task, email, self.email), [candidate])
                taken += self.email in chosen
            if taken >= want:
                break
        return taken, last

    def _holders(self, item_id: str) -> int:
        return (
            self.conn.execute(
                sa.select(refs.c.taken).where(
                    refs.c.ref_id == self.task.id,
                    refs.c.ref_type == "task",
                    refs.c.item_id == item_id,
                )
            ).scalar()
            or 0
        )

    def _items(self, item_ids: list[str]) -> dict[str, Any]:
        if not item_ids:
            return {}
        found = self.conn.execute(sa.select(schema.items).where(schema.items.c.id.in_(item_ids)))
        return {row.id: rows.item(row, self.client) for row in found}

    # -- gold ------------------------------------------------------------------------
    def gold_due(self, ratio: float) -> bool:
        """Whether the next item should be gold: gold items served stay at ``ratio`` of the
        items answered plus gold served (items skipped without a status do not count)."""
        if ratio <= 0:
            return False
        gold = schema.task_gold
        is_gold = refs.c.item_id.in_(
            sa.select(gold.c.item_id).where(gold.c.task_id == self.task.id)
        )
        mine = (
            sa.select(sa.func.count()).select_from(refs).where(refs.c.ref_id == self.assignment_id)
        )
        golden = self.conn.execute(mine.where(is_gold)).scalar_one()
        answered = self.conn.execute(
            mine.where(sa.not_(is_gold), refs.c.status.is_not(None))
        ).scalar_one()
        return golden < int((answered + golden + 1) * ratio)

    def serve_gold(self, after: Position | None) -> str | None:
        """Put a gold item this assignee has not seen right after ``after`` in their queue."""
        gold = schema.task_gold
        pick = self.conn.execute(
            sa.select(gold.c.item_id)
            .where(
                gold.c.task_id == self.task.id,
                self._not_mine(gold.c.item_id),
                self._allowed(gold.c.item_id),
            )
            .order_by(task_hash_sql(self.conn, gold.c.item_id + self.assignment_id))
            .limit(1)
        ).scalar()
        if pick is None:
            return None
        following = self.held_after(after)
        low = after or 0.0
        high = following.seq if following is not None else low + 1
        row = self.conn.execute(
            sa.select(refs.c.item_id, refs.c.dataset_id).where(
                refs.c.ref_id == self.task.id, refs.c.ref_type == "task", refs.c.item_id == pick
            )
        ).one()
        self.conn.execute(
            refs.insert().values(
                item_id=pick,
                ref_type="assignment",
                ref_id=self.assignment_id,
                dataset_id=row.dataset_id,
                seq=(low + high) / 2,
            )
        )
        self.conn.execute(
            refs.update()
            .values(taken=refs.c.taken + 1)
            .where(refs.c.ref_id == self.task.id, refs.c.ref_type == "task", refs.c.item_id == pick)
        )
        self.reopen(self.assignment_id)
        return pick

    # -- work stealing ---------------------------------------------------------------
    def steal(self, want: int, timeout_s: float) -> int:
        """Take up to ``want`` items held without a status by assignees idle past the timeout."""
        cutoff = to_iso(datetime.now(timezone.utc) - timedelta(seconds=timeout_s))
        idle = sa.select(assignments.c.id).where(
            assignments.c.task_id == self.task.id,
            assignments.c.id != self.assignment_id,
            sa.func.coalesce(assignments.c.last_active_at, assignments.c.created_at) < cutoff,
        )
        query = (
            sa.select(refs.c.item_id, refs.c.ref_id)
            .where(
                refs.c.ref_id.in_(idle),
                QUEUE,
                self._not_mine(refs.c.item_id),
                self._allowed(refs.c.item_id),
            )
            .order_by(refs.c.seq)
            .limit(want)
        )
        if self.postgres:
            query = query.with_for_update(skip_locked=True, of=refs)
        stolen = self.conn.execute(query).all()
        victims: dict[str, list[str]] = {}
        for row in stolen:
            victims.setdefault(row.ref_id, []).append(row.item_id)
        for victim, item_ids in victims.items():
            self.conn.execute(
                refs.update()
                .values(ref_id=self.assignment_id)
                .where(
                    refs.c.ref_id == victim,
                    refs.c.ref_type == "assignment",
                    refs.c.item_id.in_(item_ids),
                )
            )
        if stolen:
            self.reopen(self.assignment_id)
        return len(stolen)


def release(
    conn: Connection,
    task_id: str,
    assignment_ids: Sequence[str],
    only: Callable[[sa.ColumnElement], sa.ColumnElement[bool]] | None = None,
) -> int:
    """Drop the held (no status) rows of these assignments back into the task's pool."""

    def held(table: sa.Table) -> list[sa.ColumnElement[bool]]:
        where = [
            table.c.ref_id.in_(assignment_ids),
            table.c.ref_type == "assignment",
            table.c.status.is_(None),
        ]
        return where if only is None else [*where, only(table.c.item_id)]

    holder = refs.alias("holder")
    counted = (
        sa.select(holder.c.item_id, sa.func.count().label("n"))
        .where(*held(holder))
        .group_by(holder.c.item_id)
        .subquery()
    )
    conn.execute(
        refs.update()
        .values(taken=refs.c.taken - counted.c.n)
        .where(
            refs.c.item_id == counted.c.item_id, refs.c.ref_id == task_id, refs.c.ref_type == "task"
        )
    )
    return conn.execute(refs.delete().where(*held(refs))).rowcount
