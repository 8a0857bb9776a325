"""Labeling workflows: tasks, assignments, queues, routing, sampling and quality control.

Importing this package registers the ``tasks`` and ``assignments`` repositories with
``dl_jupyter._hooks``, which is how ``dl.tasks``, ``project.tasks``, ``dataset.tasks`` and
``task.assignments`` reach them without the layers below importing this one. The
repositories' modules load on first use, so ``import dl_jupyter`` stays light.
"""

from __future__ import annotations

from typing import Any

from dl_jupyter import _hooks
from dl_jupyter.workflows.hashing import TASK_HASH_ATTR
from dl_jupyter.workflows.routing import Controller


def _tasks(
    client: Any, project: Any = None, dataset: Any = None, task: Any = None, **ids: Any
) -> Any:
    from dl_jupyter.workflows.tasks import Tasks

    return Tasks(
        client,
        project=project,
        dataset=dataset,
        project_id=ids.get("project_id"),
        dataset_id=ids.get("dataset_id"),
    )


def _assignments(
    client: Any, project: Any = None, dataset: Any = None, task: Any = None, **ids: Any
) -> Any:
    from dl_jupyter.workflows.assignments import Assignments

    return Assignments(client, project=project, dataset=dataset, task=task, **ids)


_hooks.register("repository.tasks", _tasks)
_hooks.register("repository.assignments", _assignments)

__all__ = ["TASK_HASH_ATTR", "Controller"]
