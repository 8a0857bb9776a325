"""``Gallery``: a paged grid of thumbnails with annotations drawn over them.

The grid runs in the browser (``js/src/gallery``): it asks for one page at a time and gets
the tiles' metadata as JSON and their thumbnails as binary buffers; selection (click,
shift-click, ctrl-click), label toggles, opacity and sizes never wait for the kernel. Python
keeps the source (a dataset with a filter, pages, or a list of items), answers page
requests with SQL paging, and runs the actions on the selection.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import traitlets as t
from IPython.display import display

from dl_jupyter import _hooks
from dl_jupyter.dql.filters import Filters
from dl_jupyter.entities.item import Item
from dl_jupyter.enums import ItemStatus
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.frames.fields import distinct_values
from dl_jupyter.frames.previews import dataset_colors, tiles
from dl_jupyter.store import schema
from dl_jupyter.widgets.rpc import Reply, RpcWidget
from dl_jupyter.widgets.sources import Source, items_by_id

STATIC = Path(__file__).parent / "static"
MAX_PAGE_SIZE = 200


class GalleryGrid(RpcWidget):
    """The browser half of a Gallery: the grid, its toolbar and the selection."""

    _esm = STATIC / "gallery.js"
    _css = STATIC / "gallery.css"

    count = t.Int(0).tag(sync=True)
    page = t.Int(0).tag(sync=True)
    page_size = t.Int(48).tag(sync=True)
    thumb_size = t.Int(160).tag(sync=True)
    show_labels = t.Bool(True).tag(sync=True)
    opacity = t.Float(0.8).tag(sync=True)
    hidden_labels = t.List(t.Unicode()).tag(sync=True)
    colors = t.Dict().tag(sync=True)
    selected_ids = t.List(t.Unicode()).tag(sync=True)
    title = t.Unicode("").tag(sync=True)
    revision = t.Int(0).tag(sync=True)
    actions = t.List(t.Unicode()).tag(sync=True)
    statuses = t.List(t.Unicode()).tag(sync=True)
    tasks = t.List(t.Dict()).tag(sync=True)

    def __init__(self, gallery: Gallery, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._gallery = gallery

    def _rpc_page(self, message: dict, _buffers: list) -> Reply:
        number, size = int(message.get("page", 0)), int(message.get("size", self.page_size))
        if not 0 < size <= MAX_PAGE_SIZE or number < 0:
            raise BadRequestError(f"No page {number} of size {size}")
        entities = self._gallery.source.page(number, size)
        shown = tiles(self._gallery.store, entities, int(message.get("thumb", self.thumb_size)))
        return Reply(
            {"page": number, "tiles": [tile.meta() for tile in shown]},
            [tile.thumbnail for tile in shown if tile.thumbnail is not None],
        )

    def _rpc_action(self, message: dict, _buffers: list) -> dict:
        return {"message": self._gallery.run_action(message.get("name"), message)}


class Gallery(widgets.VBox):
    """Thumbnails of a dataset (optionally filtered), of pages, or of a list of items.

    >>> gallery = dl.Gallery(dataset, filters=dl.Filters(field="dir", values="/cam-a"))
    >>> gallery                  # shows the grid; click, shift-click, ctrl-click to select
    >>> gallery.selected         # the selected items, as dl.Item
    >>> gallery.filters = other  # show another filter
    """

    def __init__(
        self,
        source: Any,
        filters: Filters | None = None,
        page_size: int = 48,
        thumb_size: int = 160,
        **kwargs: Any,
    ) -> None:
        self.source = Source(source, filters)
        if self.source.resource != "items":
            raise BadRequestError("A gallery shows items: give item pages, not annotation pages")
        self.grid = GalleryGrid(
            self, page_size=page_size, thumb_size=thumb_size, statuses=[s.value for s in ItemStatus]
        )
        self.panel = widgets.Output()
        super().__init__([self.grid, self.panel], **kwargs)
        self.add_class("dl-gallery")
        self.refresh()

    @property
    def store(self) -> Any:
        dataset = self.source.owner()
        return dataset.client.store if dataset is not None else None

    # -- what is shown -------------------------------------------------------------------
    def refresh(self) -> None:
        """Count again and reload the current page (after changes made elsewhere)."""
        dataset = self.source.owner()
        grid = self.grid
        grid.count = self.source.count()
        grid.title = self.source.describe()
        if dataset is not None:
            grid.colors = dataset_colors(dataset, _data_labels(dataset))
            grid.tasks = _tasks(dataset)
        grid.actions = self._actions()
        last_page = max(0, (grid.count - 1) // max(grid.page_size, 1))
        if grid.page > last_page:
            grid.page = last_page
        grid.revision += 1

    @property
    def filters(self) -> Filters | None:
        return self.source.filters

    @filters.setter
    def filters(self, filters: Filters | None) -> None:
        self.source.set_filters(filters)
        self.grid.page = 0
        self.refresh()

    @property
    def count(self) -> int:
        return self.grid.count

    @property
    def page(self) -> int:
        return self.grid.page

    @page.setter
    def page(self, number: int) -> None:
        self.grid.page = number

    @property
    def page_size(self) -> int:
        return self.grid.page_size

    @page_size.setter
    def page_size(self, size: int) -> None:
        self.grid.page_size = size

    # -- selection -----------------------------------------------------------------------
    @property
    def selected_ids(self) -> list[str]:
        return list(self.grid.selected_ids)

    @property
    def selected(self) -> list[Item]:
        """The selected items, read from the store, in the order they were selected."""
        dataset = self.source.owner()
        return items_by_id(dataset, self.grid.selected_ids) if dataset is not None else []

    def select(self, items: Any) -> None:
        """Select these items (entities or ids), replacing the selection."""
        self.grid.selected_ids = [getattr(x, "id", x) for x in items]

    # -- actions -------------------------------------------------------------------------
    def _actions(self) -> list[str]:
        names = ["status", "metadata", "delete"]
        if self.grid.tasks:
            names.append("task")
        if _hooks_available("view.annotator"):
            names.append("annotate")
        return names

    def run_action(self, name: Any, options: dict) -> str:
        """Apply an action of the toolbar to the selection; returns what happened."""
        ids = list(self.grid.selected_ids)
        if not ids:
            raise BadRequestError("Select items first")
        repo = self.source.repo
        by_id = Filters(field="id", values=ids, operator="in")
        if name == "status":
            repo.update_status(
                str(options.get("status")), item_ids=ids, clear=bool(options.get("clear"))
            )
            done = f"status {options.get('status')!s} set on {len(ids)} items"
        elif name == "metadata":
            key = options.get("key")
            if not isinstance(key, str) or not key.strip():
                raise BadRequestError("Give a metadata key")
            repo.update(
                filters=by_id, update_values={key.strip(): _parse_value(options.get("value"))}
            )
            done = f"metadata.user.{key.strip()} set on {len(ids)} items"
        elif name == "delete":
            repo.delete(filters=by_id)
            self.grid.selected_ids = []
            done = f"{len(ids)} items deleted"
        elif name == "task":
            task = self.source.owner().tasks.get(task_id=str(options.get("task")))
            task.add_items(items=items_by_id(self.source.owner(), ids))
            done = f"{len(ids)} items added to task {task.name}"
        elif name == "annotate":
            viewer = _hooks.call("view.annotator", self.selected)
            self.panel.clear_output()
            with self.panel:
                display(viewer)
            return f"annotating {len(ids)} items below"
        else:
            raise BadRequestError(f"Unknown gallery action {name!r}")
        self.refresh()
        return done


def _hooks_available(name: str) -> bool:
    try:
        _hooks.get(name)
    except NotImplementedError:
        return False
    return True


def _data_labels(dataset: Any) -> list[str]:
    """Labels used in the dataset (some may be missing from its recipe)."""
    a = schema.annotations
    with dataset.client.store.read() as conn:
        return distinct_values(conn, a.c.label, [a.c.dataset_id == dataset.id])


def _tasks(dataset: Any) -> list[dict]:
    """The dataset's tasks, when the workflows layer is installed."""
    if dataset is None:
        return []
    try:
        found = dataset.tasks.list()
    except (NotImplementedError, AttributeError):
        return []
    return [{"id": task.id, "name": task.name} for task in found]


def _parse_value(text: Any) -> Any:
    """A metadata value typed in the browser: JSON if it parses (numbers, lists...), else text."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text
