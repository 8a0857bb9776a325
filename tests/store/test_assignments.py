"""Assignments: create, find, reassign, redistribute, statuses, update and delete."""

from __future__ import annotations

import pytest

import dl_jupyter as dl
from dl_jupyter import api
from tests.store.workflow_team import ANNOTATORS, MANAGER, acting_as, add_items, add_team, drain

A1, A2, A3 = ANNOTATORS


@pytest.fixture(autouse=True)
def module_level_client(client, monkeypatch):
    monkeypatch.setattr(api, "_client", client)


@pytest.fixture
def task(project, dataset):
    add_team(project)
    items = add_items(dataset, 12)
    return dataset.tasks.create(task_name="work", assignee_ids=[A1, A2], items=items)


def loads(task) -> dict[str, int]:
    return {a.annotator: a.total_items for a in task.assignments.list()}


def test_find_assignments_everywhere(project, dataset, task):
    first = task.assignments.list()[0]
    assert first.name == f"work-{first.annotator}"
    for scope in (dl.assignments, project.assignments, dataset.assignments, task.assignments):
        assert scope.get(assignment_id=first.id).id == first.id
    assert project.assignments.get(assignment_name=first.name).id == first.id
    assert [a.annotator for a in task.assignments.list(assignee_id=A2)] == [A2]
    assert task.assignments.list(status="completed") == []
    assert len(dataset.assignments.list()) == 2
    assert first.get_items().items_count == 6
    assert first.get_items(filters=dl.Filters(field="name", values="0000.jpg")).items_count == 1
    frame = first.to_df()
    assert len(frame) == 6 and set(frame["assignee"]) == {first.annotator}
    assert task.assignments.list().to_df().shape[0] == 2
    with pytest.raises(dl.NotFoundError, match="Assignment not found"):
        dl.assignments.get(assignment_id="nope")


def test_create_gives_items_from_the_pool_or_from_unstarted_holds(dataset, task):
    extra = add_items(dataset, 2, prefix="/extra")
    task.add_items(items=extra)  # dealt to A1 and A2 (the task's assignees)
    created = task.assignments.create(assignee_id=A3, items=extra)
    assert created.total_items == 2
    assert loads(task) == {A1: 6, A2: 6, A3: 2}
    with pytest.raises(dl.BadRequestError, match="None of these items is in task"):
        task.assignments.create(assignee_id=A3, items=add_items(dataset, 1, prefix="/outside"))


def test_reassign_moves_the_whole_assignment(task):
    assignment = task.assignments.list(assignee_id=A1)[0]
    moved = assignment.reassign(A3)
    assert moved.id == assignment.id and moved.annotator == A3
    assert loads(task) == {A3: 6, A2: 6}
    assert moved.name == f"work-{A3}"
    merged = dl.assignments.get(assignment_id=assignment.id).reassign(assignee_ids=[A2])
    assert merged.annotator == A2 and loads(task)[A2] == 12
    with pytest.raises(dl.BadRequestError, match="one assignee email"):
        merged.reassign([A1, A3])


def test_redistribute_deals_only_unfinished_items(client, task):
    with acting_as(client, A1):
        queue = task.queue()
        for _ in range(2):
            queue.set_status(queue.next(), "completed")
    assignment = task.assignments.list(assignee_id=A1)[0]
    assignment.redistribute(dl.Workload([dl.WorkloadUnit(A2, 75), dl.WorkloadUnit(A3, 25)]))
    assert loads(task) == {A1: 2, A2: 9, A3: 1}
    assert dl.assignments.get(assignment_id=assignment.id).status == "completed"


@pytest.mark.parametrize(
    ("workload", "message"),
    [
        (dl.Workload([]), "names nobody"),
        ([dl.WorkloadUnit("stranger@example.com", 100)], "Unknown assignee"),
        ([dl.WorkloadUnit(A2, 50)], "sum to 100"),
        (None, "needs a workload"),
    ],
)
def test_bad_redistributions_change_nothing(task, workload, message):
    assignment = task.assignments.list(assignee_id=A1)[0]
    with pytest.raises(dl.BadRequestError, match=message):
        assignment.redistribute(workload)
    assert loads(task) == {A1: 6, A2: 6}


def test_set_status_by_the_assignee_or_a_manager(client, task):
    assignment = task.assignments.list(assignee_id=A1)[0]
    item = assignment.get_items().items[0]
    with acting_as(client, A1):
        assert assignment.set_status(status="complete", operation="created", item_id=item.id)
    assert dl.items.get(item_id=item.id).metadata["system"]["annotationStatus"] == ["completed"]
    with acting_as(client, A2), pytest.raises(dl.ForbiddenError):
        assignment.set_status(status="completed", operation="delete", item_id=item.id)
    with acting_as(client, MANAGER):
        assignment.set_status(status="completed", operation="delete", item_id=item.id)
    assert dl.items.get(item_id=item.id).metadata["system"]["annotationStatus"] == []
    with pytest.raises(dl.ConflictError, match="not in"):
        assignment.set_status(
            status="completed",
            item_id=task.assignments.list(assignee_id=A2)[0].get_items().items[0].id,
        )
    with pytest.raises(dl.BadRequestError, match="operation"):
        assignment.set_status(status="completed", operation="maybe", item_id=item.id)


def test_update_and_delete(client, task):
    assignment = task.assignments.list(assignee_id=A1)[0]
    assignment.name = "first half"
    assignment.metadata["user"] = {"shift": "night"}
    assignment = assignment.update()
    assert (assignment.name, assignment.metadata) == ("first half", {"user": {"shift": "night"}})
    assignment.delete()
    assert loads(task) == {A2: 6}
    with acting_as(client, A2):  # the deleted assignment's items wait in the pool for anyone
        assert len(drain(task.queue())) == 12
    assert dl.tasks.get(task_id=task.id).status == "completed"
