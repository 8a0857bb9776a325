"""Non-spatial definitions (class, subtitle, text span, note, description, unknown types) and the
type registry."""

import numpy as np
import pytest

from dl_jupyter.entities.annotation_definitions import (
    DEFINITIONS,
    Box,
    Classification,
    Description,
    Note,
    Point,
    Pose,
    Segmentation,
    Subtitle,
    Text,
    UndefinedAnnotationType,
    definition_from_coordinates,
)
from dl_jupyter.enums import AnnotationType
from dl_jupyter.exceptions import BadRequestError


def test_classification_has_no_coordinates_bounds_or_area():
    cls = Classification("cat", attributes={"pose": "sitting"})
    assert cls.type == "class"
    assert cls.to_coordinates() is None
    assert cls.bounds is None and cls.area == 0.0 and cls.geo == []
    assert (cls.left, cls.top, cls.right, cls.bottom) == (None, None, None, None)
    assert Classification.from_coordinates([], label="cat", attributes={"pose": "sitting"}) == cls
    assert repr(cls) == "Classification(label='cat', attributes={'pose': 'sitting'})"


@pytest.mark.parametrize("attributes", [None, {}, {"id-1": ["a", "b"]}, ["big", "small"]])
def test_attributes_may_be_a_dict_a_legacy_list_or_none(attributes):
    assert Classification("cat", attributes=attributes).attributes == attributes


def test_classification_label_must_be_a_string():
    with pytest.raises(BadRequestError, match="Classification label must be a string, got 3"):
        Classification(3)
    assert Classification(np.str_("numpy label")).label == "numpy label"


def test_subtitle_takes_text_then_label_as_dtlpy():
    subtitle = Subtitle("hello there", "speaker-1")
    assert (subtitle.text, subtitle.label) == ("hello there", "speaker-1")
    assert Subtitle(label="speaker-1", text="hello there") == subtitle
    assert subtitle.to_coordinates() == {"text": "hello there"}
    assert Subtitle.from_coordinates({"text": "hello there"}, label="speaker-1") == subtitle
    with pytest.raises(BadRequestError, match="Subtitle text must be a string, got None"):
        Subtitle(None, "speaker-1")
    with pytest.raises(BadRequestError, match="subtitle coordinates"):
        Subtitle.from_coordinates("hello")


def test_text_span_coordinates_and_validation():
    span = Text("block", 4, 9, "name", top=10, left=20)
    assert span.type == "text_mark"
    assert span.to_coordinates() == {
        "type": "block",
        "label": "name",
        "start": 4,
        "end": 9,
        "top": 10,
        "left": 20,
    }
    assert Text("block", 4, 9, "name").to_coordinates() == {
        "type": "block",
        "label": "name",
        "start": 4,
        "end": 9,
    }
    assert Text.from_coordinates(span.to_coordinates()) == span
    assert span.bounds is None
    with pytest.raises(BadRequestError, match="Text end=2 is before start=4"):
        Text("block", 4, 2, "name")
    with pytest.raises(BadRequestError, match="Text start must not be negative, got -1"):
        Text("block", -1, 2, "name")


def test_note_is_a_box_with_a_message_thread():
    note = Note(1, 2, 30, 40, "issue", messages=["fix this"], creator="a@x.ai")
    assert note.type == "note"
    assert isinstance(note, Box)
    assert note.bounds == (1, 2, 30, 40)
    assert note.assignee == "a@x.ai" and note.status == "issue"
    [message] = note.messages
    assert (message["body"], message["creator"]) == ("fix this", "a@x.ai")
    assert isinstance(message["time"], int)
    coordinates = note.to_coordinates()
    assert coordinates["box"] == [{"x": 1.0, "y": 2.0, "z": 0}, {"x": 30.0, "y": 40.0, "z": 0}]
    assert coordinates["note"] == {
        "messages": [message],
        "status": "issue",
        "createTime": None,
        "creator": "a@x.ai",
        "assignee": "a@x.ai",
    }
    assert Note.from_coordinates(coordinates, label="issue") == note
    added = note.add_message("done", creator="b@x.ai")
    assert note.messages[-1] is added and added["creator"] == "b@x.ai"
    with pytest.raises(BadRequestError, match="Note right=0 is less than left=1"):
        Note(1, 2, 0, 40, "issue")


def test_description_has_a_fixed_label():
    description = Description("A dog on a beach")
    assert description.type == "item_description"
    assert (description.label, description.attributes) == ("item.description", {})
    assert description.to_coordinates() == {"text": "A dog on a beach"}
    assert Description.from_coordinates({"text": "A dog on a beach"}) == description


def test_undefined_type_round_trips_its_coordinates():
    coordinates = {"geometry": {"type": "Point", "coordinates": [34.8, 32.1]}}
    undefined = UndefinedAnnotationType("gis", "site", coordinates, attributes={"k": "v"})
    assert undefined.type == "gis" and UndefinedAnnotationType.type == ""
    assert undefined.to_coordinates() is coordinates
    assert undefined.bounds is None
    assert repr(undefined).startswith("UndefinedAnnotationType(type='gis', coordinates={")


def test_registry_maps_every_type_string_to_its_class():
    assert {key: cls.__name__ for key, cls in DEFINITIONS.items()} == {
        "box": "Box",
        "cube": "Cube",
        "point": "Point",
        "pose": "Pose",
        "segment": "Polygon",
        "polyline": "Polyline",
        "ellipse": "Ellipse",
        "binary": "Segmentation",
        "class": "Classification",
        "subtitle": "Subtitle",
        "text_mark": "Text",
        "note": "Note",
        "item_description": "Description",
    }
    assert all(cls.type == key for key, cls in DEFINITIONS.items())


def test_definition_from_coordinates_dispatches_and_falls_back():
    box = definition_from_coordinates(
        AnnotationType.BOX, [{"x": 1, "y": 2}, {"x": 3, "y": 4}], label="car"
    )
    assert box == Box(1, 2, 3, 4, label="car")
    assert definition_from_coordinates("class", None, label="cat") == Classification("cat")
    unknown = definition_from_coordinates("gis", {"a": 1}, label="x", description="d")
    assert isinstance(unknown, UndefinedAnnotationType)
    assert (unknown.type, unknown.to_coordinates(), unknown.description) == ("gis", {"a": 1}, "d")


def test_definition_from_coordinates_passes_extras():
    mask = np.zeros((4, 4), dtype=np.uint8)
    mask[1, 1] = 1
    url = Segmentation(mask, "m", color=(1, 2, 3)).to_coordinates()
    painted = definition_from_coordinates("binary", url, label="m")
    assert painted.color == (1, 2, 3)
    assert definition_from_coordinates("binary", url, label="m", color=(9, 9, 9)).color == (9, 9, 9)
    nose = Point(1, 2, "nose")
    pose = definition_from_coordinates(
        "pose", {"templateId": "t", "instanceId": "i"}, label="p", points=[nose]
    )
    assert pose == Pose("p", "t", "i", points=[nose])
