"""Task settings: the SDK's pulling restrictions and the routing options, validated up front."""

from __future__ import annotations

import pytest

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.workflows.options import ROUTED_BATCH_SIZE, TaskOptions, router_reference


def prodigy_router(ctrl, session_id, item):
    return [session_id]


def test_distribution_is_the_default():
    options = TaskOptions.build()
    assert (options.allocation, options.batch_size, options.allow_work_stealing) == (
        "distribution",
        None,
        True,
    )
    assert TaskOptions.from_settings(options.to_settings()) == options


def test_pulling_with_the_guide_values():
    options = TaskOptions.build(batch_size=5, max_batch_workload=7)
    assert (options.allocation, options.batch_size, options.max_batch_workload) == ("pulling", 5, 7)
    assert TaskOptions.build(batch_size=10).max_batch_workload == 12


@pytest.mark.parametrize(
    ("batch_size", "max_batch_workload", "message"),
    [
        (2, None, "from 3 to 100"),
        (101, None, "from 3 to 100"),
        (5, 6, "from batch_size \\+ 2 = 7"),
        (5, 11, "batch_size \\* 2 = 10"),
        (5.0, None, "integer"),
        (None, 7, "needs batch_size"),
    ],
)
def test_pulling_restrictions(batch_size, max_batch_workload, message):
    with pytest.raises(BadRequestError, match=message):
        TaskOptions.build(batch_size=batch_size, max_batch_workload=max_batch_workload)


def test_consensus_cannot_be_a_pulling_task():
    with pytest.raises(BadRequestError, match="Consensus can not work as a pulling task"):
        TaskOptions.build(
            batch_size=5, max_batch_workload=7, consensus_percentage=50, consensus_assignees=2
        )


def test_a_router_makes_a_pulling_task_and_is_remembered_by_name():
    options = TaskOptions.build(task_router=prodigy_router)
    assert options.allocation == "pulling"
    assert options.batch_size == ROUTED_BATCH_SIZE
    assert options.router == f"{__name__}:prodigy_router"
    assert router_reference("module:name") == "module:name"
    with pytest.raises(BadRequestError, match="do not combine"):
        TaskOptions.build(task_router=prodigy_router, feed_overlap=True)
    with pytest.raises(BadRequestError, match="must be a function"):
        router_reference(42)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"sampling": "random"}, "Unknown sampling"),
        ({"gold_ratio": 1}, "below 1"),
        ({"work_stealing_timeout": -1}, "at least 0"),
        ({"allowed_assignees": ["nobody"]}, "emails"),
        ({"kind": "review"}, "Unknown task kind"),
    ],
)
def test_invalid_settings(settings, message):
    with pytest.raises(BadRequestError, match=message):
        TaskOptions.build(**settings)


def test_sampling_modes_of_label_studio_are_accepted():
    for mode in ("sequential", "uniform", "prediction-score-min", "prediction-score-max"):
        assert TaskOptions.build(sampling=mode).sampling == mode
