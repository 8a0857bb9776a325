"""Turning several annotators' answers into one: majority vote, Dawid-Skene, region clusters.

Pure functions over plain values and annotation definitions, used by ``consensus``:
``majority_vote`` for one item's labels, ``dawid_skene`` to weight annotators by their
estimated reliability across a whole task, ``cluster_regions`` to group the boxes (polygons,
points) that different annotators drew around the same object, and ``merge_shapes`` to
make one shape of a cluster.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dl_jupyter.entities.annotation_definitions import Box, Point
from dl_jupyter.workflows import agreement


def majority_vote(
    votes: Sequence[Hashable], weights: Sequence[float] | None = None
) -> tuple[Any, float]:
    """(the most voted value, its share of the votes); ties go to the smallest value."""
    if not votes:
        raise ValueError("majority_vote needs at least one vote")
    tally: Counter = Counter()
    for vote, weight in zip(votes, weights or [1.0] * len(votes)):
        tally[vote] += weight
    best = max(sorted(tally, key=repr), key=lambda v: tally[v])
    return best, tally[best] / sum(tally.values())


@dataclass
class DawidSkene:
    """The result of ``dawid_skene``: per item the label and its posterior, per annotator the
    estimated accuracy (probability of giving the true label)."""

    labels: dict[Hashable, Any] = field(default_factory=dict)
    confidence: dict[Hashable, float] = field(default_factory=dict)
    accuracy: dict[Hashable, float] = field(default_factory=dict)


def dawid_skene(
    votes: Sequence[tuple[Hashable, Hashable, Hashable]],
    iterations: int = 50,
    tolerance: float = 1e-6,
) -> DawidSkene:
    """Dawid and Skene (1979): EM over (item, annotator, label) votes, starting from majority
    vote; each annotator gets a confusion matrix, each item a posterior over labels."""
    if not votes:
        return DawidSkene()
    items = sorted({v[0] for v in votes}, key=repr)
    workers = sorted({v[1] for v in votes}, key=repr)
    classes = sorted({v[2] for v in votes}, key=repr)
    ii = {x: n for n, x in enumerate(items)}
    wi = {x: n for n, x in enumerate(workers)}
    ci = {x: n for n, x in enumerate(classes)}
    counts = np.zeros((len(items), len(workers), len(classes)))
    for item, worker, label in votes:
        counts[ii[item], wi[worker], ci[label]] += 1
    posterior = counts.sum(axis=1) + 1e-9
    posterior /= posterior.sum(axis=1, keepdims=True)
    for _ in range(iterations):
        priors = posterior.mean(axis=0)
        confusion = np.einsum("ik,iwl->wkl", posterior, counts) + 1e-6
        confusion /= confusion.sum(axis=2, keepdims=True)
        log_post = np.log(priors)[None, :] + np.einsum("iwl,wkl->ik", counts, np.log(confusion))
        log_post -= log_post.max(axis=1, keepdims=True)
        updated = np.exp(log_post)
        updated /= updated.sum(axis=1, keepdims=True)
        change = np.abs(updated - posterior).max()
        posterior = updated
        if change < tolerance:
            break
    best = posterior.argmax(axis=1)
    return DawidSkene(
        labels={item: classes[best[n]] for item, n in ii.items()},
        confidence={item: float(posterior[n, best[n]]) for item, n in ii.items()},
        accuracy={w: float(np.einsum("k,kk->", priors, confusion[n])) for w, n in wi.items()},
    )


def cluster_regions(
    answers: Mapping[Hashable, Sequence[Any]],
    threshold: float = 0.5,
    similarity: Callable[[Any, Any], float] = agreement.iou,
) -> list[list[tuple[Hashable, Any]]]:
    """Groups of (annotator, shape) around one object: each shape joins the cluster whose first
    shape it is most similar to (at least ``threshold``; IoU for regions), at most one shape
    per annotator in a cluster."""
    clusters: list[list[tuple[Hashable, Any]]] = []
    for annotator in sorted(answers, key=repr):
        for shape in answers[annotator]:
            best, best_score = None, threshold
            for cluster in clusters:
                if any(a == annotator for a, _ in cluster):
                    continue
                score = similarity(cluster[0][1], shape)
                if score >= best_score:
                    best, best_score = cluster, score
            if best is None:
                clusters.append([(annotator, shape)])
            else:
                best.append((annotator, shape))
    return clusters


def merge_shapes(shapes: Sequence[Any], label: str | None) -> Any:
    """One shape for a cluster: upright boxes and points average their coordinates, other
    shapes keep the member that overlaps the others most (the medoid)."""
    if all(s.type == "point" for s in shapes):
        return Point(
            x=float(np.mean([s.x for s in shapes])),
            y=float(np.mean([s.y for s in shapes])),
            label=label,
        )
    if all(s.type == "box" and not getattr(s, "angle", None) for s in shapes):
        sides = np.array([[s.left, s.top, s.right, s.bottom] for s in shapes], dtype=float).mean(
            axis=0
        )
        return Box(
            left=float(sides[0]),
            top=float(sides[1]),
            right=float(sides[2]),
            bottom=float(sides[3]),
            label=label,
        )
    scores = [sum(agreement.iou(s, other) for other in shapes) for s in shapes]
    chosen = copy.deepcopy(shapes[int(np.argmax(scores))])
    chosen.label = label
    return chosen
