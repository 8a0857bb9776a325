"""What format readers produce and writers consume, independent of the store.

A reader turns a file into ``ItemRecord``s (an item to create, with the annotations known
with it) and, for formats that list annotations apart from their images (COCO), into
``AnnotationRecord``s that name their item by remote path. The bulk writer puts records
in a dataset; ``Converter.convert_directory`` hands them straight to another format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dl_jupyter.entities.annotation import Annotation
from dl_jupyter.entities.item import Item


@dataclass
class ItemRecord:
    """An item to create (or to find by ``filename`` when it exists) and its annotations.

    The binary comes from ``path`` (copied in, or linked with ``link=True``), from ``url``
    (always a link), or from ``content`` (bytes the reader made, e.g. a text task).
    ``solutions`` replace the item's known or baseline solutions of the same kinds.
    """

    filename: str
    where: str
    path: Path | None = None
    url: str | None = None
    content: bytes | None = None
    mimetype: str | None = None
    width: int | None = None
    height: int | None = None
    metadata: dict = field(default_factory=lambda: {"system": {}})
    description: str | None = None
    annotations: list[Annotation] = field(default_factory=list)
    # answers known in advance (workflows' item_solutions): {kind, output_values, weight, message}
    solutions: list[dict] = field(default_factory=list)

    def as_item(self) -> Item:
        """An unbound Item with this record's path and metadata (for writers of other formats)."""
        metadata = {**self.metadata, "system": dict(self.metadata.get("system") or {})}
        for key in ("mimetype", "width", "height"):
            if getattr(self, key) is not None:
                metadata["system"][key] = getattr(self, key)
        directory, _, name = self.filename.rpartition("/")
        return Item(
            filename=self.filename,
            dir=directory or "/",
            name=name,
            metadata=metadata,
            description=self.description,
            annotations_count=len(self.annotations),
        )


@dataclass
class AnnotationRecord:
    """Annotations of the item at remote path ``filename``, read apart from the item.

    An annotation is an ``Annotation``, or for the bulk of a big import the column values
    ``repositories.rows`` gives for it (``box_values``), which spares building entities.
    """

    filename: str
    where: str
    annotations: list[Annotation | dict]


def as_annotation(entry: Annotation | dict) -> Annotation:
    """An annotation of a record as an entity (column values become one through their JSON)."""
    return entry if isinstance(entry, Annotation) else Annotation.from_json(entry)
