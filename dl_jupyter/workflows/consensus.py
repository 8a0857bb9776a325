"""Consensus over an overlapped task: agreement between annotators and merged answers.

An item is in consensus once at least two of its assignees gave it a status; each one's
answer is the annotations they made on it. Agreement (``agreement.agreement``) is computed
per annotator pair and averaged per item and per annotator. Merging makes final annotations:
classes by majority vote (or by Dawid-Skene over the whole task), regions and points by
clustering across annotators, kept when most annotators drew them. Merged annotations are
marked ``metadata.system.consensus`` and carry the model name 'consensus' (with the share of
annotators that support them as confidence), so they never count as someone's answer.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.store import schema
from dl_jupyter.workflows import aggregation, agreement, gold

METHODS = ("majority", "dawid_skene")
Answers = dict[str, dict[str, list[Any]]]  # item id -> annotator -> annotation definitions


def overlapped_answers(conn: Connection, client: Any, task: Any) -> Answers:
    """Items that two or more assignees answered, with each one's annotations."""
    refs, assignments = schema.item_refs, schema.assignments
    answered: dict[str, list[str]] = {}
    for item_id, annotator in conn.execute(
        sa.select(refs.c.item_id, assignments.c.annotator)
        .join(assignments, assignments.c.id == refs.c.ref_id)
        .where(
            assignments.c.task_id == task.id,
            refs.c.ref_type == "assignment",
            refs.c.status.is_not(None),
        )
        .order_by(refs.c.item_id, assignments.c.annotator)
    ):
        answered.setdefault(item_id, []).append(annotator)
    answered = {i: names for i, names in answered.items() if len(names) > 1}
    found = gold.answers(
        conn, client, list(answered), {a for names in answered.values() for a in names}
    )
    return {i: {a: found.get((i, a), []) for a in names} for i, names in answered.items()}


def pair_scores(answers: Answers, threshold: float) -> list[dict]:
    return [
        {
            "item_id": item_id,
            "annotator_a": a,
            "annotator_b": b,
            "agreement": agreement.agreement(by[a], by[b], threshold),
        }
        for item_id, by in answers.items()
        for a, b in itertools.combinations(sorted(by), 2)
    ]


def agreement_frame(answers: Answers, level: str, threshold: float) -> pd.DataFrame:
    """Agreement per 'pair' (item and two annotators), 'item' or 'annotator'."""
    pairs = pd.DataFrame(
        pair_scores(answers, threshold),
        columns=["item_id", "annotator_a", "annotator_b", "agreement"],
    )
    if level == "pair":
        return pairs
    if level == "item":
        return (
            pairs.groupby("item_id", as_index=False)
            .agg(annotators=("annotator_a", "size"), agreement=("agreement", "mean"))
            .assign(annotators=lambda f: f["item_id"].map(lambda i: len(answers[i])))
        )
    if level == "annotator":
        both = pd.concat(
            [
                pairs.rename(columns={"annotator_a": "annotator"}),
                pairs.rename(columns={"annotator_b": "annotator"}),
            ]
        )
        return both.groupby("annotator", as_index=False).agg(
            items=("item_id", "nunique"), agreement=("agreement", "mean")
        )
    raise BadRequestError(f"Unknown agreement level {level!r}; use 'item', 'pair' or 'annotator'")


def scores(answers: Answers, threshold: float) -> list[dict]:
    """Dataloop's task scores: per item, its mean agreement and each pair's."""
    by_item: dict[str, list[dict]] = {}
    for pair in pair_scores(answers, threshold):
        by_item.setdefault(pair["item_id"], []).append(pair)
    return [
        {
            "itemId": item_id,
            "annotators": sorted(answers[item_id]),
            "score": sum(p["agreement"] for p in pairs) / len(pairs),
            "pairs": [
                {"annotators": [p["annotator_a"], p["annotator_b"]], "score": p["agreement"]}
                for p in pairs
            ],
        }
        for item_id, pairs in sorted(by_item.items())
    ]


def merge(
    answers: Answers,
    method: str = "majority",
    threshold: float = 0.5,
    point_tolerance: float = 10.0,
) -> dict[str, list[tuple[Any, float]]]:
    """item id -> merged (definition, support) pairs; support is the share of annotators."""
    if method not in METHODS:
        raise BadRequestError(f"Unknown merge method {method!r}; use one of {', '.join(METHODS)}")
    weights = _weights(answers) if method == "dawid_skene" else {}
    merged: dict[str, list[tuple[Any, float]]] = {}
    for item_id, by in answers.items():
        merged[item_id] = [
            *_merge_classes(by, weights),
            *_merge_shapes(by, weights, threshold, point_tolerance),
        ]
    return merged


def _weights(answers: Answers) -> dict[str, float]:
    """Each annotator's Dawid-Skene accuracy, estimated from their class labels over the task."""
    votes = [
        (item_id, annotator, d.label)
        for item_id, by in answers.items()
        for annotator, definitions in by.items()
        for d in definitions[:1]
        if d.type == "class"
    ]
    return aggregation.dawid_skene(votes).accuracy if votes else {}


def _vote(labels: list[tuple[str, Any]], weights: Mapping[str, float]) -> tuple[Any, float]:
    return aggregation.majority_vote(
        [label for _, label in labels], [weights.get(a, 1.0) for a, _ in labels]
    )


def _merge_classes(
    by: Mapping[str, list[Any]], weights: Mapping[str, float]
) -> list[tuple[Any, float]]:
    labels = [(a, d.label) for a, defs in by.items() for d in defs if d.type == "class"][: len(by)]
    if not labels:
        return []
    label, _ = _vote(labels, weights)
    chosen = next(d for defs in by.values() for d in defs if d.type == "class" and d.label == label)
    support = sum(1 for _, value in labels if value == label) / len(by)
    return [(chosen, support)]


def _merge_shapes(
    by: Mapping[str, list[Any]],
    weights: Mapping[str, float],
    threshold: float,
    point_tolerance: float,
) -> list[tuple[Any, float]]:
    merged = []
    for family, similarity in (
        ("region", agreement.iou),
        ("point", lambda a, b: agreement.point_score(a, b, point_tolerance)),
    ):
        shapes = {a: [d for d in defs if agreement.family(d) == family] for a, defs in by.items()}
        for cluster in aggregation.cluster_regions(shapes, threshold, similarity):
            support = len(cluster) / len(by)
            if support <= 0.5:
                continue
            label, _ = _vote([(a, s.label) for a, s in cluster], weights)
            merged.append((aggregation.merge_shapes([s for _, s in cluster], label), support))
    return merged
