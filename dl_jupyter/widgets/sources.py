"""What a gallery or a table shows: a dataset with a filter, pages of a query, or a list of items.

A source answers "how many" and "page n of this size" with SQL paging (LIMIT/OFFSET on the
repository's query), so a view over a million items only ever holds one page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dl_jupyter.dql.filters import Filters
from dl_jupyter.entities.item import Item
from dl_jupyter.entities.paged import PagedEntities
from dl_jupyter.entities.project import Dataset
from dl_jupyter.enums import FiltersResource
from dl_jupyter.exceptions import BadRequestError


class Source:
    """Items (or annotations) to show, a page at a time."""

    def __init__(
        self, target: Any, filters: Filters | None = None, resource: str = "items"
    ) -> None:
        self.resource = resource
        self.dataset: Dataset | None = None
        self.pages: PagedEntities | None = None
        self.entities: list | None = None
        self.filters = filters
        if isinstance(target, Dataset):
            self.dataset = target
        elif isinstance(target, PagedEntities):
            self.pages = target
            self.resource = target.resource
            if filters is not None:
                raise BadRequestError("Give filters with a dataset, not with pages")
        elif isinstance(target, Sequence) and not isinstance(target, (str, bytes)):
            self.entities = list(target)
        else:
            raise BadRequestError(
                "Show a dataset (with filters), pages or a list of items, "
                f"got {type(target).__name__}"
            )
        if self.dataset is not None and filters is not None:
            self._check_resource(filters)

    def _check_resource(self, filters: Filters) -> None:
        wanted = (
            FiltersResource.ANNOTATION if self.resource == "annotations" else FiltersResource.ITEM
        )
        if filters.resource != wanted:
            raise BadRequestError(
                f"This view shows {self.resource}: give a filter on {wanted.value}"
            )

    def set_filters(self, filters: Filters | None) -> None:
        if self.dataset is None:
            raise BadRequestError("Only a view over a dataset can change its filter")
        if filters is not None:
            self._check_resource(filters)
        self.filters = filters

    @property
    def repo(self) -> Any:
        dataset = self.owner()
        if dataset is None:
            raise BadRequestError("There is nothing to act on")
        return dataset.items if self.resource == "items" else dataset.annotations

    def owner(self) -> Dataset | None:
        """The dataset of what is shown (found from the first entity when not given)."""
        if self.dataset is None:
            first = (
                self.entities[0]
                if self.entities
                else (self.pages.items[0] if self.pages and self.pages.items else None)
            )
            if first is not None:
                self.dataset = first.client.datasets_repo().get(dataset_id=first.dataset_id)
        return self.dataset

    def count(self) -> int:
        if self.entities is not None:
            return len(self.entities)
        if self.pages is not None:
            return self.pages.items_count
        if self.resource == "items":
            return self.dataset.items.count(filters=self.filters)
        return self.dataset.annotations.list(filters=self._filters(), page_size=0).items_count

    def _filters(self) -> Filters:
        if self.filters is not None:
            return self.filters
        return Filters(
            resource=FiltersResource.ANNOTATION
            if self.resource == "annotations"
            else FiltersResource.ITEM
        )

    def page(self, number: int, size: int) -> list:
        """The entities of page ``number`` (0-based) of ``size``."""
        if self.entities is not None:
            return self.entities[number * size : (number + 1) * size]
        if self.pages is not None:
            return self.pages.get_page(number, size)
        repo = self.dataset.items if self.resource == "items" else self.dataset.annotations
        return repo.list(filters=self._filters(), page_offset=number, page_size=size).items

    def describe(self) -> str:
        if self.pages is not None:
            return self.pages.describe
        if self.entities is not None:
            return f"{len(self.entities)} chosen {self.resource}"
        if self.filters is None:
            return f"{self.dataset.name}: all {self.resource}"
        return f"{self.dataset.name}: {self.filters.describe()}"


def items_by_id(dataset: Dataset, ids: Sequence[str]) -> list[Item]:
    """Items of the dataset with these ids, in the order given (ids not found are left out)."""
    if not ids:
        return []
    found: dict[str, Item] = {}
    for start in range(0, len(ids), 900):
        part = list(ids[start : start + 900])
        pages = dataset.items.list(
            filters=Filters(field="id", values=part, operator="in"), page_size=len(part)
        )
        found.update({item.id: item for item in pages.items})
    return [found[i] for i in ids if i in found]
