"""``dataset.tasks`` / ``project.tasks`` / ``dl.tasks``: create, find, change and follow tasks.

Creating a task is one transaction of a few set-based statements (see ``distribution``);
every setting of the Dataloop SDK's ``tasks.create`` and create_* helpers is accepted, plus
the routing settings of Prodigy (``feed_overlap``, ``annotations_per_task``, ``task_router``,
``allow_work_stealing``), Toloka (``overlap``, ``infinite_overlap``, ``dynamic_overlap``) and
Label Studio (``sampling``). Only owners, developers and annotation managers create and
manage tasks; every member may read them and work on their own queue.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dl_jupyter._progress import progress as progress_bar
from dl_jupyter.dql.compile import as_query, compile_query
from dl_jupyter.entities.task import EntityList, ItemAction, Task
from dl_jupyter.enums import ConsensusTaskType, TaskPriority
from dl_jupyter.exceptions import BadRequestError, ConflictError, NotFoundError
from dl_jupyter.repositories.base import Repository, chunks
from dl_jupyter.repositories.permissions import Action
from dl_jupyter.store import schema
from dl_jupyter.store.timeutil import new_id, now_iso, to_iso
from dl_jupyter.workflows import (
    access,
    consensus,
    distribution,
    gold,
    progress,
    qualification,
    records,
    routing,
    sessions,
    statuses,
)
from dl_jupyter.workflows.options import TaskOptions, emails
from dl_jupyter.workflows.overlap import Overlap
from dl_jupyter.workflows.queue import Queue
from dl_jupyter.workflows.sampling import order_keys
from dl_jupyter.workflows.selection import (
    gold_selection,
    item_ids,
    select_items,
    with_condition,
    workload_of,
)

t = schema.tasks
refs = schema.item_refs
WEEK_S = 7 * 24 * 3600
PROGRESS_FROM = 100_000  # items; creating a smaller task shows no progress bar
CONSENSUS_MODEL = "consensus"  # the model name merged annotations carry: nobody's answer
UNROUTED = Overlap(infinite=True)  # a routed task's items wait for the router (needed NULL)
LIST_PAGE_SIZE = 500
DEFAULT_ACTIONS = {
    "annotation": [ItemAction("completed", "Completed"), ItemAction("discarded", "Discarded")],
    "qa": [ItemAction("approved", "Approved"), ItemAction("discarded", "Discarded")],
}


def _due_date(value: Any) -> float:
    """Epoch seconds: a number as is (a date in the past is accepted), a datetime converted."""
    if value is None:
        return time.time() + WEEK_S
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequestError(
            f"due_date must be epoch seconds (datetime(...).timestamp()), got {value!r}"
        )
    return float(value)


def _priority(value: Any) -> int:
    try:
        return int(TaskPriority(int(getattr(value, "value", value))))
    except (TypeError, ValueError):
        raise BadRequestError(
            f"priority must be dl.TaskPriority LOW, MEDIUM or HIGH, got {value!r}"
        ) from None


def _actions(value: Any, task_type: str) -> list[ItemAction]:
    if value is None:
        return list(DEFAULT_ACTIONS[task_type])
    listed = [value] if isinstance(value, (str, ItemAction)) else list(value)
    actions = [ItemAction.of(a) for a in listed]
    if not actions:
        raise BadRequestError("available_actions needs at least one action")
    return actions


class Tasks(Repository):
    """Tasks of a dataset, of a project, or (``dl.tasks``) of every project of the user."""

    def __init__(
        self,
        client: Any,
        project: Any = None,
        dataset: Any = None,
        project_id: str | None = None,
        dataset_id: str | None = None,
    ) -> None:
        super().__init__(client)
        self.dataset_id = getattr(dataset, "id", None) or dataset_id
        self.project_id = (
            getattr(project, "id", None) or project_id or getattr(dataset, "project_id", None)
        )

    @property
    def solutions(self) -> gold.Solutions:
        """Known (gold) and baseline solutions of the dataset's items."""
        if self.dataset_id is None:
            raise BadRequestError("Solutions belong to a dataset: use dataset.tasks.solutions")
        return gold.Solutions(self.client, self.dataset_id)

    # -- creating ----------------------------------------------------------------------
    def create(
        self,
        task_name: str,
        due_date: Any = None,
        assignee_ids: Any = None,
        workload: Any = None,
        dataset: Any = None,
        task_owner: str | None = None,
        task_type: str = "annotation",
        task_parent_id: str | None = None,
        project_id: str | None = None,
        recipe_id: str | None = None,
        assignments_ids: Any = None,
        metadata: dict | None = None,
        filters: Any = None,
        items: Any = None,
        query: Any = None,
        available_actions: Any = None,
        wait: bool = True,
        check_if_exist: Any = False,
        limit: int | None = None,
        batch_size: int | None = None,
        max_batch_workload: int | None = None,
        allowed_assignees: Any = None,
        priority: Any = TaskPriority.MEDIUM,
        *,
        consensus_task_type: Any = None,
        consensus_percentage: int | None = None,
        consensus_assignees: int | None = None,
        scoring: bool | None = None,
        feed_overlap: bool = False,
        annotations_per_task: float | None = None,
        task_router: Any = None,
        allow_work_stealing: bool = True,
        work_stealing_timeout: float = 3600.0,
        overlap: int | None = None,
        infinite_overlap: bool = False,
        dynamic_overlap: Any = None,
        sampling: str = "sequential",
        gold_ratio: float | None = None,
        gold_items: Any = None,
        gold_filters: Any = None,
        qualification_task: Any = None,
        pass_score: float | None = None,
    ) -> Task:
        """A new annotation or QA task over the dataset's items (all visible files by default).

        ``assignee_ids`` split the items equally, ``workload`` by percent; ``batch_size`` and
        ``max_batch_workload`` make a pulling task. See the module docstring for the routing,
        overlap, sampling and quality settings. Creation is synchronous (``wait`` changes
        nothing) and makes the assignments itself (``assignments_ids`` is accepted and unused).
        """
        dataset = dataset or self._dataset(self.dataset_id)
        if task_type not in ("annotation", "qa"):
            raise BadRequestError(f"task_type must be 'annotation' or 'qa', got {task_type!r}")
        if task_type == "qa" and not task_parent_id:
            raise BadRequestError(
                "A QA task reviews another task: give task_parent_id (or use create_qa_task)"
            )
        kind = (
            "qa"
            if task_type == "qa"
            else _kind(consensus_task_type, consensus_percentage, consensus_assignees)
        )
        qualification_id = getattr(qualification_task, "id", qualification_task)
        options = TaskOptions.build(
            kind=kind,
            batch_size=batch_size,
            max_batch_workload=max_batch_workload,
            allowed_assignees=allowed_assignees,
            feed_overlap=feed_overlap,
            annotations_per_task=annotations_per_task,
            consensus_percentage=consensus_percentage,
            consensus_assignees=consensus_assignees,
            overlap=overlap,
            infinite_overlap=infinite_overlap,
            dynamic_overlap=dynamic_overlap,
            task_router=task_router,
            allow_work_stealing=allow_work_stealing,
            work_stealing_timeout=work_stealing_timeout,
            sampling=sampling,
            gold_ratio=gold_ratio,
            qualification_task_id=qualification_id,
            pass_score=pass_score,
            scoring=scoring,
        )
        team = workload_of(assignee_ids, workload)
        if team is not None and options.allowed_assignees is None:
            options.allowed_assignees = team.assignee_ids
        name = _name(task_name)
        selection = select_items(self.dialect, dataset.id, filters, items, query)
        if check_if_exist:
            existing = self._existing(check_if_exist, dataset.id)
            if existing is not None:
                return existing
        actions = _actions(available_actions, task_type)
        task_id = new_id()
        with self.store.write() as conn:
            user = self.client.require(dataset.project_id, Action.MANAGE_TASKS, conn)
            sessions.require_member(
                conn,
                dataset.project_id,
                [*(team.assignee_ids if team else []), *(options.allowed_assignees or [])],
            )
            self._check_new(conn, dataset, name, task_type, task_parent_id, qualification_id)
            if team is not None and not options.pulling:
                _check_team_size(options, len([u for u in team if u.load > 0]))
            now = now_iso()
            conn.execute(
                t.insert().values(
                    id=task_id,
                    project_id=dataset.project_id,
                    dataset_id=dataset.id,
                    name=name,
                    status="open",
                    task_type=task_type,
                    parent_id=task_parent_id,
                    recipe_id=recipe_id or (dataset.recipe_ids[0] if dataset.recipe_ids else None),
                    owner=task_owner or user,
                    due_date=_due_date(due_date),
                    priority=_priority(priority),
                    query=selection.query,
                    available_actions=[a.to_json() for a in actions],
                    settings=options.to_settings(),
                    metadata=dict(metadata or {}),
                    creator=user,
                    created_at=now,
                    updated_by=user,
                    updated_at=now,
                )
            )
            task = self._row_task(conn, task_id)
            if task_type == "qa":
                selection.where = sa.and_(selection.where, _reviewable(task_parent_id))
            if kind == "honeypot" or gold_items is not None or gold_filters is not None:
                golden = gold_selection(dataset.id, gold_items, gold_filters, self.dialect)
                self._add_gold(conn, task, golden)
                selection.where = sa.and_(selection.where, sa.not_(golden))
            self._fill(conn, task, options, selection, team, limit, user)
            for email in options.allowed_assignees or []:
                sessions.ensure(conn, task, email, user)
            statuses.refresh(conn, task_id, self._assignment_ids(conn, task_id))
        if callable(task_router):
            routing.attach(task_id, task_router)
        return self.get(task_id=task_id)

    def _check_new(
        self,
        conn: Connection,
        dataset: Any,
        name: str,
        task_type: str,
        parent_id: str | None,
        qualification_id: str | None,
    ) -> None:
        if conn.execute(
            sa.select(t.c.id).where(t.c.project_id == dataset.project_id, t.c.name == name)
        ).first():
            raise ConflictError(f"Task already exists. Name: {name!r}")
        for label, wanted in (
            ("task_parent_id", parent_id),
            ("qualification_task", qualification_id),
        ):
            if (
                wanted is not None
                and not conn.execute(sa.select(t.c.id).where(t.c.id == wanted)).first()
            ):
                raise NotFoundError(f"Task not found. {label}: {wanted!r}")

    def _fill(
        self,
        conn: Connection,
        task: Task,
        options: TaskOptions,
        selection: Any,
        team: Any,
        limit: int | None,
        user: str,
    ) -> int:
        """Add the selected items to the task and, in a distribution task, deal them to ``team``."""
        policy = UNROUTED if options.router else options.policy
        units = [u for u in team if u.load > 0] if team is not None and not options.pulling else []
        order = order_keys(conn, options.sampling, task.id, selection.order)
        added, base = distribution.add_task_items(
            conn,
            task.id,
            task.dataset_id,
            selection.where,
            order,
            limit,
            policy,
            len(units) if units else None,
        )
        assignment_ids = {
            u.assignee_id: sessions.ensure(conn, task, u.assignee_id, user, load=u.load)
            for u in team or []
        }
        if units and added:
            slots = len(units) if policy.infinite else policy.high
            bar = progress_bar(
                total=slots + 1,
                desc=f"Task {task.name}",
                unit=" steps",
                show=added >= PROGRESS_FROM,
            )
            bar.update(1)
            distribution.deal(
                conn,
                task.id,
                base,
                [assignment_ids[u.assignee_id] for u in units],
                [u.load for u in units],
                policy,
                step=lambda: bar.update(1),
            )
            bar.close()
        return added

    def _add_gold(self, conn: Connection, task: Task, golden: Any) -> None:
        """Gold items join the task outside its pool (needed 0): queues serve them at the ratio."""
        items = schema.items
        conn.execute(
            refs.insert().from_select(
                ["item_id", "ref_type", "ref_id", "dataset_id", "needed", "taken"],
                sa.select(
                    items.c.id,
                    sa.literal("task"),
                    sa.literal(task.id),
                    items.c.dataset_id,
                    sa.literal(0),
                    sa.literal(0),
                ).where(
                    items.c.dataset_id == task.dataset_id,
                    items.c.type == "file",
                    golden,
                    items.c.id.not_in(distribution.in_task(task.id)),
                ),
            )
        )
        conn.execute(
            schema.task_gold.insert().from_select(
                ["task_id", "item_id"],
                sa.select(sa.literal(task.id), refs.c.item_id).where(
                    refs.c.ref_id == task.id, refs.c.ref_type == "task", refs.c.needed == 0
                ),
            )
        )

    def create_labeling(
        self,
        name: str,
        dataset: Any = None,
        due_date: Any = None,
        filters: Any = None,
        owner: str | None = None,
        recipe_id: str | None = None,
        assignee_ids: Any = None,
        workload: Any = None,
        available_actions: Any = None,
        priority: Any = TaskPriority.MEDIUM,
        metadata: dict | None = None,
        batch_size: int | None = None,
        max_batch_workload: int | None = None,
        allowed_assignees: Any = None,
        limit: int | None = None,
        wait: bool = True,
        enforce_video_conversion: bool = True,
        items: Any = None,
        query: Any = None,
        **settings: Any,
    ) -> Task:
        """A labeling task: distribution (``assignee_ids``, ``workload``) or pulling
        (``batch_size``)."""
        return self.create(
            task_name=name,
            dataset=dataset,
            due_date=due_date,
            filters=filters,
            task_owner=owner,
            recipe_id=recipe_id,
            assignee_ids=assignee_ids,
            workload=workload,
            available_actions=available_actions,
            priority=priority,
            metadata=metadata,
            batch_size=batch_size,
            max_batch_workload=max_batch_workload,
            allowed_assignees=allowed_assignees,
            limit=limit,
            items=items,
            query=query,
            **settings,
        )

    create_labeling_task = create_labeling

    def create_qa_task(
        self,
        task: Task,
        assignee_ids: Any = None,
        due_date: Any = None,
        filters: Any = None,
        items: Any = None,
        query: Any = None,
        workload: Any = None,
        metadata: dict | None = None,
        available_actions: Any = None,
        wait: bool = True,
        batch_size: int | None = None,
        max_batch_workload: int | None = None,
        allowed_assignees: Any = None,
        priority: Any = TaskPriority.MEDIUM,
        **settings: Any,
    ) -> Task:
        """A QA task reviewing the items that have a status in ``task`` (named '<task>_qa')."""
        if not isinstance(task, Task):
            raise BadRequestError(f"create_qa_task needs the parent dl.Task, got {task!r}")
        return self.client.tasks_repo(dataset=self._dataset(task.dataset_id)).create(
            task_name=self._free_name(task.project_id, f"{task.name}_qa"),
            due_date=due_date,
            assignee_ids=assignee_ids,
            workload=workload,
            task_owner=task.task_owner,
            task_type="qa",
            task_parent_id=task.id,
            recipe_id=task.recipe_id,
            metadata=metadata,
            filters=filters,
            items=items,
            query=query,
            available_actions=available_actions,
            batch_size=batch_size,
            max_batch_workload=max_batch_workload,
            allowed_assignees=allowed_assignees,
            priority=priority,
            **settings,
        )

    def create_consensus_task(
        self,
        name: str,
        dataset: Any = None,
        due_date: Any = None,
        filters: Any = None,
        owner: str | None = None,
        recipe_id: str | None = None,
        assignee_ids: Any = None,
        workload: Any = None,
        available_actions: Any = None,
        priority: Any = TaskPriority.MEDIUM,
        metadata: dict | None = None,
        consensus_task_type: Any = ConsensusTaskType.CONSENSUS,
        consensus_percentage: int | None = None,
        consensus_assignees: int | None = None,
        scoring: bool = False,
        limit: int | None = None,
        wait: bool = True,
        enforce_video_conversion: bool = True,
        items: Any = None,
        query: Any = None,
        **settings: Any,
    ) -> Task:
        """Several annotators on the same items: ``consensus_assignees`` on ``consensus_percentage``
        percent of them (2 on every item by default)."""
        return self.create(
            task_name=name,
            dataset=dataset,
            due_date=due_date,
            filters=filters,
            task_owner=owner,
            recipe_id=recipe_id,
            assignee_ids=assignee_ids,
            workload=workload,
            available_actions=available_actions,
            priority=priority,
            metadata=metadata,
            limit=limit,
            items=items,
            query=query,
            consensus_task_type=consensus_task_type,
            consensus_percentage=100 if consensus_percentage is None else consensus_percentage,
            consensus_assignees=2 if consensus_assignees is None else consensus_assignees,
            scoring=scoring,
            **settings,
        )

    def create_honeypot_task(
        self, name: str, *args: Any, gold_ratio: float | None = None, **kwargs: Any
    ) -> Task:
        """A consensus task with gold items (``gold_items``/``gold_filters``, by default the
        dataset's items with known solutions) mixed into every queue at ``gold_ratio`` (0.1)."""
        kwargs["consensus_task_type"] = ConsensusTaskType.HONEYPOT
        return self.create_consensus_task(name, *args, gold_ratio=gold_ratio, **kwargs)

    def create_qualification_task(
        self, name: str, *args: Any, pass_score: float | None = None, **kwargs: Any
    ) -> Task:
        """Every assignee answers every item; when they finish, their answers on the items with
        known solutions are scored, and whether the score reaches ``pass_score`` (0.8) recorded."""
        kwargs["consensus_task_type"] = ConsensusTaskType.QUALIFICATION
        kwargs.setdefault("scoring", False)
        return self.create_consensus_task(name, *args, pass_score=pass_score, **kwargs)

    # -- finding -----------------------------------------------------------------------
    def get(self, task_name: str | None = None, task_id: str | None = None) -> Task:
        """A task by id, or by name in this project or dataset."""
        if task_id is None and task_name is None:
            raise BadRequestError("tasks.get needs task_name or task_id")
        query = sa.select(t)
        if task_id is not None:
            query = query.where(t.c.id == task_id)
        else:
            query = self._scoped(query.where(t.c.name == task_name))
        with self.store.read() as conn:
            found = conn.execute(query.limit(2)).all()
            if len(found) != 1:
                what = f"Id: {task_id!r}" if task_id is not None else f"Name: {task_name!r}"
                if found:
                    raise BadRequestError(f"More than one task matches. {what}; use task_id")
                raise NotFoundError(f"Task not found. {what}")
            self.client.require(found[0].project_id, Action.READ, conn)
        return records.task(found[0], self.client)

    def _scoped(self, query: sa.Select) -> sa.Select:
        """Tasks of this dataset or project, among the projects the user is a member of."""
        if self.dataset_id is not None:
            query = query.where(t.c.dataset_id == self.dataset_id)
        elif self.project_id is not None:
            query = query.where(t.c.project_id == self.project_id)
        return query.where(t.c.project_id.in_(sessions.projects_of(self.client.require_user())))

    def list(
        self,
        project_ids: Any = None,
        status: str | None = None,
        task_name: str | None = None,
        pages_size: int | None = None,
        page_offset: int | None = None,
        recipe: Any = None,
        creator: str | None = None,
        assignments: Any = None,
        min_date: float | None = None,
        max_date: float | None = None,
        filters: Any = None,
    ) -> Any:
        """The tasks in scope (a list), or pages of them with ``filters`` (DQL over tasks)."""
        if filters is not None:
            return self.query(filters=filters, project_ids=project_ids)
        query = self._scoped(sa.select(t))
        if project_ids is not None:
            query = query.where(
                t.c.project_id.in_([project_ids] if isinstance(project_ids, str) else project_ids)
            )
        if status is not None:
            query = query.where(t.c.status == statuses.ALIASES.get(status, status))
        if task_name is not None:
            query = query.where(t.c.name == task_name)
        if recipe is not None:
            query = query.where(t.c.recipe_id == getattr(recipe, "id", recipe))
        if creator is not None:
            query = query.where(t.c.creator == creator)
        for bound, after in ((min_date, True), (max_date, False)):
            if bound is not None:
                moment = to_iso(datetime.fromtimestamp(bound / 1000, timezone.utc))
                query = query.where(t.c.created_at > moment if after else t.c.created_at < moment)
        size = pages_size or LIST_PAGE_SIZE
        query = query.order_by(t.c.created_at, t.c.id).limit(size).offset((page_offset or 0) * size)
        with self.store.read() as conn:
            return EntityList(records.task(r, self.client) for r in conn.execute(query))

    def query(self, filters: Any = None, project_ids: Any = None) -> Any:
        """Pages of the tasks matching a DQL filter (``dl.Filters(resource='tasks', ...)``)."""
        dql = as_query(filters, "tasks")
        compiled = compile_query(dql, self.dialect)
        where = self._scoped(sa.select(t.c.id)).where(compiled.where).whereclause
        if project_ids is not None:
            where = sa.and_(
                where,
                t.c.project_id.in_([project_ids] if isinstance(project_ids, str) else project_ids),
            )
        return self._paged(
            t,
            where,
            compiled.order_by,
            lambda conn, found: [records.task(r, self.client) for r in found],
            compiled.page,
            compiled.page_size,
            "tasks",
            to_df=lambda pages: EntityList(pages.all()).to_df(),
        )

    def _existing(self, check_if_exist: Any, dataset_id: str) -> Task | None:
        compiled = compile_query(as_query(check_if_exist, "tasks"), self.dialect)
        with self.store.read() as conn:
            row = conn.execute(
                sa.select(t)
                .where(t.c.dataset_id == dataset_id, compiled.where)
                .order_by(t.c.created_at)
                .limit(1)
            ).first()
        return None if row is None else records.task(row, self.client)

    # -- changing ----------------------------------------------------------------------
    def update(self, task: Task | None = None, system_metadata: bool = False) -> Task:
        """Write the task's name, owner, due date, priority, status, actions and metadata."""
        if task is None:
            raise BadRequestError("tasks.update needs the task")
        actions = _actions(task.available_actions, task.task_type)
        with self.store.write() as conn:
            user = self.client.require(task.project_id, Action.MANAGE_TASKS, conn)
            clash = conn.execute(
                sa.select(t.c.id).where(
                    t.c.project_id == task.project_id,
                    t.c.name == _name(task.name),
                    t.c.id != task.id,
                )
            )
            if clash.first():
                raise ConflictError(f"Task already exists. Name: {task.name!r}")
            result = conn.execute(
                t.update()
                .where(t.c.id == task.id, t.c.version == task.version)
                .values(
                    name=task.name,
                    owner=task.task_owner,
                    due_date=_due_date(task.due_date),
                    priority=_priority(task.priority),
                    status=task.status,
                    metadata=task.metadata,
                    available_actions=[a.to_json() for a in actions],
                    updated_by=user,
                    updated_at=now_iso(),
                    version=t.c.version + 1,
                )
            )
            self._check_version(result, f"Task {task.name!r}")
        return self.get(task_id=task.id)

    def delete(
        self,
        task: Task | None = None,
        task_name: str | None = None,
        task_id: str | None = None,
        wait: bool = True,
    ) -> bool:
        """Delete a task with its assignments; its items stay in the dataset."""
        task = task or self.get(task_name=task_name, task_id=task_id)
        with self.store.write() as conn:
            self.client.require(task.project_id, Action.MANAGE_TASKS, conn)
            mine = self._assignment_ids(conn, task.id)
            for part in chunks(mine):
                conn.execute(refs.delete().where(refs.c.ref_id.in_(part)))
            conn.execute(refs.delete().where(refs.c.ref_id == task.id))
            conn.execute(
                schema.item_status_log.delete().where(schema.item_status_log.c.task_id == task.id)
            )
            conn.execute(t.delete().where(t.c.id == task.id))
        return True

    def add_items(
        self,
        task: Task | None = None,
        task_id: str | None = None,
        filters: Any = None,
        items: Any = None,
        assignee_ids: Any = None,
        query: Any = None,
        workload: Any = None,
        limit: int | None = None,
        wait: bool = True,
    ) -> Task:
        """Add items (not yet in the task) and deal them to ``assignee_ids``/``workload``, or to
        the task's assignees; new assignees join the task."""
        task = task or self.get(task_id=task_id)
        if filters is None and items is None and query is None:
            raise BadRequestError("add_items needs filters, items or query")
        selection = select_items(self.dialect, task.dataset_id, filters, items, query)
        if task.task_type == "qa":
            selection.where = sa.and_(selection.where, _reviewable(task.parent_id))
        options = TaskOptions.from_settings(task.settings)
        team = workload_of(assignee_ids, workload)
        with self.store.write() as conn:
            user = self.client.require(task.project_id, Action.MANAGE_TASKS, conn)
            if team is None and not options.pulling:
                team = self._current_team(conn, task)
            if team is not None:
                sessions.require_member(conn, task.project_id, team.assignee_ids)
                if options.allowed_assignees is not None:
                    options.allowed_assignees = list(
                        dict.fromkeys([*options.allowed_assignees, *team.assignee_ids])
                    )
                    conn.execute(
                        t.update().where(t.c.id == task.id).values(settings=options.to_settings())
                    )
                    task.settings = options.to_settings()
            self._fill(conn, task, options, selection, team, limit, user)
            statuses.refresh(conn, task.id, self._assignment_ids(conn, task.id))
        return self.get(task_id=task.id)

    def _current_team(self, conn: Connection, task: Task) -> Any:
        """An equal split between the task's assignees (None when it has none)."""
        found = sessions.sessions(conn, task.id)
        return workload_of(found) if found else None

    def remove_items(
        self,
        task: Task | None = None,
        task_id: str | None = None,
        filters: Any = None,
        query: Any = None,
        items: Any = None,
        wait: bool = True,
    ) -> bool:
        """Take items out of the task (and out of its assignments)."""
        task = task or self.get(task_id=task_id)
        selection = select_items(
            self.dialect, task.dataset_id, filters, items, query, required=True
        )
        chosen = sa.select(schema.items.c.id).where(
            schema.items.c.dataset_id == task.dataset_id, selection.where
        )
        with self.store.write() as conn:
            self.client.require(task.project_id, Action.MANAGE_TASKS, conn)
            mine = self._assignment_ids(conn, task.id)
            conn.execute(
                refs.delete().where(
                    refs.c.item_id.in_(chosen),
                    sa.or_(
                        refs.c.ref_id == task.id,
                        refs.c.ref_id.in_(
                            sa.select(schema.assignments.c.id).where(
                                schema.assignments.c.task_id == task.id
                            )
                        ),
                    ),
                )
            )
            for table in (schema.task_gold, schema.task_item_access):
                conn.execute(
                    table.delete().where(table.c.task_id == task.id, table.c.item_id.in_(chosen))
                )
            statuses.refresh(conn, task.id, mine)
        return True

    def get_items(
        self,
        task_id: str | None = None,
        task_name: str | None = None,
        dataset: Any = None,
        filters: Any = None,
    ) -> Any:
        """The task's items: pages with ``filters``, else a list (as the SDK documents)."""
        task = self.get(task_id=task_id, task_name=task_name)
        repo = self.client.items_repo(dataset_id=task.dataset_id)
        pages = repo.list(filters=with_condition(filters, "metadata.system.refs.id", task.id))
        return pages if filters is not None else list(pages.all())

    def count_items(self, task: Task) -> int:
        with self.store.read() as conn:
            return conn.execute(
                sa.select(sa.func.count())
                .select_from(refs)
                .where(refs.c.ref_id == task.id, refs.c.ref_type == "task")
            ).scalar_one()

    def set_status(
        self,
        status: str,
        operation: str = "create",
        task_id: str | None = None,
        item_ids: Any = None,
    ) -> bool:
        """Set (``operation='create'``) or clear (``'delete'``) items' status in the task."""
        task = self.get(task_id=task_id)
        clear = statuses.clears(operation)
        name = None if clear else statuses.action(task, status)
        ids = item_ids_in(item_ids)
        with self.store.write() as conn:
            user = self.client.require(task.project_id, Action.MANAGE_TASKS, conn)
            present = set(
                conn.execute(
                    sa.select(refs.c.item_id).where(
                        refs.c.ref_id == task.id, refs.c.ref_type == "task", refs.c.item_id.in_(ids)
                    )
                ).scalars()
            )
            missing = [i for i in ids if i not in present]
            if missing:
                raise NotFoundError(f"Item {missing[0]} is not in task {task.name!r}")
            statuses.set_by_manager(conn, self.client, task, ids, name, user)
        return True

    def open_in_web(
        self, task_name: str | None = None, task_id: str | None = None, task: Task | None = None
    ) -> None:
        (task or self.get(task_name=task_name, task_id=task_id)).open_in_web()

    # -- work and quality --------------------------------------------------------------
    def queue(self, task: Task, assignee_id: str | None = None) -> Queue:
        """An assignee's queue: the logged-in user's, or (for task managers) another's."""
        user = self.client.require(task.project_id, Action.WORK_ON_TASKS)
        if assignee_id is not None and assignee_id != user:
            self.client.require(task.project_id, Action.MANAGE_TASKS)
        return Queue(self.client, task, assignee_id or user)

    def set_router(self, task: Task, task_router: Any) -> None:
        if not callable(task_router):
            raise BadRequestError(
                f"task_router must be a function (ctrl, session_id, item), got {task_router!r}"
            )
        if task.settings.get("router") is None:
            raise BadRequestError(f"Task {task.name!r} was created without a task_router")
        routing.attach(task.id, task_router)

    def set_access(
        self,
        task: Task,
        items: Any = None,
        filters: Any = None,
        reserved_for: Any = None,
        unavailable_for: Any = None,
    ) -> bool:
        """Toloka's ``reserved_for`` / ``unavailable_for`` on some task items; items now held by
        someone they exclude go back to the pool."""
        reserved = emails("reserved_for", reserved_for)
        unavailable = emails("unavailable_for", unavailable_for)
        with self.store.write() as conn:
            self.client.require(task.project_id, Action.MANAGE_TASKS, conn)
            ids = self._task_item_ids(conn, task, items, filters)
            access.replace_rules(conn, task.id, ids, reserved, unavailable)
            access.release_forbidden(conn, task.id, ids)
            statuses.refresh(conn, task.id, self._assignment_ids(conn, task.id))
        return True

    def set_overlap(
        self,
        task: Task,
        items: Any = None,
        filters: Any = None,
        overlap: int | None = None,
        infinite_overlap: bool = False,
    ) -> bool:
        """How many assignees these items need (Toloka's ``overlap`` / ``infinite_overlap``)."""
        if not infinite_overlap and (
            isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 1
        ):
            raise BadRequestError(f"overlap must be an integer of at least 1, got {overlap!r}")
        with self.store.write() as conn:
            self.client.require(task.project_id, Action.MANAGE_TASKS, conn)
            ids = self._task_item_ids(conn, task, items, filters)
            for part in chunks(ids):
                conn.execute(
                    refs.update()
                    .where(
                        refs.c.ref_id == task.id,
                        refs.c.ref_type == "task",
                        refs.c.item_id.in_(part),
                    )
                    .values(needed=None if infinite_overlap else overlap)
                )
            statuses.refresh(conn, task.id, self._assignment_ids(conn, task.id))
        return True

    def _task_item_ids(self, conn: Connection, task: Task, items: Any, filters: Any) -> list[str]:
        selection = select_items(self.dialect, task.dataset_id, filters, items, None, required=True)
        return list(
            conn.execute(
                sa.select(refs.c.item_id).where(
                    refs.c.ref_id == task.id,
                    refs.c.ref_type == "task",
                    refs.c.item_id.in_(
                        sa.select(schema.items.c.id).where(
                            schema.items.c.dataset_id == task.dataset_id, selection.where
                        )
                    ),
                )
            ).scalars()
        )

    def progress(self, task: Task) -> Any:
        with self.store.read() as conn:
            self.client.require(task.project_id, Action.READ, conn)
            return progress.progress(conn, task.id)

    def items_frame(self, task: Task) -> Any:
        with self.store.read() as conn:
            self.client.require(task.project_id, Action.READ, conn)
            return progress.items_frame(conn, task_id=task.id)

    def _answers(self, task: Task) -> consensus.Answers:
        with self.store.read() as conn:
            self.client.require(task.project_id, Action.READ, conn)
            return consensus.overlapped_answers(conn, self.client, task)

    def agreement(self, task: Task, level: str = "annotator", iou_threshold: float = 0.5) -> Any:
        return consensus.agreement_frame(self._answers(task), level, iou_threshold)

    def task_scores(self, task_id: str, page_offset: int = 0, page_size: int = 100) -> list[dict]:
        """Consensus scores per item (mean pairwise agreement), a page at a time."""
        scored = consensus.scores(self._answers(self.get(task_id=task_id)), 0.5)
        return scored[page_offset * page_size : (page_offset + 1) * page_size]

    def merge_consensus(
        self, task: Task, method: str = "majority", iou_threshold: float = 0.5, upload: bool = True
    ) -> dict:
        """Merge each overlapped item's answers; with ``upload`` they replace earlier merges
        of this task as the item's ``metadata.system.consensus`` annotations."""
        merged = consensus.merge(self._answers(task), method, iou_threshold)
        if upload:
            self.client.require(task.project_id, Action.MANAGE_TASKS)
            for item_id, shapes in merged.items():
                self._upload_merge(task, item_id, shapes, method)
        return {item_id: [shape for shape, _ in shapes] for item_id, shapes in merged.items()}

    def _upload_merge(self, task: Task, item_id: str, shapes: list, method: str) -> None:
        from dl_jupyter.entities.annotation import Annotation

        item = self.client.items_repo(dataset_id=task.dataset_id).get(item_id=item_id)
        repo = self.client.annotations_repo(item=item)
        for old in repo.list():
            if (old.metadata.get("system", {}).get("consensus") or {}).get("taskId") == task.id:
                repo.delete(annotation=old)
        fresh = [
            Annotation.new(
                item=item,
                annotation_definition=shape,
                automated=True,
                model_info={"name": CONSENSUS_MODEL, "confidence": support},
                metadata={
                    "system": {
                        "consensus": {"taskId": task.id, "method": method, "support": support}
                    }
                },
            )
            for shape, support in shapes
        ]
        if fresh:
            repo.upload(fresh)

    def gold_accuracy(self, task: Task) -> Any:
        """Per annotator: gold answers and their accuracy (mean correctness_weight credit)."""
        import pandas as pd

        rows_ = []
        with self.store.read() as conn:
            self.client.require(task.project_id, Action.READ, conn)
            gold_of = None if task.kind == "qualification" else task.id
            for found in conn.execute(
                sa.select(schema.assignments).where(schema.assignments.c.task_id == task.id)
            ):
                grades = qualification.graded_answers(
                    conn, self.client, found.id, found.annotator, gold_of
                )
                rows_.append(
                    {
                        "annotator": found.annotator,
                        "answered": len(grades),
                        "correct": sum(g.correct for g in grades),
                        "accuracy": sum(g.credit for g in grades) / len(grades) if grades else None,
                    }
                )
        return pd.DataFrame(rows_, columns=["annotator", "answered", "correct", "accuracy"])

    def qualification_results(self, task: Task) -> Any:
        import pandas as pd

        r = schema.qualification_results
        with self.store.read() as conn:
            self.client.require(task.project_id, Action.READ, conn)
            found = conn.execute(
                sa.select(r.c.annotator, r.c.score, r.c.passed, r.c.answered, r.c.created_at)
                .where(r.c.task_id == task.id)
                .order_by(r.c.annotator)
            ).all()
        return pd.DataFrame(
            found, columns=["annotator", "score", "passed", "answered", "created_at"]
        )

    # -- helpers -----------------------------------------------------------------------
    def _dataset(self, dataset_id: str | None) -> Any:
        if dataset_id is None:
            raise BadRequestError(
                "A task needs a dataset: use dataset.tasks.create(...) or pass dataset="
            )
        return self.client.datasets_repo().get(dataset_id=dataset_id)

    def _row_task(self, conn: Connection, task_id: str) -> Task:
        return records.task(conn.execute(sa.select(t).where(t.c.id == task_id)).one(), self.client)

    @staticmethod
    def _assignment_ids(conn: Connection, task_id: str) -> list[str]:
        a = schema.assignments
        return list(conn.execute(sa.select(a.c.id).where(a.c.task_id == task_id)).scalars())

    def _free_name(self, project_id: str, name: str) -> str:
        with self.store.read() as conn:
            taken = set(
                conn.execute(
                    sa.select(t.c.name).where(
                        t.c.project_id == project_id, t.c.name.startswith(name)
                    )
                ).scalars()
            )
        candidate, n = name, 1
        while candidate in taken:
            n += 1
            candidate = f"{name}_{n}"
        return candidate


def _name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise BadRequestError(f"A task name must be a non-empty string, got {name!r}")
    return name


def _reviewable(parent_id: str) -> sa.ColumnElement[bool]:
    """Items that have a status in the parent task: what a QA task may review."""
    return schema.items.c.id.in_(
        sa.select(refs.c.item_id).where(
            refs.c.ref_id == parent_id, refs.c.ref_type == "task", refs.c.status.is_not(None)
        )
    )


def _kind(consensus_task_type: Any, percentage: Any, assignees: Any) -> str:
    if consensus_task_type is not None:
        value = str(getattr(consensus_task_type, "value", consensus_task_type))
        if value not in {k.value for k in ConsensusTaskType}:
            raise BadRequestError(
                f"Unknown consensus_task_type {consensus_task_type!r}; "
                "use consensus, honeypot or qualification"
            )
        return value
    return "consensus" if percentage is not None or assignees is not None else "labeling"


def _check_team_size(options: TaskOptions, assignees: int) -> None:
    most = options.policy.most
    if most is not None and most > assignees and assignees:
        raise BadRequestError(
            f"Each item needs up to {most} assignees but the task has {assignees}; "
            "add assignees or lower the overlap"
        )


def item_ids_in(values: Any) -> list[str]:
    if values is None:
        raise BadRequestError("item_ids is required")
    return item_ids(values)
