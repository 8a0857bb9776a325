"""The dashboard without a browser: figures from SQL, bar clicks filter the gallery."""

from __future__ import annotations

import pytest

import dl_jupyter as dl
from dl_jupyter.widgets.dashboard import bar_filter
from tests.store.explore_data import populate


@pytest.fixture
def items(dataset, tmp_path):
    return populate(dataset, tmp_path)


def _click(chart, index):
    chart.bars._handle_custom_msgs(None, {"event": "element_click", "data": {"index": index}})


def test_charts_show_the_stores_figures(dataset, items):
    board = dl.Dashboard(dataset)
    assert board.labels.bars.x.tolist() == ["cat", "bird", "dog"]
    assert board.labels.bars.y.tolist() == [3, 1, 1]
    assert board.labels.bars.colors[0] == "#ff0000"
    assert board.folders.bars.x.tolist() == ["/train", "/val"]
    assert board.statuses.figure.title == "Items per status: none yet"
    assert board.throughput.bars.y.tolist() == [3]


def test_refresh_reads_the_store_again(dataset, items):
    board = dl.Dashboard(dataset)
    items["t2.png"].annotations.upload(
        [
            dl.Annotation.new(
                item=items["t2.png"], annotation_definition=dl.Box(1, 1, 3, 3, label="dog")
            )
        ]
    )
    board.refresh()
    assert board.labels.bars.y.tolist() == [3, 2, 1]


def test_clicking_a_bar_filters_the_gallery(dataset, items):
    gallery = dl.Gallery(dataset)
    board = dl.Dashboard(dataset, gallery=gallery)
    _click(board.labels, 1)  # bird
    assert gallery.count == 1 and "bird" in gallery.grid.title
    _click(board.folders, 0)
    assert gallery.count == 4
    assert bar_filter("status", "(no status)").prepare()["filter"]["$and"][-1] == {
        "metadata.system.annotationStatus": {"$exists": False}
    }


def test_the_interval_schedules_and_stops(dataset, items):
    board = dl.Dashboard(dataset, interval=5)
    assert board.interval == 5 and board._timer is not None
    board.interval = 0
    assert board._timer is None


def test_agreement_comes_from_the_consensus_tasks(client, dataset, project, monkeypatch):
    from dl_jupyter import api
    from tests.store.workflow_team import ANNOTATORS, acting_as, add_items, add_team, drain

    monkeypatch.setattr(api, "_client", client)
    add_team(project)
    items = add_items(dataset, 2)
    task = dataset.tasks.create_consensus_task(
        name="consensus", assignee_ids=ANNOTATORS, consensus_percentage=100, consensus_assignees=3
    )
    answers = {ANNOTATORS[0]: "day", ANNOTATORS[1]: "day", ANNOTATORS[2]: "night"}
    for person, answer in answers.items():
        with acting_as(client, person):
            for item in items:
                item.annotations.upload(
                    [dl.Annotation.new(annotation_definition=dl.Classification(label=answer))]
                )
            drain(task.queue())
    board = dl.Dashboard(dataset)
    expected = task.agreement(level="annotator").set_index("annotator")["agreement"]
    shown = dict(zip(board.agreement.categories, board.agreement.bars.y))
    assert shown == pytest.approx(expected.to_dict())
    assert shown[ANNOTATORS[0]] > shown[ANNOTATORS[2]]
    assert board.gold.figure.title == "Gold accuracy per annotator: none yet"
