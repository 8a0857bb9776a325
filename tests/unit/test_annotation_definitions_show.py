"""Drawing definitions with show(): canvases, formats, colours, alpha, thickness and text."""

import numpy as np
import pytest
from PIL import Image

from dl_jupyter.entities.annotation_definitions import (
    Box,
    Classification,
    Cube,
    Ellipse,
    Point,
    Polygon,
    Polyline,
    Pose,
    Segmentation,
)
from dl_jupyter.entities.annotation_definitions.raster import default_color
from dl_jupyter.enums import ViewAnnotationOptions
from dl_jupyter.exceptions import BadRequestError

RED = (255, 0, 0)


def _drawn(array):
    """Bool array of the pixels a colour show() painted (alpha set)."""
    return array[..., 3] > 0


def test_filled_box_covers_its_inclusive_pixel_rectangle():
    out = Box(2, 3, 11, 12, label="car").show(height=20, width=30, thickness=-1, color=RED)
    assert out.shape == (20, 30, 4) and out.dtype == np.uint8
    assert _drawn(out).sum() == 100
    assert _drawn(out)[3:13, 2:12].all()
    assert out[5, 5].tolist() == [255, 0, 0, 255]


def test_box_outline_thickness_one_and_default():
    box = Box(0, 0, 9, 9, label="car")
    assert _drawn(box.show(height=20, width=20, thickness=1)).sum() == 36
    default = _drawn(box.show(height=20, width=20))
    assert default.sum() > 36 and not default[4, 4]


def test_rotated_box_is_drawn_turned():
    box = Box(0, 8, 20, 12, label="bar", angle=90)
    drawn = _drawn(box.show(height=30, width=30, thickness=-1))
    rows, cols = np.nonzero(drawn)
    assert (cols.min(), cols.max(), rows.min(), rows.max()) == (8, 12, 0, 20)


def test_default_colour_is_derived_from_the_label():
    out = Box(0, 0, 4, 4, label="car").show(height=8, width=8, thickness=-1)
    assert tuple(out[2, 2, :3]) == default_color("car")
    assert default_color("car") == default_color("car") != default_color("person")
    assert default_color(None) == (255, 255, 255)


def test_alpha_scales_the_drawn_alpha():
    out = Box(0, 0, 4, 4, label="a").show(height=8, width=8, thickness=-1, color=RED, alpha=0.5)
    assert out[2, 2].tolist() == [255, 0, 0, 128]
    rgba = Box(0, 0, 4, 4, label="a").show(height=8, width=8, thickness=-1, color=(0, 0, 255, 100))
    assert rgba[2, 2].tolist() == [0, 0, 255, 100]
    with pytest.raises(BadRequestError, match="alpha must be a number between 0 and 1, got 2"):
        Box(0, 0, 4, 4).show(height=8, width=8, alpha=2)


def test_drawing_on_an_rgb_image_returns_an_rgba_copy():
    image = np.full((10, 10, 3), 40, dtype=np.uint8)
    out = Box(2, 2, 5, 5, label="a").show(image=image, thickness=-1, color=RED)
    assert out.shape == (10, 10, 4)
    assert out[3, 3].tolist() == [255, 0, 0, 255]
    assert out[8, 8].tolist() == [40, 40, 40, 255]
    assert (image == 40).all()  # the input is untouched
    half = Box(2, 2, 5, 5).show(
        image=np.zeros((10, 10, 3), np.uint8), thickness=-1, color=RED, alpha=0.5
    )
    assert half[3, 3].tolist() == [128, 0, 0, 255]


def test_gray_pil_and_rgba_images_are_accepted():
    gray = Box(0, 0, 1, 1).show(image=np.full((4, 4), 7, np.uint8), thickness=-1, color=RED)
    assert gray[3, 3].tolist() == [7, 7, 7, 255]
    from_pil = Box(0, 0, 1, 1).show(image=Image.new("RGBA", (4, 3)), thickness=-1, color=RED)
    assert from_pil.shape == (3, 4, 4) and _drawn(from_pil).sum() == 4
    with pytest.raises(BadRequestError, match="image must be a uint8 array, got dtype float64"):
        Box(0, 0, 1, 1).show(image=np.zeros((4, 4, 3)))
    with pytest.raises(BadRequestError, match="gray, RGB or RGBA"):
        Box(0, 0, 1, 1).show(image=np.zeros((4, 4, 2), np.uint8))


def test_result_pastes_onto_a_pil_image_using_itself_as_mask():
    overlay = Image.fromarray(
        Box(1, 1, 3, 3, label="a").show(height=6, width=6, thickness=-1, color=RED)
    )
    image = Image.new("RGB", (6, 6), (0, 0, 50))
    image.paste(overlay, (0, 0), overlay)
    assert image.getpixel((2, 2)) == RED and image.getpixel((5, 5)) == (0, 0, 50)


def test_canvas_errors():
    with pytest.raises(BadRequestError, match="Must input an image or height and width"):
        Box(0, 0, 1, 1).show()
    with pytest.raises(BadRequestError, match="Must input an image"):
        Box(0, 0, 1, 1).show(height=4, width=4, annotation_format="img_mask")
    with pytest.raises(BadRequestError, match="'json' cannot be drawn"):
        Box(0, 0, 1, 1).show(height=4, width=4, annotation_format="json")
    with pytest.raises(BadRequestError, match="thickness must be an integer"):
        Box(0, 0, 1, 1).show(height=4, width=4, thickness="")
    with pytest.raises(BadRequestError, match="height must be a positive number of pixels"):
        Box(0, 0, 1, 1).show(height=0, width=4)
    with pytest.raises(BadRequestError, match="color must be an RGB or RGBA tuple"):
        Box(0, 0, 1, 1).show(height=4, width=4, color=(1, 2))


def test_img_mask_and_enum_formats_and_colour_names():
    image = np.zeros((5, 5, 3), np.uint8)
    out = Box(0, 0, 1, 1).show(
        image=image,
        thickness=-1,
        color="#00ff00",
        annotation_format=ViewAnnotationOptions.ANNOTATION_ON_IMAGE,
    )
    assert out[0, 0].tolist() == [0, 255, 0, 255]
    mask = Box(0, 0, 1, 1).show(
        height=5, width=5, thickness=-1, annotation_format=ViewAnnotationOptions.MASK
    )
    assert _drawn(mask).sum() == 4


def test_instance_format_writes_the_instance_id():
    box = Box(0, 0, 9, 9, label="a")
    out = box.show(height=12, width=12, thickness=-1, annotation_format="instance", instance_id=7)
    assert out.shape == (12, 12) and out.dtype == np.uint8
    assert (out == 7).sum() == 100 and set(np.unique(out)) == {0, 7}
    wide = box.show(
        height=12, width=12, thickness=-1, annotation_format="instance", instance_id=300
    )
    assert wide.dtype == np.uint16 and (wide == 300).sum() == 100
    by_color = box.show(height=12, width=12, thickness=-1, annotation_format="instance", color=4)
    assert (by_color == 4).sum() == 100


def test_instance_format_draws_on_a_2d_image_copy():
    base = np.full((12, 12), 2, dtype=np.uint8)
    out = Box(0, 0, 1, 1).show(image=base, thickness=-1, annotation_format="instance")
    assert (out == 1).sum() == 4 and (out == 2).sum() == 140 and (base == 2).all()
    with pytest.raises(BadRequestError, match="2-D array"):
        Box(0, 0, 1, 1).show(image=np.zeros((4, 4, 3), np.uint8), annotation_format="instance")


def test_object_id_format_writes_the_object_id_or_else_the_instance_id():
    box = Box(0, 0, 2, 2)
    out = box.show(height=4, width=4, thickness=-1, annotation_format="object_id", object_id="12")
    assert (out == 12).sum() == 9
    fallback = box.show(
        height=4, width=4, thickness=-1, annotation_format="object_id", instance_id=5
    )
    assert (fallback == 5).sum() == 9
    with pytest.raises(BadRequestError, match="object_id value must be a non-negative integer"):
        box.show(height=4, width=4, annotation_format="object_id", object_id="car-1")
    with pytest.raises(BadRequestError, match="non-negative integer"):
        box.show(height=4, width=4, annotation_format="instance", instance_id=-3)


def test_filled_polygon_matches_segmentation_from_polygon():
    vertices = [[2, 2], [17, 4], [9, 15]]
    drawn = _drawn(Polygon(vertices, "t").show(height=20, width=20, thickness=-1))
    assert np.array_equal(drawn, Segmentation.from_polygon(vertices, "t", (20, 20)).geo == 1)
    square = _drawn(
        Polygon([[1, 1], [8, 1], [8, 8], [1, 8]], "s").show(height=10, width=10, thickness=-1)
    )
    assert square.sum() == 64


def test_polyline_is_never_filled():
    line = Polyline([[0, 0], [9, 0], [9, 9]], "l")
    unfilled = _drawn(line.show(height=10, width=10, thickness=-1))
    assert np.array_equal(unfilled, _drawn(line.show(height=10, width=10, thickness=2)))
    thin = _drawn(line.show(height=10, width=10, thickness=1))
    assert thin.sum() == 19 and not thin[9, 0]


def test_point_is_a_dot_with_radius_thickness():
    point = Point(10, 10, "p")
    dot = _drawn(point.show(height=21, width=21))
    rows, cols = np.nonzero(dot)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (5, 15, 5, 15)
    assert np.array_equal(dot, _drawn(point.show(height=21, width=21, thickness=-1)))
    small = _drawn(point.show(height=21, width=21, thickness=2))
    assert small[10, 10] and small.sum() < dot.sum()


def test_filled_ellipse_covers_about_its_area():
    ellipse = Ellipse(50, 40, 20, 10, 0, "e")
    drawn = _drawn(ellipse.show(height=80, width=100, thickness=-1))
    assert abs(drawn.sum() - ellipse.area) / ellipse.area < 0.12
    rows, cols = np.nonzero(drawn)
    assert (cols.min(), cols.max(), rows.min(), rows.max()) == (30, 70, 30, 50)
    turned = _drawn(Ellipse(50, 40, 20, 10, 90, "e").show(height=80, width=100, thickness=-1))
    rows, cols = np.nonzero(turned)
    assert (cols.min(), cols.max(), rows.min(), rows.max()) == (40, 60, 20, 60)


def test_segmentation_shows_its_mask_in_its_colour():
    mask = np.zeros((6, 6), dtype=bool)
    mask[1:3, 2:5] = True
    segmentation = Segmentation(mask, "m", color=(1, 2, 3))
    out = segmentation.show(height=6, width=6, thickness=1)
    assert np.array_equal(_drawn(out), mask)
    assert out[1, 2].tolist() == [1, 2, 3, 255]
    larger = segmentation.show(height=8, width=4)
    assert _drawn(larger).sum() == 4  # cropped to the canvas


def test_cube_and_pose_draw_within_their_bounds():
    cube = Cube.from_boxes_and_angle(2, 2, 10, 10, 6, 5, 14, 13, label="c")
    drawn = _drawn(cube.show(height=20, width=20, thickness=1))
    rows, cols = np.nonzero(drawn)
    assert (cols.min(), cols.max(), rows.min(), rows.max()) == (2, 14, 2, 13)
    assert not drawn[7, 8]  # inside the front face, off every edge
    pose = Pose("p", "t", points=[Point(3, 3, "a"), Point(15, 15, "b")])
    dots = _drawn(pose.show(height=20, width=20, thickness=1))
    assert dots[3, 3] and dots[15, 15] and not dots[9, 9]


def test_definitions_without_geometry_draw_only_their_label():
    blank = Classification("cat").show(height=40, width=60)
    assert not _drawn(blank).any()
    labelled = Classification("cat").show(height=40, width=60, with_text=True, color=RED)
    assert _drawn(labelled).any()


def test_with_text_writes_the_label_above_the_shape():
    box = Box(5, 30, 40, 45, label="car")
    plain = _drawn(box.show(height=60, width=60, thickness=1))
    texted = _drawn(box.show(height=60, width=60, thickness=1, with_text=True))
    assert not plain[:30].any()
    assert texted[:30].any()
