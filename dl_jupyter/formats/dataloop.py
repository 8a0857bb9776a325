"""Dataloop JSON in and out, in the SDK's download layout.

A folder of item JSON files (``json/<path>.json`` as ``dataset.download`` writes them, or any
``.json`` under the folder): each holds the item's ``filename``, ``metadata`` and
``annotations`` (platform annotation JSON). On import the binary is looked up by
``filename`` under the ``images`` option (default: the folder's ``items`` folder, then the
folder); ``metadata.user`` is kept (the SDK's ``ExportMetadata.FROM_JSON``); annotation
ids are new, and parent links (poses and their points) follow them. Export writes the same
layout: ``json/<path>.json``, and ``items/<path>`` with ``with_images=True``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from dl_jupyter.entities.annotation import Annotation, AnnotationCollection
from dl_jupyter.entities.item import Item
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats.exporting import Exporter, LabelSet
from dl_jupyter.formats.importing import Phase, Reader, files_under
from dl_jupyter.formats.jsonstream import JsonReader
from dl_jupyter.formats.media import MediaResolver
from dl_jupyter.formats.records import ItemRecord
from dl_jupyter.formats.report import ImportReport
from dl_jupyter.repositories.folders import clean_remote_path
from dl_jupyter.store.timeutil import new_id


def from_dataloop(entries: Sequence[Any], where: str) -> list[Annotation]:
    """Annotations of platform annotation JSON, with new ids and parent links renumbered."""
    annotations = []
    for index, entry in enumerate(entries):
        try:
            annotation = Annotation.from_json(entry)
            annotation.annotation_definition.validate()
        except BadRequestError as exc:
            raise BadRequestError(f"{where}: annotations[{index}]: {exc.message}") from None
        annotations.append(annotation)
    renamed = {a.id: new_id() for a in annotations if a.id}
    for annotation in annotations:
        annotation.id = renamed.get(annotation.id)
        annotation.parent_id = renamed.get(annotation.parent_id, annotation.parent_id)
        annotation.item_id = annotation.dataset_id = None
    return annotations


class DataloopReader(Reader):
    format = "dataloop"
    must_be_dir = True
    OPTIONS = {"images": None}

    def __init__(self, path: str | Path, **options: Any) -> None:
        super().__init__(path, **options)
        self.json_root = self.path / "json" if (self.path / "json").is_dir() else self.path
        self.media = MediaResolver(self.options["images"], self.path / "items", self.path)

    def phases(self, report: ImportReport) -> list[Phase]:
        return [("files", lambda: self._records(report), None)]

    def _records(self, report: ImportReport) -> Iterator[ItemRecord]:
        for file in files_under(self.json_root, (".json",)):
            where = str(file.relative_to(self.path))
            with JsonReader(file) as reader:
                data = reader.document()
            if not isinstance(data, dict) or not isinstance(data.get("annotations", []), list):
                raise BadRequestError(
                    f"{file}: expected an item JSON object with an 'annotations' list"
                )
            filename = (
                data.get("filename")
                or "/" + file.relative_to(self.json_root).with_suffix("").as_posix()
            )
            media = self.media.locate(filename.lstrip("/"))
            if media is None or media.path is None:
                report.skip(
                    "item", f"binary {filename!r} not found under {self.media.describe()}", where
                )
                continue
            user = (data.get("metadata") or {}).get("user")
            record = ItemRecord(
                self.remote(clean_remote_path(filename)),
                where,
                path=media.path,
                metadata={"system": {}, **({"user": user} if isinstance(user, dict) else {})},
                description=data.get("description"),
            )
            record.annotations = from_dataloop(data.get("annotations", []), str(file))
            yield record


class DataloopWriter(Exporter):
    format = "dataloop"
    OPTIONS = {"with_images": False}

    def __init__(self, path: str | Path, report: Any, labels: LabelSet, **options: Any) -> None:
        super().__init__(path, report, labels, **options)
        self.path.mkdir(parents=True, exist_ok=True)

    def add(self, item: Item, annotations: Sequence[Annotation]) -> None:
        relative = item.filename.lstrip("/")
        target = self.path / "json" / Path(relative).with_suffix(".json")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = {
            **item.to_json(),
            **AnnotationCollection(item=item, annotations=annotations).to_json(),
        }
        target.write_text(json.dumps(data, indent=2, default=str))
        self.written(target)
        self.report.add("items")
        self.report.add("annotations", len(annotations))
        if self.options["with_images"]:
            image = self.path / "items" / relative
            image.parent.mkdir(parents=True, exist_ok=True)
            with item.open() as source, open(image, "wb") as out:
                shutil.copyfileobj(source, out)
            self.written(image)
