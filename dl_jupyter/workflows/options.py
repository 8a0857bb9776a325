"""A task's settings: how its items are allocated, overlapped, routed, ordered and checked.

``TaskOptions.build`` validates the keyword arguments of ``tasks.create`` and the create_*
helpers (with the Dataloop SDK's restrictions and clear errors) and the result is stored as
the task's ``settings`` JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.workflows.overlap import Overlap, overlap_from

KINDS = ("labeling", "qa", "consensus", "honeypot", "qualification")
SAMPLING = ("sequential", "uniform", "prediction-score-min", "prediction-score-max")
ROUTED_BATCH_SIZE = 10  # a routed task without batch_size pulls this many (Prodigy's default)
WORK_STEALING_TIMEOUT_S = 3600.0
DEFAULT_PASS_SCORE = 0.8
DEFAULT_GOLD_RATIO = 0.1


@dataclass
class TaskOptions:
    """Validated task settings (stored as JSON)."""

    kind: str = "labeling"
    allocation: str = "distribution"
    batch_size: int | None = None
    max_batch_workload: int | None = None
    allowed_assignees: list[str] | None = None
    overlap: dict = field(default_factory=dict)
    router: str | None = None
    allow_work_stealing: bool = True
    work_stealing_timeout: float = WORK_STEALING_TIMEOUT_S
    sampling: str = "sequential"
    gold_ratio: float = 0.0
    qualification_task_id: str | None = None
    pass_score: float | None = None
    consensus_percentage: int | None = None
    consensus_assignees: int | None = None
    scoring: bool | None = None

    @property
    def policy(self) -> Overlap:
        return Overlap.from_settings(self.overlap)

    @property
    def pulling(self) -> bool:
        return self.allocation == "pulling"

    def to_settings(self) -> dict:
        return asdict(self)

    @classmethod
    def from_settings(cls, settings: Mapping) -> TaskOptions:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in settings.items() if k in known})

    @classmethod
    def build(
        cls,
        kind: str = "labeling",
        batch_size: Any = None,
        max_batch_workload: Any = None,
        allowed_assignees: Any = None,
        feed_overlap: bool = False,
        annotations_per_task: Any = None,
        consensus_percentage: Any = None,
        consensus_assignees: Any = None,
        overlap: Any = None,
        infinite_overlap: bool = False,
        dynamic_overlap: Any = None,
        task_router: Callable | str | None = None,
        allow_work_stealing: bool = True,
        work_stealing_timeout: Any = WORK_STEALING_TIMEOUT_S,
        sampling: str = "sequential",
        gold_ratio: Any = None,
        qualification_task_id: str | None = None,
        pass_score: Any = None,
        scoring: bool | None = None,
    ) -> TaskOptions:
        """Validated settings. A qualification task gives every item to every assignee (its
        consensus settings are only recorded) and passes at 0.8 by default; a honeypot task
        mixes in gold at 0.1 by default."""
        if kind not in KINDS:
            raise BadRequestError(f"Unknown task kind {kind!r}; use one of {', '.join(KINDS)}")
        recorded = (consensus_percentage, consensus_assignees)
        if kind == "qualification":
            consensus_percentage = consensus_assignees = None
            feed_overlap = True
            pass_score = DEFAULT_PASS_SCORE if pass_score is None else pass_score
        if gold_ratio is None:
            gold_ratio = DEFAULT_GOLD_RATIO if kind == "honeypot" else 0.0
        consensus = consensus_percentage is not None or consensus_assignees is not None
        pulling = (
            batch_size is not None or max_batch_workload is not None or task_router is not None
        )
        if consensus and pulling:
            raise BadRequestError(
                "Consensus can not work as a pulling task: drop batch_size / "
                "max_batch_workload, or consensus_percentage / consensus_assignees"
            )
        if task_router is not None and (
            feed_overlap
            or annotations_per_task is not None
            or consensus
            or overlap is not None
            or infinite_overlap
        ):
            raise BadRequestError(
                "A task_router decides who annotates each item; do not combine it "
                "with feed_overlap, annotations_per_task, consensus or overlap"
            )
        policy = overlap_from(
            feed_overlap,
            annotations_per_task,
            consensus_percentage,
            consensus_assignees,
            overlap,
            infinite_overlap,
            dynamic_overlap,
        )
        if batch_size is None and task_router is not None:
            batch_size = ROUTED_BATCH_SIZE
        batch, most = _batch_limits(batch_size, max_batch_workload)
        if sampling not in SAMPLING:
            raise BadRequestError(
                f"Unknown sampling {sampling!r}; use one of {', '.join(SAMPLING)}"
            )
        return cls(
            kind=kind,
            allocation="pulling" if pulling else "distribution",
            batch_size=batch,
            max_batch_workload=most,
            allowed_assignees=emails("allowed_assignees", allowed_assignees),
            overlap=policy.to_settings(),
            router=router_reference(task_router),
            allow_work_stealing=bool(allow_work_stealing),
            work_stealing_timeout=_number("work_stealing_timeout", work_stealing_timeout, 0, None),
            sampling=sampling,
            gold_ratio=_number("gold_ratio", gold_ratio, 0, 1, upper_open=True),
            qualification_task_id=qualification_task_id,
            pass_score=None if pass_score is None else _number("pass_score", pass_score, 0, 1),
            consensus_percentage=consensus_percentage if consensus else recorded[0],
            consensus_assignees=policy.high if consensus else recorded[1],
            scoring=scoring,
        )


def _batch_limits(batch_size: Any, max_batch_workload: Any) -> tuple[int | None, int | None]:
    """The SDK's pulling rules: 3 <= batch_size <= 100, batch_size + 2 <= max <= 2 * batch_size."""
    if batch_size is None and max_batch_workload is None:
        return None, None
    if batch_size is None:
        raise BadRequestError("max_batch_workload needs batch_size (a pulling task pulls batches)")
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int)
        or not 3 <= batch_size <= 100
    ):
        raise BadRequestError(f"batch_size must be an integer from 3 to 100, got {batch_size!r}")
    if max_batch_workload is None:
        return batch_size, batch_size + 2
    low, high = batch_size + 2, batch_size * 2
    if (
        isinstance(max_batch_workload, bool)
        or not isinstance(max_batch_workload, int)
        or not low <= max_batch_workload <= high
    ):
        raise BadRequestError(
            f"max_batch_workload must be an integer from batch_size + 2 = {low} to "
            f"batch_size * 2 = {high}, got {max_batch_workload!r}"
        )
    return batch_size, max_batch_workload


def _number(
    name: str, value: Any, low: float, high: float | None, upper_open: bool = False
) -> float:
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and value >= low
    if ok and high is not None:
        ok = value < high if upper_open else value <= high
    if not ok:
        bound = "" if high is None else f" and {'below' if upper_open else 'at most'} {high}"
        raise BadRequestError(f"{name} must be a number of at least {low}{bound}, got {value!r}")
    return float(value)


def emails(name: str, value: Any) -> list[str] | None:
    """A list of emails from a list (or one email), None for None."""
    if value is None:
        return None
    listed = (
        [value] if isinstance(value, str) else list(value) if isinstance(value, Iterable) else None
    )
    if listed is None or not all(isinstance(v, str) and "@" in v for v in listed):
        raise BadRequestError(f"{name} must be a list of emails, got {value!r}")
    return list(dict.fromkeys(listed))


def router_reference(router: Callable | str | None) -> str | None:
    """Where a router function can be found again: ``'module:qualified.name'``."""
    if router is None or isinstance(router, str):
        return router
    if not callable(router):
        raise BadRequestError(
            f"task_router must be a function (ctrl, session_id, item), got {router!r}"
        )
    return f"{router.__module__}:{router.__qualname__}"
