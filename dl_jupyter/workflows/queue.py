"""An annotator's queue: the items of one task to work on, one after the other.

``next()`` serves the next item the assignee holds; when they hold nothing further it pulls
from the task's pool (a batch, never holding more than ``max_batch_workload`` in a pulling
task), then comes back to items they skipped, then steals from idle assignees. Gold items
are mixed in at the task's ratio. ``previous()`` walks back over what was served.
``set_status(item, status)`` takes one of the task's actions. Each call is one transaction,
so several processes can work the same task at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from dl_jupyter import _html
from dl_jupyter.exceptions import ConflictError
from dl_jupyter.workflows import gold, qualification, sessions, statuses
from dl_jupyter.workflows.options import TaskOptions
from dl_jupyter.workflows.pulling import Lease, Position

DISTRIBUTION_PULL = 10  # what an assignee of a distribution task takes from the pool at once


class Queue:
    """The items of ``task`` for ``assignee_id``: ``next()``, ``previous()``, ``set_status()``."""

    def __init__(self, client: Any, task: Any, assignee_id: str) -> None:
        self._client = client
        self.task = task
        self.assignee_id = assignee_id
        self._options = TaskOptions.from_settings(task.settings)
        self._served: list[str] = []
        self._index = -1
        self._cursor: Position | None = None  # where the newest served item sits in the task
        self._current: Any = None
        self._assignment_id: str | None = None
        self._token = uuid.uuid4().hex  # names this queue in the leases of the items it shows

    # -- what the annotator sees ----------------------------------------------------------
    @property
    def available_actions(self) -> list[str]:
        return statuses.actions_of(self.task)

    @property
    def current(self) -> Any:
        """The item served last (None before the first ``next()``)."""
        return self._current

    @property
    def position(self) -> tuple[int, int]:
        """(items done, items given) for this assignee."""
        with self._client.store.read() as conn:
            found = sessions.find(conn, self.task.id, self.assignee_id)
            if found is None:
                return 0, 0
            total, held = self._lease(conn, found.id).counts()
        return total - held, total

    # -- moving ---------------------------------------------------------------------------
    def next(self) -> Any:
        """The next item to work on, or None when there is nothing left for this assignee."""
        if self._index + 1 < len(self._served):
            self._index += 1
            return self._show(self._served[self._index])
        with self._client.store.write() as conn:
            if conn.dialect.name == "postgresql":  # serving is safe to lose in a server crash
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            lease, assignment = self._locked(conn, join=True)
            qualification.require_pass(conn, self.task, self.assignee_id)
            found = self._find(lease, assignment)
            if found is not None:
                lease.show(found.item_id)
        if found is None:
            return None
        self._cursor = found.seq
        self._served.append(found.item_id)
        self._index = len(self._served) - 1
        return self._show(found.item_id)

    def _find(self, lease: Lease, assignment: Any) -> Any:
        current = self._served[-1] if self._served else None
        if lease.gold_due(self._options.gold_ratio):
            gold_item = lease.serve_gold(self._cursor)
            if gold_item is not None:
                return lease.held_after(self._cursor)
        found = lease.held_after(self._cursor)
        if found is None and self._pull(lease, assignment):
            found = lease.held_after(self._cursor) or lease.held_after(None, other_than=current)
        if found is None:  # back to items this assignee skipped
            found = lease.held_after(None, other_than=current)
        if found is None and self._options.allow_work_stealing:
            wanted = self._options.batch_size or DISTRIBUTION_PULL
            if lease.steal(wanted, self._options.work_stealing_timeout):
                found = lease.held_after(None, other_than=current)
        return found

    def _pull(self, lease: Lease, assignment: Any) -> int:
        if self._options.pulling:
            held = lease.held()
            wanted = min(self._options.batch_size, self._options.max_batch_workload - held)
        else:
            wanted = DISTRIBUTION_PULL
        if wanted <= 0:
            return 0
        return lease.pull(wanted, assignment.cursor_seq)

    def previous(self) -> Any:
        """The item served before the current one, or None at the start."""
        if self._index <= 0:
            return None
        self._index -= 1
        return self._show(self._served[self._index])

    def set_status(self, item: Any, status: Any) -> bool:
        """Give ``item`` one of the task's actions (case-insensitive), e.g. 'completed'."""
        name = statuses.action(self.task, status)
        item_id = getattr(item, "id", item)
        with self._client.store.write() as conn:
            lease, _ = self._locked(conn, join=False)
            statuses.set_by_assignee(
                conn,
                self._client,
                self.task,
                lease.assignment_id,
                self.assignee_id,
                [item_id],
                name,
                self._acting(),
            )
            lease.done_with(item_id)
        return True

    def gold_feedback(self, item: Any) -> gold.Grade | None:
        """For a gold item: whether this assignee's answer is right, and the hint if not."""
        item_id = getattr(item, "id", item)
        with self._client.store.read() as conn:
            known = gold.solutions_of(conn, [item_id], gold.KNOWN).get(item_id)
            if not known:
                return None
            given = gold.answers(conn, self._client, [item_id], [self.assignee_id])
        return gold.grade(gold.answer_of(given.get((item_id, self.assignee_id), [])), known)

    def __iter__(self) -> Iterator[Any]:
        """Serve items until none is left (set each one's status as you go)."""
        while (item := self.next()) is not None:
            yield item

    # -- helpers ------------------------------------------------------------------------
    def _acting(self) -> str:
        return self._client.require_user()

    def _locked(self, conn: Any, join: bool) -> tuple[Lease, Any]:
        """This assignee's lease on the task, its assignment row locked; joins the task when
        ``join`` (else a ConflictError when there is no assignment)."""
        if self._assignment_id is not None:
            lease = self._lease(conn, self._assignment_id)
            assignment = lease.lock()
            if assignment is not None:
                return lease, assignment
        found = sessions.find(conn, self.task.id, self.assignee_id)
        if found is not None:
            self._assignment_id = found.id
        elif join:
            self._assignment_id = sessions.join(conn, self.task, self.assignee_id, self._acting())
        else:
            raise ConflictError(f"{self.assignee_id} holds no items of task {self.task.name!r}")
        lease = self._lease(conn, self._assignment_id)
        return lease, lease.lock()

    def _lease(self, conn: Any, assignment_id: str) -> Lease:
        return Lease(conn, self.task, assignment_id, self.assignee_id, self._client, self._token)

    def _show(self, item_id: str) -> Any:
        self._current = self._client.items_repo(dataset_id=self.task.dataset_id).get(
            item_id=item_id
        )
        return self._current

    def __repr__(self) -> str:
        return f"Queue(task={self.task.name!r}, assignee={self.assignee_id!r})"

    def _repr_html_(self) -> str:
        done, total = self.position
        rows = [
            ("task", self.task.name),
            ("assignee", self.assignee_id),
            ("done", f"{done} of {total}"),
            ("actions", ", ".join(self.available_actions)),
        ]
        if self._current is not None:
            rows.append(("current", self._current.filename))
        return _html.table(rows, title="Queue")
