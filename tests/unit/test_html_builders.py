"""The repr builders: escaped text, safe colours, and overlays in image coordinates."""

from __future__ import annotations

import re

import pandas as pd

from dl_jupyter.entities import html
from dl_jupyter.frames.previews import Tile
from dl_jupyter.frames.writeback import WriteBack

EVIL = "<img src=x onerror=alert(1)>"


def test_colours_must_be_hex_to_reach_a_style_attribute():
    assert html.color("#A0b1C2") == "#A0b1C2"
    for bad in ("red", "#fff", "#12345g", "#123456;background:url(x)", None, 3):
        assert html.color(bad) == html.DEFAULT_COLOR


def test_overlay_draws_each_shape_kind_in_image_pixels():
    shapes = [
        {"k": "rect", "l": "car", "p": [10, 20, 110, 70]},
        {"k": "poly", "l": "road", "p": [0, 0, 50, 0, 50, 50]},
        {"k": "line", "l": "lane", "p": [1, 2, 3, 4]},
        {"k": "point", "l": "eye", "p": [5, 6]},
        {"k": "ellipse", "l": "ball", "p": [40, 30, 10, 5, 15]},
        {"k": "tag", "l": "outdoor", "p": []},
    ]
    svg = html.overlay(shapes, 200, 100, {"car": "#112233", "road": "javascript:x"})
    assert svg.startswith("<svg viewBox='0 0 200 100'")
    assert "<rect x='10' y='20' width='100' height='50' stroke='#112233'" in svg
    assert "<polygon points='0,0 50,0 50,50'" in svg and f"stroke='{html.DEFAULT_COLOR}'" in svg
    assert "<polyline points='1,2 3,4'" in svg and "fill-opacity='0'" in svg
    assert "<circle cx='5' cy='6'" in svg
    assert "<ellipse cx='40' cy='30' rx='10' ry='5' transform='rotate(15 40 30)'" in svg
    assert svg.count("<title>") == 5  # the tag is drawn as a chip, not in the picture
    assert "javascript" not in svg


def test_labels_and_names_are_escaped_everywhere():
    svg = html.overlay([{"k": "point", "l": EVIL, "p": [1, 2]}], 10, 10, {})
    assert EVIL not in svg and "&lt;img src=x onerror=alert(1)&gt;" in svg
    tile = Tile(EVIL, EVIL, EVIL, 10, 10, 0, b"\xff\xd8", [])
    picture = html.picture(tile, {}, 64)
    assert "<img src='data:image/jpeg;base64," in picture and EVIL not in picture
    assert EVIL not in html.strip([tile]) and EVIL not in html.chips([EVIL], {})
    assert EVIL not in html.histogram([(EVIL, 3)]) and EVIL not in html.card(EVIL, "", "x")
    assert EVIL not in html.rows_table([EVIL], [[EVIL]])


def test_histogram_bars_are_proportional():
    bars = html.histogram([("a", 10), ("b", 5), ("c", 0)])
    widths = re.findall(r"width:([0-9.]+)%", bars)
    assert widths == ["100", "50", "1"]


def test_write_back_card_shows_counts_sample_and_conflicts():
    changes = [("i1", "metadata.user.split", "train", EVIL), ("i2", "description", None, "x")]
    result = WriteBack(
        "items",
        pd.DataFrame(changes, columns=["id", "column", "old", "new"]),
        pd.DataFrame([("i3", 1, 2, "changed")],
                     columns=["id", "frame_version", "store_version", "reason"]),
        ignored_columns=["my_note"],
    )  # fmt: skip
    card = result._repr_html_()
    assert "2 changed cells in 2 items" in card and "1 conflicts" in card and "dry run" in card
    assert EVIL not in card and "refused" in card and "my_note" in card
    assert "&lt;NA&gt;" in card  # the old description was missing
    assert repr(result) == (
        "WriteBack(items: 2 changed cells in 2 rows, 1 conflicts; not applied (dry run))"
    )
