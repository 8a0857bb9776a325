"""Spatial annotation definitions: construction, validation, coordinates, bounds, area, equality."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dl_jupyter.entities.annotation_definitions import (
    Box,
    Cube,
    Ellipse,
    Point,
    Polygon,
    Polyline,
    Pose,
)
from dl_jupyter.exceptions import BadRequestError

# -- Box -------------------------------------------------------------------------------------


def test_box_fields_geo_bounds_area_and_coordinates():
    box = Box(left=1, top=2, right=11, bottom=22, label="car")
    assert (box.left, box.top, box.right, box.bottom, box.angle) == (1, 2, 11, 22, None)
    assert box.type == "box"
    assert np.asarray(box.geo).tolist() == [[1, 2], [11, 22]]
    assert box.bounds == (1, 2, 11, 22)
    assert box.area == 200.0
    assert box.to_coordinates() == [{"x": 1.0, "y": 2.0, "z": 0}, {"x": 11.0, "y": 22.0, "z": 0}]


def test_box_positional_order_follows_dtlpy():
    box = Box(1, 2, 3, 4, "car", {"color": "red"}, "a note", 15)
    assert (box.label, box.attributes, box.description, box.angle) == (
        "car",
        {"color": "red"},
        "a note",
        15,
    )


def test_rotated_box_appends_angle_in_degrees_and_rotates_about_centre():
    box = Box(0, 0, 10, 20, label="r", angle=90)
    assert box.to_coordinates()[2] == 90
    corners = np.round(box.four_points, 9).tolist()
    # top-left (0, 0) turns 90 degrees clockwise on screen about the centre (5, 10)
    assert corners == [[15, 5], [-5, 5], [-5, 15], [15, 15]]
    assert box.bounds == pytest.approx((-5, 5, 15, 15))
    assert box.area == 200.0
    assert (box.left, box.top, box.right, box.bottom) == (0, 0, 10, 20)


def test_box_zero_angle_is_not_written_and_compares_equal_to_none():
    box = Box(0, 0, 1, 1, label="a", angle=0)
    assert len(box.to_coordinates()) == 2
    assert box == Box(0, 0, 1, 1, label="a")


def test_box_from_coordinates_takes_min_max_of_points_in_any_order_and_the_angle():
    coordinates = [{"x": 10, "y": 20, "z": 0}, {"x": 0, "y": 5, "z": 0}, 30.5]
    box = Box.from_coordinates(coordinates, label="car", attributes={"k": 1})
    assert (box.left, box.top, box.right, box.bottom, box.angle) == (0, 5, 10, 20, 30.5)
    assert box.label == "car"
    assert box.attributes == {"k": 1}


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"left": 5, "top": 0, "right": 1, "bottom": 10}, ["right=1", "left=5", "width"]),
        ({"left": 0, "top": 9, "right": 1, "bottom": 3}, ["bottom=3", "top=9", "height"]),
        ({"left": 0, "top": 0, "right": math.nan, "bottom": 3}, ["right", "nan"]),
        ({"left": 0, "top": 0, "right": math.inf, "bottom": 3}, ["right", "inf"]),
        ({"left": None, "top": 0, "right": 1, "bottom": 3}, ["left", "None"]),
        ({"left": "0", "top": 0, "right": 1, "bottom": 3}, ["left", "'0'"]),
        ({"left": True, "top": 0, "right": 1, "bottom": 3}, ["left", "True"]),
        ({"left": 0, "top": 0, "right": 1, "bottom": 3, "angle": math.nan}, ["angle", "nan"]),
        ({"left": 0, "top": 0, "right": 1, "bottom": 3, "label": 5}, ["label", "5"]),
        ({"left": 0, "top": 0, "right": 1, "bottom": 3, "attributes": 7}, ["attributes", "7"]),
        ({"left": 0, "top": 0, "right": 1, "bottom": 3, "description": 1}, ["description"]),
    ],
)
def test_bad_box_fails_at_construction_naming_field_and_value(kwargs, words):
    with pytest.raises(BadRequestError) as error:
        Box(**kwargs)
    assert error.value.status_code == "400"
    for word in words:
        assert word in error.value.message


def test_unchecked_and_from_coordinates_skip_validation_but_validate_still_reports():
    box = Box.unchecked(5, 0, 1, 10, label="old")
    assert box.right == 1
    with pytest.raises(BadRequestError, match="right=1"):
        box.validate()
    stored = Box.from_coordinates([{"x": 0, "y": 0}, {"x": 1, "y": 1}], label=5)
    assert stored.label == 5


def test_box_from_coordinates_rejects_shapeless_input():
    with pytest.raises(BadRequestError, match="box coordinates"):
        Box.from_coordinates({"x": 1})
    with pytest.raises(BadRequestError, match="x and y"):
        Box.from_coordinates([{"x": 1}])


def test_box_accepts_numpy_and_pandas_scalars_as_plain_numbers():
    row = pd.DataFrame({"top": [2], "left": [1], "right": [3]}).iloc[0]  # numpy int64 values
    box = Box(
        top=row["top"], left=row["left"], bottom=np.float32(4.5), right=row["right"], label="x"
    )
    assert type(box.left) is int and type(box.bottom) is float
    assert box.to_coordinates() == [{"x": 1.0, "y": 2.0, "z": 0}, {"x": 3.0, "y": 4.5, "z": 0}]
    box.right = np.int64(7)
    assert type(box.right) is int


def test_box_repr_and_value_equality():
    box = Box(left=1, top=2, right=3, bottom=4, label="car")
    assert repr(box) == "Box(left=1, top=2, right=3, bottom=4, label='car')"
    assert repr(Box(0, 0, 1, 1, angle=45)) == "Box(left=0, top=0, right=1, bottom=1, angle=45)"
    assert box == Box(1.0, 2.0, 3.0, 4.0, label="car")
    assert box != Box(1, 2, 3, 4, label="bus")
    assert box != Box(1, 2, 3, 4, label="car", attributes={"a": 1})
    assert box != "Box"


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(finite, finite, finite, finite, st.one_of(st.none(), finite), st.text(max_size=8))
def test_box_coordinates_round_trip(x1, y1, x2, y2, angle, label):
    box = Box(min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2), label=label, angle=angle)
    assert Box.from_coordinates(box.to_coordinates(), label=label) == box


# -- Point -----------------------------------------------------------------------------------


def test_point_coordinates_bounds_and_validation():
    point = Point(3, 4.5, "eye", attributes={"color": "red"})
    assert point.to_coordinates() == {"x": 3.0, "y": 4.5, "z": 0}
    assert point.geo == [3, 4.5]
    assert point.bounds == (3, 4.5, 3, 4.5)
    assert point.area == 0.0
    assert Point.from_coordinates({"x": 3, "y": 4.5, "z": 0}, "eye", {"color": "red"}) == point
    with pytest.raises(BadRequestError, match="Point y must be a finite number, got None"):
        Point(1, None, "eye")
    with pytest.raises(BadRequestError, match="point coordinates"):
        Point.from_coordinates([1, 2])


# -- Ellipse ---------------------------------------------------------------------------------


def test_ellipse_area_bounds_geo_and_coordinates():
    ellipse = Ellipse(x=50, y=40, rx=20, ry=10, angle=0, label="e")
    assert ellipse.area == pytest.approx(math.pi * 200)
    assert ellipse.bounds == pytest.approx((30, 30, 70, 50))
    turned = Ellipse(50, 40, 20, 10, 90, "e")
    assert turned.bounds == pytest.approx((40, 20, 60, 60))
    assert turned.rad == pytest.approx(math.pi / 2)
    assert turned.geo.ravel().tolist() == pytest.approx([50, 40, 20, 10, 90, math.pi / 2])
    coordinates = turned.to_coordinates()
    assert coordinates == {
        "angle": 90.0,
        "center": {"x": 50.0, "y": 40.0, "z": 0},
        "rx": 20.0,
        "ry": 10.0,
    }
    assert Ellipse.from_coordinates(coordinates, label="e") == turned


def test_ellipse_validation_names_radius():
    with pytest.raises(BadRequestError, match="Ellipse ry must not be negative, got -1"):
        Ellipse(0, 0, 5, -1, 0, "e")
    assert Ellipse(0, 0, 5, 1, None, "e").angle == 0
    with pytest.raises(BadRequestError, match="ellipse coordinates"):
        Ellipse.from_coordinates({"rx": 1})


# -- Cube ------------------------------------------------------------------------------------


def _cube(**kwargs):
    corners = {
        "front_tl": [0, 0],
        "front_tr": [10, 10],
        "front_br": [10, 20],
        "front_bl": [0, 10],
        "back_tl": [5, 2],
        "back_tr": [15, 12],
        "back_br": [15, 22],
        "back_bl": [5, 12],
    }
    return Cube("crate", **{**corners, **kwargs})


def test_cube_coordinates_angle_bounds_and_area():
    cube = _cube()
    assert cube.angle == pytest.approx(45.0)  # measured front_tl -> front_tr
    coordinates = cube.to_coordinates()
    assert coordinates["front_br"] == {"x": 10.0, "y": 20.0, "z": 0}
    assert coordinates["back_bl"] == {"x": 5.0, "y": 12.0, "z": 0}
    assert coordinates["angle"] == pytest.approx(45.0)
    assert cube.geo.shape == (8, 2)
    assert cube.bounds == (0, 0, 15, 22)
    assert cube.area == 100.0  # the front parallelogram
    assert Cube.from_coordinates(coordinates, label="crate") == cube


def test_cube_from_boxes_and_angle():
    flat = Cube.from_boxes_and_angle(0, 0, 10, 10, 4, 4, 14, 14, label="c")
    assert flat.front_tr == [10, 0] and flat.back_bl == [4, 14]
    assert flat.angle == 0
    turned = Cube.from_boxes_and_angle(0, 0, 10, 10, 4, 4, 14, 14, label="c", angle=90)
    assert np.round(turned.geo[0], 9).tolist() == [10, 0]  # front_tl about the front centre
    assert turned.angle == 90


def test_cube_validation_names_the_corner():
    with pytest.raises(BadRequestError, match=r"Cube back_br must be an \[x, y\] point"):
        _cube(back_br=[1])
    with pytest.raises(BadRequestError, match="Cube front_tl must be a finite number"):
        _cube(front_tl=[0, math.nan])


# -- Polygon / Polyline ----------------------------------------------------------------------


def test_polygon_geo_area_bounds_and_coordinates():
    polygon = Polygon([[0, 0], [10, 0], [10, 10], [0, 10]], "square")
    assert polygon.type == "segment"
    assert isinstance(polygon.geo, np.ndarray) and polygon.geo.dtype == float
    assert polygon.area == 100.0
    assert Polygon([[0, 0], [4, 0], [0, 3]], "t").area == 6.0
    assert polygon.bounds == (0, 0, 10, 10)
    assert (polygon.left, polygon.top, polygon.right, polygon.bottom) == (0, 0, 10, 10)
    assert polygon.to_coordinates() == [
        [{"x": 0.0, "y": 0.0}, {"x": 10.0, "y": 0.0}, {"x": 10.0, "y": 10.0}, {"x": 0.0, "y": 10.0}]
    ]


def test_polygon_from_coordinates_reads_first_ring_or_flat_points():
    ring = [{"x": 856.25, "y": 1031.25}, {"x": 1081.25, "y": 1631.25}, {"x": 485.4, "y": 1735.4}]
    from_rings = Polygon.from_coordinates([ring, [{"x": 0, "y": 0}]], label="Planet")
    assert from_rings.geo.tolist() == [[856.25, 1031.25], [1081.25, 1631.25], [485.4, 1735.4]]
    assert Polygon.from_coordinates(ring, label="Planet") == from_rings
    with pytest.raises(BadRequestError, match="segment coordinates"):
        Polygon.from_coordinates([[{"y": 1}]])


def test_polygon_and_polyline_validation():
    with pytest.raises(BadRequestError, match="Polygon geo needs at least 3 points, got 2"):
        Polygon([[0, 0], [1, 1]], "p")
    with pytest.raises(BadRequestError, match="Polyline geo needs at least 2 points, got 1"):
        Polyline([[0, 0]], "p")
    with pytest.raises(BadRequestError, match="Polygon geo must hold finite numbers"):
        Polygon([[0, 0], [1, math.inf], [2, 0]], "p")
    with pytest.raises(BadRequestError, match=r"Polygon geo must be a list of \[x, y\] points"):
        Polygon([0, 1, 2, 3, 4, 5], "p")
    with pytest.raises(BadRequestError, match=r"geo must be a list of \[x, y\] points"):
        Polygon([[0, 0], [1]], "p")
    assert len(Polygon.unchecked([[0, 0], [1, 1]], "p").geo) == 2


def test_polyline_is_open_with_zero_area():
    line = Polyline([[0, 0], [5, 5], [10, 0]], "road")
    assert line.type == "polyline"
    assert line.area == 0.0
    assert line.bounds == (0, 0, 10, 5)
    assert Polyline.from_coordinates(line.to_coordinates(), label="road") == line
    assert line != Polygon([[0, 0], [5, 5], [10, 0]], "road")


def test_polygon_repr_and_equality():
    polygon = Polygon([[0, 0], [1, 0], [0, 1]], "a")
    assert repr(polygon) == "Polygon(geo=<3x2 array>, label='a')"
    assert polygon == Polygon(np.array([[0, 0], [1, 0], [0, 1]]), "a")
    assert polygon != Polygon([[0, 0], [1, 0], [0, 2]], "a")
    assert polygon != Polygon([[0, 0], [1, 0], [0, 1], [0, 1]], "a")


points = st.lists(st.tuples(finite, finite), min_size=3, max_size=30)


@given(points, st.text(max_size=8))
def test_polygon_coordinates_round_trip(vertices, label):
    polygon = Polygon(vertices, label)
    assert Polygon.from_coordinates(polygon.to_coordinates(), label=label) == polygon


# -- Pose ------------------------------------------------------------------------------------


def test_pose_coordinates_instance_id_and_points():
    pose = Pose("person", "template-1", instance_id="i-1")
    assert pose.to_coordinates() == {"templateId": "template-1", "instanceId": "i-1"}
    assert pose.bounds is None and pose.area == 0.0
    first, second = Pose("person", "template-1"), Pose("person", "template-1")
    assert isinstance(first.instance_id, str) and first.instance_id != second.instance_id
    with_points = Pose("p", "t", points=[Point(1, 2, "nose"), Point(5, 0, "ear")])
    assert with_points.bounds == (1, 0, 5, 2)
    read = Pose.from_coordinates({"templateId": "t", "instanceId": "i"}, label="p")
    assert (read.template_id, read.instance_id, read.points) == ("t", "i", [])


def test_pose_validation():
    with pytest.raises(BadRequestError, match="Pose template_id must be a non-empty string"):
        Pose("p", None)
    with pytest.raises(BadRequestError, match="Pose points must be Point definitions"):
        Pose("p", "t", points=[(1, 2)])
