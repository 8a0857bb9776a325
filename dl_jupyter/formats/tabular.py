"""CSV and TSV: one Label Studio task per row, the column names being the task's data keys.

Import: each row's values (strings) become the item's ``metadata.user``; a column naming an
image, audio or video file makes the item that file (see ``label_studio``), otherwise the
``text`` column (or the only one) is the item's text. Export: one row per item with its
``filename``, its ``metadata.user`` keys as columns, and ``annotations`` holding the Dataloop
JSON of its annotations.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from dl_jupyter.entities.annotation import Annotation
from dl_jupyter.entities.item import Item
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats.exporting import Exporter, LabelSet, dataset_pages, pairs
from dl_jupyter.formats.importing import Phase, Reader
from dl_jupyter.formats.label_studio import TaskConverter, parse_config
from dl_jupyter.formats.media import MediaResolver
from dl_jupyter.formats.records import ItemRecord
from dl_jupyter.formats.report import ImportReport

csv.field_size_limit(1 << 24)


class CsvReader(Reader):
    format = "csv"
    delimiter = ","
    OPTIONS = {"images": None, "label_config": None, "data_key": None}

    def __init__(self, path: str | Path, **options: Any) -> None:
        super().__init__(path, **options)
        if self.path.is_dir():
            raise BadRequestError(f"The {self.format} format reads one file, got the folder {path}")
        config = parse_config(self.options["label_config"])
        self.labels = list(config["labels"])
        self.tasks = TaskConverter(
            self,
            config,
            MediaResolver(self.options["images"], self.path.parent),
            self.options["data_key"],
        )

    def rows(self) -> Iterator[tuple[int, dict]]:
        try:
            with open(self.path, newline="", encoding="utf-8-sig") as stream:
                reader = csv.DictReader(stream, delimiter=self.delimiter)
                for number, row in enumerate(reader, start=2):
                    if None in row or any(v is None for v in row.values()):
                        raise BadRequestError(
                            f"{self.path}: line {number}: expected "
                            f"{len(reader.fieldnames)} columns, got another number"
                        )
                    yield number, row
        except (csv.Error, UnicodeDecodeError) as exc:
            raise BadRequestError(f"{self.path}: {exc}") from None

    def phases(self, report: ImportReport) -> list[Phase]:
        def records() -> Iterator[ItemRecord]:
            for number, row in self.rows():
                record = self.tasks.record(
                    {"data": row}, f"line {number}", f"{self.path.stem}-{number}.txt", report
                )
                if record is not None:
                    yield record

        return [("rows", records, None)]


class TsvReader(CsvReader):
    format = "tsv"
    delimiter = "\t"


class CsvWriter(Exporter):
    """Reads the dataset twice: once for the columns (item metadata only), once for the rows."""

    format = "csv"
    delimiter = ","
    OPTIONS: dict[str, Any] = {}

    def __init__(
        self,
        path: str | Path,
        report: Any,
        labels: LabelSet,
        columns: Sequence[str] = (),
        **options: Any,
    ) -> None:
        super().__init__(path, report, labels, **options)
        if self.path.suffix.lower() != f".{self.format}":
            self.path = self.path / f"items.{self.format}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._stream = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self._writer = csv.DictWriter(
            self._stream,
            ["filename", *columns, "annotations"],
            delimiter=self.delimiter,
            extrasaction="ignore",
        )
        self._writer.writeheader()

    @classmethod
    def for_dataset(
        cls, dataset: Any, path: str | Path, report: Any, filters: Any = None, **options: Any
    ) -> CsvWriter:
        columns: dict[str, None] = {}
        for item, _ in pairs(dataset_pages(dataset, filters, with_annotations=False)):
            columns.update(dict.fromkeys(item.metadata.get("user") or {}))
        return cls(path, report, LabelSet.of_dataset(dataset), list(columns), **options)

    def add(self, item: Item, annotations: Sequence[Annotation]) -> None:
        row = {
            k: json.dumps(v) if isinstance(v, (dict, list)) else v
            for k, v in (item.metadata.get("user") or {}).items()
        }
        row.update(
            filename=item.filename, annotations=json.dumps([a.to_json() for a in annotations])
        )
        self._writer.writerow(row)
        self.report.add("items")
        self.report.add("annotations", len(annotations))

    def close(self) -> None:
        self._stream.close()
        self.written(self.path)


class TsvWriter(CsvWriter):
    format = "tsv"
    delimiter = "\t"
