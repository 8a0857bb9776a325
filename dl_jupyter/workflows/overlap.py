"""How many assignees each item needs: one policy behind every system's overlap settings.

Every setting is "``low`` assignees for most items, ``high`` for a hash-chosen ``fraction``
of them", or "every assignee" (``infinite``), optionally growing while the answers' confidence
stays low (``dynamic_max``/``confidence``, Toloka's dynamic overlap):

==============================================  ===========================================
no overlap (default)                            low = high = 1
Prodigy ``feed_overlap=True``                   infinite
Prodigy ``annotations_per_task=2`` (or 2.0)     low = high = 2
Prodigy ``annotations_per_task=1.5``            low 1, high 2, fraction 0.5 (1.5 on average)
Dataloop consensus 66 %, 2 assignees            low 1, high 2, fraction 0.66
Toloka ``overlap=3`` / ``infinite_overlap``     low = high = 3 / infinite
Toloka dynamic overlap 1..3 at 85 %             low = high = 1, dynamic_max 3, confidence .85
==============================================  ===========================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from dl_jupyter.exceptions import BadRequestError

FRACTION_SCALE = 10000  # an item is in the ``high`` fraction when hash % SCALE < fraction*SCALE


@dataclass(frozen=True)
class Overlap:
    """Assignees per item: ``low``, ``high`` for a ``fraction`` of items, or ``infinite``."""

    low: int = 1
    high: int = 1
    fraction: float = 0.0
    infinite: bool = False
    dynamic_max: int | None = None
    confidence: float | None = None

    @property
    def average(self) -> float:
        return math.inf if self.infinite else self.low + self.fraction * (self.high - self.low)

    @property
    def most(self) -> int | None:
        """The most assignees any item can need (None: every assignee)."""
        return None if self.infinite else max(self.high, self.dynamic_max or 0)

    def needed(self, item_hash: int) -> int | None:
        """Assignees the item with this task hash needs (None: every assignee)."""
        if self.infinite:
            return None
        return self.high if self._in_fraction(item_hash) else self.low

    def _in_fraction(self, item_hash: int) -> bool:
        return item_hash % FRACTION_SCALE < round(self.fraction * FRACTION_SCALE)

    def needed_sql(self, item_hash: ColumnElement | None) -> ColumnElement:
        """``needed`` as SQL, given the items' task hash (only read when the fraction matters)."""
        if self.infinite:
            return sa.null()
        if self.high == self.low or self.fraction <= 0 or item_hash is None:
            return sa.literal(self.low)
        cut = round(self.fraction * FRACTION_SCALE)
        return sa.case((item_hash % FRACTION_SCALE < cut, self.high), else_=self.low)

    @property
    def needs_hash(self) -> bool:
        return not self.infinite and self.high != self.low and self.fraction > 0

    def to_settings(self) -> dict:
        return asdict(self)

    @classmethod
    def from_settings(cls, settings: Mapping | None) -> Overlap:
        return cls(**settings) if settings else cls()


def overlap_from(
    feed_overlap: bool = False,
    annotations_per_task: float | None = None,
    consensus_percentage: float | None = None,
    consensus_assignees: int | None = None,
    overlap: int | None = None,
    infinite_overlap: bool = False,
    dynamic_overlap: Any = None,
) -> Overlap:
    """The policy named by one of the systems' settings; two of them together are an error."""
    given = [
        name
        for name, value in (
            ("feed_overlap", feed_overlap),
            ("annotations_per_task", annotations_per_task),
            (
                "consensus_percentage/consensus_assignees",
                consensus_percentage is not None or consensus_assignees is not None,
            ),
            ("overlap", overlap),
            ("infinite_overlap", infinite_overlap),
        )
        if value not in (None, False)
    ]
    if len(given) > 1:
        raise BadRequestError(
            f"Overlap settings {' and '.join(given)} contradict each other; give only one of them "
            "(annotations_per_task with feed_overlap=True is a configuration error)"
        )
    if feed_overlap or infinite_overlap:
        policy = Overlap(infinite=True)
    elif annotations_per_task is not None:
        policy = _per_task(annotations_per_task)
    elif consensus_percentage is not None or consensus_assignees is not None:
        policy = _consensus(consensus_percentage, consensus_assignees)
    elif overlap is not None:
        count = _count("overlap", overlap)
        policy = Overlap(low=count, high=count)
    else:
        policy = Overlap()
    return _dynamic(policy, dynamic_overlap) if dynamic_overlap is not None else policy


def _count(name: str, value: Any, least: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise BadRequestError(f"{name} must be an integer of at least {least}, got {value!r}")
    return value


def _per_task(value: Any) -> Overlap:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 1:
        raise BadRequestError(f"annotations_per_task must be a number of at least 1, got {value!r}")
    low = math.floor(value)
    if value == low:
        return Overlap(low=low, high=low)
    return Overlap(low=low, high=low + 1, fraction=round(value - low, 4))


def _consensus(percentage: Any, assignees: Any) -> Overlap:
    percentage = 100 if percentage is None else percentage
    assignees = 2 if assignees is None else assignees
    if (
        isinstance(percentage, bool)
        or not isinstance(percentage, int)
        or not 0 <= percentage <= 100
    ):
        raise BadRequestError(
            f"consensus_percentage must be an integer from 0 to 100, got {percentage!r}"
        )
    count = _count("consensus_assignees", assignees, least=2)
    return Overlap(low=1, high=count, fraction=percentage / 100)


def _dynamic(policy: Overlap, spec: Any) -> Overlap:
    """Toloka's dynamic overlap: ``(min, max, confidence)`` or a dict with those keys."""
    if isinstance(spec, Mapping):
        spec = (spec.get("min"), spec.get("max"), spec.get("confidence"))
    if not isinstance(spec, (tuple, list)) or len(spec) != 3:
        raise BadRequestError(
            f"dynamic_overlap is (min, max, confidence) or a dict of those, got {spec!r}"
        )
    low, high, confidence = spec
    low = policy.low if low is None else _count("dynamic_overlap min", low)
    high = _count("dynamic_overlap max", high, least=low)
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, (int, float))
        or not 0 < confidence <= 1
    ):
        raise BadRequestError(f"dynamic_overlap confidence must be in (0, 1], got {confidence!r}")
    if policy.infinite or policy.high != policy.low:
        raise BadRequestError(
            "dynamic_overlap grows a fixed overlap; combine it with overlap=N only"
        )
    return Overlap(low=low, high=low, dynamic_max=high, confidence=float(confidence))
