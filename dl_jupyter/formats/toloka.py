"""Toloka tasks in and out: task JSON (a list of tasks, or one) and Toloka's TSV.

Import, per task:

- ``input_values`` is the item's ``metadata.user``; a value naming an image (``image_url``)
  makes the item that file (local, or a link for URLs), otherwise the item is a text item;
- ``known_solutions`` (gold: ``output_values`` with a ``correctness_weight``, default 1, and
  ``message_on_unknown_solution`` as the hint) and ``baseline_solutions`` (``output_values``
  with a ``confidence_weight``) go to the workflows' solutions table, exactly as
  ``workflows.gold.Solutions.set_from_toloka`` stores them: one row per solution,
  ``kind`` 'known' or 'baseline', ``output_values``, ``weight``, and the hint as the known
  rows' ``message``. The honeypot and dynamic-overlap code reads them from there
  (``dataset.tasks.solutions.get(item)`` gives them back in Toloka's keys);
- each baseline solution is also a model annotation: a Classification labelled with
  ``output_values['label']`` (else its first string value), its attributes the output
  values, ``metadata.user.model = {'name': 'toloka-baseline', 'confidence': weight}``;
- every other key (``id``, ``pool_id``, ``overlap``, ``infinite_overlap``, ``reserved_for``,
  ``unavailable_for``, ``origin_task_id``, ``created``...) is kept in
  ``metadata.system.toloka``, where the workflows find ``overlap`` and the reservations.

TSV: ``INPUT:<field>`` columns are input values, ``GOLDEN:<field>`` columns one known
solution (weight 1), ``HINT:text`` its hint. Export writes the same (JSON, or TSV for a
path ending in ``.tsv``), solutions read back from the solutions table.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from dl_jupyter.entities import annotation_definitions as defs
from dl_jupyter.entities.annotation import Annotation
from dl_jupyter.entities.item import Item
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats.exporting import Exporter, LabelSet, dataset_pages, pairs
from dl_jupyter.formats.importing import Phase, Reader
from dl_jupyter.formats.jsonstream import JsonReader
from dl_jupyter.formats.label_studio import TaskConverter, parse_config
from dl_jupyter.formats.media import MediaResolver
from dl_jupyter.formats.records import ItemRecord
from dl_jupyter.formats.report import ImportReport
from dl_jupyter.workflows.gold import BASELINE, KNOWN, WEIGHT_KEYS, Solutions

SOLUTION_KEYS = {KNOWN: "known_solutions", BASELINE: "baseline_solutions"}
HINT = "message_on_unknown_solution"


def solutions_of(task: Mapping, where: str) -> list[dict]:
    """The solution rows of a task (checked: output values and weights from 0 to 1)."""
    rows = []
    for kind, key in SOLUTION_KEYS.items():
        entries = task.get(key) or []
        if not isinstance(entries, list):
            raise BadRequestError(f"{where}: {key} must be a list")
        for index, entry in enumerate(entries):
            output = entry.get("output_values") if isinstance(entry, dict) else None
            weight = entry.get(WEIGHT_KEYS[kind], 1) if isinstance(entry, dict) else None
            if not isinstance(output, dict) or not output:
                raise BadRequestError(
                    f"{where}: {key}[{index}] needs a non-empty 'output_values' object"
                )
            if (
                isinstance(weight, bool)
                or not isinstance(weight, (int, float))
                or not 0 <= weight <= 1
            ):
                raise BadRequestError(
                    f"{where}: {key}[{index}] {WEIGHT_KEYS[kind]} must be a number "
                    f"from 0 to 1, got {weight!r}"
                )
            rows.append(
                {
                    "kind": kind,
                    "output_values": output,
                    "weight": float(weight),
                    "message": task.get(HINT) if kind == KNOWN else None,
                }
            )
    return rows


def solution_label(output_values: Mapping) -> str:
    """The class label an answer stands for: its 'label', else its first string value."""
    if "label" in output_values:
        return str(output_values["label"])
    first = next((v for v in output_values.values() if isinstance(v, str)), None)
    return first if first is not None else json.dumps(next(iter(output_values.values())))


class TolokaReader(Reader):
    format = "toloka"
    OPTIONS = {"images": None, "data_key": None, "label_config": None}

    def __init__(self, path: str | Path, **options: Any) -> None:
        super().__init__(path, **options)
        if self.path.is_dir():
            raise BadRequestError(
                f"The toloka format reads a JSON or TSV file, got the folder {path}"
            )
        config = parse_config(self.options["label_config"])
        self.labels = list(config["labels"])
        self.tasks = TaskConverter(
            self,
            config,
            MediaResolver(self.options["images"], self.path.parent),
            self.options["data_key"],
        )

    def task_stream(self) -> Iterator[tuple[Any, str]]:
        if self.path.suffix.lower() == ".tsv":
            yield from _tsv_tasks(self.path)
            return
        with JsonReader(self.path) as reader:
            if reader.peek() == "{":
                yield reader.document(), "task"
                return
            for index, task, _ in reader.array():
                yield task, f"[{index}]"

    def phases(self, report: ImportReport) -> list[Phase]:
        def records() -> Iterator[ItemRecord]:
            for index, (task, where) in enumerate(self.task_stream()):
                if not isinstance(task, dict) or not isinstance(task.get("input_values"), dict):
                    raise BadRequestError(
                        f"{self.path}: {where}: a task needs an 'input_values' object"
                    )
                solutions = solutions_of(task, f"{self.path}: {where}")
                name = (
                    f"toloka-{task['id']}.txt"
                    if task.get("id")
                    else f"{self.path.stem}-{index}.txt"
                )
                record = self.tasks.item(task["input_values"], where, name, report)
                if record is None:
                    continue
                record.metadata["system"]["toloka"] = {
                    k: v
                    for k, v in task.items()
                    if k not in ("input_values", *SOLUTION_KEYS.values(), HINT)
                }
                record.solutions = solutions
                record.annotations = [_baseline(s) for s in solutions if s["kind"] == BASELINE]
                self.labels += [
                    solution_label(s["output_values"]) for s in solutions if s["kind"] == KNOWN
                ]
                yield record

        return [("tasks", records, None)]


def _baseline(solution: dict) -> Annotation:
    output = solution["output_values"]
    definition = defs.Classification(
        solution_label(output), {k: v for k, v in output.items() if k != "label"}
    )
    return Annotation.new(
        annotation_definition=definition,
        automated=True,
        model_info={"name": "toloka-baseline", "confidence": solution["weight"]},
    )


def _tsv_tasks(path: Path) -> Iterator[tuple[dict, str]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            for number, row in enumerate(csv.DictReader(stream, delimiter="\t"), start=2):
                if None in row:
                    raise BadRequestError(f"{path}: line {number}: more values than columns")
                task: dict[str, Any] = {"input_values": {}}
                golden = {}
                for column, value in row.items():
                    prefix, _, field = column.partition(":")
                    if prefix == "INPUT":
                        task["input_values"][field] = value
                    elif prefix == "GOLDEN" and value not in (None, ""):
                        golden[field] = value
                    elif column == "HINT:text" and value:
                        task[HINT] = value
                if golden:
                    task["known_solutions"] = [{"output_values": golden, "correctness_weight": 1}]
                yield task, f"line {number}"
    except (csv.Error, UnicodeDecodeError) as exc:
        raise BadRequestError(f"{path}: {exc}") from None


class TolokaWriter(Exporter):
    """Tasks as a JSON list, or as TSV when the path ends in ``.tsv``."""

    format = "toloka"
    OPTIONS = {"data_key": "image_url"}

    def __init__(
        self,
        path: str | Path,
        report: Any,
        labels: LabelSet,
        inputs: Sequence[str] = (),
        **options: Any,
    ) -> None:
        super().__init__(path, report, labels, **options)
        self.tsv = self.path.suffix.lower() == ".tsv"
        if self.path.suffix.lower() not in (".tsv", ".json"):
            self.path = self.path / "tasks.json"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._out = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115 (closed in close())
        if self.tsv:
            self._inputs = list(inputs)
            self._rows: list[dict] = []
        else:
            self._out.write("[")
        self._first = True

    @classmethod
    def for_dataset(
        cls, dataset: Any, path: str | Path, report: Any, filters: Any = None, **options: Any
    ) -> TolokaWriter:
        inputs: dict[str, None] = {}
        if str(path).lower().endswith(".tsv"):
            for item, _ in pairs(dataset_pages(dataset, filters, with_annotations=False)):
                inputs.update(dict.fromkeys(item.metadata.get("user") or {}))
        return cls(path, report, LabelSet.of_dataset(dataset), list(inputs), **options)

    def task(self, item: Item) -> dict:
        task = dict(item.metadata.get("system", {}).get("toloka") or {})
        task["input_values"] = dict(item.metadata.get("user") or {}) or {
            self.options["data_key"]: item.filename.lstrip("/")
        }
        if item._client is not None:
            task.update(
                {k: v for k, v in Solutions(item.client, item.dataset_id).get(item).items() if v}
            )
        return task

    def add(self, item: Item, annotations: Sequence[Annotation]) -> None:
        task = self.task(item)
        self.report.add("items")
        self.report.add(
            "solutions",
            len(task.get("known_solutions", [])) + len(task.get("baseline_solutions", [])),
        )
        if self.tsv:
            row = {f"INPUT:{k}": v for k, v in task["input_values"].items()}
            known = task.get("known_solutions") or []
            if known:
                row.update({f"GOLDEN:{k}": v for k, v in known[0]["output_values"].items()})
                if len(known) > 1:
                    self.report.skip(
                        "solution", "TSV holds one known solution per task", item.filename
                    )
            if task.get(HINT):
                row["HINT:text"] = task[HINT]
            self._rows.append(row)
            return
        self._out.write(("\n" if self._first else ",\n") + json.dumps(task))
        self._first = False

    def close(self) -> None:
        if self.tsv:
            golden = sorted({k for row in self._rows for k in row if k.startswith("GOLDEN:")})
            columns = [f"INPUT:{k}" for k in self._inputs] + golden + ["HINT:text"]
            writer = csv.DictWriter(self._out, columns, delimiter="\t", extrasaction="ignore")
            writer.writeheader()
            writer.writerows(self._rows)
        else:
            self._out.write("\n]\n")
        self._out.close()
        self.written(self.path)
