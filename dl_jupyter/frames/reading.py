"""``pages.to_df()``: a query's items or annotations as a DataFrame, read page by page.

Each page of entities becomes a typed chunk at once and the entities are dropped, so a
million items cost the frame's memory plus one page, never a million entity objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from dl_jupyter.frames.columns import COLUMNS, ROW_OF, set_dtypes, typed_frame

PROGRESS_FROM_PAGES = 3


def iter_frames(pages: Any, resource: str | None = None) -> Iterator[pd.DataFrame]:
    """One typed DataFrame per page of ``pages`` (for results too large to hold at once)."""
    resource = resource or pages.resource
    row = ROW_OF[resource]
    for page in pages:
        yield typed_frame([row(entity) for entity in page], resource)


def to_df(pages: Any, resource: str | None = None) -> pd.DataFrame:
    """Every entity of ``pages`` from its current page on, one row each.

    Metadata columns get their dtype once all chunks are in, so that a key that is an
    integer on one page and missing on the next is still ``Int64``.
    """
    resource = resource or pages.resource
    row = ROW_OF[resource]
    total = pages.total_pages_count - pages.page_offset if pages.page_size else 0
    chunks = []
    with tqdm(
        total=total, desc=f"Reading {resource}", unit="page", disable=total < PROGRESS_FROM_PAGES
    ) as progress:
        for page in pages:
            chunks.append(
                typed_frame([row(entity) for entity in page], resource, metadata_types=False)
            )
            progress.update(1)
    if not chunks:
        return typed_frame([], resource)
    frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    fixed = list(COLUMNS[resource])
    frame = frame[fixed + sorted(c for c in frame.columns if c not in COLUMNS[resource])]
    return set_dtypes(frame, resource)
