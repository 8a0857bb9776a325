"""The annotator page's logic without a browser: who is asked for, which tasks are offered,
what opens, and what it says when there is nothing to do."""

from __future__ import annotations

import io

import pytest
from PIL import Image

import dl_jupyter as dl
from dl_jupyter.entities.task import Task
from dl_jupyter.widgets.annotator_page import PageRequest, parse_query, task_choices

A, B = "a@example.com", "b@example.com"


def test_the_query_string_names_the_user_and_the_task():
    assert parse_query("token=abc&user=a%40example.com&task=street+boxes") == PageRequest(
        user=A, task="street boxes"
    )
    assert parse_query("user=&task=%20&user=b%40example.com") == PageRequest(user=B)
    assert parse_query("") == parse_query(None) == PageRequest()


def test_repeated_task_names_are_told_apart_by_id():
    tasks = [Task(id="1", name="boxes"), Task(id="2", name="boxes"), Task(id="3", name="qa")]
    assert task_choices(tasks) == [("boxes (1)", "1"), ("boxes (2)", "2"), ("qa", "3")]


@pytest.fixture
def team(project, dataset):
    """Four items; task 'boxes' split between A and B, task 'review' for A alone."""
    for email in (A, B):
        project.add_member(email, "annotator")
    for index in range(4):
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), (40 * index, 90, 120)).save(buffer, format="PNG")
        buffer.name = f"p{index}.png"
        dataset.items.upload(local_path=buffer)
    boxes = dataset.tasks.create(task_name="boxes", assignee_ids=[A, B])
    return {"boxes": boxes, "dataset": dataset}


def page_for(client, query: str, **kwargs) -> dl.AnnotatorPage:
    return dl.AnnotatorPage(client=client, query_string=query, **kwargs)


def test_a_single_task_opens_as_that_user_and_a_status_is_theirs(client, team):
    page = page_for(client, "user=a%40example.com")
    assert page.client.user == A and client.user == "owner@example.com"
    assert page.task.id == team["boxes"].id and page.task_picker.value == team["boxes"].id
    assert page.annotator.item is not None and page.annotator.position["value"] == [0, 2]
    assert "Labeling task boxes as a@example.com" in page.message.value
    first = page.annotator.item.id
    page.annotator.act("completed")
    rows = team["boxes"].to_df()
    mine = rows[(rows.item_id == first)].iloc[0]
    assert (mine.assignee, mine.status, mine.status_by) == (A, "completed", A)


def test_several_tasks_wait_for_a_choice_and_the_picker_opens_one(client, team):
    review = team["dataset"].tasks.create(task_name="review", assignee_ids=[A])
    page = page_for(client, "user=a%40example.com")
    assert page.task is None and page.annotator is None
    assert [label for label, _ in page.task_picker.options] == ["Choose a task", "boxes", "review"]
    assert "choose a task" in page.message.value
    page.task_picker.value = review.id
    assert page.task.id == review.id and page.annotator.position["value"] == [0, 4]
    first = page.annotator
    page.task_picker.value = team["boxes"].id
    assert page.task.id == team["boxes"].id and page.stage.children == (page.annotator,)
    assert first.comm is None  # the annotator of the other task was closed
    page.close()
    assert page.annotator is None and page.comm is None


def test_the_address_picks_a_task_by_name_or_id(client, team):
    team["dataset"].tasks.create(task_name="review", assignee_ids=[A])
    assert page_for(client, "user=a%40example.com&task=review").task.name == "review"
    by_id = page_for(client, f"user=a%40example.com&task={team['boxes'].id}")
    assert by_id.task.name == "boxes"


def test_a_pulling_task_open_to_the_team_is_joined_when_the_address_names_it(client, team):
    team["dataset"].tasks.create(task_name="pool", batch_size=3, max_batch_workload=5)
    page = page_for(client, "user=b%40example.com&task=pool")
    assert page.task.name == "pool" and page.annotator.item is not None
    assert [label for label, _ in page.task_picker.options][1:] == ["boxes", "pool"]


def test_nothing_assigned_says_so_and_opens_nothing(client, team):
    page = page_for(client, "user=%3Cb%3Enew%3C%2Fb%3E%40example.com")
    assert page.task is None and page.annotator is None and page.task_picker.disabled
    assert "No task is assigned to &lt;b&gt;new&lt;/b&gt;@example.com" in page.message.value
    assert "<b>new" not in page.message.value


def test_without_a_user_the_page_asks_for_one_and_the_field_logs_in(client, team):
    page = page_for(client, "")
    assert page.client is None and "Type your email" in page.message.value
    page.user_field.value = B
    assert page.client.user == B and page.task.name == "boxes"


def test_bad_input_is_reported_in_the_page(client, team):
    page = page_for(client, "user=not-an-email")
    assert page.client is None and "Log in with an email address" in page.message.value
    unknown = page_for(client, "user=a%40example.com&task=nope")
    assert unknown.task is None
    assert "Task not found. Name: &#x27;nope&#x27;" in unknown.message.value
    assert [label for label, _ in unknown.task_picker.options] == ["Choose a task", "boxes"]


def test_a_task_of_a_project_one_is_not_in_is_refused(client, team):
    outsider = page_for(client, f"user=c%40example.com&task={team['boxes'].id}")
    assert outsider.task is None and "c@example.com has no role" in outsider.message.value


def test_annotator_options_reach_the_annotator(client, team):
    page = page_for(client, "user=a%40example.com", height=420, label_keys="asd")
    assert page.annotator.height == 420 and page.annotator.label_keys[:3] == ["a", "s", "d"]
