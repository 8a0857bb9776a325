"""The ``view.*`` hooks: what ``dataset.widget()``, ``pages.widget()``, ``item.widget()`` open."""

from __future__ import annotations

from typing import Any

from dl_jupyter import _hooks
from dl_jupyter.dql.filters import Filters
from dl_jupyter.widgets.gallery import Gallery
from dl_jupyter.widgets.table import Table


def pages_view(pages: Any, **kwargs: Any) -> Any:
    """Item pages open in a gallery, annotation pages in a table."""
    if pages.resource == "annotations":
        return Table(pages, **kwargs)
    return Gallery(pages, **kwargs)


def item_view(item: Any, **kwargs: Any) -> Gallery:
    """One item, large, with its annotations drawn over it."""
    kwargs.setdefault("thumb_size", 480)
    return Gallery([item], page_size=1, **kwargs)


def task_view(task: Any, **kwargs: Any) -> Gallery:
    """The items of a task."""
    task_items = Filters(field="metadata.system.refs.id", values=task.id)
    return Gallery(task.dataset, filters=task_items, **kwargs)


_hooks.register("view.gallery", Gallery)
_hooks.register("view.pages", pages_view)
_hooks.register("view.item", item_view)
_hooks.register("view.task", task_view)
