"""What a picture of an item needs: its thumbnail and its annotations as shapes.

Used by the rich reprs (through the ``frames.*`` hooks) and by the gallery: one query for the
annotations of a whole page of items, thumbnails from the on-disk cache.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dl_jupyter.frames.overlays import label_colors, shapes_of_items
from dl_jupyter.store.thumbnails import Thumbnails


@dataclass
class Tile:
    """One item as the gallery and the reprs draw it."""

    id: str
    name: str
    filename: str
    width: int | None
    height: int | None
    annotations_count: int
    thumbnail: bytes | None = None
    shapes: list[dict] = field(default_factory=list)

    @property
    def data_url(self) -> str | None:
        """The thumbnail as an inline ``data:`` URL (for HTML reprs)."""
        if self.thumbnail is None:
            return None
        return "data:image/jpeg;base64," + base64.b64encode(self.thumbnail).decode("ascii")

    def meta(self) -> dict[str, Any]:
        """Everything but the image bytes, as JSON for the front end."""
        return {
            "id": self.id,
            "name": self.name,
            "filename": self.filename,
            "width": self.width,
            "height": self.height,
            "annotations": self.annotations_count,
            "shapes": self.shapes,
            "image": self.thumbnail is not None,
        }


def tiles(store: Any, items: Sequence[Any], size: int, with_shapes: bool = True) -> list[Tile]:
    """Tiles of ``items`` (entities of one store) with thumbnails of about ``size`` pixels."""
    shapes: dict[str, list[dict]] = {}
    if with_shapes and items:
        with store.read() as conn:
            shapes = shapes_of_items(conn, [item.id for item in items])
    images = Thumbnails(store.blobs).get_many(
        [(item.blob, item.link) if _is_image(item) else (None, None) for item in items], size
    )
    return [
        Tile(
            item.id,
            item.name,
            item.filename,
            item.width,
            item.height,
            item.annotations_count,
            image,
            shapes.get(item.id, []),
        )
        for item, image in zip(items, images)
    ]


def _is_image(item: Any) -> bool:
    return bool(item.width) and (item.mimetype or "").startswith("image/")


def dataset_colors(dataset: Any, extra: Sequence[str] = ()) -> dict[str, str]:
    """The colour of each label of the dataset's recipe (and of ``extra`` labels)."""
    try:
        labels = dataset.labels_flat_dict
    except (IndexError, LookupError):  # a dataset without a recipe or ontology
        labels = {}
    return label_colors(labels, extra)


def item_preview(item: Any, size: int = 256) -> dict[str, Any]:
    """What the item's repr draws: its tile and the colours of its labels."""
    tile = tiles(item.client.store, [item], size)[0]
    labels = sorted({s["l"] for s in tile.shapes if s["l"]})
    return {"tile": tile, "colors": dataset_colors(item.dataset, labels)}
