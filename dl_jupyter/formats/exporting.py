"""How every export runs: items page by page with their annotations, into a format writer.

Items are read with the dataset's DQL filters one page at a time, and each page's
annotations with one query, so exporting a million annotations holds one page in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa

from dl_jupyter.dql.compile import as_query, compile_query
from dl_jupyter.entities.annotation import Annotation
from dl_jupyter.entities.item import Item
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats.gcpause import no_cyclic_gc
from dl_jupyter.formats.report import ExportReport
from dl_jupyter.repositories import rows
from dl_jupyter.store import schema

PAGE_SIZE = 1000
a = schema.annotations


@dataclass
class LabelSet:
    """The labels an export numbers (recipe order, then labels met on the way), their
    ``display_data``, and the recipe's pose templates by id."""

    labels: list[str] = field(default_factory=list)
    templates: dict[str, dict] = field(default_factory=dict)
    display: dict[str, dict] = field(default_factory=dict)

    _positions: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._positions = {name: i for i, name in enumerate(self.labels)}

    def index(self, label: str | None) -> int:
        """The 0-based number of ``label``, adding a label that is not in the recipe."""
        label = label or ""
        if label not in self._positions:
            self._positions[label] = len(self.labels)
            self.labels.append(label)
        return self._positions[label]

    @classmethod
    def of_dataset(cls, dataset: Any) -> LabelSet:
        recipe = dataset.get_recipe()
        ontology = recipe.get_ontology()
        templates = {t["id"]: t for t in recipe.metadata.get("system", {}).get("templates", [])}
        flat = ontology.labels_flat_dict
        return cls(
            list(flat), templates, {path: label.display_data for path, label in flat.items()}
        )


class Exporter:
    """Writes (item, annotations) pairs to one output; subclasses set ``format`` and ``OPTIONS``."""

    format: ClassVar[str] = ""
    OPTIONS: ClassVar[dict[str, Any]] = {}

    def __init__(
        self, path: str | Path, report: ExportReport, labels: LabelSet, **options: Any
    ) -> None:
        unknown = sorted(set(options) - set(self.OPTIONS))
        if unknown:
            raise BadRequestError(
                f"Unknown option(s) for exporting {self.format}: {unknown}; "
                f"options are {sorted(self.OPTIONS)}"
            )
        self.options = {**self.OPTIONS, **options}
        self.path = Path(path).expanduser()
        self.report = report
        self.labels = labels

    @classmethod
    def for_dataset(
        cls,
        dataset: Any,
        path: str | Path,
        report: ExportReport,
        filters: Any = None,
        **options: Any,
    ) -> Exporter:
        """An exporter of ``dataset`` (its recipe's labels) to ``path``; ``filters`` are the
        items that will be exported."""
        return cls(path, report, LabelSet.of_dataset(dataset), **options)

    def add(self, item: Item, annotations: Sequence[Annotation]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish the output (write what was gathered, close files)."""

    def written(self, path: Path) -> None:
        self.report.files.append(str(path))


def dataset_pages(
    dataset: Any,
    filters: Any = None,
    annotation_filters: Any = None,
    page_size: int = PAGE_SIZE,
    with_annotations: bool = True,
) -> Iterator[list[tuple[Item, list[Annotation]]]]:
    """Pages of (item, annotations) of the items matching ``filters``; ``annotation_filters``
    (an annotation-resource filter) keeps only the annotations it matches."""
    client = dataset.client
    store = client.store
    where_annotations = sa.true()
    if annotation_filters is not None:
        compiled = compile_query(
            as_query(annotation_filters, "annotations"), store.dialect, dataset.id
        )
        if compiled.resource != "annotations":
            raise BadRequestError(
                "annotation_filters must be an annotation filter "
                "(resource=dl.FiltersResource.ANNOTATION)"
            )
        where_annotations = compiled.where
    pages = dataset.items.list(filters=filters, page_size=page_size)
    for page in pages:
        items = list(page)
        found: dict[str, list[Annotation]] = {item.id: [] for item in items}
        if not with_annotations:
            yield [(item, []) for item in items]
            continue
        with store.read() as conn:
            query = (
                sa.select(a)
                .where(a.c.item_id.in_(list(found)), where_annotations)
                .order_by(a.c.item_id, a.c.created_at, a.c.id)
            )
            for row in conn.execute(query):
                found[row.item_id].append(rows.annotation(row, client))
        yield [(item, found[item.id]) for item in items]


def pairs(
    pages: Iterable[list[tuple[Item, list[Annotation]]]],
) -> Iterator[tuple[Item, list[Annotation]]]:
    for page in pages:
        yield from page


def run_export(
    dataset: Any,
    exporter_class: type[Exporter],
    path: str | Path,
    filters: Any = None,
    annotation_filters: Any = None,
    **options: Any,
) -> ExportReport:
    """Export the dataset's items matching ``filters`` to ``path``; returns the report."""
    report = ExportReport(exporter_class.format, str(path))
    with no_cyclic_gc():
        exporter = exporter_class.for_dataset(dataset, path, report, filters=filters, **options)
        for item, found in pairs(dataset_pages(dataset, filters, annotation_filters)):
            exporter.add(item, found)
        exporter.close()
    return report
