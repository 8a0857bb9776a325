"""Rows of ``tasks`` and ``assignments`` to entities."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row

from dl_jupyter.entities.task import Assignment, ItemAction, Task


def task(row: Row, client: Any) -> Task:
    return Task(
        id=row.id,
        name=row.name,
        project_id=row.project_id,
        dataset_id=row.dataset_id,
        status=row.status,
        task_type=row.task_type,
        parent_id=row.parent_id,
        recipe_id=row.recipe_id,
        task_owner=row.owner,
        creator=row.creator,
        due_date=row.due_date,
        priority=row.priority,
        query=dict(row.query or {}),
        available_actions=[ItemAction.of(a) for a in row.available_actions],
        settings=dict(row.settings or {}),
        metadata=dict(row.metadata or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        version=row.version,
        _client=client,
    )


def assignment(row: Row, client: Any) -> Assignment:
    return Assignment(
        id=row.id,
        name=row.name,
        annotator=row.annotator,
        status=row.status,
        project_id=row.project_id,
        task_id=row.task_id,
        dataset_id=row.dataset_id,
        load=row.load,
        last_active_at=row.last_active_at,
        metadata=dict(row.metadata or {}),
        creator=row.creator,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        _client=client,
    )
