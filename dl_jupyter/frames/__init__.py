"""Tabular views of the store: DataFrames of items and annotations with write-back, SQL
aggregates for cards and dashboards, and the field catalogue of a dataset.

Lower layers reach these through ``dl_jupyter._hooks`` (``pages.to_df()``,
``dataset.items.update_from_df(df)``, the dataset card), registered here on import.
"""

from __future__ import annotations

from typing import Any

from dl_jupyter import _hooks
from dl_jupyter.frames import writeback
from dl_jupyter.frames.fields import FieldInfo, discover
from dl_jupyter.frames.previews import Tile, dataset_colors, item_preview, tiles
from dl_jupyter.frames.reading import iter_frames, to_df
from dl_jupyter.frames.stats import Stats, Summary
from dl_jupyter.frames.writeback import WriteBack

CARD_THUMBNAILS = 6
CARD_THUMBNAIL_SIZE = 128


def dataset_card(dataset: Any) -> dict[str, Any]:
    """What the dataset's repr shows: counts, the label histogram and a strip of thumbnails."""
    summary = Stats(dataset.client, dataset.id).summary()
    first = dataset.items.list(page_size=CARD_THUMBNAILS).items
    labels = [label for label, _ in summary.labels]
    return {
        "summary": summary,
        "tiles": tiles(dataset.client.store, first, CARD_THUMBNAIL_SIZE, False),
        "colors": dataset_colors(dataset, labels),
    }


_hooks.register("frames.items", lambda pages: to_df(pages, "items"))
_hooks.register("frames.annotations", lambda pages: to_df(pages, "annotations"))
_hooks.register(
    "frames.update_items",
    lambda repo, df, dry_run=False: writeback.update_from_df(repo, df, writeback.ITEMS, dry_run),
)
_hooks.register(
    "frames.update_annotations",
    lambda repo, df, dry_run=False: writeback.update_from_df(
        repo, df, writeback.ANNOTATIONS, dry_run
    ),
)
_hooks.register("frames.dataset_card", dataset_card)
_hooks.register("frames.item_preview", item_preview)

__all__ = [
    "FieldInfo",
    "Stats",
    "Summary",
    "Tile",
    "WriteBack",
    "dataset_card",
    "discover",
    "iter_frames",
    "tiles",
    "to_df",
]
