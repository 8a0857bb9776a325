"""Toloka's dynamic overlap: one more assignee for an item while its answers disagree.

When every assignee an item needs has answered, the answers vote (one vote each) together
with the item's baseline solutions (a vote of ``confidence_weight`` each) or, without any,
its model-made annotations (a vote of their score each). The confidence of the winning
answer is its share of the votes; below the task's threshold, and while the item has fewer
than the most assignees allowed, the item needs one more assignee and goes back to the pool.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dl_jupyter.store import schema
from dl_jupyter.workflows import gold
from dl_jupyter.workflows.aggregation import majority_vote
from dl_jupyter.workflows.options import TaskOptions


def _vote(answer: Mapping, fields: Sequence[str]) -> str:
    return json.dumps({k: answer.get(k) for k in fields}, sort_keys=True, default=str)


def confidence(answers: Sequence[Mapping], baseline: Sequence[tuple[Mapping, float]]) -> float:
    """The share of votes the most voted answer got (answers weigh 1, baselines their weight)."""
    fields = sorted({k for values, _ in baseline for k in values}) or ["label"]
    votes = [_vote(a, fields) for a in answers] + [_vote(values, fields) for values, _ in baseline]
    weights = [1.0] * len(answers) + [weight for _, weight in baseline]
    if not votes or sum(weights) <= 0:
        return 0.0
    return majority_vote(votes, weights)[1]


def _baseline(conn: Connection, item_ids: Sequence[str]) -> dict[str, list[tuple[Mapping, float]]]:
    found = {
        i: [(r.output_values, r.weight) for r in rs]
        for i, rs in gold.solutions_of(conn, item_ids, gold.BASELINE).items()
    }
    missing = [i for i in item_ids if i not in found]
    if missing:
        a = schema.annotations
        for row in conn.execute(
            sa.select(a.c.item_id, a.c.label, a.c.score).where(
                a.c.item_id.in_(missing), a.c.score.is_not(None), a.c.label.is_not(None)
            )
        ):
            found.setdefault(row.item_id, []).append(({"label": row.label}, float(row.score)))
    return found


def items_needing_more(
    conn: Connection, client: Any, task: Any, finished: Mapping[str, list[str]]
) -> list[str]:
    """Of the items whose assignees (item id -> annotators) all answered, those whose answers'
    confidence is below the task's threshold."""
    policy = TaskOptions.from_settings(task.settings).policy
    if policy.dynamic_max is None or not finished:
        return []
    ids = list(finished)
    answered = gold.answers(conn, client, ids, {a for names in finished.values() for a in names})
    baseline = _baseline(conn, ids)
    return [
        item_id
        for item_id, annotators in finished.items()
        if confidence(
            [gold.answer_of(answered.get((item_id, a), [])) for a in annotators],
            baseline.get(item_id, []),
        )
        < policy.confidence
    ]
