"""Workloads, item actions and the JSON of tasks and assignments."""

from __future__ import annotations

import pytest

import dl_jupyter as dl
from dl_jupyter.exceptions import BadRequestError


def test_workload_units_positional_and_by_keyword():
    assert dl.WorkloadUnit("a@x.com", 80) == dl.WorkloadUnit(assignee_id="a@x.com", load=80)
    unit = dl.WorkloadUnit(assignee_id="a@x.com", load=50)
    assert unit.to_json() == {"assigneeId": "a@x.com", "load": 50.0}
    assert dl.WorkloadUnit.from_json(unit.to_json()) == unit


@pytest.mark.parametrize("load", [-1, 101, "50", True])
def test_a_load_is_a_number_from_0_to_100(load):
    with pytest.raises(BadRequestError, match="between 0 to 100"):
        dl.WorkloadUnit("a@x.com", load)


def test_workload_generate_splits_equally_to_exactly_100():
    workload = dl.Workload.generate(["a@x.com", "b@x.com", "c@x.com"])
    assert [u.load for u in workload] == [33.34, 33.33, 33.33]
    assert sum(u.load for u in workload) == pytest.approx(100)
    assert workload.assignee_ids == ["a@x.com", "b@x.com", "c@x.com"]
    assert dl.Workload.from_json(workload.to_json()).to_json() == workload.to_json()


def test_workload_of_accepts_lists_and_workloads():
    units = [dl.WorkloadUnit("a@x.com", 80), dl.WorkloadUnit("b@x.com", 20)]
    assert dl.Workload.of(units).to_json() == dl.Workload(units).to_json()
    assert len(dl.Workload.of(dl.Workload(units))) == 2
    with pytest.raises(BadRequestError):
        dl.Workload.of("a@x.com")
    with pytest.raises(BadRequestError):
        dl.Workload(["a@x.com"])


def test_item_actions():
    action = dl.ItemAction("to-check")
    assert action.to_json() == {
        "action": "to-check",
        "displayName": "To-check",
        "color": "#FFFFFF",
        "icon": None,
    }
    assert dl.ItemAction.of("Completed").action == "completed"
    assert (
        dl.ItemAction.of({"action": "discard", "displayName": "Discard"}).display_name == "Discard"
    )
    with pytest.raises(BadRequestError):
        dl.ItemAction("")


def test_task_json_carries_the_sdk_fields():
    task = dl.Task(
        id="t1",
        name="labeling",
        project_id="p",
        dataset_id="d",
        due_date=1_700_000_000.0,
        available_actions=[dl.ItemAction("completed")],
        settings={
            "allocation": "pulling",
            "batch_size": 5,
            "max_batch_workload": 7,
            "allowed_assignees": ["a@x.com"],
            "kind": "labeling",
        },
    )
    data = task.to_json()
    assert data["dueDate"] == 1_700_000_000_000.0
    assert data["spec"] == {"type": "annotation"}
    assert data["metadata"]["system"] == {
        "allowedAssignees": ["a@x.com"],
        "batchSize": 5,
        "maxBatchWorkload": 7,
    }
    assert task.allocation_method == "pulling" and task.batch_size == 5
    assert "<script>" not in dl.Task(name="<script>").__class__._repr_html_(
        dl.Task(name="<script>")
    )


def test_assignment_json():
    assignment = dl.Assignment(id="a1", name="t-a@x.com", annotator="a@x.com", task_id="t1")
    assert assignment.to_json()["annotator"] == "a@x.com"
    assert assignment.assignee_id == "a@x.com"
