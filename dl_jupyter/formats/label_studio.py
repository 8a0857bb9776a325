"""Label Studio tasks in and out, with their annotations, predictions and labeling config.

A task (``{"data": {...}, "annotations": [...], "predictions": [...]}``; a task without
``data`` is its own data, and the older ``completions`` are read as annotations) becomes
one item:

- its binary is the task's media value (the object tag's ``$key`` in the labeling config,
  else the ``data_key`` option, else the first value naming an image, audio or video file),
  found under the ``images`` folder or the file's folder (Label Studio's ``/data/upload/``
  and ``/data/local-files/?d=`` URLs included), linked when it is a URL; a task without
  media is a text item holding its text value (``text``, or the only string value);
- ``data`` is the item's ``metadata.user``; the task id and its other keys, and each
  annotation's and prediction's own fields (id, completed_by, lead_time, score,
  model_version...), go to ``metadata.system.label_studio``.

Results become annotations, percent coordinates converted with the result's
``original_width``/``original_height`` (else the image's size): ``rectanglelabels`` ->
Box (``x, y`` is the top-left corner, ``rotation`` degrees clockwise about it; the Box
turns about its centre, so the corner is moved accordingly), ``polygonlabels`` -> Polygon,
``keypointlabels`` -> Point, ``brushlabels`` (RLE) -> Segmentation, ``labels`` (text spans)
-> Text, ``choices`` -> Classification per choice, ``taxonomy`` -> Classification per path
(``A.B``), ``textarea`` -> a ``text`` annotation per line, ``rating`` -> Classification
labelled by the control with ``attributes={'rating': n}``. Predictions are model annotations
(``automated``, ``metadata.user.model = {name: model_version, confidence: score}``). Each
annotation keeps its result (without brush RLE) in ``metadata.system.label_studio``, and an
export writes that result back unchanged while the geometry still matches it, so
import -> export -> import is exact.

A labeling config (``label_config``: XML text or a file) adds its labels to the recipe and
is kept in the recipe's ``metadata.system.label_studio_config``; exports use it to name
the controls of annotations made here.
"""

from __future__ import annotations

import json
import math
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from dl_jupyter.entities import annotation_definitions as defs
from dl_jupyter.entities.annotation import Annotation
from dl_jupyter.entities.item import Item
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats import rle
from dl_jupyter.formats.exporting import Exporter, LabelSet
from dl_jupyter.formats.importing import Phase, Reader, files_under
from dl_jupyter.formats.jsonstream import JsonReader
from dl_jupyter.formats.media import MediaResolver, is_media_reference
from dl_jupyter.formats.records import ItemRecord
from dl_jupyter.formats.report import ImportReport
from dl_jupyter.store.media import probe

TASK_KEYS = ("data", "annotations", "completions", "predictions")
OBJECT_TAGS = {
    "image": "image",
    "audio": "audio",
    "audioplus": "audio",
    "video": "video",
    "text": "text",
    "hypertext": "text",
    "paragraphs": "text",
    "timeseries": "text",
}
LABEL_TAGS = {
    "labels",
    "rectanglelabels",
    "polygonlabels",
    "keypointlabels",
    "brushlabels",
    "ellipselabels",
    "hypertextlabels",
    "choices",
    "taxonomy",
}
# annotation type -> the control types that can hold it, preferred first
CONTROLS = {
    "box": ("rectanglelabels", "rectangle"),
    "segment": ("polygonlabels", "polygon"),
    "point": ("keypointlabels", "keypoint"),
    "binary": ("brushlabels", "brush"),
    "text_mark": ("labels",),
    "class": ("choices", "taxonomy", "rating"),
    "text": ("textarea",),
}
LABEL_KEY = {
    "rectanglelabels": "rectanglelabels",
    "polygonlabels": "polygonlabels",
    "keypointlabels": "keypointlabels",
    "brushlabels": "brushlabels",
    "labels": "labels",
}


# -- the labeling config --------------------------------------------------------------------


def parse_config(config: str | Path | None) -> dict:
    """``{'xml', 'labels', 'controls': [(type, name, to_name)], 'objects': {name: data key}}``."""
    if config is None:
        return {"xml": None, "labels": [], "controls": [], "objects": {}}
    text = Path(config).read_text() if not str(config).lstrip().startswith("<") else str(config)
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise BadRequestError("A labeling config may not declare a DOCTYPE or entities")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise BadRequestError(f"label_config is not valid XML: {exc}") from None
    labels: list[str] = []
    controls, objects = [], {}
    for element in root.iter():
        tag = element.tag.lower()
        name = element.get("name")
        if tag in OBJECT_TAGS and name and (element.get("value") or "").startswith("$"):
            objects[name] = element.get("value")[1:]
        elif name and element.get("toName"):
            controls.append((tag, name, element.get("toName").split(",")[0]))
            if tag == "taxonomy":
                labels += _taxonomy_paths(element, "")
            elif tag in LABEL_TAGS:
                labels += [
                    c.get("value")
                    for c in element
                    if c.tag in ("Label", "Choice") and c.get("value")
                ]
    return {"xml": text, "labels": labels, "controls": controls, "objects": objects}


def _taxonomy_paths(element: ElementTree.Element, prefix: str) -> list[str]:
    paths = []
    for child in element:
        if child.tag == "Choice" and child.get("value"):
            path = f"{prefix}.{child.get('value')}" if prefix else child.get("value")
            paths += [path, *_taxonomy_paths(child, path)]
    return paths


# -- results -> annotations ---------------------------------------------------------------


def _rotate(dx: float, dy: float, degrees: float) -> tuple[float, float]:
    radians = math.radians(degrees)
    return dx * math.cos(radians) - dy * math.sin(radians), dx * math.sin(radians) + dy * math.cos(
        radians
    )


def result_definitions(result: dict, width: int | None, height: int | None) -> list:
    """The annotation definitions of one Label Studio result (percent -> pixels)."""
    kind = str(result.get("type", "")).lower()
    value = result.get("value") or {}
    control = result.get("from_name")
    if kind == "choices":
        return [defs.Classification.unchecked(str(c)) for c in value.get("choices", [])]
    if kind == "taxonomy":
        return [
            defs.Classification.unchecked(".".join(map(str, path)))
            for path in value.get("taxonomy", [])
        ]
    if kind == "rating":
        return [defs.Classification.unchecked(control, {"rating": value.get("rating")})]
    if kind == "textarea":
        return [
            defs.UndefinedAnnotationType.unchecked("text", control, {"text": t})
            for t in value.get("text", [])
        ]
    labels = value.get(LABEL_KEY.get(kind, kind)) or [control]
    if kind == "labels":
        if not isinstance(value.get("start"), int) or not isinstance(value.get("end"), int):
            raise BadRequestError("a 'labels' result needs integer start and end (text spans)")
        return [defs.Text.unchecked(None, value["start"], value["end"], label) for label in labels]
    if width is None or height is None:
        raise BadRequestError(
            f"a {kind} result needs original_width and original_height "
            "(or an image whose size can be read)"
        )
    sx, sy = width / 100, height / 100
    if kind in ("rectanglelabels", "rectangle"):
        w, h, angle = value["width"] * sx, value["height"] * sy, value.get("rotation") or 0
        cx, cy = _rotate(w / 2, h / 2, angle)
        cx, cy = value["x"] * sx + cx, value["y"] * sy + cy
        return [
            defs.Box.unchecked(
                left=cx - w / 2,
                top=cy - h / 2,
                right=cx + w / 2,
                bottom=cy + h / 2,
                label=label,
                angle=angle or None,
            )
            for label in labels
        ]
    if kind in ("polygonlabels", "polygon"):
        points = [[x * sx, y * sy] for x, y in value["points"]]
        return [defs.Polygon.unchecked(points, label) for label in labels]
    if kind in ("keypointlabels", "keypoint"):
        return [defs.Point.unchecked(value["x"] * sx, value["y"] * sy, label) for label in labels]
    if kind in ("brushlabels", "brush"):
        if value.get("format", "rle") != "rle":
            raise BadRequestError(
                f"brush results in format {value.get('format')!r} are not supported"
            )
        mask = rle.brush_decode(value["rle"], width, height)
        return [defs.Segmentation.unchecked(mask, label) for label in labels]
    raise BadRequestError(f"result type {kind!r} is not supported")


def _stored_result(result: dict) -> dict:
    """The result as kept in annotation metadata: brush RLE is left out (the mask is the data)."""
    if str(result.get("type", "")).lower() not in ("brushlabels", "brush"):
        return result
    return {**result, "value": {k: v for k, v in (result.get("value") or {}).items() if k != "rle"}}


# -- tasks -> records ---------------------------------------------------------------------------


class TaskConverter:
    """Turns Label Studio tasks into item records (shared by every task-based reader)."""

    def __init__(
        self, reader: Reader, config: dict, resolver: MediaResolver, data_key: str | None
    ) -> None:
        self.reader = reader
        self.config = config
        self.resolver = resolver
        self.data_key = data_key or next(iter(config["objects"].values()), None)

    def record(
        self, task: Any, where: str, default_name: str, report: ImportReport
    ) -> ItemRecord | None:
        if not isinstance(task, dict):
            raise BadRequestError(
                f"{where}: a task must be a JSON object, got {type(task).__name__}"
            )
        if "data" in task and not isinstance(task["data"], dict):
            raise BadRequestError(f"{where}: task 'data' must be an object")
        data = task.get("data", task)
        name = f"task-{task['id']}.txt" if "id" in task and "data" in task else default_name
        record = self.item(data, where, name, report)
        if record is None:
            return None
        groups = {
            "annotations": list(task.get("annotations") or [])
            + list(task.get("completions") or []),
            "predictions": list(task.get("predictions") or []),
        }
        system = {k: v for k, v in task.items() if k not in TASK_KEYS} if "data" in task else {}
        for kind, entries in groups.items():
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise BadRequestError(f"{where}: task {kind} must be a list of objects")
            system[kind] = [{k: v for k, v in e.items() if k != "result"} for e in entries]
            for group, entry in enumerate(entries):
                for index, result in enumerate(entry.get("result") or []):
                    self._add_result(record, kind, group, index, entry, result, report)
        record.metadata["system"]["label_studio"] = system
        return record

    def item(self, data: dict, where: str, name: str, report: ImportReport) -> ItemRecord | None:
        """The item of a task's data: its media file, else a text item ``name`` (None when the
        media is missing: reported)."""
        key = (
            self.data_key
            if self.data_key in data
            else next((k for k, v in data.items() if is_media_reference(v)), None)
        )
        metadata = {"system": {}, "user": data}
        if key is not None and is_media_reference(data.get(key)):
            media = self.resolver.locate(data[key])
            if media is None:
                report.skip(
                    "item", f"{key} {data[key]!r} not found under {self.resolver.describe()}", where
                )
                return None
            return ItemRecord(
                self.reader.remote(media.name),
                where,
                path=media.path,
                url=media.url,
                content=media.content,
                mimetype=media.mimetype,
                metadata=metadata,
            )
        text_key = (
            key
            if isinstance(data.get(key), str)
            else next((k for k in ("text", *data) if isinstance(data.get(k), str)), None)
        )
        if text_key is None:
            raise BadRequestError(f"{where}: the task has no media reference and no text value")
        return ItemRecord(
            self.reader.remote(name),
            where,
            content=data[text_key].encode("utf-8"),
            mimetype="text/plain",
            metadata=metadata,
        )

    def _size(self, record: ItemRecord) -> tuple[int | None, int | None]:
        if record.width is None and record.path is not None:
            with open(record.path, "rb") as stream:
                info = probe(stream, record.filename)
            record.width, record.height = info.width, info.height
        return record.width, record.height

    def _add_result(
        self,
        record: ItemRecord,
        kind: str,
        group: int,
        index: int,
        entry: dict,
        result: Any,
        report: ImportReport,
    ) -> None:
        where = f"{record.where}.{kind}[{group}].result[{index}]"
        if not isinstance(result, dict) or "type" not in result:
            raise BadRequestError(f"{where}: a result must be an object with a 'type'")
        width, height = result.get("original_width"), result.get("original_height")
        if width is None and str(result["type"]).lower() not in (
            "choices",
            "taxonomy",
            "rating",
            "textarea",
            "labels",
        ):
            width, height = self._size(record)
        try:
            definitions = result_definitions(result, width, height)
        except BadRequestError as exc:
            if "not supported" in exc.message:
                report.skip("annotation", exc.message, where)
                return
            raise BadRequestError(f"{where}: {exc.message}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise BadRequestError(f"{where}: malformed {result['type']} result ({exc!r})") from None
        stored = {"kind": kind, "group": group, "index": index, "result": _stored_result(result)}
        model = None
        if kind == "predictions":
            score = result.get("score", entry.get("score"))
            model = {"name": entry.get("model_version") or "label_studio", "confidence": score}
        for definition in definitions:
            annotation = Annotation.new(
                annotation_definition=definition,
                automated=model is not None,
                metadata={"system": {"label_studio": stored}},
                model_info=model,
            )
            if model is None:
                annotation.source = "sdk"
            record.annotations.append(annotation)


class LabelStudioReader(Reader):
    """A JSON file with a list of tasks (or one task), or a folder of them (``json-dir``)."""

    format = "label_studio"
    OPTIONS = {"images": None, "label_config": None, "data_key": None}

    def __init__(self, path: str | Path, **options: Any) -> None:
        super().__init__(path, **options)
        self.config = parse_config(self.options["label_config"])
        base = self.path if self.path.is_dir() else self.path.parent
        self.tasks = TaskConverter(
            self, self.config, MediaResolver(self.options["images"], base), self.options["data_key"]
        )

    def files(self) -> list[Path]:
        return list(files_under(self.path, (".json",))) if self.path.is_dir() else [self.path]

    def task_stream(self) -> Iterator[tuple[Any, str, str]]:
        """(task, where, default item name) of every task."""
        for file in self.files():
            label = file.name if self.path.is_dir() else ""
            with JsonReader(file) as reader:
                if reader.peek() == "{":
                    yield reader.document(), f"{label}task", f"{file.stem}.txt"
                    continue
                for index, task, _ in reader.array():
                    yield task, f"{label}[{index}]", f"{file.stem}-{index}.txt"

    def check(self) -> None:
        self.labels = list(self.config["labels"])
        super().check()

    def is_label(self, annotation: Annotation) -> bool:
        """Labels of textarea and rating results name their control, not a recipe label."""
        stored = annotation.metadata.get("system", {}).get("label_studio") or {}
        return str(stored.get("result", {}).get("type", "")).lower() not in ("textarea", "rating")

    def phases(self, report: ImportReport) -> list[Phase]:
        def records() -> Iterator[ItemRecord]:
            for task, where, name in self.task_stream():
                record = self.tasks.record(task, where, name, report)
                if record is not None:
                    yield record

        return [("tasks", records, None)]

    def prepare(self, dataset: Any, report: ImportReport) -> None:
        super().prepare(dataset, report)
        store_config(dataset, self.config)


def store_config(dataset: Any, config: dict) -> None:
    """Keep a labeling config in the dataset's recipe, for exports."""
    if config["xml"]:
        recipe = dataset.get_recipe()
        recipe.metadata.setdefault("system", {})["label_studio_config"] = config["xml"]
        recipe.update()


# -- export ------------------------------------------------------------------------------


def _short_id() -> str:
    return uuid.uuid4().hex[:10]


def to_result(
    annotation: Annotation,
    width: int | None,
    height: int | None,
    control: tuple[str, str, str] | None,
    stored: dict | None,
) -> dict:
    """A Label Studio result from an annotation (its stored result's names and extras kept)."""
    definition = annotation.annotation_definition
    base = dict(stored or {})
    kind = str(
        base.get("type")
        or (control[0] if control else CONTROLS.get(definition.type, ("labels",))[0])
    )
    base.setdefault("id", _short_id())
    base.setdefault("from_name", control[1] if control else kind)
    base.setdefault(
        "to_name",
        control[2]
        if control
        else ("text" if definition.type in ("text_mark", "text") else "image"),
    )
    base["type"] = kind
    extras = {
        k: v
        for k, v in (base.get("value") or {}).items()
        if k in ("width",) and kind.startswith("keypoint")
    }
    value: dict[str, Any]
    if definition.type == "class":
        if kind == "rating":
            value = {"rating": (definition.attributes or {}).get("rating")}
        elif kind == "taxonomy":
            value = {"taxonomy": [definition.label.split(".")]}
        else:
            value = {"choices": [definition.label]}
    elif definition.type == "text":
        value = {"text": [definition.to_coordinates().get("text")]}
    elif definition.type == "text_mark":
        value = {"start": definition.start, "end": definition.end, "labels": [definition.label]}
    else:
        if not width or not height:
            raise BadRequestError("the item has no image size for percent coordinates")
        sx, sy = 100 / width, 100 / height
        base.setdefault("original_width", width)
        base.setdefault("original_height", height)
        if definition.type == "box":
            w, h, angle = (
                definition.right - definition.left,
                definition.bottom - definition.top,
                definition.angle or 0,
            )
            cx, cy = (
                (definition.left + definition.right) / 2,
                (definition.top + definition.bottom) / 2,
            )
            dx, dy = _rotate(-w / 2, -h / 2, angle)
            value = {
                "x": (cx + dx) * sx,
                "y": (cy + dy) * sy,
                "width": w * sx,
                "height": h * sy,
                "rotation": angle,
            }
        elif definition.type == "segment":
            value = {"points": [[x * sx, y * sy] for x, y in definition.geo.tolist()]}
        elif definition.type == "point":
            value = {"x": definition.x * sx, "y": definition.y * sy, **({"width": 1.0} | extras)}
        elif definition.type == "binary":
            value = {"format": "rle", "rle": rle.brush_encode(definition.geo)}
        else:
            raise BadRequestError(f"Label Studio has no result for {definition.type!r} annotations")
        if kind in LABEL_KEY:
            value[LABEL_KEY[kind]] = [definition.label]
    base["value"] = value
    return base


class TaskBuilder:
    """Builds Label Studio tasks from items and their annotations (exports and conversions)."""

    def __init__(self, config_xml: str | None, data_key: str) -> None:
        self.config = parse_config(config_xml)
        self.data_key = data_key

    def control(self, annotation: Annotation) -> tuple[str, str, str] | None:
        wanted = CONTROLS.get(annotation.type, ())
        return next((c for kind in wanted for c in self.config["controls"] if c[0] == kind), None)

    def task(
        self, item: Item, annotations: Sequence[Annotation], text: str | None, report: Any
    ) -> dict:
        system = dict(item.metadata.get("system", {}).get("label_studio") or {})
        groups = {
            kind: [dict(g, result=[]) for g in system.pop(kind, [])]
            for kind in ("annotations", "predictions")
        }
        data = dict(item.metadata.get("user") or {})
        if not data:
            data = {self.data_key: text if text is not None else item.filename.lstrip("/")}
        results: dict[tuple[str, int, int], list[Annotation]] = {}
        fresh: dict[str, int] = {}  # annotations made here go to one new group per kind
        for position, annotation in enumerate(annotations):
            stored = annotation.metadata.get("system", {}).get("label_studio")
            if stored:
                key = (stored["kind"], stored["group"], stored["index"])
            else:
                kind = "predictions" if annotation.model_info else "annotations"
                if kind not in fresh:
                    fresh[kind] = len(groups[kind])
                    groups[kind].append({"result": []})
                key = (kind, fresh[kind], len(annotations) + position)
            results.setdefault(key, []).append(annotation)
        for (kind, group, _), members in sorted(results.items(), key=lambda pair: pair[0]):
            while len(groups[kind]) <= group:
                groups[kind].append({"result": []})
            groups[kind][group]["result"] += self._results(item, members, report)
            if kind == "predictions" and members[0].score is not None:
                groups[kind][group].setdefault("score", members[0].score)
        return {**system, "data": data, **groups}

    def _results(self, item: Item, members: list[Annotation], report: Any) -> list[dict]:
        """The stored result while the annotations still say what it says, else new results."""
        stored = (members[0].metadata.get("system", {}).get("label_studio") or {}).get("result")
        if stored:
            try:
                width = stored.get("original_width") or item.width
                height = stored.get("original_height") or item.height
                if result_definitions(stored, width, height) == [
                    m.annotation_definition for m in members
                ]:
                    return [stored]
            except (BadRequestError, KeyError, TypeError, ValueError):
                pass  # brush results are stored without their RLE: rebuilt below
        out = []
        for member in members:
            own = (member.metadata.get("system", {}).get("label_studio") or {}).get("result")
            try:
                out.append(to_result(member, item.width, item.height, self.control(member), own))
            except BadRequestError as exc:
                report.skip("annotation", exc.message, item.filename)
        return out


class LabelStudioWriter(Exporter):
    """Writes a JSON list of tasks, one item at a time."""

    format = "label_studio"
    OPTIONS = {"data_key": "image"}

    def __init__(
        self,
        path: str | Path,
        report: Any,
        labels: LabelSet,
        config_xml: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(path, report, labels, **options)
        if self.path.suffix.lower() != ".json":
            self.path = self.path / "tasks.json"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.builder = TaskBuilder(config_xml, self.options["data_key"])
        self._out = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self._out.write("[")
        self._first = True

    @classmethod
    def for_dataset(
        cls, dataset: Any, path: str | Path, report: Any, filters: Any = None, **options: Any
    ) -> LabelStudioWriter:
        config = dataset.get_recipe().metadata.get("system", {}).get("label_studio_config")
        return cls(path, report, LabelSet.of_dataset(dataset), config, **options)

    def add(self, item: Item, annotations: Sequence[Annotation]) -> None:
        text = None
        if (
            (item.mimetype or "").startswith("text/")
            and not item.metadata.get("user")
            and item.blob
        ):
            with item.open() as stream:
                text = stream.read().decode("utf-8", errors="replace")
        task = self.builder.task(item, annotations, text, self.report)
        self._out.write(("\n" if self._first else ",\n") + json.dumps(task))
        self._first = False
        self.report.add("items")
        self.report.add(
            "annotations",
            sum(len(g["result"]) for k in ("annotations", "predictions") for g in task[k]),
        )

    def close(self) -> None:
        self._out.write("\n]\n")
        self._out.close()
        self.written(self.path)


def tasks_of(records: Iterable[ItemRecord]) -> list[dict]:
    """Label Studio tasks of records read from another format (``Converter``)."""
    builder = TaskBuilder(None, "image")
    return [builder.task(record.as_item(), record.annotations, None, None) for record in records]
