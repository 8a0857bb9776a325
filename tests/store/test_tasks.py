"""Tasks with the Dataloop SDK's API: creation (every parameter and default), finding,
changing, items in and out, statuses, roles, and bad input that changes nothing."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

import dl_jupyter as dl
from dl_jupyter import api
from dl_jupyter.store import schema
from tests.store.workflow_team import (
    ANNOTATORS,
    DEVELOPER,
    MANAGER,
    acting_as,
    add_items,
    add_team,
    drain,
    refs_of,
)

A1, A2, A3 = ANNOTATORS


@pytest.fixture(autouse=True)
def module_level_client(client, monkeypatch):
    """``dl.tasks`` and ``dl.assignments`` on the test store."""
    monkeypatch.setattr(api, "_client", client)


@pytest.fixture
def team(project):
    add_team(project)
    return project


@pytest.fixture
def items(team, dataset):
    return add_items(dataset, 12)


def counts(task) -> dict[str, int]:
    return {a.annotator: a.total_items for a in task.assignments.list()}


def test_distribution_splits_items_equally_and_records_refs(dataset, items, client):
    task = dataset.tasks.create(task_name="labeling", assignee_ids=[A1, A2, A3])
    assert task.total_items == 12
    assert counts(task) == {A1: 4, A2: 4, A3: 4}
    assert task.allocation_method == "distribution"
    item = dataset.items.get(item_id=items[0].id)
    assert refs_of(item, "task") == [{"type": "task", "id": task.id}]
    assert len(refs_of(item, "assignment")) == 1
    unassigned = dl.Filters(field="metadata.system.refs", values=[])
    assert dataset.items.list(filters=unassigned).items_count == 0
    # items are dealt in turn, so each assignee gets every third item of the task's order
    first = task.assignments.list(assignee_id=A1)[0]
    assert [i.id for i in first.get_items().all()] == [i.id for i in items[0::3]]


def test_defaults_of_a_new_task(dataset, items, client):
    before = time.time()
    task = dataset.tasks.create(task_name="defaults", assignee_ids=[A1])
    assert before + 7 * 24 * 3600 - 5 < task.due_date < time.time() + 7 * 24 * 3600 + 5
    assert task.task_owner == client.user and task.creator == client.user
    assert task.recipe_id == dataset.recipe_ids[0]
    assert task.priority == dl.TaskPriority.MEDIUM
    assert [a.action for a in task.available_actions] == ["completed", "discarded"]
    assert (task.status, task.task_type, task.spec) == (
        "open",
        "annotation",
        {"type": "annotation"},
    )
    assert task.query["filter"]["$and"] == [{"hidden": False}, {"type": "file"}]


def test_every_create_parameter_is_kept(dataset, items, client):
    recipe_id = dataset.recipe_ids[0]
    task = dataset.tasks.create(
        task_name="all",
        due_date=1893456000.0,
        assignee_ids=[A1, A2],
        task_owner=MANAGER,
        recipe_id=recipe_id,
        metadata={"user": {"batch": 7}},
        filters=dl.Filters(field="dir", values="/img"),
        available_actions=[dl.ItemAction("to-check"), dl.ItemAction("discard")],
        limit=5,
        allowed_assignees=[A1, A2, A3],
        priority=dl.TaskPriority.HIGH,
        wait=True,
    )
    assert (task.due_date, task.task_owner, task.priority) == (1893456000.0, MANAGER, 3)
    assert task.metadata["user"] == {"batch": 7}
    assert task.total_items == 5
    assert [a.action for a in task.available_actions] == ["to-check", "discard"]
    assert task.allowed_assignees == [A1, A2, A3]
    assert task.to_json()["dueDate"] == 1893456000000.0
    assert set(counts(task)) == {A1, A2, A3}  # allowed assignees get a (possibly empty) assignment


def test_workload_percentages(dataset, team, client):
    add_items(dataset, 10)
    task = dataset.tasks.create(
        task_name="split", workload=[dl.WorkloadUnit(A1, 80), dl.WorkloadUnit(A2, 20)]
    )
    assert counts(task) == {A1: 8, A2: 2}


def test_items_from_a_list_a_query_and_a_filter(dataset, items, client):
    by_list = dataset.tasks.create(task_name="list", assignee_ids=[A1], items=items[:3])
    assert by_list.total_items == 3
    by_query = dataset.tasks.create(
        task_name="query",
        assignee_ids=[A1],
        query={"filter": {"$and": [{"filename": items[4].filename}]}},
    )
    assert by_query.total_items == 1
    nowhere = dataset.tasks.create(
        task_name="none",
        assignee_ids=[A1],
        filters=dl.Filters(field="dir", values="/no/such/folder"),
    )
    assert nowhere.total_items == 0 and nowhere.status == "completed"


def test_check_if_exist_returns_the_existing_task(dataset, items, client):
    first = dataset.tasks.create(task_name="once", assignee_ids=[A1])
    again = dataset.tasks.create(
        task_name="twice",
        assignee_ids=[A1],
        check_if_exist=dl.Filters(field="name", values="once", resource="tasks"),
    )
    assert again.id == first.id
    with pytest.raises(dl.ConflictError, match="Task already exists"):
        dataset.tasks.create(task_name="once", assignee_ids=[A1])


def test_get_list_query_update_delete(project, dataset, items, client):
    task = dataset.tasks.create(task_name="find me", assignee_ids=[A1, A2])
    assert dl.tasks.get(task_id=task.id).name == "find me"
    assert project.tasks.get(task_name="find me").id == task.id
    assert [t.id for t in dataset.tasks.list()] == [task.id]
    assert [t.name for t in project.tasks.list(task_name="find me")] == ["find me"]
    assert dataset.tasks.list(status="completed") == []
    pages = dataset.tasks.list(filters=dl.Filters(field="name", values="find*", resource="tasks"))
    assert pages.items_count == 1
    assert dataset.tasks.query(filters=dl.Filters(resource="tasks")).items_count == 1
    assert isinstance(dataset.tasks.list().to_df(), __import__("pandas").DataFrame)
    task.name = "renamed"
    task.metadata["user"] = {"note": "x"}
    task.due_date = 1893456000.0
    task = task.update()
    assert (task.name, task.metadata["user"], task.due_date) == (
        "renamed",
        {"note": "x"},
        1893456000.0,
    )
    stale = dl.tasks.get(task_id=task.id)
    task.update()
    with pytest.raises(dl.ConflictError):
        stale.update()
    assignments = [a.id for a in task.assignments.list()]
    assert task.delete() is True
    with pytest.raises(dl.NotFoundError, match="Task not found"):
        dl.tasks.get(task_id=task.id)
    for assignment_id in assignments:
        with pytest.raises(dl.NotFoundError):
            dl.assignments.get(assignment_id=assignment_id)
    item = dataset.items.get(item_id=items[0].id)
    assert item.metadata["system"]["refs"] == []


def test_add_and_remove_items(dataset, items, client):
    task = dataset.tasks.create(task_name="grow", assignee_ids=[A1], items=items[:4])
    unassigned = dl.Filters(field="metadata.system.refs", values=[])
    assert dataset.items.list(filters=unassigned).items_count == 8
    task.add_items(filters=unassigned, assignee_ids=[A1, A2])
    assert task.total_items == 12 and counts(task) == {A1: 8, A2: 4}
    task.add_items(items=[items[0]], assignee_ids=[A3])  # already in the task: nothing added
    assert task.total_items == 12
    task.remove_items(items=items[:2])
    assert task.total_items == 10
    assert dataset.items.list(filters=unassigned).items_count == 2
    with pytest.raises(dl.BadRequestError, match="needs filters, items or query"):
        task.add_items(assignee_ids=[A1])


def test_get_items_list_or_pages(dataset, items, client):
    task = dataset.tasks.create(task_name="items", assignee_ids=[A1], items=items[:5])
    listed = task.get_items()
    assert isinstance(listed, list) and len(listed) == 5
    pages = dataset.tasks.get_items(
        task_id=task.id, filters=dl.Filters(field="name", values="0000.jpg")
    )
    assert pages.items_count == 1


def test_statuses_with_history_and_annotation_status(dataset, items, client):
    task = dataset.tasks.create(task_name="statuses", assignee_ids=[A1], items=items[:3])
    with acting_as(client, A1):
        queue = task.queue()
        first = queue.next()
        queue.set_status(first, "Completed")  # action names are case-insensitive
        second = queue.next()
        queue.set_status(second, "discard")
    done = dl.Filters(field="metadata.system.annotationStatus", values="completed")
    assert [i.id for i in dataset.items.list(filters=done).all()] == [first.id]
    item = dataset.items.get(item_id=first.id)
    assert refs_of(item, "task")[0]["metadata"] == {"status": "completed"}
    task.set_status(status="completed", operation="create", item_ids=[items[2].id])
    task.set_status(status="completed", operation="delete", item_ids=[first.id])
    assert dataset.items.get(item_id=first.id).metadata["system"]["annotationStatus"] == []
    log = schema.item_status_log
    with client.store.read() as conn:
        history = conn.execute(
            sa.select(log.c.status, log.c.operation, log.c.creator)
            .where(log.c.item_id == first.id)
            .order_by(log.c.created_at, log.c.id)
        ).all()
    assert [tuple(h) for h in history] == [
        ("completed", "create", A1),
        (None, "delete", client.user),
    ]
    shown = dataset.items.get(item_id=first.id).metadata["system"]["statusLog"]
    assert [(e["status"], e["action"], e["creator"], e["taskId"]) for e in shown] == [
        ("completed", "create", A1, task.id),
        (None, "delete", client.user, task.id),
    ]
    assert "statusLog" not in dataset.items.get(item_id=items[5].id).metadata["system"]
    dataset.items.get(item_id=items[2].id).update_status(status="approved")
    assert (
        dataset.items.get(item_id=items[2].id).metadata["system"]["statusLog"][-1]["status"]
        == "approved"
    )
    frame = task.to_df()
    assert set(frame.columns) >= {
        "item_id",
        "filename",
        "assignee",
        "status",
        "status_by",
        "task_status",
    }


def test_the_queue_contract(dataset, items, client):
    task = dataset.tasks.create(task_name="queue", assignee_ids=[A1], items=items[:3])
    with acting_as(client, A1):
        queue = task.queue()
        assert queue.current is None and queue.previous() is None
        assert queue.available_actions == ["completed", "discarded"]
        assert queue.position == (0, 3)
        one = queue.next()
        two = queue.next()  # skipping `one`, which stays held
        assert queue.current.id == two.id
        assert queue.previous().id == one.id
        assert queue.next().id == two.id
        queue.set_status(two, "completed")
        three = queue.next()
        queue.set_status(three, "completed")
        assert queue.next().id == one.id  # back to what was skipped
        queue.set_status(one, "discarded")
        assert queue.next() is None
        assert queue.position == (3, 3)
        with pytest.raises(dl.BadRequestError, match="is not an action"):
            queue.set_status(one, "approved")
    assert dl.tasks.get(task_id=task.id).status == "completed"
    assert task.assignments.list()[0].status == "completed"


def test_pulling_takes_batches_and_never_holds_more_than_the_maximum(dataset, team, client):
    add_items(dataset, 20)
    task = dataset.tasks.create_labeling(
        name="pull", assignee_ids=[A1, A2], batch_size=3, max_batch_workload=5
    )
    assert counts(task) == {A1: 0, A2: 0} and task.total_items == 20
    with acting_as(client, A1):
        queue = task.queue()
        served = [queue.next() for _ in range(5)]  # skips them all: 3 pulled, then 2 more
        assert queue.position == (0, 5)
        assert queue.next().id == served[0].id  # holding 5: no more pulls, back to skipped ones
        for item in served:
            queue.set_status(item, "completed")
        assert queue.next() is not None and queue.position == (5, 8)
    with acting_as(client, A2):
        assert len(drain(task.queue())) == 12
    with acting_as(client, A1):
        rest = drain(queue)
    assert len(rest) == 3
    assert task.progress()["done"].sum() == 20


def test_roles(dataset, items, client):
    with acting_as(client, A1), pytest.raises(dl.ForbiddenError, match="create or manage tasks"):
        dataset.tasks.create(task_name="nope", assignee_ids=[A1])
    with acting_as(client, MANAGER):
        task = dataset.tasks.create(task_name="managed", assignee_ids=[A1, A2])
    with acting_as(client, DEVELOPER):
        dataset.tasks.create(task_name="developed", assignee_ids=[A1])
    with acting_as(client, A1):
        assert dl.tasks.get(task_id=task.id).name == "managed"
        assert task.queue().next() is not None
        with pytest.raises(dl.ForbiddenError):
            task.queue(assignee_id=A2)
        with pytest.raises(dl.ForbiddenError):
            task.delete()
        with pytest.raises(dl.ForbiddenError):
            task.assignments.list()[0].redistribute(dl.Workload([dl.WorkloadUnit(A1, 100)]))
    with acting_as(client, A3), pytest.raises(dl.ForbiddenError, match="not an assignee"):
        task.queue().next()
    with acting_as(client, MANAGER):
        assert task.queue(assignee_id=A2).next() is not None


def tables_count(client) -> dict[str, int]:
    with client.store.read() as conn:
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in (
                ("tasks", schema.tasks),
                ("assignments", schema.assignments),
                ("refs", schema.item_refs),
            )
        }


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"assignee_ids": ["stranger@example.com"]}, dl.BadRequestError, "Unknown assignee"),
        (
            {"workload": [dl.WorkloadUnit(A1, 60), dl.WorkloadUnit(A2, 30)]},
            dl.BadRequestError,
            "sum to 100",
        ),
        ({"workload": []}, dl.BadRequestError, "names nobody"),
        ({"task_type": "qa"}, dl.BadRequestError, "task_parent_id"),
        ({"task_type": "review"}, dl.BadRequestError, "task_type"),
        ({"task_type": "qa", "task_parent_id": "missing"}, dl.NotFoundError, "Task not found"),
        ({"batch_size": 2}, dl.BadRequestError, "from 3 to 100"),
        ({"batch_size": 5, "max_batch_workload": 11}, dl.BadRequestError, "batch_size \\* 2"),
        (
            {"batch_size": 5, "consensus_percentage": 50},
            dl.BadRequestError,
            "Consensus can not work",
        ),
        (
            {"assignee_ids": [A1], "annotations_per_task": 2},
            dl.BadRequestError,
            "up to 2 assignees",
        ),
        ({"feed_overlap": True, "annotations_per_task": 2}, dl.BadRequestError, "contradict"),
        ({"due_date": "tomorrow"}, dl.BadRequestError, "due_date"),
        ({"priority": 7}, dl.BadRequestError, "priority"),
        (
            {"filters": dl.Filters(field="nope", values=1)},
            dl.BadRequestError,
            "Unknown items filter field",
        ),
    ],
)
def test_bad_input_is_a_clear_error_that_changes_nothing(
    dataset, items, client, arguments, error, message
):
    arguments = {"assignee_ids": [A1, A2], **arguments}
    before = tables_count(client)
    with pytest.raises(error, match=message):
        dataset.tasks.create(task_name="bad", **arguments)
    assert tables_count(client) == before
