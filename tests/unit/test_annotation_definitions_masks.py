"""Masks: connected components, border tracing, simplification, and the mask <-> polygon/box
conversions of Segmentation, Polygon and Box."""

import base64
import io
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from dl_jupyter.entities.annotation_definitions import Box, Ellipse, Polygon, Segmentation
from dl_jupyter.entities.annotation_definitions.contours import (
    BorderTracer,
    Component,
    find_components,
    simplify_closed,
)
from dl_jupyter.exceptions import BadRequestError


def _mask(height, width, *blocks):
    """A uint8 mask with the (top, left, bottom, right) inclusive blocks set."""
    mask = np.zeros((height, width), dtype=np.uint8)
    for top, left, bottom, right in blocks:
        mask[top : bottom + 1, left : right + 1] = 1
    return mask


def _iou(a, b):
    a, b = np.asarray(a) != 0, np.asarray(b) != 0
    return (a & b).sum() / (a | b).sum()


# -- components and borders ------------------------------------------------------------------


def test_components_are_8_connected_largest_first_with_extent_and_start():
    mask = _mask(8, 10, (1, 1, 3, 3), (4, 4, 4, 4), (0, 8, 0, 9), (6, 0, 7, 0))
    # (4, 4) touches (3, 3) diagonally, so it joins the square
    assert find_components(mask) == [
        Component(pixels=10, top=1, left=1, bottom=4, right=4, start=(1, 1)),
        Component(pixels=2, top=0, left=8, bottom=0, right=9, start=(0, 8)),
        Component(pixels=2, top=6, left=0, bottom=7, right=0, start=(6, 0)),
    ]
    assert find_components(np.zeros((3, 3))) == []


def test_components_merge_a_u_shape_that_joins_only_at_the_bottom():
    mask = _mask(5, 5, (0, 0, 4, 0), (0, 4, 4, 4), (4, 0, 4, 4))
    [component] = find_components(mask)
    assert (component.pixels, component.start) == (13, (0, 0))


def test_border_of_a_square_runs_through_border_pixel_centres():
    mask = _mask(5, 5, (1, 1, 3, 3))
    border = BorderTracer(mask).outer_border((1, 1))
    assert border.tolist() == [[1, 1], [1, 2], [1, 3], [2, 3], [3, 3], [3, 2], [3, 1], [2, 1]]


def test_border_of_thin_shapes():
    assert BorderTracer(_mask(3, 3, (1, 1, 1, 1))).outer_border((1, 1)).tolist() == [[1, 1]]
    line = BorderTracer(_mask(2, 5, (0, 1, 0, 3))).outer_border((0, 1))
    assert line.tolist() == [[1, 0], [2, 0], [3, 0], [2, 0]]


def test_border_of_an_l_shape_at_the_image_edge():
    mask = _mask(3, 3, (0, 0, 2, 0), (2, 0, 2, 2))
    border = BorderTracer(mask).outer_border((0, 0))
    assert border.tolist() == [[0, 0], [0, 1], [0, 2], [1, 2], [2, 2], [1, 2], [0, 1]]


def test_simplify_keeps_corners_of_a_square_outline():
    outline = BorderTracer(_mask(12, 12, (1, 1, 10, 10))).outer_border((1, 1))
    assert len(outline) == 36
    assert simplify_closed(outline, None) is outline
    assert simplify_closed(outline, 0) is outline
    assert simplify_closed(outline, 0.5).tolist() == [[1, 1], [1, 10], [10, 10], [10, 1]]


# -- Polygon.from_segmentation ---------------------------------------------------------------


def test_from_segmentation_returns_one_polygon_by_default():
    mask = _mask(20, 20, (2, 3, 7, 8), (12, 12, 13, 13))
    polygon = Polygon.from_segmentation(mask, "blob", epsilon=0.5)
    assert isinstance(polygon, Polygon)
    assert polygon.label == "blob"
    assert polygon.geo.tolist() == [[3, 2], [3, 7], [8, 7], [8, 2]]
    assert len(Polygon.from_segmentation(mask, "blob").geo) == 20  # every border pixel


def test_from_segmentation_max_instances_and_min_area():
    mask = _mask(30, 30, (0, 0, 9, 9), (20, 20, 24, 24), (0, 20, 1, 21), (28, 0, 28, 0))
    everything = Polygon.from_segmentation(mask, "b", max_instances=None, epsilon=0.5)
    assert [p.bounds for p in everything] == [(0, 0, 9, 9), (20, 20, 24, 24), (20, 0, 21, 1)]
    two = Polygon.from_segmentation(mask, "b", max_instances=2)
    assert isinstance(two, list) and [p.bounds for p in two] == [(0, 0, 9, 9), (20, 20, 24, 24)]
    big = Polygon.from_segmentation(mask, "b", max_instances=None, min_area=25)
    assert [p.bounds for p in big] == [(0, 0, 9, 9), (20, 20, 24, 24)]
    assert Polygon.from_segmentation(np.zeros((5, 5)), "b") == []
    assert Polygon.from_segmentation(np.zeros((5, 5)), "b", max_instances=None) == []


def test_from_segmentation_copies_attributes_per_polygon():
    mask = _mask(10, 10, (0, 0, 2, 2), (6, 6, 8, 8))
    first, second = Polygon.from_segmentation(mask, "b", {"k": [1]}, max_instances=None)
    first.attributes["k"].append(2)
    assert second.attributes == {"k": [1]}


def test_from_segmentation_outlines_the_outside_of_a_ring():
    mask = _mask(12, 12, (1, 1, 10, 10))
    mask[4:8, 4:8] = 0
    polygons = Polygon.from_segmentation(mask, "ring", max_instances=None, epsilon=0.5)
    assert [p.geo.tolist() for p in polygons] == [[[1, 1], [1, 10], [10, 10], [10, 1]]]


def test_from_segmentation_accepts_bool_float_and_rejects_3d_masks():
    block = _mask(8, 8, (2, 2, 5, 5))
    expected = Polygon.from_segmentation(block, "b")
    assert Polygon.from_segmentation(block.astype(bool), "b") == expected
    assert Polygon.from_segmentation(block * 0.7, "b") == expected
    with pytest.raises(BadRequestError, match=r"mask must be a 2-D mask, got shape \(8, 8, 3\)"):
        Polygon.from_segmentation(np.zeros((8, 8, 3)), "b")


def test_mask_to_polygons_is_fast_on_a_megapixel_mask():
    rows, cols = np.mgrid[:1000, :1000]
    mask = ((cols - 300) / 200) ** 2 + ((rows - 300) / 150) ** 2 <= 1
    mask |= ((cols - 700) / 100) ** 2 + ((rows - 700) / 250) ** 2 <= 1
    mask[50:60, 800:990] = True
    started = time.perf_counter()
    polygons = Polygon.from_segmentation(mask, "b", max_instances=None)
    boxes = Box.from_segmentation(mask, "b")
    elapsed = time.perf_counter() - started
    assert len(polygons) == 3 and len(boxes) == 3
    assert boxes[2] == Box(800, 50, 989, 59, label="b")
    assert elapsed < 1.0


# -- Segmentation ----------------------------------------------------------------------------


def test_segmentation_area_bounds_and_repr():
    segmentation = Segmentation(_mask(10, 12, (2, 3, 4, 8)), "road")
    assert segmentation.type == "binary"
    assert segmentation.area == 18.0
    assert segmentation.bounds == (3, 2, 8, 4)
    assert repr(segmentation) == "Segmentation(geo=<10x12 array>, label='road')"
    assert Segmentation(np.zeros((3, 3)), "empty").bounds is None


def test_segmentation_accepts_a_boolean_mask_from_an_rgb_label_image():
    label_image = np.zeros((4, 4, 3), dtype=np.uint8)
    label_image[1:3, 1:3] = (10, 20, 30)
    segmentation = Segmentation(geo=np.all(label_image == (10, 20, 30), axis=2), label="1")
    assert segmentation.area == 4.0
    assert segmentation == Segmentation(_mask(4, 4, (1, 1, 2, 2)), "1")


def test_segmentation_validation():
    with pytest.raises(BadRequestError, match=r"Segmentation geo must be a 2-D mask, got shape"):
        Segmentation(np.zeros((4, 4, 3)), "x")
    with pytest.raises(BadRequestError, match="must hold numbers or booleans"):
        Segmentation(np.array([["a", "b"]]), "x")
    with pytest.raises(BadRequestError, match="color must be an RGB or RGBA tuple"):
        Segmentation(np.zeros((2, 2)), "x", color=(300, 0, 0))


def test_segmentation_coordinates_are_an_rgba_png_painted_with_the_colour():
    mask = _mask(6, 7, (1, 2, 3, 4))
    url = Segmentation(mask, "road", color=(200, 100, 50)).to_coordinates()
    assert url.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert (image.mode, image.size) == ("RGBA", (7, 6))
    pixels = np.asarray(image)
    assert (pixels[mask == 1] == (200, 100, 50, 255)).all()
    assert (pixels[mask == 0] == 0).all()
    assert Segmentation(mask, "road").to_coordinates(color=(1, 2, 3)) != url


def test_segmentation_round_trips_through_coordinates_with_its_colour():
    segmentation = Segmentation(_mask(6, 7, (1, 2, 3, 4), (5, 6, 5, 6)), "road", color=(9, 8, 7))
    read = Segmentation.from_coordinates(segmentation.to_coordinates(), label="road")
    assert read == segmentation
    assert read.color == (9, 8, 7)
    assert read.geo.dtype == np.uint8 and read.geo.max() == 1
    assert Segmentation.from_coordinates({"data": segmentation.to_coordinates()}) == Segmentation(
        segmentation.geo, None
    )


def test_reading_thresholds_alpha_above_127():
    pixels = np.zeros((1, 3, 4), dtype=np.uint8)
    pixels[0, :, :3] = 255
    pixels[0, :, 3] = (127, 128, 255)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    assert Segmentation.from_coordinates(url, "x").geo.tolist() == [[0, 1, 1]]
    with pytest.raises(BadRequestError, match="not a readable PNG"):
        Segmentation.from_coordinates("data:image/png;base64,AAAA", "x")
    with pytest.raises(BadRequestError, match="must be a PNG data URL"):
        Segmentation.from_coordinates([1, 2], "x")


def test_from_polygon_fills_boundary_inclusive_pixels():
    square = Segmentation.from_polygon([[2, 1], [6, 1], [6, 4], [2, 4]], "s", shape=(8, 10))
    assert square.geo.shape == (8, 10) and square.geo.dtype == np.uint8
    assert square.area == 20.0
    assert square.bounds == (2, 1, 6, 4)
    image = Image.new("RGB", (10, 8))
    corners = np.array([[2, 1], [6, 1], [6, 4], [2, 4]])
    assert Segmentation.from_polygon(corners, "s", shape=image.size[::-1]) == square
    with pytest.raises(BadRequestError, match="shape must be"):
        Segmentation.from_polygon([[0, 0], [1, 0], [1, 1]], "s", shape=5)


def test_to_box_gives_one_box_per_blob():
    segmentation = Segmentation(_mask(20, 20, (1, 1, 5, 10), (12, 14, 18, 15)), "b", {"k": 1})
    assert segmentation.to_box() == [
        Box(1, 1, 10, 5, label="b", attributes={"k": 1}),
        Box(14, 12, 15, 18, label="b", attributes={"k": 1}),
    ]
    assert Box.from_segmentation(segmentation.geo, "b", {"k": 1}) == segmentation.to_box()
    lone = Box.from_segmentation(_mask(3, 3, (1, 1, 1, 1)), "p")
    assert lone == [Box(1, 1, 1, 1, label="p")]


def test_mask_polygon_mask_round_trip_is_exact_for_a_rectangle():
    mask = _mask(16, 16, (3, 2, 9, 12))
    polygon = Polygon.from_segmentation(mask, "r")
    back = Segmentation.from_polygon(polygon.geo, "r", shape=mask.shape)
    assert np.array_equal(back.geo, mask)


@settings(max_examples=60, deadline=None)
@given(
    cx=st.floats(15, 49),
    cy=st.floats(15, 49),
    rx=st.floats(5, 14),
    ry=st.floats(5, 14),
    angle=st.floats(0, 180),
    epsilon=st.sampled_from([None, 0, 0.5]),
)
def test_convex_blob_survives_mask_polygon_mask(cx, cy, rx, ry, angle, epsilon):
    blob = Ellipse(cx, cy, rx, ry, angle, "e")
    mask = Segmentation.from_polygon(blob.outline(), "e", shape=(64, 64)).geo
    polygon = Polygon.from_segmentation(mask, "e", epsilon=epsilon)
    back = Segmentation.from_polygon(polygon.geo, "e", shape=(64, 64)).geo
    assert _iou(mask, back) > 0.9
    if not epsilon:
        assert np.array_equal(mask, back)
