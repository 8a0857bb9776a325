"""Tasks (work over a dataset's items), assignments (one assignee's share) and workloads.

As in the Dataloop SDK, a task holds the work (items, recipe, due date, owner) and its
assignments split it between annotators; items record both in ``metadata.system.refs``.
The entities reach the store through ``client.tasks_repo()`` / ``client.assignments_repo()``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar

from dl_jupyter import _hooks, _html
from dl_jupyter.entities import html
from dl_jupyter.entities.base import BaseEntity
from dl_jupyter.exceptions import BadRequestError


@dataclass
class ItemAction:
    """A status an item can be given in a task (``available_actions``), e.g. 'completed'."""

    action: str
    display_name: str | None = None
    color: str = "#FFFFFF"
    icon: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.action, str) or not self.action.strip():
            raise BadRequestError(f"An item action must be a non-empty string, got {self.action!r}")
        if self.display_name is None:
            self.display_name = self.action.capitalize()

    @classmethod
    def of(cls, value: ItemAction | str | Mapping) -> ItemAction:
        """An action from an ItemAction, a name, or its JSON."""
        if isinstance(value, ItemAction):
            return value
        if isinstance(value, str):
            return cls(action=value.lower(), display_name=value)
        if isinstance(value, Mapping) and "action" in value:
            return cls(
                action=value["action"],
                display_name=value.get("displayName"),
                color=value.get("color", "#FFFFFF"),
                icon=value.get("icon"),
            )
        raise BadRequestError(f"An available action is a dl.ItemAction or a name, got {value!r}")

    def to_json(self) -> dict:
        return {
            "action": self.action,
            "displayName": self.display_name,
            "color": self.color,
            "icon": self.icon,
        }


@dataclass
class WorkloadUnit:
    """One assignee's share of a task, in percent: ``dl.WorkloadUnit('a@x.com', 80)``."""

    assignee_id: str
    load: float = 0

    def __post_init__(self) -> None:
        if not isinstance(self.assignee_id, str) or not self.assignee_id:
            raise BadRequestError(
                f"WorkloadUnit assignee_id must be an email, got {self.assignee_id!r}"
            )
        load = self.load
        if isinstance(load, bool) or not isinstance(load, (int, float)) or not 0 <= load <= 100:
            raise BadRequestError(
                f"WorkloadUnit load of {self.assignee_id} must be a number "
                f"between 0 to 100, got {load!r}"
            )
        self.load = float(load)

    def to_json(self) -> dict:
        return {"assigneeId": self.assignee_id, "load": self.load}

    @classmethod
    def from_json(cls, data: Mapping) -> WorkloadUnit:
        return cls(assignee_id=data["assigneeId"], load=data["load"])


class Workload:
    """How a task's items are split between assignees: ``dl.Workload([dl.WorkloadUnit(...)])``."""

    def __init__(self, workload: Iterable[WorkloadUnit] | None = None) -> None:
        self.workload: list[WorkloadUnit] = []
        for unit in workload or []:
            self.add(unit)

    @classmethod
    def generate(cls, assignee_ids: Iterable[str]) -> Workload:
        """An equal split (loads in hundredths of a percent, summing to exactly 100)."""
        ids = list(assignee_ids)
        if not ids:
            return cls()
        share = 10000 // len(ids)
        extra = 10000 - share * len(ids)
        return cls(
            WorkloadUnit(a, (share + (1 if i < extra else 0)) / 100) for i, a in enumerate(ids)
        )

    @classmethod
    def of(cls, value: Any) -> Workload:
        """A Workload from a Workload, a list of units (or their JSON), or None."""
        if isinstance(value, Workload):
            return value
        if value is None:
            return cls()
        if isinstance(value, WorkloadUnit):
            return cls([value])
        if isinstance(value, Iterable) and not isinstance(value, (str, Mapping)):
            return cls(
                u if isinstance(u, WorkloadUnit) else WorkloadUnit.from_json(u) for u in value
            )
        raise BadRequestError(
            f"workload must be a dl.Workload or a list of dl.WorkloadUnit, got {value!r}"
        )

    def add(self, unit: WorkloadUnit) -> None:
        if not isinstance(unit, WorkloadUnit):
            raise BadRequestError(f"A workload holds dl.WorkloadUnit entries, got {unit!r}")
        self.workload.append(unit)

    @property
    def assignee_ids(self) -> list[str]:
        return [unit.assignee_id for unit in self.workload]

    def __iter__(self) -> Iterator[WorkloadUnit]:
        return iter(self.workload)

    def __len__(self) -> int:
        return len(self.workload)

    def to_json(self) -> list[dict]:
        return [unit.to_json() for unit in self.workload]

    @classmethod
    def from_json(cls, data: Iterable[Mapping]) -> Workload:
        return cls(WorkloadUnit.from_json(unit) for unit in data)

    def __repr__(self) -> str:
        return f"Workload({self.workload!r})"


class EntityList(list):
    """A list of tasks or assignments with ``print()`` and ``to_df()``."""

    def print(self) -> None:
        for entity in self:
            print(repr(entity))

    def to_df(self) -> Any:
        import pandas as pd

        return pd.DataFrame([entity.summary() for entity in self])

    def _repr_html_(self) -> str:
        return _html.table(
            [(i, repr(e)) for i, e in enumerate(self[:50])], title=f"{len(self)} entities"
        )


def _epoch_ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


@dataclass(repr=False, eq=False)
class Task(BaseEntity):
    """A task: items of a dataset to label (or to review, for QA), split into assignments."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "name", "task_type", "status", "dataset_id")
    id: str = ""
    name: str = ""
    project_id: str = ""
    dataset_id: str = ""
    status: str = "open"
    task_type: str = "annotation"
    parent_id: str | None = None
    recipe_id: str | None = None
    task_owner: str | None = None
    creator: str | None = None
    due_date: float | None = None
    priority: int = 2
    query: dict = field(default_factory=dict)
    available_actions: list[ItemAction] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    created_at: str | None = None
    updated_at: str | None = None
    updated_by: str | None = None
    version: int = 1

    # -- what the settings say -------------------------------------------------------------
    @property
    def spec(self) -> dict:
        spec = {"type": self.task_type}
        if self.parent_id:
            spec["parentTaskId"] = self.parent_id
        return spec

    @property
    def allocation_method(self) -> str:
        return self.settings.get("allocation", "distribution")

    @property
    def batch_size(self) -> int | None:
        return self.settings.get("batch_size")

    @property
    def max_batch_workload(self) -> int | None:
        return self.settings.get("max_batch_workload")

    @property
    def allowed_assignees(self) -> list[str] | None:
        return self.settings.get("allowed_assignees")

    @property
    def kind(self) -> str:
        """'labeling', 'qa', 'consensus', 'honeypot' or 'qualification'."""
        return self.settings.get("kind", "qa" if self.task_type == "qa" else "labeling")

    @property
    def due_date_datetime(self) -> datetime | None:
        return (
            None if self.due_date is None else datetime.fromtimestamp(self.due_date, timezone.utc)
        )

    # -- repositories ------------------------------------------------------------------
    def _repo(self) -> Any:
        return self.client.tasks_repo(project_id=self.project_id)

    @property
    def assignments(self) -> Any:
        return self.client.assignments_repo(task=self)

    @property
    def project(self) -> Any:
        return self.client.projects_repo().get(project_id=self.project_id)

    @property
    def dataset(self) -> Any:
        return self.client.datasets_repo().get(dataset_id=self.dataset_id)

    @property
    def total_items(self) -> int:
        return self._repo().count_items(task=self)

    # -- work --------------------------------------------------------------------------
    def queue(self, assignee_id: str | None = None) -> Any:
        """The queue of the logged-in user (or of ``assignee_id``): ``next()``, ``set_status()``."""
        return self._repo().queue(task=self, assignee_id=assignee_id)

    def annotate(self, **kwargs: Any) -> Any:
        """An annotator over the logged-in user's queue of this task (see ``dl.Annotator``)."""
        return _hooks.call("view.annotator", self, **kwargs)

    def add_items(
        self,
        filters: Any = None,
        items: Any = None,
        assignee_ids: Any = None,
        workload: Any = None,
        limit: int | None = None,
        wait: bool = True,
        query: Any = None,
    ) -> Task:
        return self._repo().add_items(
            task=self,
            filters=filters,
            items=items,
            assignee_ids=assignee_ids,
            workload=workload,
            limit=limit,
            query=query,
            wait=wait,
        )

    def remove_items(
        self, filters: Any = None, query: Any = None, items: Any = None, wait: bool = True
    ) -> bool:
        return self._repo().remove_items(
            task=self, filters=filters, query=query, items=items, wait=wait
        )

    def get_items(self, filters: Any = None, get_consensus_items: bool = True) -> Any:
        return self._repo().get_items(task_id=self.id, filters=filters)

    def set_status(self, status: str, operation: str = "create", item_ids: Any = None) -> bool:
        return self._repo().set_status(
            status=status, operation=operation, task_id=self.id, item_ids=item_ids
        )

    def create_assignment(
        self,
        assignment_name: str | None = None,
        assignee_id: str | None = None,
        items: Any = None,
        filters: Any = None,
    ) -> Any:
        return self.assignments.create(
            assignee_id=assignee_id, items=items, filters=filters, assignment_name=assignment_name
        )

    def create_qa_task(
        self, due_date: float | None = None, assignee_ids: Any = None, **kwargs: Any
    ) -> Task:
        return self.client.tasks_repo(project_id=self.project_id).create_qa_task(
            task=self, due_date=due_date, assignee_ids=assignee_ids, **kwargs
        )

    # -- lifecycle ---------------------------------------------------------------------
    def update(self, system_metadata: bool = False) -> Task:
        return self._repo().update(task=self, system_metadata=system_metadata)

    def delete(self, wait: bool = True) -> bool:
        return self._repo().delete(task=self, wait=wait)

    # -- quality and progress ----------------------------------------------------------
    def progress(self) -> Any:
        """Per assignee: items held and done, counts per status, time per item, throughput."""
        return self._repo().progress(task=self)

    def to_df(self) -> Any:
        """One row per item and assignee: statuses, who set them and when."""
        return self._repo().items_frame(task=self)

    def agreement(self, level: str = "annotator", iou_threshold: float = 0.5) -> Any:
        """Consensus agreement per 'item', annotator 'pair' or 'annotator' (a DataFrame)."""
        return self._repo().agreement(task=self, level=level, iou_threshold=iou_threshold)

    def task_scores(self, page_offset: int = 0, page_size: int = 100) -> list[dict]:
        return self._repo().task_scores(
            task_id=self.id, page_offset=page_offset, page_size=page_size
        )

    def merge_consensus(
        self, method: str = "majority", iou_threshold: float = 0.5, upload: bool = True
    ) -> dict:
        """Merge the annotators' answers of each item into final annotations."""
        return self._repo().merge_consensus(
            task=self, method=method, iou_threshold=iou_threshold, upload=upload
        )

    def gold_accuracy(self) -> Any:
        """Per annotator: gold items answered and weighted accuracy against known solutions."""
        return self._repo().gold_accuracy(task=self)

    def qualification_results(self) -> Any:
        return self._repo().qualification_results(task=self)

    def set_access(
        self,
        items: Any = None,
        filters: Any = None,
        reserved_for: Any = None,
        unavailable_for: Any = None,
    ) -> bool:
        """Toloka's reserved_for / unavailable_for for some of the task's items."""
        return self._repo().set_access(
            task=self,
            items=items,
            filters=filters,
            reserved_for=reserved_for,
            unavailable_for=unavailable_for,
        )

    def set_overlap(
        self,
        items: Any = None,
        filters: Any = None,
        overlap: int | None = None,
        infinite_overlap: bool = False,
    ) -> bool:
        """How many assignees some items need (Toloka's per-task overlap)."""
        return self._repo().set_overlap(
            task=self,
            items=items,
            filters=filters,
            overlap=overlap,
            infinite_overlap=infinite_overlap,
        )

    def set_router(self, task_router: Any) -> None:
        """Use ``task_router`` for this task in this process (routers are Python functions)."""
        self._repo().set_router(task=self, task_router=task_router)

    # -- JSON and display --------------------------------------------------------------
    def summary(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.kind,
            "status": self.status,
            "allocation": self.allocation_method,
            "dataset_id": self.dataset_id,
            "owner": self.task_owner,
            "due_date": self.due_date_datetime,
            "created_at": self.created_at,
        }

    def to_json(self) -> dict:
        metadata = json.loads(json.dumps(self.metadata, default=str))
        system = metadata.setdefault("system", {})
        for key, setting in (
            ("allowedAssignees", "allowed_assignees"),
            ("batchSize", "batch_size"),
            ("maxBatchWorkload", "max_batch_workload"),
            ("consensusPercentage", "consensus_percentage"),
            ("consensusAssignees", "consensus_assignees"),
            ("scoring", "scoring"),
        ):
            if self.settings.get(setting) is not None:
                system[key] = self.settings[setting]
        if self.kind in ("consensus", "honeypot", "qualification"):
            system["consensusTaskType"] = self.kind
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "projectId": self.project_id,
            "datasetId": self.dataset_id,
            "taskOwner": self.task_owner,
            "creator": self.creator,
            "dueDate": _epoch_ms(self.due_date),
            "spec": self.spec,
            "recipeId": self.recipe_id,
            "query": json.dumps(self.query),
            "priority": self.priority,
            "availableActions": [a.to_json() for a in self.available_actions],
            "metadata": metadata,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }

    def _html_rows(self) -> list[tuple[object, object]]:
        rows: list[tuple[object, object]] = [
            ("id", self.id),
            ("type", self.kind),
            ("status", self.status),
            ("allocation", self.allocation_method),
            ("dataset", self.dataset_id),
            ("owner", self.task_owner),
            ("actions", ", ".join(a.action for a in self.available_actions)),
        ]
        if self.parent_id:
            rows.append(("parent task", self.parent_id))
        if self.due_date is not None:
            rows.append(("due", self.due_date_datetime.isoformat()))
        return rows

    def widget(self, **options: Any) -> Any:
        """A gallery of the task's items."""
        return _hooks.call("view.task", self, **options)

    def show(self, **options: Any) -> None:
        """Display ``widget()`` in the notebook."""
        html.display(self.widget(**options))

    def _repr_html_(self) -> str:
        return html.task_html(self, self._html_rows())


@dataclass(repr=False, eq=False)
class Assignment(BaseEntity):
    """One assignee's share of a task."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "name", "annotator", "status", "task_id")
    id: str = ""
    name: str = ""
    annotator: str = ""
    status: str = "open"
    project_id: str = ""
    task_id: str = ""
    dataset_id: str = ""
    load: float | None = None
    last_active_at: str | None = None
    metadata: dict = field(default_factory=dict)
    creator: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    version: int = 1

    @property
    def assignee_id(self) -> str:
        return self.annotator

    def _repo(self) -> Any:
        return self.client.assignments_repo(project_id=self.project_id)

    @property
    def task(self) -> Task:
        return self.client.tasks_repo().get(task_id=self.task_id)

    def annotate(self, **kwargs: Any) -> Any:
        """An annotator over this assignment's queue (see ``dl.Annotator``)."""
        return _hooks.call("view.annotator", self, **kwargs)

    @property
    def total_items(self) -> int:
        return self._repo().count_items(assignment=self)

    def get_items(self, dataset: Any = None, filters: Any = None) -> Any:
        return self._repo().get_items(assignment=self, filters=filters)

    def reassign(
        self, assignee_id: Any = None, wait: bool = True, assignee_ids: Any = None
    ) -> Assignment:
        return self._repo().reassign(
            assignee_id=assignee_id, assignee_ids=assignee_ids, assignment=self, wait=wait
        )

    def redistribute(self, workload: Any, wait: bool = True) -> Assignment:
        return self._repo().redistribute(workload=workload, assignment=self, wait=wait)

    def set_status(
        self, status: str, operation: str = "create", item_id: str | None = None
    ) -> bool:
        return self._repo().set_status(
            status=status, operation=operation, item_id=item_id, assignment_id=self.id
        )

    def update(self, system_metadata: bool = False) -> Assignment:
        return self._repo().update(assignment=self, system_metadata=system_metadata)

    def delete(self) -> bool:
        return self._repo().delete(assignment=self)

    def to_df(self) -> Any:
        """One row per item of the assignment with its status."""
        return self._repo().items_frame(assignment=self)

    def summary(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "annotator": self.annotator,
            "status": self.status,
            "task_id": self.task_id,
            "load": self.load,
            "last_active_at": self.last_active_at,
        }

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "annotator": self.annotator,
            "status": self.status,
            "projectId": self.project_id,
            "taskId": self.task_id,
            "datasetId": self.dataset_id,
            "metadata": self.metadata,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }

    def _repr_html_(self) -> str:
        rows = [
            ("id", self.id),
            ("annotator", self.annotator),
            ("status", self.status),
            ("task", self.task_id),
            ("last active", self.last_active_at),
        ]
        return (
            f"<div class='dl-assignment'>{_html.table(rows, title=f'Assignment {self.name}')}</div>"
        )
