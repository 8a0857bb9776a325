"""The annotator widget's pure parts: keys, message checks, and which image pixels a view shows."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import dl_jupyter as dl
from dl_jupyter.widgets import annotator_messages as msg
from dl_jupyter.widgets.annotator_images import Picture, View, needs_full, render_region
from dl_jupyter.widgets.annotator_keymap import (
    DEFAULT_KEYMAP,
    build_keymap,
    checked_label_keys,
    normalize_combo,
)


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("Ctrl+Z", "Ctrl+z"),
        ("cmd+shift+z", "Ctrl+Shift+z"),
        ("Shift+Ctrl+z", "Ctrl+Shift+z"),
        ("shift+tab", "Shift+Tab"),
        ("Shift+?", "?"),
        ("+", "+"),
        ("Alt++", "Alt++"),
        ("right", "ArrowRight"),
        ("esc", "Escape"),
        ("D", "d"),
        ("space", "Space"),
    ],
)
def test_combos_take_the_form_the_browser_compares(given, canonical):
    assert normalize_combo(given) == canonical


@pytest.mark.parametrize("bad", ["", "  ", "Hyper+a", "Ctrl+Banana", None, 5])
def test_combos_that_are_not_keys_are_refused(bad):
    with pytest.raises(dl.BadRequestError):
        normalize_combo(bad)


def test_the_default_keymap_binds_each_key_once_and_overrides_take_keys_over():
    combos = [c for keys in DEFAULT_KEYMAP.values() for c in keys]
    assert len(combos) == len(set(combos))
    assert all(normalize_combo(c) == c for c in combos)
    keymap = build_keymap({"delete": "x", "polygon": ["p"]})
    assert keymap["delete"] == ["x"] and keymap["polygon"] == ["p"]
    assert "p" not in keymap["previous"], "a key moved to another action leaves its old one"
    assert checked_label_keys(None)[:3] == ["1", "2", "3"]
    with pytest.raises(dl.BadRequestError, match="single characters"):
        checked_label_keys(["10"])


def test_messages_are_parsed_into_their_types():
    assert msg.parse(
        {"type": "create", "seq": 3, "geometry": {"type": "point"}, "label": "a"}
    ) == msg.Create(3, {"type": "point"}, "a")
    assert msg.parse({"type": "select", "seq": 4, "key": None}) == msg.Select(4, None)
    assert msg.parse({"type": "navigate", "seq": 5, "to": "previous"}) == msg.Navigate(
        5, "previous"
    )
    assert msg.parse(
        {"type": "viewport", "seq": 6, "width": 800, "height": 600, "dpr": 2}
    ) == msg.Viewport(6, 800, 600, 2.0)
    assert msg.parse(
        {"type": "view", "seq": 7, "view": {"scale": 2, "x": -3, "y": 4.5}}
    ) == msg.ViewChange(7, 2.0, -3.0, 4.5)
    assert msg.parse({"type": "copy_previous", "seq": 8}) == msg.CopyPrevious(8)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"type": "undo"}, "seq"),
        ({"type": "undo", "seq": True}, "seq"),
        ({"type": "update", "seq": 1, "key": "k", "geometry": [1]}, "geometry must be an object"),
        ({"type": "attributes", "seq": 1, "key": 3, "changes": {}}, "key must be"),
        ({"type": "navigate", "seq": 1, "to": "sideways"}, "'next' or 'previous'"),
        ({"type": "viewport", "seq": 1, "width": 0, "height": 10, "dpr": 1}, "width must be"),
        ({"type": "view", "seq": 1, "view": {"scale": 1, "x": float("nan"), "y": 0}}, "x must be"),
        ([], "must be an object"),
    ],
)
def test_malformed_messages_are_refused_by_field(content, message):
    with pytest.raises(dl.BadRequestError, match=message):
        msg.parse(content)


def picture(width: int, height: int, scale: float) -> Picture:
    """A picture of a width x height item whose left half is red, at ``scale``."""
    pixels = np.zeros((round(height * scale), round(width * scale), 3), dtype=np.uint8)
    pixels[:, : pixels.shape[1] // 2] = (255, 0, 0)
    return Picture(Image.fromarray(pixels), scale)


def test_a_view_shows_the_visible_part_of_the_image_in_layer_pixels():
    region = render_region(
        picture(100, 50, 1.0), (100, 50), View(2.0, 40.0, -10.0), (300, 200), 1.0
    )
    # image x 40..100 and y 0..50 are visible: 120 x 100 pixels, from layer (0, 20)
    assert (region.left, region.top) == (0, 20)
    assert region.pixels.shape == (100, 120, 3)
    assert tuple(region.pixels[50, 5]) == (255, 0, 0) and tuple(region.pixels[50, 30]) == (0, 0, 0)
    assert render_region(picture(100, 50, 1.0), (100, 50), View(1.0, 200, 0), (50, 50), 1.0) is None


def test_device_pixels_and_a_reduced_preview_give_the_same_geometry():
    full = render_region(picture(400, 200, 1.0), (400, 200), View(0.5, 0, 0), (100, 100), 2.0)
    preview = render_region(picture(400, 200, 0.25), (400, 200), View(0.5, 0, 0), (100, 100), 2.0)
    assert full.pixels.shape == preview.pixels.shape == (100, 100, 3)
    assert (full.left, full.top) == (preview.left, preview.top) == (0, 0)


def test_the_full_image_is_needed_only_beyond_the_preview_resolution():
    preview = picture(8000, 6000, 0.25)
    assert not needs_full(preview, View(0.12, 0, 0), 2.0)  # 0.24 device pixels per image pixel
    assert needs_full(preview, View(0.2, 0, 0), 2.0)
    assert not needs_full(picture(800, 600, 1.0), View(10, 0, 0), 1.0)
    assert not needs_full(None, View(10, 0, 0), 1.0)
