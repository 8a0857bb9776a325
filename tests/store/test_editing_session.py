"""The annotator's edit session against the store: every edit written at once, undo and redo,
version conflicts shown instead of overwritten, recipe checks, and paged item cursors."""

from __future__ import annotations

import pytest

import dl_jupyter as dl
from dl_jupyter.editing import EditSession, RecipeRules, ResumePoints, cursor_for
from dl_jupyter.repositories.client import Client
from tests.images import make_image
from tests.store.conftest import OWNER

BOX = {"type": "box", "points": [[10, 10], [50, 40]], "angle": 0}


@pytest.fixture
def item(dataset, tmp_path):
    return dataset.items.upload(local_path=str(make_image(tmp_path / "a.png", (80, 60))))


@pytest.fixture
def other(store) -> Client:
    """A second user's client on the same store (another kernel, another annotator)."""
    client = Client(store)
    client.login(OWNER)
    return client


def stored(client: Client, item) -> list:
    """What the store holds for the item, read afresh."""
    return list(client.annotations_repo(item_id=item.id).list())


def test_each_edit_is_in_the_store_when_it_returns(item, other):
    session = EditSession(item)
    key = session.create(BOX, "cat")
    (box,) = stored(other, item)
    assert (box.type, box.label, box.left, box.bottom, box.source) == ("box", "cat", 10, 40, "ui")
    assert session.selected == key

    session.update_geometry(key, {"type": "box", "points": [[20, 10], [60, 40]], "angle": 30})
    (box,) = stored(other, item)
    assert (box.left, box.right, box.angle, box.version) == (20, 60, 30, 2)

    session.set_label(key, "dog")
    assert stored(other, item)[0].label == "dog"
    session.delete(key)
    assert stored(other, item) == []
    assert session.keys == [] and session.selected is None


def test_undo_and_redo_walk_the_store_back_and_forth(item, other):
    session = EditSession(item)
    key = session.create({"type": "point", "points": [[5, 6]]}, "cat")
    session.update_geometry(key, {"type": "point", "points": [[7, 8]]})
    session.delete(key)
    assert session.history.counts == {"undo": 3, "redo": 0}

    assert session.undo()
    (point,) = stored(other, item)
    assert (point.x, point.y) == (7, 8)
    assert session.keys == [key] and session.annotation(key).id == point.id != key
    assert session.undo()
    assert (stored(other, item)[0].x, stored(other, item)[0].y) == (5, 6)
    assert session.undo()
    assert stored(other, item) == []
    assert not session.undo()

    assert session.redo() and session.redo()
    assert (stored(other, item)[0].x, stored(other, item)[0].y) == (7, 8)
    assert session.redo()
    assert stored(other, item) == [] and not session.redo()
    session.undo()
    session.create({"type": "point", "points": [[1, 1]]}, "dog")
    assert session.history.counts == {"undo": 3, "redo": 0}, "a new edit ends the redo stack"


def test_a_stale_edit_is_refused_and_the_other_edit_is_shown(item, other):
    session = EditSession(item)
    key = session.create(BOX, "cat")
    theirs = stored(other, item)[0]
    theirs.label = "dog"
    theirs.update()

    with pytest.raises(dl.ConflictError):
        session.update_geometry(key, {"type": "box", "points": [[0, 0], [5, 5]], "angle": 0})
    (box,) = stored(other, item)
    assert (box.label, box.left, box.right) == ("dog", 10, 50), "their edit was not overwritten"
    assert session.annotation(key).label == "dog", "the session shows the stored shape"
    assert session.history.counts["undo"] == 1

    theirs = stored(other, item)[0]
    theirs.label = "bird"
    theirs.update()
    with pytest.raises(dl.ConflictError):
        session.delete(key)
    assert len(stored(other, item)) == 1
    with pytest.raises(dl.ConflictError):
        session.undo()  # the step would delete a shape someone changed since
    assert len(stored(other, item)) == 1


def test_an_undo_of_a_shape_someone_deleted_is_a_conflict(item, other):
    session = EditSession(item)
    key = session.create(BOX, "cat")
    session.set_label(key, "dog")
    other.annotations_repo(item_id=item.id).delete(annotation_id=stored(other, item)[0].id)
    with pytest.raises(dl.ConflictError):
        session.undo()
    assert stored(other, item) == [] and session.keys == []


def test_recipe_checks_labels_and_attributes(item, dataset, other):
    dataset.update_attributes(
        title="Size",
        key="size",
        attribute_type="radio_button",
        values=["small", "large"],
        scope=["cat"],
        optional=False,
    )
    dataset.update_attributes(title="Hidden", key="hidden", attribute_type="boolean")
    session = EditSession(item)
    key = session.create(BOX, "cat")
    assert session.to_wire()[0]["flags"] == ["missing size"]

    session.set_attributes(key, {"size": "large", "hidden": True})
    assert stored(other, item)[0].attributes == {"size": "large", "hidden": True}
    assert session.to_wire()[0]["flags"] == []
    for bad in ({"size": "huge"}, {"hidden": "yes"}, {"colour": "red"}):
        with pytest.raises(dl.BadRequestError):
            session.set_attributes(key, bad)
    assert stored(other, item)[0].attributes == {"size": "large", "hidden": True}
    session.set_attributes(key, {"hidden": None})
    assert stored(other, item)[0].attributes == {"size": "large"}

    dog = session.create({"type": "point", "points": [[1, 2]]}, "dog")
    with pytest.raises(dl.BadRequestError, match="does not apply to label 'dog'"):
        session.set_attributes(dog, {"size": "small"})

    session.set_label(dog, "zebra")  # accepted, as the SDK does, and flagged
    wire = {shape["key"]: shape for shape in session.to_wire()}
    assert wire[dog]["flags"] == ["label not in recipe"] and wire[dog]["label"] == "zebra"
    assert wire[key]["color"] == "#ff0000"


def test_bad_input_changes_nothing(item, other):
    session = EditSession(item)
    key = session.create(BOX, "cat")
    before = session.history.counts
    for geometry in (
        {"type": "segment", "points": [[0, 0], [1, 1]]},
        {"type": "box", "points": [[0, 0]]},
        {"type": "point", "points": [["a", 1]]},
        {"type": "ellipse", "points": [[1, 1]], "rx": -1, "ry": 2},
        {"type": "cube"},
        "box",
    ):
        with pytest.raises(dl.BadRequestError):
            session.create(geometry, "cat")
    with pytest.raises(dl.BadRequestError):
        session.create(BOX, "")
    with pytest.raises(dl.BadRequestError):
        session.update_geometry(key, {"type": "point", "points": [[1, 1]]})
    with pytest.raises(dl.NotFoundError):
        session.delete("no-such-key")
    assert len(stored(other, item)) == 1 and session.history.counts == before


def test_paste_and_classifications_are_single_steps(item, dataset, tmp_path, other):
    first = EditSession(item)
    first.create(BOX, "cat")
    first.create({"type": "segment", "points": [[1, 1], [9, 1], [9, 9]]}, "dog")
    second_item = dataset.items.upload(local_path=str(make_image(tmp_path / "b.png", (80, 60))))
    second = EditSession(second_item)
    keys = second.paste(first.snapshots())
    assert [a.type for a in stored(other, second_item)] == ["box", "segment"] and len(keys) == 2
    second.undo()
    assert stored(other, second_item) == []

    cls = second.toggle_classification("cat")
    assert [(a.type, a.label) for a in stored(other, second_item)] == [("class", "cat")]
    assert second.toggle_classification("cat") is None
    assert stored(other, second_item) == []
    second.undo()
    assert second.keys == [cls] and len(stored(other, second_item)) == 1


def test_reopening_shows_what_was_stored(item):
    session = EditSession(item, RecipeRules.from_labels({"cat": "#ff0000"}))
    session.create(BOX, "cat")
    session.create({"type": "ellipse", "points": [[30, 20]], "rx": 8, "ry": 4, "angle": 10}, "cat")
    again = EditSession(item)
    assert [s["geometry"] for s in again.to_wire()] == [s["geometry"] for s in session.to_wire()]
    assert again.history.counts == {"undo": 0, "redo": 0}


def test_a_pages_cursor_walks_a_query_and_resumes(dataset, tmp_path):
    for index in range(7):
        dataset.items.upload(local_path=str(make_image(tmp_path / f"i{index}.png")))
    pages = dataset.items.list(page_size=3)
    cursor = cursor_for(pages)
    seen = [cursor.current.name]
    while (item := cursor.next()) is not None:
        seen.append(item.name)
    assert seen == [f"i{i}.png" for i in range(7)] and cursor.position == (6, 7)
    assert cursor.previous().name == "i5.png"

    points = ResumePoints(tmp_path / "positions.json")
    points.remember("scope", cursor)
    again = cursor_for(dataset.items.list(page_size=3))
    assert points.resume("scope", again) and again.current.name == "i5.png"
    dataset.items.get(filepath="/i0.png").delete()
    moved = cursor_for(dataset.items.list(page_size=3))
    assert not points.resume("scope", moved) and moved.current.name == "i1.png"
