"""``dl.Converter``: the Dataloop SDK's converter between Dataloop, COCO, YOLO and VOC.

    converter = dl.Converter()
    converter.convert_dataset(dataset=dataset, to_format="coco", local_path="out/")
    converter.upload_local_dataset(from_format=dl.AnnotationFormat.COCO, dataset=dataset,
                                   local_items_path="images/", local_annotations_path="coco.json")
    converter.convert_directory(local_path="voc/", from_format="voc", to_format="yolo")
    coco = converter.convert(item.annotations.list(), from_format="dataloop", to_format="coco",
                             item=item)

Datasets go through ``dataset.export_to`` / ``dataset.import_from`` (streamed, checked,
reported); ``convert`` and the ``to_*`` / ``from_*`` functions convert annotations in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from dl_jupyter.entities.annotation import Annotation, AnnotationCollection
from dl_jupyter.enums import AnnotationFormat
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats import coco, registry, voc, yolo
from dl_jupyter.formats.exporting import LabelSet, dataset_pages, pairs
from dl_jupyter.formats.records import AnnotationRecord, ItemRecord, as_annotation
from dl_jupyter.formats.report import ExportReport, ImportReport
from dl_jupyter.store.media import probe

FORMATS = {f.value for f in AnnotationFormat}


def _format(value: Any, what: str) -> str:
    name = str(getattr(value, "value", value)).lower()
    if name not in FORMATS:
        raise BadRequestError(
            f"{what} must be one of {sorted(FORMATS)} (dl.AnnotationFormat), got {value!r}"
        )
    return name


def _labels_of(item: Any) -> list[str]:
    dataset = getattr(item, "dataset", None) if getattr(item, "_client", None) is not None else None
    return list(dataset.labels_flat_dict) if dataset is not None else []


def _coco_ids(item: Any) -> dict[str, Any]:
    """Label -> COCO category id of the item's dataset (stored ids, else recipe order)."""
    if getattr(item, "_client", None) is None:
        return {}
    labels = LabelSet.of_dataset(item.dataset)
    return coco.coco_categories(labels, labels.display)


class Converter:
    """Converts annotations between Dataloop JSON, COCO, YOLO and VOC."""

    def __init__(self, concurrency: int = 6, return_error_filepath: bool = False) -> None:
        self.concurrency = concurrency
        self.return_error_filepath = return_error_filepath

    # -- datasets ---------------------------------------------------------------------------
    def convert_dataset(
        self,
        dataset: Any,
        to_format: Any,
        local_path: str,
        conversion_func: Callable | None = None,
        filters: Any = None,
        annotation_filter: Any = None,
        annotation_filters: Any = None,
    ) -> ExportReport:
        """Write the dataset's annotations (items matching ``filters``) in ``to_format`` under
        ``local_path``; ``conversion_func(annotation, item)`` writes its own format instead,
        one JSON file per item."""
        annotation_filters = (
            annotation_filters if annotation_filters is not None else annotation_filter
        )
        if conversion_func is not None:
            return self._custom(dataset, local_path, conversion_func, filters, annotation_filters)
        return dataset.export_to(
            local_path,
            format=_format(to_format, "to_format"),
            filters=filters,
            annotation_filters=annotation_filters,
        )

    def _custom(
        self,
        dataset: Any,
        local_path: str,
        conversion_func: Callable,
        filters: Any,
        annotation_filters: Any,
    ) -> ExportReport:
        report = ExportReport("custom", str(local_path))
        root = Path(local_path).expanduser()
        for item, found in pairs(dataset_pages(dataset, filters, annotation_filters)):
            target = root / (item.filename.lstrip("/") + ".json")
            target.parent.mkdir(parents=True, exist_ok=True)
            converted = [conversion_func(annotation, item=item) for annotation in found]
            target.write_text(json.dumps(converted, default=str))
            report.files.append(str(target))
            report.add("items")
            report.add("annotations", len(converted))
        return report

    def upload_local_dataset(
        self,
        from_format: Any,
        dataset: Any,
        local_items_path: str | None = None,
        local_labels_path: str | None = None,
        local_annotations_path: str | None = None,
        only_bbox: bool = False,
        filters: Any = None,
        remote_items: Any = None,
    ) -> ImportReport:
        """Import items and their annotations in ``from_format`` (the SDK's call): COCO reads
        ``local_annotations_path`` (the JSON), YOLO the ``local_annotations_path`` labels folder
        with ``local_labels_path`` naming the classes, VOC and Dataloop their folders."""
        name = _format(from_format, "from_format")
        if name == "yolo":
            root = local_annotations_path or local_items_path
            return dataset.import_from(
                root,
                format="yolo",
                images=local_items_path,
                labels=local_annotations_path,
                classes=local_labels_path,
            )
        if local_annotations_path is None:
            raise BadRequestError(f"Importing {name} needs local_annotations_path")
        options: dict[str, Any] = {"images": local_items_path}
        if name == "coco":
            options["only_bbox"] = only_bbox
        return dataset.import_from(local_annotations_path, format=name, **options)

    upload = upload_local_dataset

    def convert_directory(
        self,
        local_path: str,
        to_format: Any,
        from_format: Any,
        dataset: Any = None,
        conversion_func: Callable | None = None,
        save_to: str | None = None,
    ) -> ExportReport:
        """Convert a folder (or file) in ``from_format`` to ``to_format`` without a store;
        written to ``save_to`` (default: ``<local_path>-<to_format>``). Class numbers follow
        ``dataset``'s recipe when given. COCO keypoints need the store's pose templates and
        are left out here."""
        source, target = _format(from_format, "from_format"), _format(to_format, "to_format")
        reader = registry.READERS[source](local_path)
        reader.check()
        scratch = ImportReport(source, str(local_path))
        records: dict[str, ItemRecord] = {}
        for _, stream, _ in reader.phases(scratch):
            for record in stream():
                if isinstance(record, AnnotationRecord):
                    if record.filename in records:
                        records[record.filename].annotations += [
                            as_annotation(a) for a in record.annotations
                        ]
                else:
                    records[record.filename] = record
        destination = Path(save_to or f"{str(local_path).rstrip('/')}-{target}").expanduser()
        report = ExportReport(target, str(destination))
        labels = LabelSet(
            list(dataset.labels_flat_dict) if dataset is not None else list(reader.labels)
        )
        exporter = registry.WRITERS[target](destination, report, labels)
        for record in records.values():
            if record.width is None and record.path is not None:
                with open(record.path, "rb") as stream:
                    info = probe(stream, record.filename)
                record.width, record.height = info.width, info.height
            annotations = [as_annotation(a) for a in record.annotations]
            if conversion_func is not None:
                annotations = [conversion_func(a) for a in annotations]
            exporter.add(record.as_item(), annotations)
        exporter.close()
        return report

    # -- annotations in memory -----------------------------------------------------------------
    def convert(
        self,
        annotations: Any,
        from_format: Any,
        to_format: Any,
        conversion_func: Callable | None = None,
        item: Any = None,
    ) -> list:
        """Convert one item's annotations: Dataloop ones to COCO dicts, YOLO lines or VOC
        objects, or those back to ``dl.Annotation``s (``conversion_func`` replaces the
        conversion)."""
        source, target = _format(from_format, "from_format"), _format(to_format, "to_format")
        entries = list(
            annotations.annotations
            if isinstance(annotations, AnnotationCollection)
            else annotations
        )
        if conversion_func is not None:
            return [conversion_func(entry, item=item) for entry in entries]
        if source == target:
            return entries
        if source != "dataloop":
            entries = [getattr(self, f"from_{source}")(entry, item=item) for entry in entries]
            entries = [
                a for group in entries for a in (group if isinstance(group, list) else [group])
            ]
        if target == "dataloop":
            return entries
        converted = [getattr(self, f"to_{target}")(entry, item=item) for entry in entries]
        return [c for c in converted if c is not None]

    def save_to_file(
        self, save_to: str, to_format: Any, annotations: Sequence[Any], item: Any = None
    ) -> str:
        """Write converted annotations: YOLO lines as text, the others as JSON."""
        path = Path(save_to).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        if _format(to_format, "to_format") == "yolo":
            path.write_text("".join(f"{line}\n" for line in annotations))
        else:
            path.write_text(
                json.dumps(
                    [a.to_json() if isinstance(a, Annotation) else a for a in annotations],
                    indent=2,
                    default=str,
                )
            )
        return str(path)

    def to_coco(self, annotation: Annotation, item: Any = None, **_: Any) -> dict | None:
        """A COCO annotation dict (ids from the item's COCO metadata and its recipe)."""
        if annotation.type not in ("box", "segment", "binary", "pose"):
            return None
        image_id = (
            (getattr(item, "metadata", {}) or {})
            .get("system", {})
            .get("coco", {})
            .get("image_id", getattr(item, "id", None))
        )
        category = _coco_ids(item).get(annotation.label, annotation.label)
        coco_id = annotation.metadata.get("system", {}).get("coco", {}).get("id", annotation.id)
        return coco.to_coco([annotation], category, image_id, coco_id)

    def from_coco(self, annotation: dict, item: Any = None, **_: Any) -> list[Annotation]:
        """The annotations of a COCO annotation dict, labelled by the item's recipe ids."""
        labels = {v: k for k, v in _coco_ids(item).items()}
        label = labels.get(annotation.get("category_id"), str(annotation.get("category_id")))
        return coco.from_coco(
            annotation, label, getattr(item, "height", None), getattr(item, "width", None)
        )

    def to_yolo(self, annotation: Annotation, item: Any = None, **_: Any) -> str | None:
        """``class cx cy w h`` relative to the item's size (class = recipe order)."""
        if item is None or not item.width:
            raise BadRequestError("to_yolo needs an item with a width and height")
        labels = LabelSet(_labels_of(item))
        return yolo.to_yolo(annotation, labels.index(annotation.label), item.width, item.height)

    def from_yolo(self, annotation: str, item: Any = None, **_: Any) -> list[Annotation]:
        """The annotations of one YOLO line (classes in the item's recipe order)."""
        if item is None or not item.width:
            raise BadRequestError("from_yolo needs an item with a width and height")
        found, problem = yolo.parse_line(annotation, _labels_of(item), item.width, item.height)
        if problem:
            raise BadRequestError(problem)
        return found

    def to_voc(self, annotation: Annotation, item: Any = None, **_: Any) -> dict | None:
        """``{'name', 'bndbox': {xmin, ymin, xmax, ymax}}`` of a box."""
        if annotation.type != "box":
            return None
        left, top, right, bottom = annotation.annotation_definition.bounds
        return {
            "name": annotation.label,
            "bndbox": {"xmin": left, "ymin": top, "xmax": right, "ymax": bottom},
        }

    def from_voc(self, annotation: dict, **_: Any) -> Annotation:
        """The Box of a VOC object given as ``{'name', 'bndbox': {...}}``."""
        import xml.etree.ElementTree as ElementTree

        obj = ElementTree.Element("object")
        ElementTree.SubElement(obj, "name").text = str(annotation.get("name", ""))
        box = ElementTree.SubElement(obj, "bndbox")
        for key, value in (annotation.get("bndbox") or {}).items():
            ElementTree.SubElement(box, key).text = str(value)
        return voc.from_voc(obj, "VOC object")

    def custom_format(
        self,
        annotation: Any,
        conversion_func: Callable,
        i_annotation: int | None = None,
        annotations: Iterable | None = None,
        from_format: Any = None,
        item: Any = None,
        **_: Any,
    ) -> Any:
        """Apply a custom conversion to one annotation."""
        return conversion_func(annotation, item=item)
