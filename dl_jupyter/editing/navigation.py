"""Walking the items an annotator works through: a list, pages of a query, or a task's queue.

A cursor has a ``current`` item, ``next()`` and ``previous()`` (None at either end, where it
stays), a ``position`` for the progress bar, and the ``actions`` the user may take on the
current item (a queue's statuses; none for a plain list). Lists and pages remember where the
user stopped (``ResumePoints``), so reopening the same items resumes there; a queue keeps its
own position.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.store.store import data_dir

PAGE_CACHE = 3


class ItemCursor(Protocol):
    @property
    def current(self) -> Any: ...

    def next(self) -> Any: ...

    def previous(self) -> Any: ...

    @property
    def position(self) -> tuple[int, int]: ...

    @property
    def actions(self) -> list[str]: ...

    def act(self, action: str) -> None: ...

    def upcoming(self) -> Any: ...


class _IndexedCursor:
    """A cursor over items reachable by index (``_at``), ``total`` of them."""

    total = 0
    actions: list[str] = []

    def __init__(self, index: int = 0) -> None:
        self.index = min(max(index, 0), max(self.total - 1, 0))

    def _at(self, index: int) -> Any:
        raise NotImplementedError

    @property
    def current(self) -> Any:
        return self._at(self.index) if self.total else None

    @property
    def position(self) -> tuple[int, int]:
        """(index of the current item, number of items)."""
        return self.index, self.total

    def next(self) -> Any:
        if self.index + 1 >= self.total:
            return None
        self.index += 1
        return self.current

    def previous(self) -> Any:
        if self.index == 0 or not self.total:
            return None
        self.index -= 1
        return self.current

    def upcoming(self) -> Any:
        """The item next() would give, to prefetch its image."""
        return self._at(self.index + 1) if self.index + 1 < self.total else None

    def seek(self, index: int, item_id: str) -> bool:
        """Go to ``index`` if the item there is still ``item_id``."""
        if 0 <= index < self.total and self._at(index).id == item_id:
            self.index = index
            return True
        return False

    def act(self, action: str) -> None:
        raise BadRequestError(f"{action!r}: these items are not from a task, they have no statuses")


class ListCursor(_IndexedCursor):
    """Items given as a list."""

    def __init__(self, items: Sequence[Any], index: int = 0) -> None:
        self.items = list(items)
        self.total = len(self.items)
        super().__init__(index)

    def _at(self, index: int) -> Any:
        return self.items[index]

    @property
    def scope(self) -> str:
        return digest([item.id for item in self.items])


class PagesCursor(_IndexedCursor):
    """Items of a query, read a page at a time (a few pages are kept)."""

    def __init__(self, pages: Any, index: int = 0, scope: str | None = None) -> None:
        self.pages = pages
        self.total = pages.items_count
        self.page_size = pages.page_size
        self._pages: dict[int, list] = {pages.page_offset: list(pages.items)}
        self.scope = scope or digest([pages.describe, *(item.id for item in pages.items[:50])])
        super().__init__(index)

    def _at(self, index: int) -> Any:
        number, offset = divmod(index, self.page_size)
        if number not in self._pages:
            if len(self._pages) >= PAGE_CACHE:
                del self._pages[next(iter(self._pages))]
            self._pages[number] = self.pages.get_page(number)
        return self._pages[number][offset]


class QueueCursor:
    """A task queue (``task.queue()``): next/previous/current/position/available_actions.

    A queue serves first what the assignee holds without a status, so opening it again
    resumes where they stopped."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        if queue.current is None:
            queue.next()

    @property
    def current(self) -> Any:
        return self.queue.current

    def next(self) -> Any:
        return self.queue.next()

    def previous(self) -> Any:
        return self.queue.previous()

    @property
    def position(self) -> tuple[int, int]:
        """(items done, items in the queue)."""
        done, total = self.queue.position
        return int(done), int(total)

    @property
    def actions(self) -> list[str]:
        return [str(action) for action in self.queue.available_actions]

    def act(self, action: str) -> None:
        if action not in self.actions:
            raise BadRequestError(
                f"Action {action!r} is not available here; use one of {self.actions}"
            )
        self.queue.set_status(self.current, action)

    def upcoming(self) -> Any:
        return None


def is_queue(source: Any) -> bool:
    return all(callable(getattr(source, name, None)) for name in ("next", "previous", "set_status"))


def cursor_for(source: Any, scope: str | None = None) -> ItemCursor:
    """A cursor over an item, a list of items, pages of items or a queue."""
    if is_queue(source):
        return QueueCursor(source)
    if hasattr(source, "get_page") and hasattr(source, "items_count"):
        return PagesCursor(source, scope=scope)
    if hasattr(source, "annotations") and hasattr(source, "dataset_id"):
        return ListCursor([source])
    if isinstance(source, Sequence) and not isinstance(source, str | bytes):
        return ListCursor(source)
    raise BadRequestError(
        "Annotate an item, a list of items, pages of items or a task queue, "
        f"got {type(source).__name__}"
    )


def digest(parts: Sequence[Any]) -> str:
    """A short stable name for a set of items (what a resume point is remembered under)."""
    return hashlib.sha1(json.dumps(list(parts), default=str).encode()).hexdigest()[:16]


class ResumePoints:
    """Where each user stopped in each set of items, in a JSON file of the user's data folder."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else data_dir() / "annotator-positions.json"

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> tuple[int, str] | None:
        point = self._read().get(key)
        if (
            isinstance(point, dict)
            and isinstance(point.get("index"), int)
            and isinstance(point.get("item"), str)
        ):
            return point["index"], point["item"]
        return None

    def put(self, key: str, index: int, item_id: str) -> None:
        data = self._read()
        data[key] = {"index": index, "item": item_id}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, self.path)

    def resume(self, key: str, cursor: Any) -> bool:
        """Move ``cursor`` to where the user stopped, if the item is still there."""
        point = self.get(key)
        return point is not None and hasattr(cursor, "seek") and cursor.seek(*point)

    def remember(self, key: str, cursor: Any) -> None:
        item = cursor.current
        if item is not None and hasattr(cursor, "index"):
            self.put(key, cursor.index, item.id)
