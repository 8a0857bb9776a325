"""Pure parts of the edit session: wire geometry, recipe rules, the history, list cursors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dl_jupyter as dl
from dl_jupyter.editing import RecipeRules, ResumePoints, cursor_for, from_definition, to_definition
from dl_jupyter.editing.geometry import normalize_angle
from dl_jupyter.editing.history import Change, History, Snapshot

coordinate = st.floats(min_value=-1e5, max_value=1e5, allow_nan=False)


@given(coordinate, coordinate, coordinate, coordinate, st.floats(-720, 720))
def test_a_box_round_trips_with_its_corners_sorted_and_angle_normalised(x0, y0, x1, y1, angle):
    box = to_definition({"type": "box", "points": [[x0, y0], [x1, y1]], "angle": angle}, "cat")
    assert (box.left, box.top, box.right, box.bottom) == (
        min(x0, x1),
        min(y0, y1),
        max(x0, x1),
        max(y0, y1),
    )
    wire = from_definition(box)
    assert -180 < wire["angle"] <= 180
    assert math.isclose(
        math.cos(math.radians(wire["angle"])), math.cos(math.radians(angle)), abs_tol=1e-9
    )
    assert to_definition(wire, "cat") == box


@pytest.mark.parametrize(
    "wire",
    [
        {"type": "segment", "points": [[0.0, 0.0], [5.0, 0.0], [5.0, 5.0]]},
        {"type": "polyline", "points": [[0.0, 0.0], [5.0, 1.5]]},
        {"type": "point", "points": [[3.0, 4.0]]},
        {"type": "ellipse", "points": [[3.0, 4.0]], "rx": 2.0, "ry": 1.0, "angle": 30.0},
        {"type": "class"},
    ],
)
def test_every_editable_type_round_trips(wire):
    definition = to_definition(wire, "cat", {"size": "big"})
    assert definition.label == "cat" and definition.attributes == {"size": "big"}
    assert from_definition(definition) == wire


def test_types_the_annotator_does_not_edit_have_no_wire_shape():
    cube = dl.Cube.from_boxes_and_angle(1, 1, 10, 10, 3, 3, 12, 12, label="dog")
    assert from_definition(cube) is None
    with pytest.raises(dl.BadRequestError, match="geometry type must be one of"):
        to_definition({"type": "cube"}, "dog")


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        ({"type": "box", "points": [[0, 0]]}, "needs 2 points"),
        ({"type": "segment", "points": [[0, 0], [1, 1]]}, "needs 3 to"),
        ({"type": "point", "points": [[0, math.inf]]}, r"points\[0\]\[1\] must be a finite number"),
        ({"type": "point", "points": [[True, 1]]}, "must be a finite number"),
        ({"type": "point", "points": [[1, 2, 3]]}, r"must be \[x, y\]"),
        ({"type": "ellipse", "points": [[0, 0]], "rx": 1, "ry": -2}, "ry must not be negative"),
        ({"type": "box", "points": [[0, 0], [1, 1]], "angle": "x"}, "angle must be"),
        ([1, 2], "must be an object"),
    ],
)
def test_bad_geometry_names_what_is_wrong(wire, message):
    with pytest.raises(dl.BadRequestError, match=message):
        to_definition(wire, "cat")


def test_angles_are_normalised_into_one_turn():
    assert normalize_angle(190) == -170
    assert normalize_angle(-180) == 180
    assert normalize_angle(540) == 180
    assert normalize_angle(-30) == -30


RULES = RecipeRules.from_labels(
    {"animal.cat": "#ff0000", "dog": "#00ff00"},
    [
        {"key": "pose", "type": "checkbox", "values": ["sit", "run", "jump"], "scope": "*"},
        {
            "key": "size",
            "type": "radio_button",
            "values": ["s", "l"],
            "scope": ["dog"],
            "optional": False,
        },
        {"key": "age", "type": "range", "range": {"min": 0, "max": 20, "step": 1}, "scope": "*"},
        {"key": "ok", "type": "boolean", "scope": "*"},
        {"key": "note", "type": "freeText", "scope": "*"},
    ],
)


def test_rules_accept_values_of_each_kind():
    checked = RULES.check_attributes(
        "dog", {"pose": ["jump", "sit"], "size": "l", "age": 3.5, "ok": False, "note": "hi"}
    )
    assert checked == {"pose": ["sit", "jump"], "size": "l", "age": 3.5, "ok": False, "note": "hi"}
    assert RULES.check_attributes("dog", {"note": None}) == {"note": None}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pose": ["fly"]}, "takes a list of"),
        ({"pose": "sit"}, "takes a list of"),
        ({"size": "xl"}, "takes one of"),
        ({"age": 21}, "from 0 to 20"),
        ({"age": True}, "from 0 to 20"),
        ({"ok": 1}, "true or false"),
        ({"note": 5}, "takes text"),
        ({"colour": "red"}, "'colour' is not in the recipe"),
        ("size=s", "must be an object"),
    ],
)
def test_rules_refuse_wrong_values(changes, message):
    with pytest.raises(dl.BadRequestError, match=message):
        RULES.check_attributes("dog", changes)


def test_rules_know_scopes_colours_and_required_attributes():
    assert [a["key"] for a in RULES.attributes_for("animal.cat")] == ["pose", "age", "ok", "note"]
    with pytest.raises(dl.BadRequestError, match=r"does not apply to label 'animal\.cat'"):
        RULES.check_attributes("animal.cat", {"size": "s"})
    assert RULES.names == ["animal.cat", "dog"] and RULES.known("dog") and not RULES.known("cow")
    assert RULES.color("dog") == "#00ff00"
    assert RULES.color("cow") == RULES.color("cow") and RULES.color("cow").startswith("#")
    assert RULES.missing_required("dog", {}) == ["size"]
    assert RULES.missing_required("dog", {"size": "s"}) == []
    assert RULES.missing_required("animal.cat", None) == []
    for bad in (None, "", "  ", 3):
        with pytest.raises(dl.BadRequestError, match="label must be a non-empty string"):
            RULES.check_label(bad)


def snapshot(x: float) -> Snapshot:
    return Snapshot.of(dl.Point(x=x, y=0, label="cat"))


def test_history_records_undoes_redoes_and_forgets_the_oldest():
    history = History(limit=2)
    for x in (1, 2, 3):
        history.record(f"move {x}", [Change("k", snapshot(x - 1), snapshot(x))])
    assert history.counts == {"undo": 2, "redo": 0}
    step = history.next_undo()
    assert step.description == "move 3"
    assert step.inverse().changes == (Change("k", snapshot(3), snapshot(2)),)
    history.undone()
    assert history.next_redo() is step and history.counts == {"undo": 1, "redo": 1}
    history.redone()
    history.undone()
    history.record("other", [Change("k", None, snapshot(9))])
    assert history.counts == {"undo": 2, "redo": 0}


def test_a_snapshot_rebuilds_an_equal_definition():
    ellipse = dl.Ellipse(x=1, y=2, rx=3, ry=4, angle=5, label="cat", attributes={"a": 1})
    assert Snapshot.of(ellipse).definition() == ellipse


class Thing:
    """The two attributes a list cursor reads from an item."""

    def __init__(self, name: str) -> None:
        self.id = name
        self.annotations = ()
        self.dataset_id = "d"


def test_a_list_cursor_stops_at_both_ends():
    items = [Thing("a"), Thing("b"), Thing("c")]
    cursor = cursor_for(items)
    assert cursor.current.id == "a" and cursor.previous() is None and cursor.position == (0, 3)
    assert cursor.upcoming().id == "b"
    assert [cursor.next().id, cursor.next().id, cursor.next()] == ["b", "c", None]
    assert cursor.current.id == "c" and cursor.upcoming() is None and cursor.actions == []
    with pytest.raises(dl.BadRequestError, match="no statuses"):
        cursor.act("completed")
    assert cursor_for(Thing("x")).position == (0, 1)
    assert cursor_for([]).current is None
    with pytest.raises(dl.BadRequestError, match="Annotate an item"):
        cursor_for(42)


def test_resume_points_survive_a_new_process_and_ignore_moved_items(tmp_path):
    items = [Thing("a"), Thing("b"), Thing("c")]
    cursor = cursor_for(items)
    cursor.next()
    ResumePoints(tmp_path / "p.json").remember(cursor.scope, cursor)
    again = cursor_for(items)
    assert ResumePoints(tmp_path / "p.json").resume(again.scope, again)
    assert again.current.id == "b"
    shuffled = cursor_for([items[1], items[0], items[2]])
    assert not ResumePoints(tmp_path / "p.json").resume(cursor.scope, shuffled)
    (tmp_path / "bad.json").write_text("not json")
    assert ResumePoints(tmp_path / "bad.json").get("x") is None
