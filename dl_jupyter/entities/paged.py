"""``PagedEntities``: a query's results, read one page at a time.

Iterating walks the pages in order with a keyset cursor (each page continues after the
last row of the previous one), so streaming a million items costs one page of memory
and no growing OFFSET scans; ``get_page`` and ``reversed`` jump to a page by number.
The page fetcher is thread-safe: it holds no cursor between calls.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from typing import Any

from dl_jupyter import _hooks
from dl_jupyter.entities import html

# fetch(page_offset, page_size, after) -> (entities, cursor after the last one or None)
PageFetcher = Callable[[int, int, Any], tuple[list, Any]]


class PagedEntities:
    """Pages of entities: ``items_count``, ``total_pages_count``, ``has_next_page``, ``items``."""

    def __init__(
        self,
        fetch: PageFetcher,
        count: Callable[[], int],
        page_offset: int = 0,
        page_size: int = 1000,
        resource: str = "items",
        describe: str = "",
        to_df: Callable[[PagedEntities], Any] | None = None,
    ) -> None:
        self._fetch = fetch
        self._count = count
        self._lock = threading.Lock()
        self._items_count: int | None = None
        self._to_df = to_df
        self.page_offset = page_offset
        self.page_size = page_size
        self.resource = resource
        self.describe = describe
        self.items: list = []
        if page_size > 0:
            self.items, _ = self._fetch(page_offset, page_size, None)

    @property
    def items_count(self) -> int:
        """How many entities match in all (one COUNT query, remembered)."""
        with self._lock:
            if self._items_count is None:
                self._items_count = self._count()
            return self._items_count

    @property
    def total_pages_count(self) -> int:
        if self.page_size == 0:
            return 0
        return math.ceil(self.items_count / self.page_size)

    @property
    def has_next_page(self) -> bool:
        return self.page_offset + 1 < self.total_pages_count

    def get_page(self, page_offset: int | None = None, page_size: int | None = None) -> list:
        """The entities of one page (by number, 0-based)."""
        offset = self.page_offset if page_offset is None else page_offset
        size = self.page_size if page_size is None else page_size
        entities, _ = self._fetch(offset, size, None)
        return entities

    def go_to_page(self, page: int) -> None:
        self.page_offset = page
        self.items = self.get_page(page)

    def next_page(self) -> None:
        self.go_to_page(self.page_offset + 1)

    def __iter__(self) -> Iterator[list]:
        """Each page from ``page_offset`` on, as a list of entities."""
        if self.page_size == 0:
            return
        entities, cursor = self._fetch(self.page_offset, self.page_size, None)
        while entities:
            yield entities
            if len(entities) < self.page_size:
                return
            entities, cursor = self._fetch(0, self.page_size, cursor)

    def __reversed__(self) -> Iterator[list]:
        """Pages from the last to the first, for changing items while iterating."""
        for page in range(self.total_pages_count - 1, -1, -1):
            yield self.get_page(page)

    def __len__(self) -> int:
        return self.items_count

    def all(self) -> Iterator:
        """Every entity of every page, one at a time."""
        for page in self:
            yield from page

    def to_df(self) -> Any:
        """A pandas DataFrame of every entity (metadata flattened to columns)."""
        if self._to_df is None:
            raise NotImplementedError(f"{self.resource} pages have no DataFrame view")
        return self._to_df(self)

    def __repr__(self) -> str:
        return (
            f"PagedEntities(resource={self.resource!r}, items_count={self.items_count}, "
            f"page_size={self.page_size}, total_pages_count={self.total_pages_count})"
        )

    def print(self) -> None:
        for entity in self.items:
            print(repr(entity))

    def widget(self, **options: Any) -> Any:
        """A gallery of item pages, a table of annotation pages."""
        return _hooks.call("view.pages", self, **options)

    def show(self, **options: Any) -> None:
        """Display ``widget()`` in the notebook."""
        html.display(self.widget(**options))

    def _repr_html_(self) -> str:
        return html.pages_html(self)
