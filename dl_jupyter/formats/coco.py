"""COCO (object detection) JSON in and out: boxes, polygons, RLE masks, keypoints, categories.

Import (``dataset.import_from('instances.json', format='coco', images='folder/')``):

- categories become recipe labels; a supercategory other than the name makes a parent
  (``supercategory 'vehicle', name 'car'`` -> label ``vehicle.car``); the COCO id is kept in
  the label's ``display_data['coco']['id']``, so an export gives the same ids back;
- images become items at their ``file_name`` (under ``remote_path``), copied from the
  ``images`` folder (default: the JSON file's folder) or linked with ``link=True``; their
  COCO id goes to ``metadata.system.coco.image_id`` and their other fields (license,
  date_captured, urls...) to ``metadata.user``;
- an annotation becomes a Box (``bbox``), or Polygons (one per ring of a polygon
  ``segmentation``), or a Segmentation mask (RLE, compressed or not, as pycocotools writes
  it); keypoints add a Pose (of a recipe template named after the category, made on
  import) with one child Point per labelled keypoint. Each keeps
  ``metadata.system.coco = {'id', 'iscrowd'}`` (plus the original ``bbox`` and ``area``
  for polygons and masks), which groups them back into one COCO annotation on export;
- missing images, unknown categories or images, and annotations without geometry are
  skipped and reported; geometry outside its image is reported and kept, or skipped with
  ``out_of_bounds='skip'``; ``only_bbox=True`` imports boxes only.

The file is streamed (see ``jsonstream``): a million annotations never sit in memory at once.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dl_jupyter.entities import annotation_definitions as defs
from dl_jupyter.entities.annotation import Annotation
from dl_jupyter.entities.item import Item
from dl_jupyter.entities.labels import Label
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats import rle
from dl_jupyter.formats.exporting import Exporter, LabelSet
from dl_jupyter.formats.importing import Phase, Reader, add_labels
from dl_jupyter.formats.jsonstream import JsonReader
from dl_jupyter.formats.media import MediaResolver
from dl_jupyter.formats.records import AnnotationRecord, ItemRecord
from dl_jupyter.formats.report import ImportReport
from dl_jupyter.store.timeutil import new_id

IMAGE_FIELDS = ("id", "file_name", "width", "height")
SECTIONS = frozenset({"images", "annotations", "categories"})


@dataclass
class Category:
    id: Any
    label: str
    keypoints: list[str]
    skeleton: list


@dataclass
class Image:
    id: Any
    file_name: str
    width: int
    height: int
    extra: dict
    where: str


def label_of(category: dict) -> str:
    """The recipe label of a COCO category: ``supercategory.name`` unless they are the same."""
    name = str(category["name"])
    parent = category.get("supercategory")
    if parent in (None, "", "none", name):
        return name
    return f"{parent}.{name}"


def _numbers(values: object, count: int | None = None) -> bool:
    """Whether ``values`` is a list of finite numbers (of length ``count`` when given)."""
    if not isinstance(values, list) or (count is not None and len(values) != count):
        return False
    try:
        return math.isfinite(math.fsum(values))  # fsum refuses non-numbers; inf and nan show
    except (TypeError, OverflowError):
        return False


def _check_annotation(value: object) -> str | None:
    """Why this annotation element is malformed, or None."""
    if not isinstance(value, dict):
        return "an annotation must be an object"
    for key in ("image_id", "category_id"):
        if not isinstance(value.get(key), (int, str)) or isinstance(value.get(key), bool):
            return f"annotation needs {key!r} (a number or a string), got {value.get(key)!r}"
    bbox = value.get("bbox")
    if bbox is not None and not _numbers(bbox, 4):
        return f"bbox must be 4 numbers [x, y, width, height], got {bbox!r}"
    if bbox is not None and (bbox[2] < 0 or bbox[3] < 0):
        return f"bbox width and height must not be negative, got {bbox!r}"
    segmentation = value.get("segmentation")
    if isinstance(segmentation, list):
        for ring in segmentation:
            if not _numbers(ring) or len(ring) % 2 or len(ring) < 6:
                return "a segmentation polygon must be a list of at least 3 [x, y] pairs of numbers"
    elif isinstance(segmentation, dict):
        if not isinstance(segmentation.get("size"), list) or "counts" not in segmentation:
            return "an RLE segmentation needs 'size' and 'counts'"
    elif segmentation is not None:
        kind = type(segmentation).__name__
        return f"segmentation must be a list of polygons or an RLE object, got {kind}"
    keypoints = value.get("keypoints")
    if keypoints is not None and (not _numbers(keypoints) or len(keypoints) % 3):
        return "keypoints must be a list of x, y, visibility triples"
    return None


class CocoReader(Reader):
    format = "coco"
    OPTIONS = {"images": None, "only_bbox": False, "out_of_bounds": "keep"}

    def __init__(self, path: str | Path, **options: Any) -> None:
        super().__init__(path, **options)
        if self.path.is_dir():
            raise BadRequestError(f"The coco format reads one JSON file, got the folder {path}")
        if self.options["out_of_bounds"] not in ("keep", "skip"):
            raise BadRequestError(
                f"out_of_bounds must be 'keep' or 'skip', got {self.options['out_of_bounds']!r}"
            )
        self.media = MediaResolver(
            self.options["images"], self.path.parent, self.path.parent / "images"
        )
        self.images: dict[Any, Image] = {}
        self.categories: dict[Any, Category] = {}
        self.annotation_count = 0
        self.templates: dict[Any, str] = {}

    # -- the checking pass -----------------------------------------------------------------
    def check(self) -> None:
        with JsonReader(self.path) as reader:
            for key, index, value, at in reader.members(stream=SECTIONS):
                if key == "annotations" and index is not None:
                    problem = _check_annotation(value)
                    if problem:
                        raise reader.error(f"annotations[{index}]: {problem}", at)
                    self.annotation_count += 1
                elif key == "images" and index is not None:
                    self._add_image(reader, index, value, at)
                elif key == "categories" and index is not None:
                    self._add_category(reader, index, value, at)
                elif key in SECTIONS:
                    raise reader.error(f"{key!r} must be an array", at)
        self.labels = [c.label for c in self.categories.values()]
        self.labels += [p for c in self.categories.values() for p in c.keypoints]

    def _add_image(self, reader: JsonReader, index: int, value: object, at: int) -> None:
        if (
            not isinstance(value, dict)
            or "id" not in value
            or not isinstance(value.get("file_name"), str)
        ):
            raise reader.error(f"images[{index}]: an image needs an 'id' and a 'file_name'", at)
        width, height = value.get("width"), value.get("height")
        if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
            raise reader.error(f"images[{index}]: width and height must be positive integers", at)
        if value["id"] in self.images:
            raise reader.error(f"images[{index}]: image id {value['id']!r} appears twice", at)
        extra = {k: v for k, v in value.items() if k not in IMAGE_FIELDS}
        self.images[value["id"]] = Image(
            value["id"], value["file_name"], width, height, extra, f"images[{index}]"
        )

    def _add_category(self, reader: JsonReader, index: int, value: object, at: int) -> None:
        if (
            not isinstance(value, dict)
            or "id" not in value
            or not isinstance(value.get("name"), str)
        ):
            raise reader.error(f"categories[{index}]: a category needs an 'id' and a 'name'", at)
        keypoints = value.get("keypoints") or []
        if not isinstance(keypoints, list) or not all(isinstance(k, str) for k in keypoints):
            raise reader.error(f"categories[{index}]: keypoints must be a list of names", at)
        self.categories[value["id"]] = Category(
            value["id"], label_of(value), keypoints, value.get("skeleton") or []
        )

    # -- preparing the recipe ----------------------------------------------------------------
    def prepare(self, dataset: Any, report: ImportReport) -> None:
        labels = [
            Label(tag=c.label, display_data={"coco": {"id": c.id}})
            for c in self.categories.values()
        ]
        add_labels(dataset, [*labels, *self.labels], report)
        posed = [c for c in self.categories.values() if c.keypoints]
        if not posed:
            return
        recipe = dataset.get_recipe()
        templates = recipe.metadata.setdefault("system", {}).setdefault("templates", [])
        for category in posed:
            template_id = recipe.get_annotation_template_id(category.label)
            if template_id is None:
                template_id = new_id()
                templates.append(
                    {
                        "id": template_id,
                        "name": category.label,
                        "points": list(category.keypoints),
                        "skeleton": category.skeleton,
                    }
                )
            self.templates[category.id] = template_id
        recipe.update()

    # -- the writing pass --------------------------------------------------------------------
    def phases(self, report: ImportReport) -> list[Phase]:
        found = {}
        for image in self.images.values():
            media = self.media.locate(image.file_name)
            if media is None or media.path is None:
                report.skip(
                    "item",
                    f"image file {image.file_name!r} not found under {self.media.describe()}",
                    image.where,
                )
            else:
                found[image.id] = (image, media.path, self.remote(image.file_name))
        self._found = found
        return [
            ("images", lambda: self._items(found), len(found)),
            ("annotations", lambda: self._annotations(report), self.annotation_count),
        ]

    def _items(self, found: dict) -> Iterator[ItemRecord]:
        for image, path, filename in found.values():
            yield ItemRecord(
                filename,
                image.where,
                path=path,
                width=image.width,
                height=image.height,
                metadata={"system": {"coco": {"image_id": image.id}}, "user": image.extra},
            )

    def _annotations(self, report: ImportReport) -> Iterator[AnnotationRecord]:
        only_bbox = self.options["only_bbox"]
        skip_outside = self.options["out_of_bounds"] == "skip"
        with JsonReader(self.path) as reader:
            for key, index, value, _ in reader.members(stream=SECTIONS):
                if key != "annotations" or index is None:
                    continue
                where = f"annotations[{index}]"
                category = self.categories.get(value["category_id"])
                found = self._found.get(value["image_id"])
                if category is None:
                    report.skip(
                        "annotation", f"unknown category_id {value['category_id']!r}", where
                    )
                    continue
                if found is None:
                    reason = (
                        "its image was not found"
                        if value["image_id"] in self.images
                        else f"unknown image_id {value['image_id']!r}"
                    )
                    report.skip("annotation", reason, where)
                    continue
                image = found[0]
                annotations = from_coco(
                    value,
                    category.label,
                    image.height,
                    image.width,
                    only_bbox,
                    category.keypoints,
                    self.templates.get(category.id),
                )
                if not annotations:
                    report.skip("annotation", "no bbox, segmentation or keypoints", where)
                    continue
                if _outside(annotations, image):
                    if skip_outside:
                        report.skip("annotation", "coordinates outside the image", where)
                        continue
                    report.warn("annotation", "coordinates outside the image (kept)", where)
                yield AnnotationRecord(found[2], where, annotations)


def _outside(annotations: Sequence[Annotation], image: Image) -> bool:
    for annotation in annotations:
        bounds = annotation.annotation_definition.bounds
        if bounds and (
            bounds[0] < 0 or bounds[1] < 0 or bounds[2] > image.width or bounds[3] > image.height
        ):
            return True
    return False


def from_coco(
    value: dict,
    label: str,
    height: int | None = None,
    width: int | None = None,
    only_bbox: bool = False,
    keypoint_names: Sequence[str] = (),
    template_id: str | None = None,
) -> list[Annotation]:
    """The annotations of one COCO annotation (already checked), labelled ``label``."""
    coco = {"id": value.get("id"), "iscrowd": value.get("iscrowd", 0)}
    segmentation = None if only_bbox else value.get("segmentation")
    definitions: list = []
    if isinstance(segmentation, list) and segmentation:
        definitions = [
            defs.Polygon.unchecked(list(zip(ring[::2], ring[1::2])), label) for ring in segmentation
        ]
    elif isinstance(segmentation, dict):
        mask = rle.coco_decode(segmentation)
        definitions = [defs.Segmentation.unchecked(mask, label)]
    if definitions:
        coco.update({k: value[k] for k in ("bbox", "area") if k in value})
    elif value.get("bbox") is not None:
        x, y, w, h = value["bbox"]
        definitions = [defs.Box.unchecked(left=x, top=y, right=x + w, bottom=y + h, label=label)]
    annotations = [_annotation(d, coco) for d in definitions]
    keypoints = None if only_bbox else value.get("keypoints")
    if keypoints and template_id is not None:
        annotations += _pose(keypoints, label, keypoint_names, template_id, coco)
    return annotations


def _annotation(definition: Any, coco: dict, parent_id: str | None = None) -> Annotation:
    return Annotation(
        annotation_definition=definition,
        metadata={"system": {"coco": coco}},
        parent_id=parent_id,
        source="sdk",
    )


def _pose(
    keypoints: Sequence[float], label: str, names: Sequence[str], template_id: str, coco: dict
) -> list[Annotation]:
    pose = _annotation(defs.Pose.unchecked(label, template_id), {"id": coco["id"]})
    pose.id = new_id()
    points = []
    for index in range(len(keypoints) // 3):
        x, y, visibility = keypoints[3 * index : 3 * index + 3]
        if visibility == 0:
            continue
        name = names[index] if index < len(names) else str(index)
        points.append(
            _annotation(
                defs.Point.unchecked(x, y, name),
                {"id": coco["id"], "visibility": visibility},
                parent_id=pose.id,
            )
        )
    return [pose, *points]


# -- export -------------------------------------------------------------------------------


class _Ids:
    """Keeps stored ids where they are free, and numbers the rest after the largest in use."""

    def __init__(self) -> None:
        self.used: set = set()
        self.next = 1

    def take(self, wanted: Any = None) -> Any:
        if wanted is not None and wanted not in self.used and isinstance(wanted, (int, str)):
            chosen = wanted
        else:
            while self.next in self.used:
                self.next += 1
            chosen = self.next
        self.used.add(chosen)
        if isinstance(chosen, int) and chosen >= self.next:
            self.next = chosen + 1
        return chosen


def coco_categories(labels: LabelSet, display: dict[str, dict]) -> dict[str, Any]:
    """Category id of each label: the stored COCO id where it is unique, else the next free one."""
    ids = _Ids()
    result = {}
    for path in labels.labels:
        stored = display.get(path, {}).get("coco", {}).get("id")
        if stored is not None and stored not in ids.used:
            result[path] = ids.take(stored)
    for path in labels.labels:
        if path not in result:
            result[path] = ids.take()
    return result


def to_coco(
    annotations: Sequence[Annotation],
    category_id: Any,
    image_id: Any,
    annotation_id: Any,
    templates: dict[str, dict] | None = None,
) -> dict:
    """One COCO annotation from annotations that belong together (same stored COCO id)."""
    segmentation: Any = []
    keypoints: list = []
    shapes, points, stored = [], [], {}
    for annotation in annotations:
        definition = annotation.annotation_definition
        coco = annotation.metadata.get("system", {}).get("coco") or {}
        stored.update({k: v for k, v in coco.items() if k in ("iscrowd", "bbox", "area")})
        if definition.type == "segment":
            segmentation.append([float(c) for xy in definition.geo for c in xy])
        elif definition.type == "binary":
            segmentation = rle.coco_encode(definition.geo)
        elif definition.type == "pose":
            keypoints = _keypoints(annotations, (templates or {}).get(definition.template_id))
        (points if definition.type == "point" else shapes).append(definition.bounds)
    bounds = [b for b in shapes if b] or [b for b in points if b]
    if "bbox" in stored:
        bbox = stored["bbox"]
    elif bounds:
        left, top = min(b[0] for b in bounds), min(b[1] for b in bounds)
        bbox = [left, top, max(b[2] for b in bounds) - left, max(b[3] for b in bounds) - top]
    else:
        bbox = [0, 0, 0, 0]
    result = {
        "id": annotation_id,
        "image_id": image_id,
        "category_id": category_id,
        "bbox": [float(v) for v in bbox],
        "area": stored.get("area", _area(annotations, bbox)),
        "iscrowd": stored.get("iscrowd", 0),
        "segmentation": segmentation,
    }
    if keypoints:
        result["keypoints"] = keypoints
        result["num_keypoints"] = sum(1 for v in keypoints[2::3] if v > 0)
    return result


def _area(annotations: Sequence[Annotation], bbox: Sequence[float]) -> float:
    shaped = [a.annotation_definition for a in annotations if a.type in ("segment", "binary")]
    if shaped:
        return float(sum(d.area for d in shaped))
    return float(bbox[2] * bbox[3])


def _keypoints(annotations: Sequence[Annotation], template: dict | None) -> list:
    children = [a for a in annotations if a.type == "point"]
    names = list(template["points"]) if template else [c.label for c in children]
    by_name = {c.label: c for c in children}
    values: list = []
    for name in names:
        point = by_name.get(name)
        if point is None:
            values += [0, 0, 0]
        else:
            visibility = point.metadata.get("system", {}).get("coco", {}).get("visibility", 2)
            values += [
                float(point.annotation_definition.x),
                float(point.annotation_definition.y),
                visibility,
            ]
    return values


def group_annotations(annotations: Sequence[Annotation]) -> list[list[Annotation]]:
    """Annotations of one item grouped into COCO annotations: by stored COCO id, a pose with
    its points, and every other annotation on its own. Classes and texts have no COCO form."""
    groups: dict[Any, list[Annotation]] = {}
    by_id = {a.id: a for a in annotations}
    for annotation in annotations:
        if annotation.type not in ("box", "segment", "binary", "pose", "point"):
            continue
        coco_id = annotation.metadata.get("system", {}).get("coco", {}).get("id")
        parent = by_id.get(annotation.parent_id)
        if coco_id is not None:
            key: Any = ("coco", coco_id)
        elif annotation.type == "point" and parent is not None and parent.type == "pose":
            key = ("pose", parent.id)
        elif annotation.type == "pose":
            key = ("pose", annotation.id)
        else:
            key = ("own", id(annotation))
        groups.setdefault(key, []).append(annotation)
    return [g for g in groups.values() if any(a.type != "point" for a in g)]


class CocoWriter(Exporter):
    """Streams images into the output file and annotations into a temporary one, then joins them."""

    format = "coco"
    OPTIONS = {"with_images": False}

    def __init__(self, path: str | Path, report: Any, labels: LabelSet, **options: Any) -> None:
        super().__init__(path, report, labels, **options)
        if self.path.suffix.lower() != ".json":
            self.path = self.path / "coco.json"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.categories = coco_categories(labels, labels.display)
        self.used: set[str] = set()
        self.image_ids, self.annotation_ids = _Ids(), _Ids()
        self._out = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self._out.write(
            '{"info": {"description": "exported by dl_jupyter"}, "licenses": [], "images": ['
        )
        # annotations wait in a temporary file until every image is written
        self._annotations = tempfile.TemporaryFile(  # noqa: SIM115 (closed in close())
            "w+", encoding="utf-8", dir=self.path.parent
        )
        self._first_image = self._first_annotation = True

    def add(self, item: Item, annotations: Sequence[Annotation]) -> None:
        stored = item.metadata.get("system", {}).get("coco", {}).get("image_id")
        image_id = self.image_ids.take(stored)
        image = {
            k: v for k, v in (item.metadata.get("user") or {}).items() if k not in IMAGE_FIELDS
        }
        image.update(
            id=image_id, file_name=item.filename.lstrip("/"), width=item.width, height=item.height
        )
        self._out.write(("" if self._first_image else ", ") + json.dumps(image))
        self._first_image = False
        self.report.add("items")
        if self.options["with_images"]:
            self._copy_binary(item)
        for group in group_annotations(annotations):
            main = next(a for a in group if a.type != "point")
            category = self._category(main.label)
            coco_id = main.metadata.get("system", {}).get("coco", {}).get("id")
            record = to_coco(
                group, category, image_id, self.annotation_ids.take(coco_id), self.labels.templates
            )
            self._annotations.write(("" if self._first_annotation else ", ") + json.dumps(record))
            self._first_annotation = False
            self.report.add("annotations")
        skipped = [
            a for a in annotations if a.type not in ("box", "segment", "binary", "pose", "point")
        ]
        for annotation in skipped:
            self.report.skip(
                "annotation", f"COCO has no {annotation.type!r} annotations", item.filename
            )

    def _category(self, label: str | None) -> Any:
        label = label or ""
        if label not in self.categories:
            self.labels.index(label)
            self.categories[label] = (
                max((v for v in self.categories.values() if isinstance(v, int)), default=0) + 1
            )
        self.used.add(label)
        return self.categories[label]

    def _copy_binary(self, item: Item) -> None:
        target = self.path.parent / "images" / item.filename.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        with item.open() as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out)
        self.written(target)

    def close(self) -> None:
        self._out.write('], "annotations": [')
        self._annotations.seek(0)
        shutil.copyfileobj(self._annotations, self._out)
        self._annotations.close()
        # parents are supercategories and template points are keypoint names, not categories,
        # unless an annotation uses them
        unused = {path.rsplit(".", 1)[0] for path in self.labels.labels if "." in path}
        unused |= {p for t in self.labels.templates.values() for p in t.get("points", [])}
        categories = []
        for path, category_id in self.categories.items():
            if path in unused and path not in self.used:
                continue
            parent, _, name = path.rpartition(".")
            category = {"id": category_id, "name": name, "supercategory": parent or name}
            template = next(
                (t for t in self.labels.templates.values() if t.get("name") == path), None
            )
            if template is not None:
                category.update(
                    keypoints=list(template["points"]), skeleton=template.get("skeleton", [])
                )
            categories.append(category)
        self._out.write('], "categories": ' + json.dumps(categories) + "}")
        self._out.close()
        self.written(self.path)
