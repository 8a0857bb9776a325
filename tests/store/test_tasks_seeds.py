"""The seeds' task and assignment snippets, run as written: only the login line changed, and
placeholder names and ids replaced by real ones (the tolerant call forms of inventory B.1
rows 1-3, 17 and 30 included)."""

from __future__ import annotations

import datetime

import pytest

import dl_jupyter as dl
from dl_jupyter import api
from tests.store.workflow_team import add_items

SEED_PEOPLE = [
    "annotator1@dataloop.ai",
    "annotator2@dataloop.ai",
    "reviewer1@dataloop.ai",
    "reviewer2@dataloop.ai",
    "new.annotator@dataloop.ai",
    "JohnDoe@gmail.com",
    "user@dataloop.ai",
]


@pytest.fixture
def seed_project(client, monkeypatch):
    """project_name / dataset_name as the guide's prerequisites name them, with the people
    the snippets assign work to as members."""
    monkeypatch.setattr(api, "_client", client)
    project = dl.projects.create(project_name="project_name")
    for email in SEED_PEOPLE:
        project.add_member(email, dl.MemberRole.ANNOTATOR)
    dataset = project.datasets.create(dataset_name="dataset_name")
    add_items(dataset, 6, prefix="/my/folder/path")
    add_items(dataset, 6, prefix="/other")
    return project


def test_guide_creating_tasks(seed_project):
    # Prerequisites
    if dl.token_expired():
        dl.login()
    project = dl.projects.get(project_name="project_name")
    dataset = project.datasets.get(dataset_name="dataset_name")
    # Create a distribution task (assign immediately)
    dataset.tasks.create_labeling(
        name="my_distribution_task",
        assignee_ids=["annotator1@dataloop.ai", "annotator2@dataloop.ai"],
    )
    # Create a pulling task (dynamic distribution via batches)
    dataset.tasks.create_labeling(
        name="my_pulling_task",
        assignee_ids=["annotator1@dataloop.ai", "annotator2@dataloop.ai"],
        batch_size=5,  # items per batch
        max_batch_workload=7,  # max items per assignment
    )
    # Filter by directory
    filters = dl.Filters(field="dir", values="/my/folder/path")
    # OR filter by annotation status
    filters = dl.Filters(field="annotated", values=False)
    # Create task with filters
    dataset.tasks.create_labeling(
        name="filtered_task",
        assignee_ids=["annotator1@dataloop.ai", "annotator2@dataloop.ai"],
        filters=filters,
    )
    task_entity = project.tasks.get(task_name="my_distribution_task")
    # Create QA task from an annotation task
    qa_task = dataset.tasks.create_qa_task(
        task=task_entity,  # reference an existing annotation task
        due_date=datetime.datetime(day=1, month=1, year=2029).timestamp(),
        assignee_ids=["reviewer1@dataloop.ai", "reviewer2@dataloop.ai"],
    )
    # Create a consensus task
    dataset.tasks.create_consensus_task(
        name="my_consensus_task",
        assignee_ids=["annotator1@dataloop.ai", "annotator2@dataloop.ai"],
        consensus_percentage=66,  # percent of items to be reviewed in consensus
        consensus_assignees=2,  # annotators per item
    )
    # Create a honeypot task
    dataset.tasks.create_honeypot_task(
        name="my_honeypot_task",
        assignee_ids=["annotator1@dataloop.ai", "annotator2@dataloop.ai"],
        consensus_percentage=66,
        consensus_assignees=2,
    )
    # Create a qualification task
    dataset.tasks.create_qualification_task(
        name="my_qualification_task",
        assignee_ids=["annotator1@dataloop.ai", "annotator2@dataloop.ai"],
        consensus_percentage=66,
        consensus_assignees=2,
    )

    tasks = {t.name: t for t in dataset.tasks.list()}
    assert tasks["my_distribution_task"].total_items == 12
    assert tasks["my_pulling_task"].to_json()["metadata"]["system"]["batchSize"] == 5
    assert tasks["filtered_task"].total_items == 12  # nothing is annotated yet
    assert qa_task.name == "my_distribution_task_qa" and qa_task.parent_id == task_entity.id
    assert qa_task.due_date == datetime.datetime(day=1, month=1, year=2029).timestamp()
    assert qa_task.total_items == 0  # nothing has a status in the parent yet
    consensus = tasks["my_consensus_task"]
    assert consensus.to_json()["metadata"]["system"]["consensusTaskType"] == "consensus"
    assert 12 < sum(a.total_items for a in consensus.assignments.list()) < 24
    assert tasks["my_honeypot_task"].kind == "honeypot"
    qualification = tasks["my_qualification_task"]
    assert {a.total_items for a in qualification.assignments.list()} == {12}  # everyone answers all


def test_guide_managing_tasks_and_assignments(seed_project):
    project = dl.projects.get(project_name="project_name")
    dataset = project.datasets.get(dataset_name="dataset_name")
    task = dataset.tasks.create_labeling(
        name="task-name",
        assignee_ids=["annotator1@dataloop.ai"],
        filters=dl.Filters(field="dir", values="/my/folder/path"),
    )
    # Add items using filters
    filters = dl.Filters(field="metadata.system.refs", values=[])  # Unassigned items
    task.add_items(
        filters=filters, assignee_ids=["annotator1@dataloop.ai", "annotator2@dataloop.ai"]
    )
    assert task.total_items == 12
    # Add specific items
    item = dl.items.get(item_id=task.get_items()[0].id)
    task.add_items(items=[item], assignee_ids=["annotator1@dataloop.ai"])
    # Get task by ID
    task = dl.tasks.get(task_id=task.id)
    # Get task by name in project
    task = project.tasks.get(task_name="task-name")
    # List all tasks in dataset
    tasks = dataset.tasks.list()
    assert [t.name for t in tasks] == ["task-name"]
    assignment_id = task.assignments.list(assignee_id="annotator1@dataloop.ai")[0].id
    # Get assignment
    assignment = dl.assignments.get(assignment_id=assignment_id)
    # List assignments in task
    assignments = task.assignments.list()
    assert len(assignments) == 2
    # Redistribute work between annotators
    assignment.redistribute(
        dl.Workload(
            [
                dl.WorkloadUnit(assignee_id="annotator1@dataloop.ai", load=50),
                dl.WorkloadUnit(assignee_id="annotator2@dataloop.ai", load=50),
            ]
        )
    )
    loads = {a.annotator: a.total_items for a in task.assignments.list()}
    assert loads == {"annotator1@dataloop.ai": 5, "annotator2@dataloop.ai": 7}
    # Reassign to new annotator
    assignment.reassign(["new.annotator@dataloop.ai"])
    assert dl.assignments.get(assignment_id=assignment_id).annotator == "new.annotator@dataloop.ai"
    # Delete a task (this also deletes its assignments)
    other = dataset.tasks.create_labeling(name="other", assignee_ids=["annotator2@dataloop.ai"])
    assignment = other.assignments.list()[0]
    task.delete()
    # Delete a specific assignment
    assignment.delete()
    assert dataset.tasks.list()[0].assignments.list() == []


def test_tutorial_task_workflows(seed_project):
    project = dl.projects.get(project_name="project_name")
    dataset = project.datasets.get(dataset_name="dataset_name")
    # Create a task with all items in a specific folder
    filters = dl.Filters(field="dir", values="/my/folder/path")
    # filter items without annotations
    filters = dl.Filters(field="annotated", values=False)
    # Create annotation task with filters
    task = dataset.tasks.create(
        task_name="task_name",
        due_date=datetime.datetime(day=1, month=1, year=2029).timestamp(),
        assignee_ids=["annotator1@dataloop.ai", "annotator2@dataloop.ai"],
        # The items will be divided equally between assignments
        filters=filters,  # filter by folder directory or use other filters
    )
    # Create QA task with filters
    qa_task = dataset.tasks.create_qa_task(
        task=task,
        due_date=datetime.datetime(day=1, month=1, year=2029).timestamp(),
        assignee_ids=["annotator1@dataloop.ai", "annotator2@dataloop.ai"],
        filters=filters,  # this filter is for "completed items"
    )
    assert qa_task.task_type == "qa"
    # List of Items
    items = dataset.items.list()
    items_list = [item for item in items.all()]
    task = dataset.tasks.create(
        task_name="task_name_2",
        due_date=datetime.datetime(day=1, month=1, year=2029).timestamp(),
        assignee_ids=["annotator1@dataloop.ai", "annotator2@dataloop.ai"],
        # The items will be divided equally between assignments
        items=items_list,
    )
    assert {a.total_items for a in task.assignments.list()} == {6}
    # Entire Dataset
    task = dataset.tasks.create(
        task_name="task_name_3",
        due_date=datetime.datetime(day=1, month=1, year=2029).timestamp(),
        assignee_ids=["annotator1@dataloop.ai", "annotator2@dataloop.ai"],
        # The items will be divided equally between assignments
    )
    # Add items to an existing task
    filters = dl.Filters(field="metadata.system.refs", values=[])  # filter on unassigned items
    task.add_items(
        filters=filters,  # filter by folder directory or use other filters
        assignee_ids=["annotator1@dataloop.ai", "annotator2@dataloop.ai"],
    )
    # Get Task
    task = dl.tasks.get(task_id=task.id)
    task = project.tasks.get(task_name="task_name_3")
    tasks = project.tasks.list()
    tasks = dataset.tasks.list()
    assert len(tasks) == 4
    # Get Assignments
    name = task.assignments.list()[0].name
    assignment = dl.assignments.get(assignment_id=task.assignments.list()[0].id)
    assignment = project.assignments.get(assignment_name=name)
    assignment = dataset.assignments.get(assignment_name=name)
    assignment = task.assignments.get(assignment_name=name)
    assignments = project.assignments.list()
    assignments = dataset.assignments.list()
    assignments = task.assignments.list()
    assert len(assignments) == 2 and len(project.assignments.list()) == 8
    # Get Assignment Items
    assignment_items = assignment.get_items()
    assert assignment_items.items_count == 6
    # Redistribute
    # load is the workload percentage for each annotator
    assignment.redistribute(
        dl.Workload(
            [
                dl.WorkloadUnit(assignee_id="annotator1@dataloop.ai", load=50),
                dl.WorkloadUnit(assignee_id="annotator2@dataloop.ai", load=50),
            ]
        )
    )
    # Reassign (the tutorial's `assignee_ids['<...>']` is a NameError in the seed: B.1 row 30)
    assignment.reassign(assignee_ids=["annotator1@dataloop.ai"])
    task.delete()
    assignment = dataset.assignments.list()[0]
    assignment.delete()


def test_getting_started_task_with_a_due_date_in_the_past(seed_project):
    from datetime import (
        datetime,
    )  # the tutorial calls datetime(...) after `import datetime` (B.1 row 4)

    project = dl.projects.get(project_name="project_name")
    dataset = project.datasets.get(dataset_name="dataset_name")
    filters = dl.Filters(field="dir", values="/other")
    task = dataset.tasks.create(
        task_name="test",
        due_date=datetime(day=15, month=7, year=2022).timestamp(),
        assignee_ids=["JohnDoe@gmail.com"],
        filters=filters,
    )
    assert task.total_items == 6


def test_reference_examples(seed_project):
    project = dl.projects.get(project_name="project_name")
    dataset = project.datasets.get(dataset_name="dataset_name")
    task = dataset.tasks.create(
        task_name="task_entity",
        assignee_ids=["annotator1@dataloop.ai"],
        due_date=datetime.datetime(day=1, month=1, year=2029).timestamp(),
    )
    item = task.get_items()[0]
    dataset.tasks.remove_items(task=task, items=[item])
    dataset.tasks.add_items(task=task, items=[item])
    dataset.tasks.get(task_id=task.id)
    assert len(dataset.tasks.get_items(task_id=task.id)) == 12
    assert [
        t.id for t in dataset.tasks.list(project_ids=project.id, pages_size=100, page_offset=0)
    ] == [task.id]
    assert dataset.tasks.query(project_ids=project.id).items_count == 1
    dataset.tasks.update(task=task)
    assignment = task.create_assignment(assignee_id="annotator2@dataloop.ai")
    assignment = task.assignments.create(assignee_id="annotator2@dataloop.ai")
    assignment = task.assignments.get(assignment_id=assignment.id)
    items = task.assignments.get_items(assignment_id=task.assignments.list()[0].id)
    first = task.assignments.list(assignee_id="annotator1@dataloop.ai")[0]
    success = task.assignments.set_status(
        assignment_id=first.id, status="complete", operation="created", item_id=item.id
    )
    assert success is True and items.items_count == 12
    assignments = task.assignments.list(
        status="complete", assignee_id="user@dataloop.ai", pages_size=100, page_offset=0
    )
    assert assignments == []
    assignment = task.assignments.update(assignment=first, system_metadata=False)
    assignment = assignment.update(system_metadata=False)
    success = assignment.set_status(status="complete", operation="created", item_id=item.id)
    assignment = assignment.reassign(assignee_ids="annotator2@dataloop.ai")
    assignment = assignment.redistribute(
        workload=dl.Workload(
            [
                dl.WorkloadUnit(assignee_id="annotator1@dataloop.ai", load=50),
                dl.WorkloadUnit(assignee_id="annotator2@dataloop.ai", load=50),
            ]
        )
    )
    qa = task.create_qa_task(
        due_date=datetime.datetime(day=1, month=1, year=2029).timestamp(),
        assignee_ids=["annotator1@dataloop.ai", "annotator2@dataloop.ai"],
    )
    assert qa.total_items == 1  # the one item with a status
    dataset.tasks.set_status(
        task_id=task.id, status="complete", operation="create", item_ids=[item.id]
    )
    dataset.tasks.open_in_web(task_id=task.id)
    dataset.tasks.delete(task_id=task.id)


def test_placeholder_filters_give_a_clear_error(seed_project):
    """The tutorial's ``dl.Filters(field='<dir>', ...)`` placeholders (B.1 row 17)."""
    dataset = dl.projects.get(project_name="project_name").datasets.get(dataset_name="dataset_name")
    filters = dl.Filters(field="<dir>", values="</my/folder/directory>")
    with pytest.raises(dl.BadRequestError, match="'<dir>'"):
        dataset.tasks.create(
            task_name="<task_name>", assignee_ids=["annotator1@dataloop.ai"], filters=filters
        )
    assert dataset.tasks.list() == []
