"""The gallery's Python half without a browser: pages of tiles, selection and actions."""

from __future__ import annotations

import io

import pytest
from PIL import Image

import dl_jupyter as dl
from dl_jupyter.entities.labels import color_for
from tests.store.explore_data import populate


@pytest.fixture
def items(dataset, tmp_path):
    return populate(dataset, tmp_path)


def _sent(grid):
    sent = []
    grid.send = lambda content, buffers=None: sent.append((content, buffers or []))
    return sent


def test_pages_come_as_json_tiles_and_binary_thumbnails(dataset, items):
    gallery = dl.Gallery(dataset, page_size=4)
    grid = gallery.grid
    assert grid.count == 6 and gallery.count == 6
    assert grid.colors["cat"] == "#ff0000" and grid.colors["bird"] == color_for("bird")
    reply = grid._rpc_page({"page": 0, "size": 4, "thumb": 128}, [])
    tiles = reply.result["tiles"]
    assert [t["name"] for t in tiles] == ["t0.jpg", "t1.jpg", "t2.png", "t3.jpg"]
    assert tiles[0]["shapes"] == [
        {"k": "rect", "l": "cat", "p": [1.0, 2.0, 20.0, 30.0]},
        {"k": "rect", "l": "cat", "p": [5.0, 5.0, 10.0, 10.0]},
    ]
    assert len(reply.buffers) == 4
    assert Image.open(io.BytesIO(reply.buffers[0])).size == (64, 48)
    last = grid._rpc_page({"page": 1, "size": 4, "thumb": 128}, [])
    assert [t["name"] for t in last.result["tiles"]] == ["v0.jpg", "v1.png"]
    with pytest.raises(dl.BadRequestError):
        grid._rpc_page({"page": 0, "size": 5000}, [])


def test_requests_are_answered_with_their_id(dataset, items):
    grid = dl.Gallery(dataset).grid
    sent = _sent(grid)
    grid._on_request(grid, {"type": "page", "id": "r1", "page": 0, "size": 2, "thumb": 128}, [])
    grid._on_request(grid, {"type": "nothing", "id": "r2"}, [])
    grid._on_request(grid, {"type": "__init__", "id": "r3"}, [])
    grid._on_request(grid, {"type": "action", "id": "r4", "name": "delete"}, [])
    assert sent[0][0]["id"] == "r1" and len(sent[0][0]["result"]["tiles"]) == 2
    assert len(sent[0][1]) == 2
    assert sent[1][0] == {"id": "r2", "error": "unknown request 'nothing'"}
    assert sent[2][0]["error"].startswith("unknown request")
    assert sent[3][0] == {"id": "r4", "error": "Select items first"}


def test_filters_pages_and_lists_are_sources(dataset, items):
    gallery = dl.Gallery(dataset)
    gallery.page = 1
    gallery.filters = dl.Filters(field="dir", values="/val")
    assert (gallery.count, gallery.page) == (2, 0)
    assert "/val" in gallery.grid.title
    pages = dataset.items.list(filters=dl.Filters(field="metadata.user.split", values="train"))
    assert dl.Gallery(pages).count == 4
    assert (
        dl.Gallery([items["v1.png"]])
        .grid._rpc_page({"page": 0, "size": 48}, [])
        .result["tiles"][0]["name"]
        == "v1.png"
    )
    with pytest.raises(dl.BadRequestError, match="item"):
        dl.Gallery(dataset.annotations.list(filters=dl.Filters(resource="annotations")))


def test_selection_comes_back_as_items(dataset, items):
    gallery = dl.Gallery(dataset)
    gallery.select([items["v0.jpg"], items["t1.jpg"].id])
    assert [i.name for i in gallery.selected] == ["v0.jpg", "t1.jpg"]
    assert all(isinstance(i, dl.Item) for i in gallery.selected)


def test_actions_write_the_selection(dataset, items):
    gallery = dl.Gallery(dataset)
    grid = gallery.grid
    assert grid.actions[:3] == ["status", "metadata", "delete"]
    gallery.select([items["t0.jpg"], items["t1.jpg"]])
    message = grid._rpc_action({"name": "metadata", "key": "quality", "value": "0.75"}, [])
    assert message == {"message": "metadata.user.quality set on 2 items"}
    quality = dl.Filters(field="metadata.user.quality", values=0.75)
    assert dataset.items.count(filters=quality) == 2
    with pytest.raises(dl.BadRequestError, match="task"):
        grid._rpc_action({"name": "status", "status": "completed"}, [])
    with pytest.raises(dl.BadRequestError, match="Unknown gallery action"):
        grid._rpc_action({"name": "format disk"}, [])
    revision = grid.revision
    grid._rpc_action({"name": "delete"}, [])
    assert dataset.items.count() == 4 and grid.count == 4
    assert grid.selected_ids == [] and grid.revision > revision


def test_show_and_widget_open_the_matching_view(dataset, items):
    assert isinstance(dataset.widget(), dl.Gallery)
    assert dataset.widget(filters=dl.Filters(field="dir", values="/val")).count == 2
    single = items["t0.jpg"].widget()
    assert single.count == 1 and single.grid.thumb_size == 480
    assert isinstance(dataset.items.list().widget(), dl.Gallery)
    annotations = dataset.annotations.list(filters=dl.Filters(resource="annotations"))
    assert isinstance(annotations.widget(), dl.Table)


def test_the_selection_can_be_added_to_a_task(dataset, items):
    task = dataset.tasks.create(task_name="review", assignee_ids=["owner@example.com"],
                                filters=dl.Filters(field="dir", values="/val"))  # fmt: skip
    gallery = dl.Gallery(dataset)
    assert "task" in gallery.grid.actions
    assert gallery.grid.tasks == [{"id": task.id, "name": "review"}]
    gallery.select([items["t0.jpg"], items["t1.jpg"]])
    message = gallery.grid._rpc_action({"name": "task", "task": task.id}, [])
    assert message == {"message": "2 items added to task review"}
    assert dataset.tasks.get(task_id=task.id).total_items == 4
    assert task.widget().count == 4  # task.widget(): a gallery of the task's items
