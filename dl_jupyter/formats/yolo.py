"""YOLO detection (and segmentation) text files in and out, with the list of class names.

Import reads a folder laid out as ``images/...`` beside ``labels/...`` (the same relative
paths, ``.txt`` for the image's suffix), or with each ``.txt`` next to its image. A line is
``class cx cy w h`` (a Box; numbers relative to the image size), ``class cx cy w h conf``
(a model Box with that confidence), or ``class x1 y1 x2 y2 ...`` (a Polygon). Class names
come from the ``classes`` option (a list, or a file with one name a line), else from
``classes.txt``, ``obj.names`` or the ``names`` of ``data.yaml`` in the folder. An unknown
class id, a label file without an image, and boxes outside the image go to the report.

Export writes ``labels/<path>.txt`` per item, ``classes.txt`` and a ``data.yaml`` naming
them (recipe order, then labels met on the way), and ``images/<path>`` with
``with_images=True``. Rotated boxes are written as their bounds; masks have no YOLO line.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from dl_jupyter.entities import annotation_definitions as defs
from dl_jupyter.entities.annotation import Annotation
from dl_jupyter.entities.item import Item
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats.exporting import Exporter, LabelSet
from dl_jupyter.formats.importing import Phase, Reader, files_under
from dl_jupyter.formats.media import IMAGE_SUFFIXES
from dl_jupyter.formats.records import ItemRecord
from dl_jupyter.formats.report import ImportReport
from dl_jupyter.store.media import probe

CLASS_FILES = ("classes.txt", "obj.names")


def read_classes(folder: Path, classes: Any = None) -> list[str]:
    """The class names: the ``classes`` option, or the folder's classes.txt, obj.names or
    data.yaml."""
    if isinstance(classes, (list, tuple)):
        return [str(c) for c in classes]
    if classes is not None:
        return _lines(Path(classes))
    for name in CLASS_FILES:
        if (folder / name).is_file():
            return _lines(folder / name)
    if (folder / "data.yaml").is_file():
        return _yaml_names(folder / "data.yaml")
    raise BadRequestError(f"No class names for {folder}: pass classes=[...] or add classes.txt")


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        raise BadRequestError(f"Classes file not found: {path}")
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def _yaml_names(path: Path) -> list[str]:
    """``names`` of a data.yaml: a flow list ``[a, b]``, or a block of ``- a`` or ``0: a`` lines."""
    lines = path.read_text().splitlines()
    for index, line in enumerate(lines):
        match = re.match(r"^names\s*:\s*(.*)$", line)
        if not match:
            continue
        inline = match.group(1).strip()
        if inline.startswith("["):
            return [n.strip().strip("'\"") for n in inline.strip("[]").split(",") if n.strip()]
        names = []
        for entry in lines[index + 1 :]:
            item = re.match(r"^\s+(?:-\s*|\d+\s*:\s*)(.+?)\s*$", entry)
            if not item:
                break
            names.append(item.group(1).strip("'\""))
        return names
    raise BadRequestError(f"{path} has no 'names' list")


def parse_line(
    line: str, classes: Sequence[str], width: int, height: int
) -> tuple[list[Annotation], str | None]:
    """The annotations of one label line, or ([], why) when its class is unknown."""
    parts = line.split()
    try:
        class_id, numbers = int(parts[0]), [float(p) for p in parts[1:]]
    except ValueError:
        raise BadRequestError(f"expected 'class x y w h' numbers, got {line.strip()!r}") from None
    if not 0 <= class_id < len(classes):
        return [], f"unknown class id {class_id} ({len(classes)} classes)"
    label = classes[class_id]
    if len(numbers) in (4, 5):
        cx, cy, w, h = numbers[:4]
        box = defs.Box.unchecked(
            left=(cx - w / 2) * width,
            top=(cy - h / 2) * height,
            right=(cx + w / 2) * width,
            bottom=(cy + h / 2) * height,
            label=label,
        )
        model = {"name": "yolo", "confidence": numbers[4]} if len(numbers) == 5 else None
        annotation = Annotation.new(
            annotation_definition=box, automated=model is not None, model_info=model
        )
    elif len(numbers) >= 6 and len(numbers) % 2 == 0:
        points = [[x * width, y * height] for x, y in zip(numbers[::2], numbers[1::2])]
        annotation = Annotation.new(
            annotation_definition=defs.Polygon.unchecked(points, label), automated=False
        )
    else:
        raise BadRequestError(
            f"expected 4 box numbers (and a confidence) or polygon pairs, got {len(numbers)}"
        )
    if not annotation.automated:
        annotation.source = "sdk"
    return [annotation], None


class YoloReader(Reader):
    format = "yolo"
    must_be_dir = True
    OPTIONS = {"classes": None, "images": None, "labels": None, "out_of_bounds": "keep"}

    def __init__(self, path: str | Path, **options: Any) -> None:
        super().__init__(path, **options)
        self.classes = read_classes(self.path, self.options["classes"])
        self.labels = list(self.classes)
        default = self.path / "images" if (self.path / "images").is_dir() else self.path
        self.images_root = Path(self.options["images"] or default).expanduser()
        labels = self.options["labels"] or (self.path / "labels" if default != self.path else None)
        self.labels_root = Path(labels).expanduser() if labels else None

    def label_file(self, image: Path) -> Path:
        """``labels/<same path>.txt``, or the ``.txt`` beside the image."""
        if self.labels_root is None:
            return image.with_suffix(".txt")
        return self.labels_root / image.relative_to(self.images_root).with_suffix(".txt")

    def phases(self, report: ImportReport) -> list[Phase]:
        return [("images", lambda: self._records(report), None)]

    def _records(self, report: ImportReport) -> Iterator[ItemRecord]:
        used: set[Path] = set()
        for image in files_under(self.images_root, IMAGE_SUFFIXES):
            relative = image.relative_to(self.images_root).as_posix()
            record = ItemRecord(self.remote(relative), relative, path=image)
            labels = self.label_file(image)
            if labels.is_file():
                used.add(labels)
                self._read_labels(record, labels, report)
            yield record
        label_root = self.labels_root or self.images_root
        if label_root.is_dir():
            for orphan in files_under(label_root, (".txt",)):
                if orphan not in used and orphan.name not in CLASS_FILES:
                    report.skip(
                        "item", "label file without an image", str(orphan.relative_to(label_root))
                    )

    def _read_labels(self, record: ItemRecord, labels: Path, report: ImportReport) -> None:
        with open(record.path, "rb") as stream:
            info = probe(stream, record.filename)
        if info.width is None:
            raise BadRequestError(f"{record.path}: not an image whose size can be read")
        record.width, record.height = info.width, info.height
        skip_outside = self.options["out_of_bounds"] == "skip"
        for number, line in enumerate(labels.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{labels.name}:{number}"
            try:
                annotations, problem = parse_line(line, self.classes, info.width, info.height)
            except BadRequestError as exc:
                raise BadRequestError(f"{labels}: line {number}: {exc.message}") from None
            if problem:
                report.skip("annotation", problem, where)
                continue
            bounds = annotations[0].annotation_definition.bounds
            if bounds[0] < 0 or bounds[1] < 0 or bounds[2] > info.width or bounds[3] > info.height:
                if skip_outside:
                    report.skip("annotation", "coordinates outside the image", where)
                    continue
                report.warn("annotation", "coordinates outside the image (kept)", where)
            record.annotations += annotations


def to_yolo(annotation: Annotation, class_id: int, width: int, height: int) -> str | None:
    """The YOLO line of a box or polygon, or None for other types."""
    definition = annotation.annotation_definition
    if definition.type == "box":
        left, top, right, bottom = definition.bounds
        values = [
            (left + right) / 2 / width,
            (top + bottom) / 2 / height,
            (right - left) / width,
            (bottom - top) / height,
        ]
        if annotation.automated and annotation.score is not None:
            values.append(annotation.score)
    elif definition.type == "segment":
        values = [v for x, y in definition.geo.tolist() for v in (x / width, y / height)]
    else:
        return None
    return " ".join([str(class_id), *(f"{v:.6g}" for v in values)])


class YoloWriter(Exporter):
    format = "yolo"
    OPTIONS = {"with_images": False}

    def __init__(self, path: str | Path, report: Any, labels: LabelSet, **options: Any) -> None:
        super().__init__(path, report, labels, **options)
        self.path.mkdir(parents=True, exist_ok=True)

    def add(self, item: Item, annotations: Sequence[Annotation]) -> None:
        relative = item.filename.lstrip("/")
        if not item.width or not item.height:
            self.report.skip("item", "no image size for relative coordinates", item.filename)
            return
        lines = []
        for annotation in annotations:
            if annotation.type == "box" and annotation.annotation_definition.angle:
                self.report.warn("annotation", "rotated box written as its bounds", item.filename)
            line = to_yolo(annotation, self.labels.index(annotation.label), item.width, item.height)
            if line is None:
                self.report.skip(
                    "annotation", f"YOLO has no {annotation.type!r} annotations", item.filename
                )
            else:
                lines.append(line)
        target = self.path / "labels" / Path(relative).with_suffix(".txt")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(line + "\n" for line in lines))
        self.written(target)
        self.report.add("items")
        self.report.add("annotations", len(lines))
        if self.options["with_images"]:
            image = self.path / "images" / relative
            image.parent.mkdir(parents=True, exist_ok=True)
            with item.open() as source, open(image, "wb") as out:
                shutil.copyfileobj(source, out)
            self.written(image)

    def close(self) -> None:
        classes = self.path / "classes.txt"
        classes.write_text("".join(name + "\n" for name in self.labels.labels))
        data = self.path / "data.yaml"
        names = ", ".join(f'"{name}"' for name in self.labels.labels)
        count = len(self.labels.labels)
        data.write_text(f"path: .\ntrain: images\nval: images\nnc: {count}\nnames: [{names}]\n")
        self.written(classes)
        self.written(data)
