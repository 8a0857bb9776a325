"""``dl.Filters``: the Dataloop SDK's query builder, producing DQL JSON.

The builder only collects conditions; ``prepare()`` gives the DQL JSON of the SDK
(``{"resource", "filter": {"$and": [...], "$or": [...]}, "join", "sort", "page",
"pageSize"}``) and ``dl_jupyter.dql.compile`` turns that JSON into parameterised SQL.
"""

from __future__ import annotations

import copy
import json
import posixpath
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from dl_jupyter import _html
from dl_jupyter.enums import (
    FiltersMethod,
    FiltersOperations,
    FiltersOrderByDirection,
    FiltersResource,
)
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.store.timeutil import to_iso

DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 1000

# Every annotation type but notes, which the default filters leave out.
ANNOTATION_TYPES_BUT_NOTE = [
    "box", "cube", "class", "ellipse", "point", "segment", "polyline", "pose", "binary",
    "subtitle", "text_mark", "text", "comparison", "item_description",
]  # fmt: skip

_JOIN_ON = {
    FiltersResource.ITEM: {"resource": "annotations", "local": "itemId", "forigen": "id"},
    FiltersResource.ANNOTATION: {"resource": "items", "local": "id", "forigen": "itemId"},
}


def plain_value(value: Any) -> Any:
    """``value`` with numpy/pandas scalars, tuples and datetimes turned into JSON values."""
    if isinstance(value, datetime):
        return to_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [plain_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain_value(v) for k, v in value.items()}
    item = getattr(value, "item", None)  # numpy and pandas scalars
    if callable(item) and not isinstance(value, (str, bytes)):
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def _condition(field: str, values: Any, operator: FiltersOperations) -> dict:
    if not isinstance(field, str) or not field:
        raise BadRequestError(f"A filter field must be a non-empty string, got {field!r}")
    values = plain_value(values)
    if operator == FiltersOperations.EQUAL:
        return {field: values}
    if operator in (FiltersOperations.IN, FiltersOperations.NIN) and not isinstance(values, list):
        values = [values]
    return {field: {f"${operator.value}": values}}


def _operator(operator: Any) -> FiltersOperations:
    if operator is None:
        return FiltersOperations.EQUAL
    try:
        return FiltersOperations(str(operator).lower().lstrip("$"))
    except ValueError:
        known = sorted({o.value for o in FiltersOperations})
        raise BadRequestError(
            f"Unknown filter operator: {operator!r}; use one of {known}"
        ) from None


def _method(method: Any) -> FiltersMethod:
    try:
        return FiltersMethod(str(method).lower().lstrip("$"))
    except ValueError:
        raise BadRequestError(f"Unknown filter method: {method!r}; use 'and' or 'or'") from None


def _resource(resource: Any) -> FiltersResource:
    try:
        return FiltersResource(str(resource))
    except ValueError:
        known = sorted(r.value for r in FiltersResource)
        raise BadRequestError(
            f"Unknown filter resource: {resource!r}; use one of {known}"
        ) from None


class Filters:
    """Conditions on items or annotations, in the Dataloop SDK's shape.

    >>> filters = Filters(field="dir", values="/dogs")
    >>> filters.add_join(field="label", values=["dog", "cat"], operator="in")
    >>> filters.sort_by(field="filename")
    """

    def __init__(
        self,
        field: str | None = None,
        values: Any = None,
        operator: Any = None,
        method: Any = None,
        custom_filter: Mapping | None = None,
        resource: Any = FiltersResource.ITEM,
        use_defaults: bool = True,
        context: Mapping | None = None,
        page_size: int | None = None,
    ) -> None:
        self._resource = _resource(resource)
        self.use_defaults = use_defaults
        self.context = dict(context) if context else None
        self._method = FiltersMethod.AND
        self.page = 0
        self.page_size = DEFAULT_PAGE_SIZE if page_size is None else page_size
        self.custom_filter = None
        self.reset()
        if method is not None:
            self._method = _method(method)
        if custom_filter is not None:
            self.custom_filter = self._custom(custom_filter)
        if field is not None:
            self.add(field=field, values=values, operator=operator, method=method)

    # -- state -------------------------------------------------------------------------
    def reset(self) -> None:
        """Drop every condition, join and sort, and put the defaults back."""
        self.and_filter_list: list[dict] = []
        self.or_filter_list: list[dict] = []
        self.join: dict | None = None
        self.sort: dict[str, str] = {}
        self._unique_fields: set[str] = set()
        if self.use_defaults:
            self._add_defaults()

    def _add_defaults(self) -> None:
        if self._resource == FiltersResource.ITEM:
            self.and_filter_list += [{"hidden": False}, {"type": "file"}]
            self._unique_fields = {"hidden", "type"}
        elif self._resource == FiltersResource.ANNOTATION:
            self.and_filter_list.append({"type": {"$in": list(ANNOTATION_TYPES_BUT_NOTE)}})
            self._unique_fields = {"type"}

    @property
    def resource(self) -> FiltersResource:
        return self._resource

    @resource.setter
    def resource(self, resource: Any) -> None:
        """Changing the resource starts over, as the SDK does."""
        self._resource = _resource(resource)
        self.reset()

    @property
    def method(self) -> FiltersMethod:
        """The method later ``add`` calls use when they pass none."""
        return self._method

    @method.setter
    def method(self, method: Any) -> None:
        self._method = _method(method)

    @property
    def page_size(self) -> int:
        return self._page_size

    @page_size.setter
    def page_size(self, size: int) -> None:
        size = plain_value(size)
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise BadRequestError(f"page_size must be a non-negative integer, got {size!r}")
        self._page_size = min(size, MAX_PAGE_SIZE)

    # -- building ----------------------------------------------------------------------
    def add(self, field: str, values: Any, operator: Any = None, method: Any = None) -> Filters:
        """Add a condition on the queried resource; AND unless ``method`` (or ``self.method``)
        is OR."""
        op = _operator(operator)
        how = self._method if method is None else _method(method)
        if (
            self._resource == FiltersResource.ITEM
            and field == "filename"
            and op == FiltersOperations.EQUAL
            and isinstance(values, str)
        ):
            values = _recursive_filename(values)
        condition = _condition(field, values, op)
        if how == FiltersMethod.OR:
            self.or_filter_list.append(condition)
            return self
        if field in self._unique_fields:
            self.and_filter_list = [c for c in self.and_filter_list if field not in c]
            self._unique_fields.discard(field)
        self.and_filter_list.append(condition)
        return self

    def add_join(
        self, field: str, values: Any, operator: Any = None, method: Any = FiltersMethod.AND
    ) -> Filters:
        """Add a condition on the other resource: an item's annotations, or an annotation's item."""
        if self._resource not in _JOIN_ON:
            raise BadRequestError(f"add_join works on items and annotations, not {self._resource}")
        condition = _condition(field, values, _operator(operator))
        if self.join is None:
            self.join = {"on": dict(_JOIN_ON[self._resource]), "filter": {}}
        key = "$or" if _method(method) == FiltersMethod.OR else "$and"
        self.join["filter"].setdefault(key, []).append(condition)
        return self

    def pop(self, field: str) -> None:
        """Remove every condition on ``field``."""
        self.and_filter_list = [c for c in self.and_filter_list if field not in c]
        self.or_filter_list = [c for c in self.or_filter_list if field not in c]
        self._unique_fields.discard(field)

    def pop_join(self, field: str) -> None:
        """Remove the join conditions on ``field`` (and the join when none is left)."""
        if self.join is None:
            return
        for key in ("$and", "$or"):
            kept = [c for c in self.join["filter"].get(key, []) if field not in c]
            if kept:
                self.join["filter"][key] = kept
            else:
                self.join["filter"].pop(key, None)
        if not self.join["filter"]:
            self.join = None

    def has_field(self, field: str) -> bool:
        return any(field in c for c in self.and_filter_list + self.or_filter_list)

    def sort_by(self, field: str, value: Any = FiltersOrderByDirection.ASCENDING) -> Filters:
        """Sort by ``field``; call again for secondary keys (the first call is the primary)."""
        try:
            direction = FiltersOrderByDirection(str(value).lower())
        except ValueError:
            raise BadRequestError(
                f"Sort direction must be 'ascending' or 'descending', got {value!r}"
            ) from None
        self.sort[field] = direction.value
        return self

    def _custom(self, custom: Mapping) -> dict:
        if isinstance(custom, str):
            try:
                custom = json.loads(custom)
            except json.JSONDecodeError as exc:
                raise BadRequestError(f"custom_filter is not valid JSON: {exc}") from None
        if not isinstance(custom, Mapping):
            raise BadRequestError(f"custom_filter must be a dict, got {type(custom).__name__}")
        custom = plain_value(custom)
        return custom if "filter" in custom else {"filter": custom}

    # -- output ------------------------------------------------------------------------
    def prepare(
        self,
        operation: str | None = None,
        update: Mapping | None = None,
        query_only: bool = False,
        system_update: Mapping | None = None,
        system_metadata: bool = False,
    ) -> dict:
        """The DQL JSON of this filter, as the SDK sends it to the platform."""
        if self.custom_filter is not None:
            query = copy.deepcopy(self.custom_filter)
            query.setdefault("resource", self._resource.value)
            query.setdefault("page", self.page)
            query.setdefault("pageSize", self.page_size)
            if self.join is not None:
                query.setdefault("join", copy.deepcopy(self.join))
            if self.sort:
                query.setdefault("sort", dict(self.sort))
        else:
            condition: dict[str, list] = {}
            if self.and_filter_list:
                condition["$and"] = copy.deepcopy(self.and_filter_list)
            if self.or_filter_list:
                condition["$or"] = copy.deepcopy(self.or_filter_list)
            query = {
                "filter": condition,
                "sort": dict(self.sort),
                "page": self.page,
                "pageSize": self.page_size,
                "resource": self._resource.value,
            }
            if self.join is not None:
                query["join"] = copy.deepcopy(self.join)
        if query_only:
            query.pop("sort", None)
            query.pop("page", None)
            query.pop("pageSize", None)
        if operation == "update":
            if system_metadata and system_update:
                query["systemSpace"] = True
                query["update"] = {"metadata": {"system": plain_value(dict(system_update))}}
            else:
                query["update"] = {"metadata": {"user": plain_value(dict(update or {}))}}
        elif operation == "delete":
            query["delete"] = True
            query.pop("sort", None)
            if self._resource == FiltersResource.ITEM:
                query.pop("page", None)
                query.pop("pageSize", None)
        elif operation is not None:
            raise BadRequestError(f"Unknown filter operation: {operation!r}")
        return query

    def describe(self) -> str:
        """The filter as one readable line, e.g. ``hidden = false AND dir = '/dogs'``."""
        return describe_query(self.prepare())

    def __repr__(self) -> str:
        return f"Filters(resource={self._resource.value!r}, query={self.describe()!r})"

    def print(self) -> None:
        print(json.dumps(self.prepare(), indent=2))

    def _repr_html_(self) -> str:
        query = self.prepare()
        rows = [("resource", query["resource"]), ("filter", describe_query(query))]
        if query.get("sort"):
            rows.append(("sort", ", ".join(f"{k} {v}" for k, v in query["sort"].items())))
        return _html.table(rows, title="Filters")


def _recursive_filename(value: str) -> str:
    """The SDK's rule: a folder-like filename (no wildcard, no extension) matches recursively."""
    if value.endswith("*") or posixpath.splitext(value)[1]:
        return value
    return value.rstrip("/") + "/**"


_OP_TEXT = {"ne": "!=", "gt": ">", "lt": "<", "in": "in", "nin": "not in"}


def _describe_condition(cond: Mapping) -> str:
    parts = []
    for key, value in cond.items():
        if key in ("$and", "$or"):
            joiner = " AND " if key == "$and" else " OR "
            parts.append("(" + joiner.join(_describe_condition(c) for c in value) + ")")
        elif isinstance(value, Mapping) and len(value) == 1 and next(iter(value)).startswith("$"):
            op, operand = next(iter(value.items()))
            op = op[1:]
            if op == "exists":
                parts.append(f"{key} {'exists' if operand else 'does not exist'}")
            else:
                parts.append(f"{key} {_OP_TEXT.get(op, op)} {json.dumps(operand)}")
        else:
            parts.append(f"{key} = {json.dumps(value)}")
    return " AND ".join(parts)


def describe_query(query: Mapping) -> str:
    """A DQL JSON query as one readable line."""
    condition = query.get("filter") or {}
    text_parts = []
    if condition.get("$and"):
        text_parts.append(" AND ".join(_describe_condition(c) for c in condition["$and"]))
    if condition.get("$or"):
        text_parts.append("(" + " OR ".join(_describe_condition(c) for c in condition["$or"]) + ")")
    extra = {k: v for k, v in condition.items() if k not in ("$and", "$or")}
    if extra:
        text_parts.append(_describe_condition(extra))
    text = " AND ".join(text_parts) or "everything"
    join = query.get("join")
    if join:
        text += f" AND {join['on']['resource']} has " + describe_query({"filter": join["filter"]})
    return text
