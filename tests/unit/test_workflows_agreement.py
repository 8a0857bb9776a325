"""Agreement between annotators' answers: IoU for regions, distance for points, exact classes."""

from __future__ import annotations

import numpy as np
import pytest

import dl_jupyter as dl
from dl_jupyter.workflows import agreement


def box(left, top, right, bottom, label="cat", **kw):
    return dl.Box(left=left, top=top, right=right, bottom=bottom, label=label, **kw)


def test_box_iou():
    assert agreement.iou(box(0, 0, 10, 10), box(0, 0, 10, 10)) == 1
    assert agreement.iou(box(0, 0, 10, 10), box(5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert agreement.iou(box(0, 0, 10, 10), box(20, 20, 30, 30)) == 0


def test_polygon_rotated_box_and_mask_iou_on_a_grid():
    square = dl.Polygon(geo=np.array([[0, 0], [10, 0], [10, 10], [0, 10]]), label="cat")
    assert agreement.iou(square, box(0, 0, 10, 10)) == pytest.approx(1, abs=0.03)
    half = dl.Polygon(geo=np.array([[0, 0], [10, 0], [10, 5], [0, 5]]), label="cat")
    assert agreement.iou(square, half) == pytest.approx(0.5, abs=0.03)
    turned = box(0, 0, 10, 10, angle=90)
    assert agreement.iou(turned, box(0, 0, 10, 10)) == pytest.approx(1, abs=0.03)
    mask = np.zeros((20, 20), dtype=bool)
    mask[0:10, 0:10] = True
    assert agreement.iou(
        dl.Segmentation(geo=mask, label="cat"), box(0, 0, 10, 10)
    ) == pytest.approx(1, abs=0.05)


def test_points_score_by_distance():
    a, b = dl.Point(x=10, y=10, label="eye"), dl.Point(x=13, y=14, label="eye")
    assert agreement.point_score(a, b, tolerance=10) == pytest.approx(0.5)
    assert agreement.agreement([a], [b], point_tolerance=10) == pytest.approx(0.5)


def test_classes_and_attributes_must_match_exactly():
    cat = dl.Classification(label="cat", attributes={"color": "red"})
    assert (
        agreement.agreement([cat], [dl.Classification(label="cat", attributes={"color": "red"})])
        == 1
    )
    assert (
        agreement.agreement([cat], [dl.Classification(label="cat", attributes={"color": "blue"})])
        == 0
    )
    assert (
        agreement.agreement([cat], [dl.Classification(label="dog", attributes={"color": "red"})])
        == 0
    )


def test_agreement_counts_missing_and_extra_annotations():
    a = [box(0, 0, 10, 10), box(20, 20, 30, 30)]
    assert agreement.agreement(a, a) == 1
    assert agreement.agreement(a, a[:1]) == pytest.approx(2 / 3)
    assert agreement.agreement([], []) == 1
    assert agreement.agreement(a, [box(0, 0, 10, 10, label="dog")]) == 0  # labels must match


def test_matches_are_one_to_one_best_first():
    a = [box(0, 0, 10, 10)]
    b = [box(1, 0, 11, 10), box(0, 0, 10, 10)]
    assert agreement.match(a, b) == [(0, 1, 1.0)]


def test_same_answer():
    a = [box(0, 0, 10, 10), dl.Classification(label="cat")]
    assert agreement.same_answer(a, [dl.Classification(label="cat"), box(1, 1, 10, 10)])
    assert not agreement.same_answer(a, [dl.Classification(label="cat")])
    assert not agreement.same_answer(a, [dl.Classification(label="cat"), box(8, 8, 20, 20)])
