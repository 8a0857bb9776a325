"""``task.assignments`` / ``project.assignments`` / ``dataset.assignments`` / ``dl.assignments``.

An assignment is one assignee's share of a task. Reassigning hands the whole assignment to
someone else; redistributing deals its items that have no status yet between a workload's
assignees (as a distribution task does); deleting gives those items back to the task's pool.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dl_jupyter.entities.task import Assignment, EntityList
from dl_jupyter.exceptions import BadRequestError, ConflictError, NotFoundError
from dl_jupyter.repositories.base import Repository
from dl_jupyter.repositories.permissions import Action
from dl_jupyter.store import schema
from dl_jupyter.store.timeutil import now_iso
from dl_jupyter.workflows import distribution, progress, pulling, records, sessions, statuses
from dl_jupyter.workflows.options import TaskOptions
from dl_jupyter.workflows.selection import item_ids, select_items, with_condition, workload_of

a = schema.assignments
refs = schema.item_refs


class Assignments(Repository):
    """Assignments of a task, dataset or project (or, for ``dl.assignments``, of every project)."""

    def __init__(
        self,
        client: Any,
        project: Any = None,
        dataset: Any = None,
        task: Any = None,
        project_id: str | None = None,
        dataset_id: str | None = None,
        task_id: str | None = None,
    ) -> None:
        super().__init__(client)
        self.task = task
        self.task_id = getattr(task, "id", None) or task_id
        self.dataset_id = getattr(dataset, "id", None) or dataset_id
        self.project_id = getattr(project, "id", None) or project_id

    def _task(self, task: Any = None, task_id: str | None = None) -> Any:
        task = task or (self.task if task_id is None else None)
        if task is not None:
            return task
        wanted = task_id or self.task_id
        if wanted is None:
            raise BadRequestError(
                "This needs a task: use task.assignments, or pass task= / task_id="
            )
        return self.client.tasks_repo().get(task_id=wanted)

    def _scoped(self, query: sa.Select) -> sa.Select:
        """Assignments of this task, dataset or project, in the user's projects."""
        if self.task_id is not None:
            query = query.where(a.c.task_id == self.task_id)
        elif self.dataset_id is not None:
            query = query.where(a.c.dataset_id == self.dataset_id)
        elif self.project_id is not None:
            query = query.where(a.c.project_id == self.project_id)
        return query.where(a.c.project_id.in_(sessions.projects_of(self.client.require_user())))

    # -- reading -----------------------------------------------------------------------
    def get(
        self, assignment_name: str | None = None, assignment_id: str | None = None
    ) -> Assignment:
        """An assignment by id, or by name in this task, dataset or project."""
        if assignment_id is None and assignment_name is None:
            raise BadRequestError("assignments.get needs assignment_name or assignment_id")
        query = (
            sa.select(a).where(a.c.id == assignment_id)
            if assignment_id is not None
            else self._scoped(sa.select(a).where(a.c.name == assignment_name))
        )
        with self.store.read() as conn:
            found = conn.execute(query.limit(2)).all()
            what = (
                f"Id: {assignment_id!r}"
                if assignment_id is not None
                else f"Name: {assignment_name!r}"
            )
            if not found:
                raise NotFoundError(f"Assignment not found. {what}")
            if len(found) > 1:
                raise BadRequestError(
                    f"More than one assignment matches. {what}; use assignment_id"
                )
            self.client.require(found[0].project_id, Action.READ, conn)
        return records.assignment(found[0], self.client)

    def list(
        self,
        project_ids: Any = None,
        status: str | None = None,
        assignment_name: str | None = None,
        assignee_id: str | None = None,
        pages_size: int | None = None,
        page_offset: int | None = None,
        task_id: str | None = None,
    ) -> EntityList:
        """The assignments in scope, filtered by status, name, assignee or task."""
        query = self._scoped(sa.select(a))
        if project_ids is not None:
            query = query.where(
                a.c.project_id.in_([project_ids] if isinstance(project_ids, str) else project_ids)
            )
        for column, value in (
            (a.c.status, statuses.ALIASES.get(status, status)),
            (a.c.name, assignment_name),
            (a.c.annotator, assignee_id),
            (a.c.task_id, task_id),
        ):
            if value is not None:
                query = query.where(column == value)
        query = query.order_by(a.c.created_at, a.c.id)
        if pages_size:
            query = query.limit(pages_size).offset((page_offset or 0) * pages_size)
        with self.store.read() as conn:
            return EntityList(records.assignment(r, self.client) for r in conn.execute(query))

    def get_items(
        self,
        assignment: Assignment | None = None,
        assignment_id: str | None = None,
        assignment_name: str | None = None,
        dataset: Any = None,
        filters: Any = None,
    ) -> Any:
        """Pages of the assignment's items (narrowed by ``filters``)."""
        assignment = assignment or self.get(
            assignment_name=assignment_name, assignment_id=assignment_id
        )
        return self.client.items_repo(dataset_id=assignment.dataset_id).list(
            filters=with_condition(filters, "metadata.system.refs.id", assignment.id)
        )

    def count_items(self, assignment: Assignment) -> int:
        with self.store.read() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(refs).where(refs.c.ref_id == assignment.id)
            ).scalar_one()

    def items_frame(self, assignment: Assignment) -> Any:
        with self.store.read() as conn:
            self.client.require(assignment.project_id, Action.READ, conn)
            return progress.items_frame(conn, assignment_id=assignment.id)

    # -- changing ----------------------------------------------------------------------
    def create(
        self,
        assignee_id: str,
        task: Any = None,
        filters: Any = None,
        items: Any = None,
        assignment_name: str | None = None,
    ) -> Assignment:
        """The assignee's assignment in the task (made if missing), given the chosen items: from
        the pool when they still need an assignee, else taken from whoever holds them unstarted."""
        task = self._task(task)
        with self.store.write() as conn:
            user = self.client.require(task.project_id, Action.MANAGE_TASKS, conn)
            sessions.require_member(conn, task.project_id, [assignee_id])
            self._join_team(conn, task, [assignee_id])
            assignment_id = sessions.ensure(conn, task, assignee_id, user)
            if assignment_name:
                conn.execute(a.update().where(a.c.id == assignment_id).values(name=assignment_name))
            if filters is not None or items is not None:
                selection = select_items(self.dialect, task.dataset_id, filters, items)
                chosen = sa.select(schema.items.c.id).where(
                    schema.items.c.dataset_id == task.dataset_id, selection.where
                )
                _give(conn, task, assignment_id, chosen)
            statuses.refresh(conn, task.id, _task_assignments(conn, task.id))
        return self.get(assignment_id=assignment_id)

    def reassign(
        self,
        assignee_id: Any = None,
        assignment: Assignment | None = None,
        assignment_id: str | None = None,
        task: Any = None,
        task_id: str | None = None,
        wait: bool = True,
        assignee_ids: Any = None,
    ) -> Assignment:
        """Hand the assignment to another assignee (an email, or a one-email list)."""
        target = _one_email(assignee_id if assignee_id is not None else assignee_ids)
        assignment = assignment or self.get(assignment_id=assignment_id)
        task = self.client.tasks_repo().get(task_id=assignment.task_id)
        with self.store.write() as conn:
            user = self.client.require(task.project_id, Action.MANAGE_TASKS, conn)
            sessions.require_member(conn, task.project_id, [target])
            self._join_team(conn, task, [target])
            existing = sessions.find(conn, task.id, target)
            if existing is None:
                conn.execute(
                    a.update()
                    .where(a.c.id == assignment.id)
                    .values(
                        annotator=target,
                        name=sessions.assignment_name(task.name, target),
                        updated_by=user,
                        updated_at=now_iso(),
                        version=a.c.version + 1,
                    )
                )
                result_id = assignment.id
            else:
                distribution.move_open_items(conn, assignment.id, [existing.id], [100.0])
                result_id = existing.id
            statuses.refresh(conn, task.id, _task_assignments(conn, task.id))
        return self.get(assignment_id=result_id)

    def redistribute(
        self,
        workload: Any,
        assignment: Assignment | None = None,
        assignment_id: str | None = None,
        task: Any = None,
        task_id: str | None = None,
        wait: bool = True,
    ) -> Assignment:
        """Deal the assignment's items without a status between ``workload``'s assignees."""
        team = workload_of(workload=workload)
        if team is None:
            raise BadRequestError(
                "redistribute needs a workload: dl.Workload([dl.WorkloadUnit(email, load)])"
            )
        assignment = assignment or self.get(assignment_id=assignment_id)
        task = self.client.tasks_repo().get(task_id=assignment.task_id)
        with self.store.write() as conn:
            user = self.client.require(task.project_id, Action.MANAGE_TASKS, conn)
            sessions.require_member(conn, task.project_id, team.assignee_ids)
            self._join_team(conn, task, team.assignee_ids)
            units = [u for u in team if u.load > 0]
            targets = [sessions.ensure(conn, task, u.assignee_id, user, load=u.load) for u in units]
            distribution.move_open_items(conn, assignment.id, targets, [u.load for u in units])
            statuses.refresh(conn, task.id, _task_assignments(conn, task.id))
        return self.get(assignment_id=assignment.id)

    def set_status(
        self,
        status: str,
        operation: str = "create",
        item_id: str | None = None,
        assignment_id: str | None = None,
    ) -> bool:
        """Set or clear an item's status in the assignment (its assignee, or a task manager)."""
        assignment = self.get(assignment_id=assignment_id)
        task = self.client.tasks_repo().get(task_id=assignment.task_id)
        clear = statuses.clears(operation)
        name = None if clear else statuses.action(task, status)
        ids = item_ids(item_id)
        with self.store.write() as conn:
            user = self.client.require(task.project_id, Action.WORK_ON_TASKS, conn)
            if user != assignment.annotator:
                self.client.require(task.project_id, Action.MANAGE_TASKS, conn)
            statuses.set_by_assignee(
                conn, self.client, task, assignment.id, assignment.annotator, ids, name, user
            )
        return True

    def update(
        self, assignment: Assignment | None = None, system_metadata: bool = False
    ) -> Assignment:
        """Write the assignment's name and metadata."""
        if assignment is None:
            raise BadRequestError("assignments.update needs the assignment")
        with self.store.write() as conn:
            user = self.client.require(assignment.project_id, Action.MANAGE_TASKS, conn)
            result = conn.execute(
                a.update()
                .where(a.c.id == assignment.id, a.c.version == assignment.version)
                .values(
                    name=assignment.name,
                    metadata=assignment.metadata,
                    updated_by=user,
                    updated_at=now_iso(),
                    version=a.c.version + 1,
                )
            )
            self._check_version(result, f"Assignment {assignment.name!r}")
        return self.get(assignment_id=assignment.id)

    def delete(
        self, assignment: Assignment | None = None, assignment_id: str | None = None
    ) -> bool:
        """Delete the assignment; its items without a status go back to the task's pool."""
        assignment = assignment or self.get(assignment_id=assignment_id)
        with self.store.write() as conn:
            self.client.require(assignment.project_id, Action.MANAGE_TASKS, conn)
            pulling.release(conn, assignment.task_id, [assignment.id])
            conn.execute(refs.delete().where(refs.c.ref_id == assignment.id))
            conn.execute(a.delete().where(a.c.id == assignment.id))
            statuses.refresh(conn, assignment.task_id, _task_assignments(conn, assignment.task_id))
        return True

    def open_in_web(
        self,
        assignment_name: str | None = None,
        assignment_id: str | None = None,
        assignment: Assignment | None = None,
    ) -> None:
        (
            assignment or self.get(assignment_name=assignment_name, assignment_id=assignment_id)
        ).open_in_web()

    @staticmethod
    def _join_team(conn: Connection, task: Any, new: list[str]) -> None:
        """A task with a fixed team takes in the assignees a manager names."""
        options = TaskOptions.from_settings(task.settings)
        if options.allowed_assignees is None:
            return
        team = list(dict.fromkeys([*options.allowed_assignees, *new]))
        if team != options.allowed_assignees:
            options.allowed_assignees = team
            task.settings = options.to_settings()
            conn.execute(
                schema.tasks.update()
                .where(schema.tasks.c.id == task.id)
                .values(settings=task.settings)
            )


def _task_assignments(conn: Connection, task_id: str) -> list[str]:
    return list(conn.execute(sa.select(a.c.id).where(a.c.task_id == task_id)).scalars())


def _one_email(value: Any) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str) or "@" not in value:
        raise BadRequestError(f"Reassign to one assignee email, got {value!r}")
    return value


def _give(conn: Connection, task: Any, assignment_id: str, chosen: sa.Select) -> None:
    """Give the chosen task items to an assignment: pool slots first, else an unstarted hold."""
    task_rows = sa.select(refs.c.item_id).where(
        refs.c.ref_id == task.id, refs.c.ref_type == "task", refs.c.item_id.in_(chosen)
    )
    ids = list(conn.execute(task_rows).scalars())
    if not ids:
        raise BadRequestError(
            f"None of these items is in task {task.name!r}; add them with task.add_items"
        )
    held = set(
        conn.execute(
            sa.select(refs.c.item_id).where(refs.c.ref_id == assignment_id, refs.c.item_id.in_(ids))
        ).scalars()
    )
    lease = pulling.Lease(conn, task, assignment_id, "", None)
    for item_id in (i for i in ids if i not in held):
        row = conn.execute(
            sa.select(
                refs.c.item_id, refs.c.seq, refs.c.needed, refs.c.taken, refs.c.dataset_id
            ).where(refs.c.ref_id == task.id, refs.c.ref_type == "task", refs.c.item_id == item_id)
        ).one()
        if row.needed is None or row.taken < row.needed:
            lease.give(assignment_id, [row])
            continue
        holder = conn.execute(
            sa.select(refs.c.ref_id)
            .where(
                refs.c.item_id == item_id,
                refs.c.ref_type == "assignment",
                refs.c.status.is_(None),
                refs.c.ref_id.in_(sa.select(a.c.id).where(a.c.task_id == task.id)),
            )
            .limit(1)
        ).scalar()
        if holder is None:
            raise ConflictError(
                f"Item {item_id} is done by every assignee it needs in task {task.name!r}"
            )
        conn.execute(
            refs.update()
            .where(
                refs.c.item_id == item_id, refs.c.ref_type == "assignment", refs.c.ref_id == holder
            )
            .values(ref_id=assignment_id)
        )
