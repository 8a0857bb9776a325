"""Rich reprs on a real store: what they show, that user strings are escaped, what they cost."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

import dl_jupyter as dl
from tests.images import make_folder, make_image
from tests.store.explore_data import populate

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture
def items(dataset, tmp_path):
    return populate(dataset, tmp_path)


def test_dataset_card_counts_labels_and_thumbnails(dataset, items):
    card = dataset._repr_html_()
    assert "6 items &middot; 5 annotations" in card
    labels = re.findall(r"title='([^']*)'>\1</td>", card)
    assert labels == ["cat", "bird", "dog"]  # most used first
    assert "background:#ff0000" in card  # the recipe's colour of 'cat'
    assert card.count("<img src='data:image/jpeg;base64,") == 6


def test_item_card_draws_its_annotations(dataset, items):
    card = items["v0.jpg"]._repr_html_()
    assert card.count("<img src='data:image/jpeg;base64,") == 1
    assert "<svg viewBox='0 0 80 40'" in card
    assert "<rect x='40' y='10' width='30' height='20'" in card  # the bird
    assert "metadata.user.split" in card and "bird" in card


def test_pages_recipe_and_project_cards(dataset, items, project):
    pages = dataset.items.list(filters=dl.Filters(field="dir", values="/val"))
    card = pages._repr_html_()
    assert "2 items &middot; page 1 of 1" in card and "v0.jpg" in card
    assert "dir = &quot;/val&quot;" in card
    annotations = dataset.annotations.list(filters=dl.Filters(resource="annotations"))._repr_html_()
    assert "5 annotations" in annotations and "<td" in annotations
    recipe = dataset.get_recipe()._repr_html_()
    assert "2 labels" in recipe and "cat" in recipe and "dog" in recipe
    assert "dataset" in project._repr_html_()


def test_every_user_string_is_escaped(project, tmp_path):
    dataset = project.datasets.create(dataset_name=EVIL, labels={EVIL: "#123456"})
    image = make_image(tmp_path / "x.jpg")
    item = dataset.items.upload(local_path=str(image), item_metadata={"user": {EVIL: EVIL}})
    builder = item.annotations.builder()
    builder.add(dl.Box(left=1, top=1, right=5, bottom=5, label=EVIL))
    builder.upload()
    item.set_description(EVIL)
    pages = dataset.items.list(filters=dl.Filters(field="metadata.user.a", values=EVIL))
    reprs = [
        dataset._repr_html_(),
        item._repr_html_(),
        pages._repr_html_(),
        dataset.get_recipe()._repr_html_(),
        project._repr_html_(),
    ]
    for html in reprs:
        assert EVIL not in html
        assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in reprs[0]


def test_a_card_falls_back_when_the_store_cannot_answer(dataset, items, client):
    client.login("stranger@example.com")  # not a member: counts are forbidden
    card = dataset._repr_html_()
    assert "Dataset dataset" in card and "details unavailable" in card


def test_cards_cost_the_same_for_any_dataset_size(dataset, items, tmp_path, store):
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        dataset._repr_html_()
        small = len(statements)
        make_folder(tmp_path / "more", [f"m{n}.jpg" for n in range(30)])
        dataset.items.upload(local_path=str(tmp_path / "more"))
        statements.clear()
        dataset._repr_html_()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
    assert len(statements) == small


def test_task_card_has_a_progress_bar_per_assignee(dataset, items, project):
    project.add_member("ann@example.com", dl.MemberRole.ANNOTATOR)
    task = dataset.tasks.create(task_name=EVIL, assignee_ids=["owner@example.com",
                                                              "ann@example.com"])  # fmt: skip
    first = task.get_items()[0]
    task.set_status("completed", item_ids=[first.id])
    card = task._repr_html_()
    assert EVIL not in card and "Task &lt;img" in card
    bars = re.findall(r"<td style='padding-right:8px'>([^<]+)</td>.*?(\d+) / (\d+)</td>", card)
    assert {who for who, _, _ in bars} == {"owner@example.com", "ann@example.com"}
    assert sum(int(total) for _, _, total in bars) == 6
    assert sum(int(done) for _, done, _ in bars) == 1
