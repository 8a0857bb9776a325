"""The annotator widget driven without a browser: the messages its front end sends go in, the
store and the traits the front end reads come out."""

from __future__ import annotations

import pytest

import dl_jupyter as dl
from dl_jupyter.repositories.client import Client
from tests.images import make_image
from tests.store.conftest import OWNER

BOX = {"type": "box", "points": [[10, 10], [50, 40]], "angle": 0}


@pytest.fixture
def items(dataset, tmp_path):
    return [
        dataset.items.upload(
            local_path=str(make_image(tmp_path / f"i{n}.png", (80, 60))),
            item_metadata={"user": {"n": n}},
        )
        for n in range(3)
    ]


def stored(client: Client, item) -> list:
    return list(client.annotations_repo(item_id=item.id).list())


def test_edits_are_stored_and_acknowledged(items, client):
    annotator = items[0].annotate(resume=False)
    assert isinstance(annotator, dl.Annotator) and annotator.item.id == items[0].id
    annotator.handle({"type": "create", "seq": 1, "geometry": BOX, "label": "cat"})
    (box,) = stored(client, items[0])
    assert annotator.ack == {"seq": 1, "key": box.id, "error": None}
    assert [s["key"] for s in annotator.shapes] == [box.id] and annotator.history["undo"] == 1
    # the browser relabels the shape it drew before it knew its key
    annotator.handle({"type": "label", "seq": 2, "key": "@1", "label": "dog"})
    annotator.handle(
        {
            "type": "update",
            "seq": 3,
            "key": box.id,
            "geometry": {**BOX, "points": [[20, 10], [60, 40]]},
        }
    )
    (box,) = stored(client, items[0])
    assert (box.label, box.left, box.version) == ("dog", 20, 3)
    annotator.handle({"type": "undo", "seq": 4})
    assert stored(client, items[0])[0].left == 10
    annotator.handle({"type": "redo", "seq": 5})
    assert stored(client, items[0])[0].left == 20
    annotator.handle({"type": "delete", "seq": 6, "key": box.id})
    assert stored(client, items[0]) == [] and annotator.shapes == []
    annotator.handle({"type": "classify", "seq": 7, "label": "cat"})
    assert [(a.type, a.label) for a in stored(client, items[0])] == [("class", "cat")]
    assert annotator.notice == {}
    annotator.handle({"type": "undo", "seq": 8})
    annotator.handle({"type": "redo", "seq": 9})
    annotator.handle({"type": "redo", "seq": 10})
    assert annotator.notice == {"level": "info", "text": "Nothing to redo"}
    # an edit made from Python shows once refreshed
    annotator.session.create({"type": "point", "points": [[3, 4]]}, "dog")
    annotator.refresh()
    assert [s["type"] for s in annotator.shapes] == ["class", "point"]


def test_bad_messages_change_nothing_and_say_why(items, client):
    annotator = dl.Annotator(items[0], resume=False)
    for message, text in [
        (
            {
                "type": "create",
                "seq": 1,
                "geometry": {"type": "segment", "points": [[0, 0]]},
                "label": "cat",
            },
            "needs 3",
        ),
        ({"type": "create", "seq": 2, "geometry": BOX, "label": ""}, "label must be"),
        ({"type": "explode", "seq": 3}, "Unknown annotator message type 'explode'"),
        ({"type": "undo", "seq": -1}, "seq"),
        ({"type": "label", "seq": 4, "key": "@99", "label": "cat"}, "No shape was created"),
        ({"type": "view", "seq": 5, "view": {"scale": 0, "x": 0, "y": 0}}, "scale must be"),
        ("undo", "must be an object"),
    ]:
        annotator.handle(message)
        assert annotator.notice["level"] == "error" and text in annotator.notice["text"], message
    assert annotator.ack == {"seq": 5, "key": None, "error": annotator.ack["error"]}
    assert stored(client, items[0]) == []


def test_a_conflict_is_reported_and_the_stored_shape_shown(items, client, store):
    annotator = dl.Annotator(items[0], resume=False)
    annotator.handle({"type": "create", "seq": 1, "geometry": BOX, "label": "cat"})
    other = Client(store)
    other.login(OWNER)
    theirs = stored(other, items[0])[0]
    theirs.label = "dog"
    theirs.update()
    annotator.handle(
        {
            "type": "update",
            "seq": 2,
            "key": theirs.id,
            "geometry": {**BOX, "points": [[0, 0], [5, 5]]},
        }
    )
    assert annotator.notice["level"] == "conflict" and "Not saved" in annotator.notice["text"]
    assert annotator.ack["seq"] == 2 and annotator.ack["error"]
    assert annotator.shapes[0]["label"] == "dog" and stored(client, items[0])[0].left == 10


def test_items_of_a_query_one_after_the_other_with_copy_and_resume(dataset, items, client):
    filters = dl.Filters(field="metadata.user.n", values=[0, 2], operator=dl.FILTERS_OPERATIONS_IN)
    annotator = dataset.annotate(filters=filters)
    assert annotator.position == {"kind": "index", "value": [0, 2]}
    annotator.handle({"type": "create", "seq": 1, "geometry": BOX, "label": "cat"})
    annotator.handle({"type": "navigate", "seq": 2, "to": "next"})
    assert annotator.item.id == items[2].id and annotator.shapes == []
    annotator.handle({"type": "copy_previous", "seq": 3})
    assert [a.label for a in stored(client, items[2])] == ["cat"]
    annotator.handle({"type": "navigate", "seq": 4, "to": "next"})
    assert annotator.item.id == items[2].id and annotator.notice["text"] == "This is the last item"
    again = dataset.annotate(filters=filters)
    assert again.item.id == items[2].id, "reopening resumes where the user stopped"
    assert dataset.annotate().item.id == items[0].id, "another query has its own place"


def test_each_new_view_is_announced_before_its_frame(items):
    annotator = dl.Annotator(items, resume=False)
    first = annotator.layer_view
    assert first["item"] == items[0].id and first["reset"] is True
    annotator.handle({"type": "viewport", "seq": 1, "width": 400, "height": 300, "dpr": 2})
    fitted = annotator.layer_view
    assert fitted["seq"] > first["seq"] and fitted["reset"] and fitted["dpr"] == 2
    assert fitted["scale"] == 5.0  # 80 x 60 fitted into 400 x 300
    assert annotator.layers.width == 800 and annotator.layers.height == 600
    annotator.handle({"type": "view", "seq": 2, "view": {"scale": 10, "x": 5, "y": 5}})
    assert annotator.layer_view == {
        **fitted,
        "seq": fitted["seq"] + 1,
        "reset": False,
        "scale": 10.0,
        "x": 5.0,
        "y": 5.0,
    }
    annotator.handle({"type": "viewport", "seq": 3, "width": 500, "height": 300, "dpr": 2})
    assert annotator.layer_view["reset"] is False, "a view the user chose is kept"
    annotator.next()
    assert annotator.layer_view["item"] == items[1].id and annotator.layer_view["reset"] is True


def test_a_task_queue_gives_its_actions_and_progress(dataset, items, client):
    task = dataset.tasks.create(task_name="labeling", assignee_ids=[OWNER])
    annotator = task.annotate()
    assert "completed" in annotator.actions
    assert annotator.position == {"kind": "done", "value": [0, 3]}
    first = annotator.item
    annotator.handle({"type": "create", "seq": 1, "geometry": BOX, "label": "cat"})
    annotator.handle({"type": "act", "seq": 2, "action": "completed"})
    assert annotator.item.id != first.id
    assert annotator.position == {"kind": "done", "value": [1, 3]}
    annotator.handle({"type": "act", "seq": 3, "action": "teleport"})
    assert annotator.notice["level"] == "error" and "teleport" in annotator.notice["text"]
    assert len(stored(client, first)) == 1
    (assignment,) = task.assignments.list()
    again = assignment.annotate()
    assert again.item.id != first.id, "the queue serves an item without a status"
    assert again.position == {"kind": "done", "value": [1, 3]}


def test_keymaps_from_python_are_checked(items):
    annotator = dl.Annotator(
        items[0], keymap={"box": "q", "next": ["Right", "Shift+N"]}, label_keys="asd", resume=False
    )
    assert annotator.keymap["box"] == ["q"] and annotator.keymap["next"] == [
        "ArrowRight",
        "Shift+n",
    ]
    assert annotator.keymap["previous"] == ["ArrowLeft", "p"] and annotator.label_keys == list(
        "asd"
    )
    with pytest.raises(dl.BadRequestError, match="Unknown annotator action 'fly'"):
        dl.Annotator(items[0], keymap={"fly": "f"})
    with pytest.raises(dl.BadRequestError, match="Unknown modifier"):
        dl.Annotator(items[0], keymap={"box": "Hyper+b"})
    with pytest.raises(dl.BadRequestError, match="filters apply to a dataset"):
        dl.Annotator(items, filters=dl.Filters())
