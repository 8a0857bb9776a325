"""Pascal VOC XML in and out: one XML file per image, a box per ``object``.

Import reads every ``.xml`` under the folder (or its ``Annotations`` folder); the image is
the XML's ``filename`` (with its ``folder``), looked up under the ``images`` option, the
folder's ``JPEGImages`` and the folder itself. ``object/name`` is the label, ``bndbox`` the
box in pixels as written (no 1-based shift), and ``pose``, ``truncated`` and ``difficult``
go to ``metadata.system.voc``. XML with a DOCTYPE or entities is refused.

Export writes ``Annotations/<path>.xml`` per item with its boxes (rotated boxes as their
bounds, other shapes reported as skipped), and ``JPEGImages/<path>`` with ``with_images=True``.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from dl_jupyter.entities import annotation_definitions as defs
from dl_jupyter.entities.annotation import Annotation
from dl_jupyter.entities.item import Item
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats.exporting import Exporter, LabelSet
from dl_jupyter.formats.importing import Phase, Reader, files_under
from dl_jupyter.formats.media import MediaResolver
from dl_jupyter.formats.records import ItemRecord
from dl_jupyter.formats.report import ImportReport

FLAGS = ("pose", "truncated", "difficult")


def parse_xml(path: Path) -> ElementTree.Element:
    """The root of an XML file, refusing DOCTYPEs and entities (no entity expansion attacks)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise BadRequestError(f"{path}: XML with a DOCTYPE or entities is not accepted")
    try:
        return ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise BadRequestError(
            f"{path}: line {exc.position[0]}, column {exc.position[1] + 1}: not well-formed XML"
        ) from None


def _number(element: ElementTree.Element, tag: str, where: str) -> float:
    text = element.findtext(tag)
    try:
        return float(text)
    except (TypeError, ValueError):
        raise BadRequestError(f"{where}: <{tag}> must be a number, got {text!r}") from None


def from_voc(obj: ElementTree.Element, where: str) -> Annotation:
    """The Box of one ``object`` element."""
    name = obj.findtext("name")
    box = obj.find("bndbox")
    if not name or box is None:
        raise BadRequestError(f"{where}: an <object> needs <name> and <bndbox>")
    left, top, right, bottom = (_number(box, t, where) for t in ("xmin", "ymin", "xmax", "ymax"))
    if right < left or bottom < top:
        raise BadRequestError(f"{where}: xmax/ymax are below xmin/ymin")
    flags = {f: obj.findtext(f) for f in FLAGS if obj.findtext(f) is not None}
    annotation = Annotation.new(
        annotation_definition=defs.Box.unchecked(
            left=left, top=top, right=right, bottom=bottom, label=name
        ),
        automated=False,
        metadata={"system": {"voc": flags}} if flags else None,
    )
    annotation.source = "sdk"
    return annotation


class VocReader(Reader):
    format = "voc"
    must_be_dir = True
    OPTIONS = {"images": None, "out_of_bounds": "keep"}

    def __init__(self, path: str | Path, **options: Any) -> None:
        super().__init__(path, **options)
        self.xml_root = (
            self.path / "Annotations" if (self.path / "Annotations").is_dir() else self.path
        )
        self.media = MediaResolver(self.options["images"], self.path / "JPEGImages", self.path)

    def phases(self, report: ImportReport) -> list[Phase]:
        return [("files", lambda: self._records(report), None)]

    def _records(self, report: ImportReport) -> Iterator[ItemRecord]:
        for xml_file in files_under(self.xml_root, (".xml",)):
            where = str(xml_file.relative_to(self.path))
            root = parse_xml(xml_file)
            filename = root.findtext("filename")
            if not filename:
                raise BadRequestError(f"{xml_file}: no <filename>")
            folder = root.findtext("folder") or ""
            media = self.media.locate(
                f"{folder}/{filename}" if folder else filename
            ) or self.media.locate(filename)
            if media is None or media.path is None:
                report.skip(
                    "item", f"image {filename!r} not found under {self.media.describe()}", where
                )
                continue
            size = root.find("size")
            width = int(_number(size, "width", where)) if size is not None else None
            height = int(_number(size, "height", where)) if size is not None else None
            record = ItemRecord(
                self.remote(media.name),
                where,
                path=media.path,
                width=width or None,
                height=height or None,
            )
            for index, obj in enumerate(root.iter("object")):
                annotation = from_voc(obj, f"{xml_file}: object {index + 1}")
                left, top, right, bottom = annotation.annotation_definition.bounds
                if width and height and (left < 0 or top < 0 or right > width or bottom > height):
                    if self.options["out_of_bounds"] == "skip":
                        report.skip(
                            "annotation",
                            "coordinates outside the image",
                            f"{where} object {index + 1}",
                        )
                        continue
                    report.warn(
                        "annotation",
                        "coordinates outside the image (kept)",
                        f"{where} object {index + 1}",
                    )
                record.annotations.append(annotation)
            yield record


def to_voc(
    item: Item, annotations: Sequence[Annotation]
) -> tuple[ElementTree.Element, list[Annotation]]:
    """The VOC XML of an item, and the annotations it could not hold."""
    root = ElementTree.Element("annotation")
    ElementTree.SubElement(root, "folder").text = item.dir.strip("/")
    ElementTree.SubElement(root, "filename").text = item.name
    size = ElementTree.SubElement(root, "size")
    for tag, value in (("width", item.width), ("height", item.height), ("depth", 3)):
        ElementTree.SubElement(size, tag).text = str(value or 0)
    left_out = []
    for annotation in annotations:
        if annotation.type != "box":
            left_out.append(annotation)
            continue
        obj = ElementTree.SubElement(root, "object")
        ElementTree.SubElement(obj, "name").text = annotation.label or ""
        flags = annotation.metadata.get("system", {}).get("voc") or {}
        for flag in FLAGS:
            ElementTree.SubElement(obj, flag).text = str(
                flags.get(flag, "Unspecified" if flag == "pose" else 0)
            )
        box = ElementTree.SubElement(obj, "bndbox")
        for tag, value in zip(
            ("xmin", "ymin", "xmax", "ymax"), annotation.annotation_definition.bounds
        ):
            ElementTree.SubElement(box, tag).text = f"{value:g}"
    ElementTree.indent(root)
    return root, left_out


class VocWriter(Exporter):
    format = "voc"
    OPTIONS = {"with_images": False}

    def __init__(self, path: str | Path, report: Any, labels: LabelSet, **options: Any) -> None:
        super().__init__(path, report, labels, **options)
        self.path.mkdir(parents=True, exist_ok=True)

    def add(self, item: Item, annotations: Sequence[Annotation]) -> None:
        relative = item.filename.lstrip("/")
        root, left_out = to_voc(item, annotations)
        for annotation in left_out:
            self.report.skip(
                "annotation", f"VOC has no {annotation.type!r} annotations", item.filename
            )
        target = self.path / "Annotations" / Path(relative).with_suffix(".xml")
        target.parent.mkdir(parents=True, exist_ok=True)
        ElementTree.ElementTree(root).write(target, encoding="utf-8", xml_declaration=True)
        self.written(target)
        self.report.add("items")
        self.report.add("annotations", len(annotations) - len(left_out))
        if self.options["with_images"]:
            image = self.path / "JPEGImages" / relative
            image.parent.mkdir(parents=True, exist_ok=True)
            with item.open() as source, open(image, "wb") as out:
                shutil.copyfileobj(source, out)
            self.written(image)
