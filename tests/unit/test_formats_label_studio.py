"""Label Studio results <-> annotation definitions, and labeling configs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dl_jupyter.entities import annotation_definitions as defs
from dl_jupyter.entities.annotation import Annotation
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats import rle
from dl_jupyter.formats.label_studio import parse_config, result_definitions, to_result

CONFIG = """
<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="boxes" toName="img">
    <Label value="cat" background="#f00"/><Label value="dog"/>
  </RectangleLabels>
  <Taxonomy name="kind" toName="img">
    <Choice value="Animal"><Choice value="Cat"/></Choice>
  </Taxonomy>
</View>"""


def _rect(**value):
    return {
        "type": "rectanglelabels",
        "from_name": "boxes",
        "to_name": "img",
        "value": {"rectanglelabels": ["cat"], **value},
    }


def test_unrotated_rectangle_percent_to_pixels():
    (box,) = result_definitions(_rect(x=10, y=20, width=50, height=25), 200, 100)
    assert (box.left, box.top, box.right, box.bottom, box.label) == (20, 20, 120, 45, "cat")
    assert box.angle is None


def test_rotated_rectangle_keeps_label_studios_top_left_corner():
    (box,) = result_definitions(_rect(x=10, y=20, width=50, height=25, rotation=90), 200, 100)
    # Label Studio turns about the top-left corner (20, 20); the Box turns about its centre,
    # so its rotated top-left corner must land on (20, 20)
    corner = box.four_points[0]
    assert corner == pytest.approx([20, 20])
    assert box.angle == 90
    assert (box.right - box.left, box.bottom - box.top) == pytest.approx((100, 25))


@pytest.mark.parametrize("angle", [0, 30, 90, 200, 359.5])
def test_rectangle_round_trips_through_to_result(angle):
    result = _rect(x=12.3, y=45.6, width=33.3, height=12.7, rotation=angle)
    (box,) = result_definitions(result, 640, 480)
    back = to_result(Annotation(annotation_definition=box), 640, 480, None, result)["value"]
    for key in ("x", "y", "width", "height", "rotation"):
        assert back[key] == pytest.approx(result["value"][key], abs=1e-9)


def test_polygon_keypoint_and_brush_results():
    polygon = {
        "type": "polygonlabels",
        "from_name": "p",
        "value": {"points": [[0, 0], [50, 0], [50, 100]], "polygonlabels": ["dog"]},
    }
    (shape,) = result_definitions(polygon, 200, 100)
    assert shape.geo.tolist() == [[0, 0], [100, 0], [100, 100]]
    (point,) = result_definitions(
        {"type": "keypointlabels", "value": {"x": 25, "y": 50, "keypointlabels": ["eye"]}}, 200, 100
    )
    assert (point.x, point.y, point.label) == (50, 50, "eye")
    mask = np.zeros((10, 20), dtype=bool)
    mask[2:5, 3:9] = True
    brush = {
        "type": "brushlabels",
        "value": {"format": "rle", "rle": rle.brush_encode(mask), "brushlabels": ["cat"]},
    }
    (segmentation,) = result_definitions(brush, 20, 10)
    assert np.array_equal(segmentation.geo, mask)


def test_choices_taxonomy_text_spans_textarea_and_rating():
    assert [
        d.label
        for d in result_definitions(
            {"type": "choices", "value": {"choices": ["a", "b"]}}, None, None
        )
    ] == ["a", "b"]
    (path,) = result_definitions(
        {"type": "taxonomy", "value": {"taxonomy": [["Animal", "Cat"]]}}, None, None
    )
    assert path.label == "Animal.Cat"
    (span,) = result_definitions(
        {"type": "labels", "value": {"start": 3, "end": 8, "labels": ["PER"]}}, None, None
    )
    assert (span.start, span.end, span.label) == (3, 8, "PER")
    (text,) = result_definitions(
        {"type": "textarea", "from_name": "caption", "value": {"text": ["hi"]}}, None, None
    )
    assert (text.type, text.label, text.to_coordinates()) == ("text", "caption", {"text": "hi"})
    (rating,) = result_definitions(
        {"type": "rating", "from_name": "stars", "value": {"rating": 4}}, None, None
    )
    assert (rating.label, rating.attributes) == ("stars", {"rating": 4})


def test_percent_results_need_a_size_and_odd_types_are_named():
    with pytest.raises(BadRequestError, match="original_width"):
        result_definitions(_rect(x=1, y=1, width=1, height=1), None, None)
    with pytest.raises(BadRequestError, match="'ellipselabels' is not supported"):
        result_definitions({"type": "ellipselabels", "value": {}}, 10, 10)


def test_config_gives_labels_controls_and_object_keys():
    config = parse_config(CONFIG)
    assert config["labels"] == ["cat", "dog", "Animal", "Animal.Cat"]
    assert ("rectanglelabels", "boxes", "img") in config["controls"]
    assert config["objects"] == {"img": "image"}


def test_configs_with_entities_or_bad_xml_are_refused():
    with pytest.raises(BadRequestError, match="DOCTYPE"):
        parse_config('<!DOCTYPE x [<!ENTITY a "b">]><View/>')
    with pytest.raises(BadRequestError, match="not valid XML"):
        parse_config("<View><Image></View>")


def test_a_box_made_here_gets_the_configs_control():
    config = parse_config(CONFIG)
    result = to_result(
        Annotation(
            annotation_definition=defs.Box(left=0, top=0, right=100, bottom=50, label="dog")
        ),
        200,
        100,
        ("rectanglelabels", "boxes", "img"),
        None,
    )
    assert (result["from_name"], result["to_name"], result["type"]) == (
        "boxes",
        "img",
        "rectanglelabels",
    )
    assert result["value"]["rectanglelabels"] == ["dog"]
    assert math.isclose(result["value"]["width"], 50) and config["controls"]
