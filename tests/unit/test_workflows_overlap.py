"""One overlap policy behind Dataloop consensus, Prodigy overlap settings and Toloka overlap."""

from __future__ import annotations

import pytest

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.workflows.distribution import load_wheel
from dl_jupyter.workflows.hashing import task_hash
from dl_jupyter.workflows.overlap import Overlap, overlap_from

HASHES = [task_hash(f"item-{n}") for n in range(20000)]


def average(policy: Overlap) -> float:
    return sum(policy.needed(h) for h in HASHES) / len(HASHES)


def test_no_overlap_is_the_default():
    policy = overlap_from()
    assert policy == Overlap(low=1, high=1)
    assert {policy.needed(h) for h in HASHES[:100]} == {1}


def test_feed_overlap_and_infinite_overlap_mean_every_assignee():
    assert overlap_from(feed_overlap=True).needed(HASHES[0]) is None
    assert overlap_from(infinite_overlap=True) == overlap_from(feed_overlap=True)


@pytest.mark.parametrize("value", [2, 2.0])
def test_whole_annotations_per_task_is_exact(value):
    policy = overlap_from(annotations_per_task=value)
    assert {policy.needed(h) for h in HASHES} == {2}


def test_fractional_annotations_per_task_is_an_average_chosen_by_hash():
    policy = overlap_from(annotations_per_task=1.5)
    assert {policy.needed(h) for h in HASHES} == {1, 2}
    assert average(policy) == pytest.approx(1.5, abs=0.02)
    # the same item always gets the same count: routing is consistent across restarts
    assert [policy.needed(h) for h in HASHES[:50]] == [policy.needed(h) for h in HASHES[:50]]


def test_dataloop_consensus_is_k_assignees_on_a_percentage_of_items():
    policy = overlap_from(consensus_percentage=66, consensus_assignees=2)
    assert (policy.low, policy.high, policy.fraction) == (1, 2, 0.66)
    assert average(policy) == pytest.approx(1.66, abs=0.02)
    assert policy.average == pytest.approx(1.66)


def test_toloka_overlap_and_dynamic_overlap():
    assert overlap_from(overlap=3) == Overlap(low=3, high=3)
    dynamic = overlap_from(dynamic_overlap=(1, 3, 0.85))
    assert (dynamic.low, dynamic.dynamic_max, dynamic.confidence, dynamic.most) == (1, 3, 0.85, 3)
    assert overlap_from(dynamic_overlap={"max": 3, "confidence": 0.85}) == dynamic


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"feed_overlap": True, "annotations_per_task": 2}, "contradict"),
        ({"annotations_per_task": 2, "consensus_percentage": 50}, "contradict"),
        ({"overlap": 2, "infinite_overlap": True}, "contradict"),
        ({"annotations_per_task": 0.5}, "at least 1"),
        ({"consensus_percentage": 150}, "0 to 100"),
        ({"consensus_assignees": 1}, "at least 2"),
        ({"overlap": 0}, "at least 1"),
        ({"dynamic_overlap": (1, 3, 1.5)}, "confidence"),
        ({"feed_overlap": True, "dynamic_overlap": (1, 3, 0.9)}, "fixed overlap"),
    ],
)
def test_contradicting_or_invalid_settings_are_errors(settings, message):
    with pytest.raises(BadRequestError, match=message):
        overlap_from(**settings)


def test_feed_overlap_false_with_annotations_per_task_is_fine():
    assert overlap_from(feed_overlap=False, annotations_per_task=2).low == 2


def test_task_hash_is_a_stable_32_bit_number():
    assert task_hash("abc123") == 3919190212
    assert all(0 <= h < 2**32 for h in HASHES[:100])


@pytest.mark.parametrize(
    ("loads", "expected"),
    [
        ([50, 50], [0, 1]),
        ([80, 20], [0, 0, 1, 0, 0]),
        ([50, 25, 25], [0, 1, 2, 0]),
        ([33.34, 33.33, 33.33], [0, 1, 2]),
    ],
)
def test_load_wheel_deals_in_proportion_and_spread_out(loads, expected):
    assert load_wheel(loads) == expected


def test_load_wheel_with_uneven_percentages():
    wheel = load_wheel([70, 30])
    assert len(wheel) == 10 and wheel.count(0) == 7
    runs = "".join(map(str, wheel * 2)).split("1")
    assert max(len(run) for run in runs) <= 3  # spread out, not 7 in a row
    with pytest.raises(BadRequestError):
        load_wheel([0, 0])
