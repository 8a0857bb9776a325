"""Prodigy JSONL in and out, with Prodigy's input and task hashes, so re-imports deduplicate.

Hashing follows Prodigy's documented rules: the input hash covers the input keys (``text``,
``image``, ``html``, ``input``), the task hash the input hash and the task keys (``spans``,
``label``, ``options``, ``arcs``); without input keys, every key but the ignored ones
(``score``, ``rank``, ``model``, ``source``, ``pattern``, ``priority``, ``path``, ``answer``
and the ``_view_id``, ``_session_id``, ``_annotator_id`` stamps) counts. The values are
serialised as compact JSON with sorted keys and hashed with 32-bit MurmurHash3 (a signed
int, seed 0), the task hash's text starting with the input hash. Hashes already in a file
are kept as they are, so files written by Prodigy deduplicate exactly.

Import: an example is an item (its ``text``/``html`` as a text item ``prodigy-<input
hash>.txt``, or its ``image``: a file, a URL, or inline base64) whose ``metadata.user`` holds
the example's other input fields (``meta``...), plus annotations: text ``spans`` -> Text,
image ``spans`` -> Box (``type: rect``) or Polygon, a top-level ``label`` -> Classification,
accepted ``options`` -> a Classification per accepted option id. Every annotation keeps
``metadata.system.prodigy = {task_hash, input_hash, answer, field, task}`` (``task``: the
example's other keys: options, session, timestamp...). Rejected and ignored examples are
imported too (filter on ``metadata.system.prodigy.answer``). An example whose task hash is
already in the dataset, or earlier in the file, is skipped and reported.

Export groups an item's annotations by task hash back into examples (annotations made
here form one accepted example per item) and writes one JSON line each.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from dl_jupyter.dql.filters import Filters
from dl_jupyter.entities import annotation_definitions as defs
from dl_jupyter.entities.annotation import Annotation
from dl_jupyter.entities.item import Item
from dl_jupyter.enums import FiltersResource
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats.exporting import Exporter, LabelSet
from dl_jupyter.formats.importing import Phase, Reader
from dl_jupyter.formats.jsonstream import JsonReader, iter_json_lines
from dl_jupyter.formats.media import MediaResolver
from dl_jupyter.formats.records import ItemRecord
from dl_jupyter.formats.report import ImportReport

INPUT_HASH_ATTR = "_input_hash"
TASK_HASH_ATTR = "_task_hash"
INPUT_KEYS = ("text", "image", "html", "input")
TASK_KEYS = ("spans", "label", "options", "arcs")
IGNORE_KEYS = (
    "score",
    "rank",
    "model",
    "source",
    "pattern",
    "priority",
    "path",
    "_view_id",
    "_session_id",
    "_annotator_id",
    "answer",
)
ANNOTATION_KEYS = ("spans", "label", "accept")


def murmurhash3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 x86 32-bit of ``data``, as a signed int."""
    c1, c2, mask = 0xCC9E2D51, 0x1B873593, 0xFFFFFFFF
    h = seed & mask
    blocks = len(data) // 4
    for index in range(blocks):
        k = int.from_bytes(data[4 * index : 4 * index + 4], "little")
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        k = (k * c2) & mask
        h ^= k
        h = ((h << 13) | (h >> 19)) & mask
        h = (h * 5 + 0xE6546B64) & mask
    tail = data[4 * blocks :]
    k = 0
    for shift, byte in enumerate(tail):
        k |= byte << (8 * shift)
    if tail:
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        h ^= (k * c2) & mask
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & mask
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & mask
    h ^= h >> 16
    return h - (1 << 32) if h & 0x80000000 else h


def get_hash(task: Mapping, keys: Sequence[str], prefix: int | None = None) -> int:
    """The hash of ``task``'s ``keys`` (or of all its keys but the ignored ones)."""
    values = {k: task[k] for k in keys if k in task}
    if not values:
        values = {
            k: v
            for k, v in task.items()
            if k not in IGNORE_KEYS and k not in (INPUT_HASH_ATTR, TASK_HASH_ATTR)
        }
    text = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return murmurhash3_32(((str(prefix) if prefix is not None else "") + text).encode("utf-8"))


def set_hashes(task: dict, overwrite: bool = False) -> dict:
    """``task`` with ``_input_hash`` and ``_task_hash`` (kept if present, unless ``overwrite``)."""
    if overwrite or INPUT_HASH_ATTR not in task:
        task[INPUT_HASH_ATTR] = get_hash(task, INPUT_KEYS)
    if overwrite or TASK_HASH_ATTR not in task:
        task[TASK_HASH_ATTR] = get_hash(task, TASK_KEYS, prefix=task[INPUT_HASH_ATTR])
    return task


def _span_definition(span: Mapping, where: str) -> Any:
    label = span.get("label")
    if "points" in span:
        points = span["points"]
        if span.get("type") == "rect":
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            return defs.Box(left=min(xs), top=min(ys), right=max(xs), bottom=max(ys), label=label)
        return defs.Polygon(points, label)
    if "start" in span and "end" in span:
        return defs.Text(None, span["start"], span["end"], label)
    raise BadRequestError(f"{where}: a span needs start and end (text) or points (image)")


def example_annotations(example: Mapping, where: str) -> list[Annotation]:
    """The annotations of one Prodigy example (already hashed)."""
    task = {
        k: v
        for k, v in example.items()
        if k not in (*INPUT_KEYS, *ANNOTATION_KEYS, INPUT_HASH_ATTR, TASK_HASH_ATTR, "meta")
    }
    common = {
        "task_hash": example[TASK_HASH_ATTR],
        "input_hash": example[INPUT_HASH_ATTR],
        "answer": example.get("answer", "accept"),
        "task": task,
    }
    found: list[tuple[str, Any, dict]] = []
    spans = example.get("spans") or []
    if not isinstance(spans, list):
        raise BadRequestError(f"{where}: spans must be a list")
    for span in spans:
        extra = {k: v for k, v in span.items() if k not in ("start", "end", "label", "points")}
        found.append(("spans", _span_definition(span, where), {"span": extra} if extra else {}))
    if isinstance(example.get("label"), str):
        found.append(("label", defs.Classification(example["label"]), {}))
    for accepted in example.get("accept") or []:
        found.append(("accept", defs.Classification(str(accepted)), {"id": accepted}))
    annotations = []
    for field, definition, extra in found:
        annotation = Annotation.new(
            annotation_definition=definition,
            automated=False,
            metadata={"system": {"prodigy": {**common, "field": field, **extra}}},
        )
        annotation.source = "sdk"
        annotations.append(annotation)
    return annotations


class ProdigyReader(Reader):
    format = "prodigy"
    OPTIONS = {"images": None}
    deduplicates = True

    def __init__(self, path: str | Path, **options: Any) -> None:
        super().__init__(path, **options)
        if self.path.is_dir():
            raise BadRequestError(f"The prodigy format reads a JSONL file, got the folder {path}")
        self.media = MediaResolver(self.options["images"], self.path.parent)
        self.known: set[int] = set()

    def examples(self) -> Iterator[tuple[Any, str]]:
        if self.path.suffix.lower() == ".json":
            with JsonReader(self.path) as reader:
                for index, example, _ in reader.array():
                    yield example, f"[{index}]"
        else:
            for number, example in iter_json_lines(self.path):
                yield example, f"line {number}"

    def prepare(self, dataset: Any, report: ImportReport) -> None:
        super().prepare(dataset, report)
        hashed = Filters(
            resource=FiltersResource.ANNOTATION,
            field="metadata.system.prodigy.task_hash",
            values=True,
            operator="exists",
            use_defaults=False,
        )
        self.known = {
            a.metadata["system"]["prodigy"]["task_hash"]
            for a in dataset.annotations.list(filters=hashed).all()
        }

    def phases(self, report: ImportReport) -> list[Phase]:
        def records() -> Iterator[ItemRecord]:
            seen = set(self.known)
            for example, where in self.examples():
                if not isinstance(example, dict):
                    raise BadRequestError(f"{self.path}: {where}: an example must be a JSON object")
                set_hashes(example)
                if example[TASK_HASH_ATTR] in seen:
                    report.skip("example", "its task hash is already in the dataset", where)
                    continue
                seen.add(example[TASK_HASH_ATTR])
                record = self._item(example, where, report)
                if record is not None:
                    record.annotations = example_annotations(example, f"{self.path}: {where}")
                    yield record

        return [("examples", records, None)]

    def _item(self, example: dict, where: str, report: ImportReport) -> ItemRecord | None:
        input_hash = example[INPUT_HASH_ATTR]
        user = {
            k: v
            for k, v in example.items()
            if k == "meta"
            or (
                k not in (*INPUT_KEYS, *ANNOTATION_KEYS, *TASK_KEYS)
                and not k.startswith("_")
                and k not in IGNORE_KEYS
            )
        }
        inputs = {
            k: example[k]
            for k in INPUT_KEYS
            if k in example and not str(example[k]).startswith("data:")
        }
        metadata = {
            "system": {"prodigy": {"input_hash": input_hash, "input": inputs}},
            "user": user,
        }
        if isinstance(example.get("image"), str):
            media = self.media.locate(example["image"])
            if media is None:
                report.skip(
                    "example",
                    f"image {example['image'][:80]!r} not found under {self.media.describe()}",
                    where,
                )
                return None
            name = (
                media.name
                if media.content is None
                else f"prodigy-{input_hash}{Path(media.name).suffix}"
            )
            return ItemRecord(
                self.remote(name),
                where,
                path=media.path,
                url=media.url,
                content=media.content,
                mimetype=media.mimetype,
                metadata=metadata,
            )
        text = example.get("text", example.get("html"))
        if not isinstance(text, str):
            raise BadRequestError(f"{self.path}: {where}: an example needs a text, html or image")
        return ItemRecord(
            self.remote(f"prodigy-{input_hash}.txt"),
            where,
            content=text.encode("utf-8"),
            mimetype="text/plain",
            metadata=metadata,
        )


def examples_of(item: Item, annotations: Sequence[Annotation], text: str | None) -> list[dict]:
    """The Prodigy examples of an item: one per stored task hash, one for annotations made here."""
    stored = item.metadata.get("system", {}).get("prodigy") or {}
    inputs = dict(stored.get("input") or {}) or (
        {"text": text} if text is not None else {"image": item.filename.lstrip("/")}
    )
    base = {
        **inputs,
        **(
            {"meta": item.metadata["user"]["meta"]}
            if "meta" in (item.metadata.get("user") or {})
            else {}
        ),
    }
    groups: dict[Any, list[Annotation]] = {}
    for annotation in annotations:
        info = annotation.metadata.get("system", {}).get("prodigy") or {}
        groups.setdefault(info.get("task_hash"), []).append(annotation)
    if not groups:
        return [set_hashes(dict(base))]
    examples = []
    for task_hash, members in groups.items():
        info = members[0].metadata.get("system", {}).get("prodigy") or {}
        example = {**base, **info.get("task", {})}
        for annotation in members:
            _add_to_example(example, annotation)
        if task_hash is None:
            example["answer"] = "accept"
            examples.append(set_hashes(example))
            continue
        example.update(
            {
                INPUT_HASH_ATTR: info["input_hash"],
                TASK_HASH_ATTR: task_hash,
                "answer": info["answer"],
            }
        )
        examples.append(example)
    return examples


def _add_to_example(example: dict, annotation: Annotation) -> None:
    info = annotation.metadata.get("system", {}).get("prodigy") or {}
    definition = annotation.annotation_definition
    field = info.get("field") or ("label" if definition.type == "class" else "spans")
    if field == "label":
        example["label"] = definition.label
    elif field == "accept":
        example.setdefault("accept", []).append(info.get("id", definition.label))
    elif definition.type == "text_mark":
        example.setdefault("spans", []).append(
            {
                "start": definition.start,
                "end": definition.end,
                "label": definition.label,
                **info.get("span", {}),
            }
        )
    elif definition.type in ("box", "segment"):
        points = (
            definition.geo.tolist()
            if definition.type == "segment"
            else [
                [definition.left, definition.top],
                [definition.left, definition.bottom],
                [definition.right, definition.bottom],
                [definition.right, definition.top],
            ]
        )
        example.setdefault("spans", []).append(
            {
                "label": definition.label,
                "points": points,
                **info.get("span", {}),
                **({"type": "rect"} if definition.type == "box" else {}),
            }
        )


class ProdigyWriter(Exporter):
    format = "prodigy"
    OPTIONS: dict[str, Any] = {}

    def __init__(self, path: str | Path, report: Any, labels: LabelSet, **options: Any) -> None:
        super().__init__(path, report, labels, **options)
        if self.path.suffix.lower() not in (".jsonl", ".json"):
            self.path = self.path / "examples.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._out = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 (closed in close())

    def add(self, item: Item, annotations: Sequence[Annotation]) -> None:
        text = None
        if (item.mimetype or "").startswith("text/") and item.blob:
            with item.open() as stream:
                text = stream.read().decode("utf-8", errors="replace")
        supported = [a for a in annotations if a.type in ("text_mark", "class", "box", "segment")]
        for annotation in annotations:
            if annotation.type not in ("text_mark", "class", "box", "segment"):
                self.report.skip(
                    "annotation",
                    f"Prodigy examples hold no {annotation.type!r} annotations",
                    item.filename,
                )
        for example in examples_of(item, supported, text):
            self._out.write(json.dumps(example) + "\n")
            self.report.add("examples")
        self.report.add("items")
        self.report.add("annotations", len(supported))

    def close(self) -> None:
        self._out.close()
        self.written(self.path)
