"""The annotator in JupyterLab and Chromium, with real mouse and key events, checked against the
store after every step (the test process opens the same SQLite file as the kernel).

The tests run in order on one notebook: draw a box, a polygon, a polyline and a point; select
and move the box; undo; relabel with a number key; press D twice (the cell stays); move to the
next item and copy the previous item's shapes; release the keys with Esc.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from dl_jupyter.repositories.client import Client
from dl_jupyter.store.store import Store

ROOT = ".test-annotator"
LIVE = f"{ROOT} canvas.dl-ann-live"
BASE = f"{ROOT} canvas.dl-ann-base"
COLOURS = [(200, 200, 200), (40, 120, 200), (90, 90, 90)]

SETUP_CELL = """\
import dl_jupyter as dl
from PIL import Image, ImageDraw

dl.connect("sqlite:///annotator.db", blob_root="annotator-blobs")
dl.login("annotator@example.com")
project = dl.projects.create(project_name="browser")
dataset = project.datasets.create(
    dataset_name="pictures", labels={"cat": "#ff0000", "dog": "#00c000", "bird": "#0000ff"}
)
dataset.update_attributes(title="Size", key="size", attribute_type="radio_button",
                          values=["small", "large"])
dataset.update_attributes(title="Pose", key="pose", attribute_type="checkbox",
                          values=["sitting", "running"])
dataset.update_attributes(title="Age", key="age", attribute_type="range",
                          attribute_range=dl.AttributesRange(0, 20, 1))
dataset.update_attributes(title="Occluded", key="occluded", attribute_type="boolean")
dataset.update_attributes(title="Note", key="note", attribute_type="freeText")
for index, colour in enumerate(COLOURS):
    picture = Image.new("RGB", (800, 600), colour)
    ImageDraw.Draw(picture).rectangle([0, 0, 40, 40], fill=(255, 255, 0))
    for x in range(60, 100):  # a one-pixel checkerboard: grey when shrunk, sharp at full size
        for y in range(60, 100):
            picture.putpixel((x, y), (0, 0, 0) if (x + y) % 2 else (255, 255, 255))
    picture.save(f"picture-{index}.png")
    dataset.items.upload(local_path=f"picture-{index}.png")
""".replace("COLOURS", repr(COLOURS))

ANNOTATOR_CELL = """\
annotator = dataset.annotate(height=560, preview_side=400)
annotator.add_class("test-annotator")
annotator
"""


def wait_for(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll until check() returns something truthy; returns it."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.02)
    raise AssertionError(f"{what} not met within {timeout} s; last value: {last!r}")


class Stage:
    """The annotator on the page: image coordinates to page coordinates, keys, and the store."""

    def __init__(self, lab: Any, store_url: str) -> None:
        self.lab = lab
        self.page = lab.page
        self.client = Client(Store(store_url))
        self.client.login("annotator@example.com")

    def item_id(self) -> str:
        return self.page.get_attribute(ROOT, "data-item")

    def shapes(self, item_id: str | None = None) -> list:
        """What the store holds for the item (the one on the stage by default)."""
        return list(self.client.annotations_repo(item_id=item_id or self.item_id()).list())

    def wait_shapes(
        self, check: Callable[[list], bool], what: str, item_id: str | None = None
    ) -> list:
        return wait_for(
            lambda: (lambda s: s if check(s) else None)(self.shapes(item_id)), what=what
        )

    def settle(self) -> None:
        """Wait until the stage shows Python's frame for the item and view it is on."""
        self.page.wait_for_selector(f"{ROOT}[data-settled='1']")

    def point(self, x: float, y: float) -> tuple[float, float]:
        """Page coordinates of image pixel (x, y) under the current view (once settled)."""
        self.settle()
        view = json.loads(self.page.get_attribute(ROOT, "data-view"))
        box = self.lab.geometry(LIVE)
        return box["x"] + (x - view["x"]) * view["scale"], box["y"] + (y - view["y"]) * view[
            "scale"
        ]

    def keys(self, *keys: str) -> None:
        self.lab.press(list(keys), within=ROOT)

    def click(self, x: float, y: float) -> None:
        self.page.mouse.click(*self.point(x, y))

    def drag(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        self.page.mouse.move(*self.point(*start))
        self.page.mouse.down()
        self.page.mouse.move(*self.point(*end), steps=8)
        self.page.mouse.up()

    def base_pixel(self, x: float, y: float) -> list[int]:
        box = self.lab.geometry(BASE)
        px, py = self.point(x, y)
        return self.lab.canvas_pixel(BASE, round(px - box["x"]), round(py - box["y"]))

    def spread(self, xs: range, y: float) -> int:
        """How far apart the darkest and the brightest image pixel (x + 0.5, y) are shown."""
        values = [self.base_pixel(x + 0.5, y)[0] for x in xs]
        return max(values) - min(values)

    def shows(self, colour: tuple[int, int, int]) -> bool:
        """The item's colour is in the middle of the stage (the layer is JPEG: a few levels off)."""
        return all(abs(a - b) <= 6 for a, b in zip(self.base_pixel(400, 300), colour))


@pytest.fixture(scope="module")
def stage(module_page, jupyter_server) -> Stage:
    notebook = jupyter_server.write_notebook("annotator.ipynb", [SETUP_CELL, ANNOTATOR_CELL])
    module_page.open_and_run(notebook)
    module_page.wait_widget(ROOT)
    on_stage = Stage(module_page, f"sqlite:///{jupyter_server.path('annotator.db')}")
    # the image layer came from Python: the item's colour is on the stage
    wait_for(lambda: on_stage.shows(COLOURS[0]), what="first frame")
    module_page.screenshot("opened")
    return on_stage


def close(a: float, b: float, tolerance: float = 2.5) -> bool:
    return abs(a - b) <= tolerance


def test_draw_a_box(stage):
    stage.keys("b", "1")
    stage.drag((100, 100), (300, 250))
    (box,) = stage.wait_shapes(lambda s: len(s) == 1, "a stored box")
    assert box.type == "box" and box.label == "cat" and box.source == "ui"
    assert all(
        close(a, b)
        for a, b in zip((box.left, box.top, box.right, box.bottom), (100, 100, 300, 250))
    ), box.coordinates
    stage.lab.screenshot("box drawn")


def test_draw_a_polygon_closed_on_its_first_vertex(stage):
    stage.keys("g")
    for x, y in [(400, 100), (550, 120), (500, 250), (400, 100)]:
        stage.click(x, y)
    shapes = stage.wait_shapes(lambda s: len(s) == 2, "a stored polygon")
    polygon = shapes[1]
    assert polygon.type == "segment" and len(polygon.geo) == 3
    assert close(polygon.geo[1][0], 550) and close(polygon.geo[1][1], 120)
    stage.lab.screenshot("polygon drawn")


def test_draw_a_polyline_ended_with_enter(stage):
    stage.keys("l")
    for x, y in [(100, 400), (200, 450), (300, 420)]:
        stage.click(x, y)
    stage.keys("Enter")
    shapes = stage.wait_shapes(lambda s: len(s) == 3, "a stored polyline")
    assert shapes[2].type == "polyline" and len(shapes[2].geo) == 3
    stage.lab.screenshot("polyline drawn")


def test_draw_a_point(stage):
    stage.keys("o", "3")
    stage.click(600, 450)
    shapes = stage.wait_shapes(lambda s: len(s) == 4, "a stored point")
    point = shapes[3]
    assert (point.type, point.label) == ("point", "bird")
    assert close(point.x, 600) and close(point.y, 450)
    stage.lab.screenshot("point drawn")


def box_of(shapes: list) -> Any:
    return next(s for s in shapes if s.type == "box")


def test_select_and_move_the_box(stage):
    stage.keys("v")
    stage.drag((200, 175), (250, 195))
    shapes = stage.wait_shapes(lambda s: close(box_of(s).left, 150), "the box moved")
    box = box_of(shapes)
    assert close(box.top, 120) and close(box.right, 350) and close(box.bottom, 270)
    assert box.version == 2
    stage.lab.screenshot("box moved")


def test_undo_puts_the_box_back(stage):
    stage.keys("Control+z")
    box = box_of(stage.wait_shapes(lambda s: close(box_of(s).left, 100), "the move undone"))
    assert close(box.top, 100) and box.version == 3
    stage.lab.screenshot("move undone")


def test_a_number_key_relabels_the_selected_shape(stage):
    stage.keys("2")
    box = box_of(stage.wait_shapes(lambda s: box_of(s).label == "dog", "the box relabelled"))
    assert close(box.left, 100)
    stage.lab.screenshot("relabelled dog")


def test_the_attribute_panel_writes_every_kind(stage):
    panel = stage.page.locator(f"{ROOT} .dl-ann-panel")
    for key in ("size", "pose", "age", "occluded", "note"):
        assert panel.locator(f"[data-attribute={key}]").count() >= 1, key
    panel.get_by_label("large").check()
    stage.wait_shapes(lambda s: box_of(s).attributes == {"size": "large"}, "size stored")
    panel.get_by_label("running").check()
    stage.wait_shapes(lambda s: box_of(s).attributes.get("pose") == ["running"], "pose stored")
    panel.locator("[data-attribute=age]").fill("7")
    panel.get_by_label("yes").check()
    note = panel.locator("[data-attribute=note]")
    note.fill("half hidden")
    note.press("Escape")  # back to the annotator: the text is committed
    box = box_of(stage.wait_shapes(lambda s: "note" in box_of(s).attributes, "note stored"))
    assert box.attributes == {
        "size": "large",
        "pose": ["running"],
        "age": 7,
        "occluded": True,
        "note": "half hidden",
    }
    stage.lab.screenshot("attributes set")
    stage.lab.doc_screenshot("annotator", ROOT)


def test_a_conflict_is_shown_not_overwritten(stage):
    theirs = box_of(stage.shapes())
    theirs.label = "bird"
    theirs.update()  # someone else, in another kernel
    stage.keys("1")
    status = stage.page.locator(f"{ROOT} .dl-ann-status")
    status.locator("text=Not saved").wait_for()
    assert box_of(stage.shapes()).label == "bird"
    stage.page.locator(f"{ROOT} .dl-ann-list-row:has-text('box · bird')").wait_for()
    stage.lab.screenshot("conflict shown")


def test_d_twice_does_not_delete_the_cell(stage):
    cells = stage.page.locator(".jp-Notebook .jp-Cell")
    before = cells.count()
    stage.keys("d", "d")
    stage.page.wait_for_timeout(300)  # give JupyterLab the chance to act on the keys
    assert cells.count() == before == 3
    assert len(stage.shapes()) == 4
    stage.lab.screenshot("after d d")


def test_wheel_zoom_at_the_pointer_and_a_sharper_frame_from_python(stage):
    before = json.loads(stage.page.get_attribute(ROOT, "data-view"))
    shown = stage.page.get_attribute(ROOT, "data-shown")
    stage.keys("v")
    pointer = stage.point(40, 40)
    stage.page.mouse.move(*pointer)
    stage.page.mouse.wheel(0, -300)
    wait_for(
        lambda: (
            json.loads(stage.page.get_attribute(ROOT, "data-view"))["scale"] > before["scale"] * 1.5
        ),
        what="zoomed in",
    )
    # the image point under the pointer stayed under it
    assert all(abs(a - b) < 1.5 for a, b in zip(stage.point(40, 40), pointer))
    # the browser previewed at once; Python then drew the new view (a new frame is shown)
    wait_for(lambda: stage.page.get_attribute(ROOT, "data-shown") != shown, what="a new frame")
    assert all(abs(a - b) <= 6 for a, b in zip(stage.base_pixel(20, 20), (255, 255, 0)))
    assert all(abs(a - b) <= 6 for a, b in zip(stage.base_pixel(46, 46), COLOURS[0]))
    # shown from the 400-pixel preview, the checkerboard is grey; drawn again from the full
    # image (decoded in a worker thread), its pixels are black and white
    wait_for(lambda: stage.spread(range(76, 86), 80.5) > 150, what="the full image's detail")
    stage.lab.screenshot("zoomed in")
    stage.keys("f")
    wait_for(
        lambda: json.loads(stage.page.get_attribute(ROOT, "data-view"))["scale"] == before["scale"],
        what="fitted again",
    )


def test_next_item_and_copy_the_previous_shapes(stage):
    first = stage.item_id()
    stage.keys("n")
    wait_for(lambda: stage.item_id() != first, what="the next item")
    wait_for(lambda: stage.shows(COLOURS[1]), what="its image")
    assert stage.shapes() == [] and len(stage.shapes(first)) == 4
    stage.keys("c")
    copied = stage.wait_shapes(lambda s: len(s) == 4, "the shapes copied")
    assert sorted(s.type for s in copied) == ["box", "point", "polyline", "segment"]
    stage.lab.screenshot("next item with copies")


def test_escape_releases_the_keys(stage):
    stage.keys("Escape", "Escape")
    inside = stage.page.evaluate(
        f"() => !!document.activeElement && !!document.activeElement.closest('{ROOT}')"
    )
    assert not inside
    stage.lab.assert_no_errors()
