"""Answers known in advance, stored as Toloka's task keys, and grading answers against them.

``known_solutions`` (gold): several acceptable ``output_values``, each with a
``correctness_weight`` (partial credit), and ``message_on_unknown_solution``, the hint shown
after a wrong answer. ``baseline_solutions``: preliminary answers with a ``confidence_weight``
that count as votes in dynamic overlap.

An annotator's answer on an item is read from the annotations they made on it: ``label``
(their first classification) and that classification's attributes, ``labels`` (all their
class labels) and ``annotations`` (their other annotations). A known solution is matched
when every one of its output values is: ``annotations`` shape by shape (same label, IoU at
least 0.5), the other keys by equality.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dl_jupyter.entities.annotation_definitions import definition_from_coordinates
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.repositories import rows
from dl_jupyter.repositories.base import Repository
from dl_jupyter.repositories.permissions import Action
from dl_jupyter.store import schema
from dl_jupyter.store.timeutil import new_id, now_iso
from dl_jupyter.workflows import agreement

solutions = schema.item_solutions
KNOWN = "known"
BASELINE = "baseline"
WEIGHT_KEYS = {KNOWN: "correctness_weight", BASELINE: "confidence_weight"}


@dataclass
class Grade:
    """How an answer fared against an item's known solutions."""

    correct: bool
    credit: float
    hint: str | None = None


def _entries(kind: str, values: Any) -> list[dict]:
    key = WEIGHT_KEYS[kind]
    name = f"{kind}_solutions"
    if not isinstance(values, Iterable) or isinstance(values, (str, Mapping)):
        raise BadRequestError(f"{name} must be a list of {{'output_values': ..., '{key}': ...}}")
    entries = []
    for value in values:
        output = value.get("output_values") if isinstance(value, Mapping) else None
        if not isinstance(output, Mapping) or not output:
            raise BadRequestError(
                f"Each of {name} needs a non-empty 'output_values' dict, got {value!r}"
            )
        weight = value.get(key, 1)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 1:
            raise BadRequestError(f"{name} {key} must be a number from 0 to 1, got {weight!r}")
        entries.append({"output_values": _plain_output(output), "weight": float(weight)})
    return entries


def _plain_output(output: Mapping) -> dict:
    """Output values as JSON: annotation definitions in ``annotations`` become their JSON."""
    plain = dict(output)
    if "annotations" in plain:
        plain["annotations"] = [_shape_json(shape) for shape in plain["annotations"]]
    return plain


def _shape_json(shape: Any) -> dict:
    if isinstance(shape, Mapping):
        return dict(shape)
    definition = getattr(shape, "annotation_definition", shape)
    return {
        "type": definition.type,
        "label": definition.label,
        "coordinates": definition.to_coordinates(),
        "attributes": definition.attributes,
    }


def _shapes(values: Sequence[Mapping]) -> list[Any]:
    return [
        definition_from_coordinates(
            v["type"], v.get("coordinates"), label=v.get("label"), attributes=v.get("attributes")
        )
        for v in values
    ]


class Solutions(Repository):
    """Known and baseline solutions of a dataset's items (``dataset.tasks.solutions``)."""

    def __init__(self, client: Any, dataset_id: str) -> None:
        super().__init__(client)
        self.dataset_id = dataset_id

    def _replace(
        self, item: Any, kind: str, entries: list[dict], message: str | None = None
    ) -> None:
        with self.store.write() as conn:
            dataset = self._project_of_dataset(conn, self.dataset_id)
            user = self.client.require(dataset.project_id, Action.MANAGE_TASKS, conn)
            item_id = getattr(item, "id", item)
            found = conn.execute(
                sa.select(schema.items.c.id).where(
                    schema.items.c.id == item_id, schema.items.c.dataset_id == self.dataset_id
                )
            ).first()
            if found is None:
                raise BadRequestError(f"Item {item_id!r} is not in this dataset")
            conn.execute(
                solutions.delete().where(solutions.c.item_id == item_id, solutions.c.kind == kind)
            )
            now = now_iso()
            if entries:
                conn.execute(
                    solutions.insert(),
                    [
                        {
                            "id": new_id(),
                            "item_id": item_id,
                            "dataset_id": self.dataset_id,
                            "kind": kind,
                            "output_values": e["output_values"],
                            "weight": e["weight"],
                            "message": message,
                            "creator": user,
                            "created_at": now,
                        }
                        for e in entries
                    ],
                )

    def set_known(
        self, item: Any, known_solutions: Any, message_on_unknown_solution: str | None = None
    ) -> None:
        """Make ``item`` gold: the answers that count as correct (replacing earlier ones)."""
        entries = _entries(KNOWN, known_solutions)
        if message_on_unknown_solution is not None and not isinstance(
            message_on_unknown_solution, str
        ):
            raise BadRequestError("message_on_unknown_solution must be a string")
        self._replace(item, KNOWN, entries, message_on_unknown_solution)

    def set_baseline(self, item: Any, baseline_solutions: Any) -> None:
        """Preliminary answers (e.g. a model's) weighting dynamic overlap decisions."""
        self._replace(item, BASELINE, _entries(BASELINE, baseline_solutions))

    def set_from_toloka(self, item: Any, task: Mapping) -> None:
        """Take ``known_solutions``, ``message_on_unknown_solution`` and ``baseline_solutions``
        from a Toloka task JSON."""
        if task.get("known_solutions"):
            self.set_known(item, task["known_solutions"], task.get("message_on_unknown_solution"))
        if task.get("baseline_solutions"):
            self.set_baseline(item, task["baseline_solutions"])

    def get(self, item: Any) -> dict:
        """The item's solutions in Toloka's keys."""
        with self.store.read() as conn:
            found = conn.execute(
                sa.select(solutions)
                .where(solutions.c.item_id == getattr(item, "id", item))
                .order_by(solutions.c.id)
            ).all()
        known = [r for r in found if r.kind == KNOWN]
        return {
            "known_solutions": [
                {"output_values": r.output_values, "correctness_weight": r.weight} for r in known
            ],
            "message_on_unknown_solution": known[0].message if known else None,
            "baseline_solutions": [
                {"output_values": r.output_values, "confidence_weight": r.weight}
                for r in found
                if r.kind == BASELINE
            ],
        }

    def gold_item_ids(self) -> list[str]:
        with self.store.read() as conn:
            return list(
                conn.execute(
                    sa.select(solutions.c.item_id)
                    .where(solutions.c.dataset_id == self.dataset_id, solutions.c.kind == KNOWN)
                    .distinct()
                    .order_by(solutions.c.item_id)
                ).scalars()
            )


def solutions_of(conn: Connection, item_ids: Sequence[str], kind: str) -> dict[str, list[Any]]:
    """item id -> its solution rows of ``kind``."""
    found: dict[str, list[Any]] = {}
    for row in conn.execute(
        sa.select(solutions).where(solutions.c.item_id.in_(item_ids), solutions.c.kind == kind)
    ):
        found.setdefault(row.item_id, []).append(row)
    return found


def answers(
    conn: Connection, client: Any, item_ids: Sequence[str], annotators: Iterable[str] | None = None
) -> dict[tuple[str, str], list[Any]]:
    """(item id, annotator) -> the annotation definitions that annotator made on the item
    (model-made annotations, which carry a model name, are nobody's answer)."""
    a = schema.annotations
    query = (
        sa.select(a)
        .where(a.c.item_id.in_(item_ids), a.c.model_name.is_(None), a.c.type != "note")
        .order_by(a.c.created_at, a.c.id)
    )
    if annotators is not None:
        query = query.where(a.c.creator.in_(list(annotators)))
    found: dict[tuple[str, str], list[Any]] = {}
    for row in conn.execute(query):
        found.setdefault((row.item_id, row.creator), []).append(
            rows.annotation(row, client).annotation_definition
        )
    return found


def answer_of(definitions: Sequence[Any]) -> dict:
    """An annotator's output values on an item, from their annotation definitions."""
    classes = [d for d in definitions if d.type == "class"]
    answer: dict = {
        "labels": sorted({d.label for d in classes if d.label}),
        "annotations": [d for d in definitions if d.type != "class"],
    }
    if classes:
        first = classes[0]
        if isinstance(first.attributes, Mapping):
            answer.update(first.attributes)
        answer["label"] = first.label
    return answer


def matches(answer: Mapping, output_values: Mapping, iou_threshold: float = 0.5) -> bool:
    """Whether ``answer`` gives every one of ``output_values``."""
    for key, expected in output_values.items():
        if key == "annotations":
            if not agreement.same_answer(
                answer.get("annotations", []), _shapes(expected), iou_threshold
            ):
                return False
        elif key == "labels":
            if sorted(expected) != answer.get("labels", []):
                return False
        elif answer.get(key) != expected:
            return False
    return True


def grade(answer: Mapping, known: Sequence[Any], iou_threshold: float = 0.5) -> Grade:
    """The best credit among the known solutions the answer matches (Toloka's weights)."""
    credits = [row.weight for row in known if matches(answer, row.output_values, iou_threshold)]
    if credits:
        return Grade(correct=True, credit=max(credits))
    return Grade(correct=False, credit=0.0, hint=known[0].message if known else None)
