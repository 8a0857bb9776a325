"""Majority vote, Dawid-Skene and clustering of boxes and points drawn by several annotators."""

from __future__ import annotations

import random

import numpy as np
import pytest

import dl_jupyter as dl
from dl_jupyter.workflows import aggregation, agreement


def test_majority_vote_and_weights():
    assert aggregation.majority_vote(["cat", "dog", "cat"]) == ("cat", pytest.approx(2 / 3))
    assert aggregation.majority_vote(["cat", "dog"])[0] == "cat"  # a tie goes to the smallest
    assert aggregation.majority_vote(["cat", "dog", "dog"], [3, 1, 1])[0] == "cat"
    with pytest.raises(ValueError):
        aggregation.majority_vote([])


def synthetic_votes(items: int, accuracy: dict, seed: int = 7) -> tuple[dict, list]:
    rng = random.Random(seed)
    truth = {i: rng.choice(["cat", "dog", "bird"]) for i in range(items)}
    votes = []
    for item, label in truth.items():
        for worker, p in accuracy.items():
            wrong = [x for x in ("cat", "dog", "bird") if x != label]
            votes.append((item, worker, label if rng.random() < p else rng.choice(wrong)))
    return truth, votes


def test_dawid_skene_beats_majority_vote_with_one_reliable_annotator():
    accuracy = {"expert": 0.95, "novice1": 0.45, "novice2": 0.45, "novice3": 0.45}
    truth, votes = synthetic_votes(600, accuracy)
    result = aggregation.dawid_skene(votes)
    ds_right = sum(result.labels[i] == t for i, t in truth.items()) / len(truth)
    by_item: dict = {}
    for item, _, label in votes:
        by_item.setdefault(item, []).append(label)
    mv_right = sum(aggregation.majority_vote(by_item[i])[0] == t for i, t in truth.items()) / len(
        truth
    )
    assert ds_right > mv_right + 0.05
    assert (
        result.accuracy["expert"]
        > 0.85
        > max(result.accuracy[n] for n in ("novice1", "novice2", "novice3"))
    )
    assert all(0 < c <= 1 for c in result.confidence.values())
    assert aggregation.dawid_skene([]).labels == {}


def test_boxes_of_the_same_object_cluster_and_merge_by_averaging():
    answers = {
        "a": [
            dl.Box(left=0, top=0, right=10, bottom=10, label="cat"),
            dl.Box(left=50, top=50, right=60, bottom=60, label="dog"),
        ],
        "b": [dl.Box(left=1, top=1, right=11, bottom=11, label="cat")],
        "c": [dl.Box(left=0, top=2, right=10, bottom=12, label="dog")],
    }
    clusters = aggregation.cluster_regions(answers)
    sizes = sorted(len(c) for c in clusters)
    assert sizes == [1, 3]
    big = next(c for c in clusters if len(c) == 3)
    label, _ = aggregation.majority_vote([shape.label for _, shape in big])
    merged = aggregation.merge_shapes([shape for _, shape in big], label)
    assert (merged.left, merged.top, merged.right, merged.bottom, merged.label) == (
        pytest.approx(1 / 3),
        1,
        pytest.approx(31 / 3),
        11,
        "cat",
    )


def test_one_shape_per_annotator_in_a_cluster():
    answers = {
        "a": [
            dl.Box(left=0, top=0, right=10, bottom=10, label="cat"),
            dl.Box(left=0, top=0, right=10, bottom=9, label="cat"),
        ]
    }
    assert len(aggregation.cluster_regions(answers)) == 2


def test_points_cluster_by_distance_and_polygons_keep_the_medoid():
    points = {"a": [dl.Point(x=10, y=10, label="eye")], "b": [dl.Point(x=12, y=10, label="eye")]}
    cluster = aggregation.cluster_regions(
        points, 0.5, lambda p, q: agreement.point_score(p, q, 10)
    )[0]
    merged = aggregation.merge_shapes([shape for _, shape in cluster], "eye")
    assert (merged.x, merged.y) == (11, 10)
    square = dl.Polygon(geo=np.array([[0, 0], [10, 0], [10, 10], [0, 10]]), label="cat")
    near = dl.Polygon(geo=np.array([[0, 0], [10, 0], [10, 9], [0, 9]]), label="cat")
    far = dl.Polygon(geo=np.array([[0, 0], [10, 0], [10, 6], [0, 6]]), label="cat")
    merged = aggregation.merge_shapes([square, near, far], "cat")
    assert merged.geo.tolist() == near.geo.tolist()
