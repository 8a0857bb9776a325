"""``Table``: a sortable, filterable, paged table of items or annotations with editable cells.

Over a dataset (and a filter) or pages, every page is read from the store when it is shown
(sorting and column filters become DQL, so they run in SQL); over a DataFrame, the frame
is paged in memory. Cells of user metadata (and items' descriptions, annotations' labels)
are editable: an edit is written back through ``update_from_df``, so it carries the row's
version and is refused if someone changed the row since it was shown. Selecting rows shows
the items' thumbnails under the table; ``table.selected`` gives the entities.
"""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import traitlets as t

from dl_jupyter.dql.filters import Filters, plain_value
from dl_jupyter.entities.project import Dataset
from dl_jupyter.exceptions import BadRequestError, ConflictError
from dl_jupyter.frames import writeback
from dl_jupyter.frames.columns import ROW_OF, USER_PREFIX, is_missing, typed_frame
from dl_jupyter.frames.fields import discover
from dl_jupyter.frames.previews import dataset_colors, tiles
from dl_jupyter.widgets.rpc import Reply, RpcWidget
from dl_jupyter.widgets.sources import Source, items_by_id

STATIC = Path(__file__).parent / "static"
PREVIEW_LIMIT = 12
PREVIEW_SIZE = 128

# Columns shown first, per resource; user metadata follows, then the rest.
LEADING = {
    "items": ["name", "dir", "annotations_count"],
    "annotations": ["label", "type", "item_id", "status", "score", "area"],
}
TRAILING = {
    "items": [
        "description",
        "mimetype",
        "width",
        "height",
        "created_at",
        "creator",
        "id",
        "version",
    ],
    "annotations": ["creator", "created_at", "id", "version"],
}
# Frame columns that DQL can sort and filter by.
DQL_FIELDS = {
    "items": {
        "name": "name", "filename": "filename", "dir": "dir", "creator": "creator",
        "mimetype": "metadata.system.mimetype", "width": "metadata.system.width",
        "height": "metadata.system.height", "size": "metadata.system.size",
        "annotations_count": "annotationsCount", "created_at": "createdAt",
        "updated_at": "updatedAt", "description": "description",
    },
    "annotations": {
        "label": "label", "type": "type", "item_id": "itemId", "creator": "creator",
        "created_at": "createdAt", "area": "area", "status": "metadata.system.status",
    },
}  # fmt: skip
NUMBER_FILTER = re.compile(r"^\s*(<|>|=)?\s*(-?\d+(?:\.\d+)?)\s*$")


def _dtype_kind(dtype: Any) -> str:
    text = str(dtype)
    if text.startswith(("Int", "int", "Float", "float")):
        return "number"
    if text in ("boolean", "bool"):
        return "boolean"
    if text.startswith("datetime"):
        return "time"
    if text in ("string", "str"):
        return "string"
    return "object"


def _cell(value: Any) -> Any:
    """A frame cell as JSON for the browser."""
    if isinstance(value, (list, dict)):
        return plain_value(value)
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    value = plain_value(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class Table(RpcWidget):
    """A table of items or annotations, from the store or from a DataFrame.

    >>> table = dl.Table(dataset)                      # items, read page by page
    >>> table = dl.Table(dataset, filters=f)           # items that match a filter
    >>> table = dl.Table(df, dataset=dataset)          # a frame of to_df(), written back on edit
    >>> table.selected                                 # the selected items (or annotations)
    """

    _esm = STATIC / "table.js"
    _css = STATIC / "table.css"

    columns = t.List(t.Dict()).tag(sync=True)
    count = t.Int(0).tag(sync=True)
    page = t.Int(0).tag(sync=True)
    page_size = t.Int(25).tag(sync=True)
    sort = t.List(t.Unicode()).tag(sync=True)  # [column, "ascending" | "descending"] or []
    column_filters = t.Dict().tag(sync=True)
    selected_ids = t.List(t.Unicode()).tag(sync=True)
    revision = t.Int(0).tag(sync=True)
    title = t.Unicode("").tag(sync=True)
    colors = t.Dict().tag(sync=True)

    def __init__(
        self,
        source: Any,
        filters: Filters | None = None,
        dataset: Dataset | None = None,
        resource: str | None = None,
        page_size: int = 25,
        **kwargs: Any,
    ) -> None:
        self._frame: pd.DataFrame | None = None
        self._source: Source | None = None
        self._dataset = dataset
        if isinstance(source, pd.DataFrame):
            self._frame = source
            self.resource = resource or ("annotations" if "item_id" in source.columns else "items")
        else:
            if resource is None and filters is not None:
                resource = "annotations" if str(filters.resource) == "annotations" else "items"
            self._source = Source(source, filters, resource or "items")
            self.resource = self._source.resource
            self._dataset = self._source.owner()
        self._page_rows: dict[str, int] = {}  # id -> version, of the rows on screen
        super().__init__(page_size=page_size, **kwargs)
        self.add_class("dl-table-widget")
        self.refresh()

    # -- what is shown -------------------------------------------------------------------
    @property
    def editable(self) -> bool:
        frame_ok = self._frame is None or {"id", "version"} <= set(self._frame.columns)
        return self._dataset is not None and frame_ok

    @property
    def filters(self) -> Filters | None:
        return self._source.filters if self._source is not None else None

    @filters.setter
    def filters(self, filters: Filters | None) -> None:
        if self._source is None:
            raise BadRequestError("A table over a DataFrame has no store filter; filter the frame")
        self._source.set_filters(filters)
        self.page = 0
        self.refresh()

    def refresh(self) -> None:
        """Read the columns and the count again and reload the page."""
        self.columns = self._columns()
        self.count = self._count()
        self.title = (
            self._source.describe()
            if self._source is not None
            else f"DataFrame of {len(self._frame):,} {self.resource}"
        )
        if self._dataset is not None:
            self.colors = dataset_colors(self._dataset)
        self.revision += 1

    def _columns(self) -> list[dict]:
        if self._frame is not None:
            names, kinds = (
                list(self._frame.columns),
                {c: _dtype_kind(d) for c, d in self._frame.dtypes.items()},
            )
        else:
            names, kinds = self._store_columns()
        order = [c for c in LEADING[self.resource] if c in names]
        order += sorted(c for c in names if str(c).startswith(USER_PREFIX))
        order += [c for c in TRAILING[self.resource] if c in names and c not in order]
        if self._frame is not None:
            order += [c for c in names if c not in order]
        fields = DQL_FIELDS[self.resource]

        def queryable(column: Any) -> bool:  # sorted and filtered in pandas or as DQL
            in_dql = column in fields or str(column).startswith(USER_PREFIX)
            return self._frame is not None or (self._source.dataset is not None and in_dql)

        return [
            {"name": str(c), "kind": kinds.get(c, "object"), "editable": self._is_editable(c),
             "sortable": queryable(c), "filterable": queryable(c)}
            for c in order
        ]  # fmt: skip

    def _is_editable(self, column: Any) -> bool:
        """User metadata, and the items' description or the annotations' label, when the rows
        can be written back (a dataset, and ids and versions)."""
        fixed = writeback.ITEMS.fixed if self.resource == "items" else writeback.ANNOTATIONS.fixed
        return self.editable and (str(column).startswith(USER_PREFIX) or column in fixed)

    def _store_columns(self) -> tuple[list[str], dict[str, str]]:
        sample = typed_frame([], self.resource)
        kinds = {c: _dtype_kind(d) for c, d in sample.dtypes.items()}
        if self.resource == "items" and self._dataset is not None:
            for info in discover(self._dataset.client, self._dataset.id):
                if info.resource == "items" and info.name.startswith(USER_PREFIX):
                    kinds[info.name] = {"presence": "object"}.get(info.kind, info.kind)
        else:
            first = self._source.page(0, self.page_size)
            frame = typed_frame([ROW_OF[self.resource](e) for e in first], self.resource)
            kinds.update({c: _dtype_kind(d) for c, d in frame.dtypes.items() if c not in kinds})
        return list(kinds), kinds

    def _count(self) -> int:
        if self._frame is not None:
            return int(self._filtered_frame().shape[0])
        return self._source_with(self.column_filters, None).count()

    def _source_with(self, column_filters: dict, sort: list | None) -> Source:
        """The store source narrowed by the column filters and sorted (as DQL)."""
        source = self._source
        if source.dataset is None or (not column_filters and not sort):
            return source
        base = source.filters or Filters(
            resource="annotations" if self.resource == "annotations" else "items"
        )
        query = base.prepare()
        conditions = [query.get("filter") or {}]
        conditions += [
            _dql_condition(self._field(c), text, self._kind(c))
            for c, text in column_filters.items()
            if str(text).strip()
        ]
        narrowed = Filters(resource=base.resource, custom_filter={"filter": {"$and": conditions}})
        narrowed.join = copy.deepcopy(query.get("join"))
        if sort:
            narrowed.sort_by(self._field(sort[0]), sort[1])
        else:
            narrowed.sort = dict(query.get("sort") or {})
        return Source(source.dataset, narrowed, self.resource)

    def _field(self, column: str) -> str:
        if column.startswith(USER_PREFIX):
            return column
        field = DQL_FIELDS[self.resource].get(column)
        if field is None:
            raise BadRequestError(f"Column {column!r} cannot be sorted or filtered in the store")
        return field

    def _kind(self, column: str) -> str:
        return next((c["kind"] for c in self.columns if c["name"] == column), "object")

    def _filtered_frame(self) -> pd.DataFrame:
        frame = self._frame
        for column, text in self.column_filters.items():
            text = str(text).strip()
            if not text or column not in frame.columns:
                continue
            values = frame[column]
            match = NUMBER_FILTER.match(text) if self._kind(column) == "number" else None
            if match:
                op, number = match.group(1) or "=", float(match.group(2))
                numbers = pd.to_numeric(values, errors="coerce")
                mask = {"<": numbers < number, ">": numbers > number, "=": numbers == number}[op]
            else:
                mask = values.astype(str).str.contains(text, case=False, regex=False)
            frame = frame[mask.fillna(False).astype(bool)]
        return frame

    def _page_frame(self, number: int, size: int) -> pd.DataFrame:
        if self._frame is not None:
            frame = self._filtered_frame()
            if self.sort:
                frame = frame.sort_values(
                    self.sort[0],
                    ascending=self.sort[1] == "ascending",
                    na_position="last",
                    kind="stable",
                )
            return frame.iloc[number * size : (number + 1) * size]
        entities = self._source_with(self.column_filters, list(self.sort)).page(number, size)
        return typed_frame([ROW_OF[self.resource](e) for e in entities], self.resource)

    # -- requests from the browser -----------------------------------------------------------
    def _rpc_rows(self, message: dict, _buffers: list) -> dict:
        number, size = int(message.get("page", 0)), int(message.get("size", self.page_size))
        if not 0 < size <= 500 or number < 0:
            raise BadRequestError(f"No page {number} of size {size}")
        frame = self._page_frame(number, size)
        names = [c["name"] for c in self.columns]
        ids = (
            [str(v) for v in frame["id"]]
            if "id" in frame.columns
            else [str(i) for i in frame.index]
        )
        self._page_rows = (
            {str(i): int(v) for i, v in zip(frame["id"], frame["version"])}
            if {"id", "version"} <= set(frame.columns)
            else {}
        )
        rows = [
            [_cell(frame[c].iloc[n]) if c in frame.columns else None for c in names]
            for n in range(len(frame))
        ]
        return {"page": number, "ids": ids, "rows": rows}

    def _rpc_filter(self, message: dict, _buffers: list) -> dict:
        filters = message.get("filters") or {}
        if not isinstance(filters, dict):
            raise BadRequestError("Column filters must be an object")
        self.column_filters = {str(k): str(v) for k, v in filters.items() if str(v).strip()}
        self.page = 0
        self.count = self._count()
        self.revision += 1
        return {"count": self.count}

    def _rpc_edit(self, message: dict, _buffers: list) -> dict:
        row_id, column = str(message.get("row")), str(message.get("column"))
        spec = next((c for c in self.columns if c["name"] == column), None)
        if spec is None or not spec["editable"]:
            raise BadRequestError(f"Column {column!r} is not editable")
        value = _parse(message.get("value"), spec["kind"], bool(message.get("json")))
        version = self._page_rows.get(row_id)
        if version is None:
            raise BadRequestError(f"Row {row_id} is not on the page; reload it")
        edit = pd.DataFrame(
            {"id": [row_id], "version": [version], column: pd.Series([value], dtype=object)}
        )
        repo = self._dataset.items if self.resource == "items" else self._dataset.annotations
        result = repo.update_from_df(edit)
        if len(result.conflicts):
            self.revision += 1
            raise ConflictError(
                f"{row_id} was changed by someone else since it was shown; "
                "the page was reloaded, edit it again"
            )
        self._page_rows[row_id] = version + 1
        if self._frame is not None:
            self._update_frame(row_id, column, value, version + 1)
        self.revision += 1
        return {"changed": len(result.changes)}

    def _update_frame(self, row_id: str, column: str, value: Any, version: int) -> None:
        """The user's frame shows the edit and the row's new version."""
        frame = self._frame
        rows = frame["id"] == row_id
        if column not in frame.columns:
            frame[column] = None
        if not _fits(frame[column], value):
            frame[column] = frame[column].astype(object)
        frame.loc[rows, column] = pd.Series(
            [value] * int(rows.sum()), index=frame.index[rows], dtype=object
        )
        frame.loc[rows, "version"] = version

    def _rpc_preview(self, message: dict, _buffers: list) -> Reply:
        ids = [str(i) for i in (message.get("ids") or [])][:PREVIEW_LIMIT]
        if self._dataset is None or not ids:
            return Reply({"tiles": []})
        item_ids = ids if self.resource == "items" else self._items_of_annotations(ids)
        shown = tiles(
            self._dataset.client.store, items_by_id(self._dataset, item_ids), PREVIEW_SIZE
        )
        return Reply(
            {"tiles": [tile.meta() for tile in shown]},
            [tile.thumbnail for tile in shown if tile.thumbnail is not None],
        )

    def _items_of_annotations(self, ids: list[str]) -> list[str]:
        return list(dict.fromkeys(a.item_id for a in self._annotations(ids)))

    def _annotations(self, ids: list[str]) -> list:
        pages = self._dataset.annotations.list(
            filters=Filters(
                resource="annotations", field="id", values=ids, operator="in", use_defaults=False
            ),
            page_size=max(len(ids), 1),
        )
        by_id = {a.id: a for a in pages.items}
        return [by_id[i] for i in ids if i in by_id]

    # -- selection -----------------------------------------------------------------------
    @property
    def selected(self) -> list:
        """The entities of the selected rows (items, or annotations), read from the store."""
        if self._dataset is None:
            raise BadRequestError("This table has no dataset: give dataset= to read its rows")
        ids = list(self.selected_ids)
        return (
            items_by_id(self._dataset, ids) if self.resource == "items" else self._annotations(ids)
        )


def _fits(column: pd.Series, value: Any) -> bool:
    """Whether ``value`` can go into ``column`` without changing its dtype."""
    if value is None or str(column.dtype) == "object":
        return True
    kind = _dtype_kind(column.dtype)
    if isinstance(value, bool):
        return kind == "boolean"
    if isinstance(value, (int, float)):
        return kind == "number" and (isinstance(value, int) or str(column.dtype).startswith("F"))
    return isinstance(value, str) and kind == "string"


def _dql_condition(field: str, text: str, kind: str) -> dict:
    """A column filter typed in the table as a DQL condition: ``>5``, ``<2``, ``=3`` or a
    number for numbers, ``true``/``false`` for booleans, else a substring (``*text*``)."""
    text = text.strip()
    if kind == "number":
        match = NUMBER_FILTER.match(text)
        if not match:
            raise BadRequestError(
                f"Filter of {field!r} must be a number, optionally after <, > or ="
            )
        op, number = match.group(1) or "=", float(match.group(2))
        number = int(number) if number.is_integer() else number
        return {field: number} if op == "=" else {field: {"$gt" if op == ">" else "$lt": number}}
    if kind == "boolean":
        return {field: text.lower() in ("true", "1", "yes")}
    return {field: f"*{text}*"}


def _parse(text: Any, kind: str, as_json: bool) -> Any:
    """A value typed in a cell, for a column of ``kind``; empty means "no value"."""
    if not isinstance(text, str):
        return text
    if not text.strip():
        return None
    if as_json or kind == "object":
        try:
            return json.loads(text)
        except ValueError:
            return text
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            raise BadRequestError(f"{text!r} is not a number") from None
        return int(number) if number.is_integer() and "." not in text else number
    if kind == "boolean":
        if text.strip().lower() not in ("true", "false"):
            raise BadRequestError(f"{text!r} is not true or false")
        return text.strip().lower() == "true"
    return text
