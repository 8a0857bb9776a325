"""Answers read from annotations, graded against Toloka-style known solutions."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import dl_jupyter as dl
from dl_jupyter.workflows import dynamic, gold


def known(output_values, weight=1.0, message=None):
    return SimpleNamespace(output_values=output_values, weight=weight, message=message)


def test_answer_of_annotations():
    answer = gold.answer_of(
        [
            dl.Classification(label="cat", attributes={"like": False}),
            dl.Box(left=0, top=0, right=5, bottom=5, label="cat"),
        ]
    )
    assert answer["label"] == "cat" and answer["like"] is False and answer["labels"] == ["cat"]
    assert len(answer["annotations"]) == 1
    assert gold.answer_of([]) == {"labels": [], "annotations": []}


def test_grade_with_several_solutions_and_weights():
    solutions = [
        known({"result": "OK", "like": False}, 0.8, "The cat is in a good mood"),
        known({"result": "OK", "like": True}, 1.0, "The cat is in a good mood"),
    ]
    assert gold.grade({"result": "OK", "like": True}, solutions) == gold.Grade(True, 1.0)
    assert gold.grade({"result": "OK", "like": False}, solutions) == gold.Grade(True, 0.8)
    assert gold.grade({"result": "BAD"}, solutions) == gold.Grade(
        False, 0.0, "The cat is in a good mood"
    )


def test_spatial_solutions_match_shape_by_shape():
    box = {
        "type": "box",
        "label": "cat",
        "coordinates": [{"x": 0, "y": 0, "z": 0}, {"x": 10, "y": 10, "z": 0}],
    }
    answer = gold.answer_of([dl.Box(left=1, top=1, right=10, bottom=10, label="cat")])
    assert gold.matches(answer, {"annotations": [box]})
    assert not gold.matches(gold.answer_of([]), {"annotations": [box]})
    assert gold.matches(gold.answer_of([dl.Classification(label="cat")]), {"labels": ["cat"]})


def test_dynamic_overlap_confidence_counts_baseline_votes():
    dog = {"label": "dog"}
    assert dynamic.confidence(
        [dog], [({"label": "dog"}, 0.8), ({"label": "cat"}, 0.4)]
    ) == pytest.approx(1.8 / 2.2)
    assert dynamic.confidence(
        [{"label": "cat"}], [({"label": "dog"}, 0.8), ({"label": "cat"}, 0.4)]
    ) == pytest.approx(1.4 / 2.2)
    assert dynamic.confidence([dog, dog], []) == 1
    assert dynamic.confidence([], []) == 0
