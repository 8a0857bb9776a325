"""The filter builder's model: conditions in AND/OR groups, conditions on annotations, sort.

Pure Python (no widgets), so that loading a ``dl.Filters`` into the builder and building one
from it are tested without a browser. ``FilterTree.from_filters(f).to_filters()`` gives a
filter that selects the same items as ``f``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dl_jupyter.dql.filters import Filters
from dl_jupyter.enums import FiltersResource
from dl_jupyter.exceptions import BadRequestError

AND, OR = "and", "or"
DEFAULTS = ({"hidden": False}, {"type": "file"})  # what every item filter starts with


@dataclass
class Condition:
    """``field <operator> value`` (operator as in DQL: eq, ne, gt, lt, in, nin, exists)."""

    field: str
    operator: str = "eq"
    value: Any = None

    def to_dql(self) -> dict:
        if self.operator == "eq":
            return {self.field: self.value}
        return {self.field: {f"${self.operator}": self.value}}


@dataclass
class Group:
    """Conditions and groups joined by AND or OR."""

    method: str = AND
    children: list[Condition | Group] = field(default_factory=list)

    def to_dql(self) -> dict:
        return {f"${self.method}": [child.to_dql() for child in self.children]}


@dataclass
class FilterTree:
    """What the builder edits: item conditions, conditions on the items' annotations, sort."""

    items: Group = field(default_factory=Group)
    annotations: Group = field(default_factory=Group)
    sort: list[tuple[str, str]] = field(default_factory=list)

    def to_filters(self) -> Filters:
        """The ``dl.Filters`` of the tree (item resource, defaults included)."""
        conditions: list[dict] = [dict(d) for d in DEFAULTS]
        if self.items.children:
            if self.items.method == AND:
                conditions += [child.to_dql() for child in self.items.children]
            else:
                conditions.append(self.items.to_dql())
        filters = Filters(custom_filter={"filter": {"$and": conditions}})
        for condition in self.annotations.children:
            if isinstance(condition, Group):
                raise BadRequestError("Conditions on annotations cannot be nested in groups")
            filters.add_join(
                condition.field, condition.value, condition.operator, method=self.annotations.method
            )
        for name, direction in self.sort:
            filters.sort_by(name, direction)
        return filters

    @classmethod
    def from_filters(cls, filters: Filters | Mapping) -> FilterTree:
        """The tree of an item filter (a ``dl.Filters`` or its DQL JSON)."""
        query = filters.prepare() if isinstance(filters, Filters) else dict(filters)
        if query.get("resource", FiltersResource.ITEM.value) != FiltersResource.ITEM.value:
            raise BadRequestError(
                f"The filter builder builds item filters; this one is on {query.get('resource')!r}"
            )
        root = _group(query.get("filter") or {}, AND)
        root.children = [c for c in root.children if not _is_default(c)]
        if len(root.children) == 1 and isinstance(root.children[0], Group):
            root = root.children[0]
        tree = cls(items=root, sort=[(k, str(v)) for k, v in (query.get("sort") or {}).items()])
        join = query.get("join")
        if join:
            join_filter = join.get("filter") or {}
            lists = [k for k in ("$and", "$or") if join_filter.get(k)]
            if len(lists) > 1 or set(join_filter) - {"$and", "$or"}:
                raise BadRequestError(
                    "The builder shows annotation conditions joined all by AND or "
                    "all by OR; this filter mixes them"
                )
            method = lists[0][1:] if lists else AND
            tree.annotations = Group(
                method, [_condition(c) for c in join_filter.get(lists[0], [])] if lists else []
            )
        return tree


def _is_default(node: Condition | Group) -> bool:
    return (
        isinstance(node, Condition)
        and node.operator == "eq"
        and {node.field: node.value} in DEFAULTS
    )


def _node(condition: Mapping) -> Condition | Group:
    """One element of a DQL ``$and``/``$or`` list."""
    if len(condition) == 1:
        key, value = next(iter(condition.items()))
        if key in ("$and", "$or"):
            return _group({key: value}, key[1:])
        return _field(key, value)
    return _group(condition, AND)


def _group(condition: Mapping, method: str) -> Group:
    """A DQL condition object as a group with ``method`` (nested lists of the same method merge)."""
    if not isinstance(condition, Mapping):
        raise BadRequestError(f"A DQL condition must be an object, got {condition!r}")
    group = Group(method)
    for key, value in condition.items():
        if key in ("$and", "$or"):
            if not isinstance(value, list):
                raise BadRequestError(f"{key} takes a list of conditions, got {value!r}")
            members = [_node(c) for c in value]
            if key[1:] == method or len(members) == 1:
                group.children += members
            else:
                group.children.append(Group(key[1:], members))
        else:
            group.children.append(_field(key, value))
    return group


def _field(name: str, value: Any) -> Condition | Group:
    """``{name: value}``: one condition, or an AND of several operators on the field."""
    if isinstance(value, Mapping) and len(value) > 1 and all(str(k).startswith("$") for k in value):
        return Group(AND, [_condition({name: {op: operand}}) for op, operand in value.items()])
    return _condition({name: value})


def _condition(condition: Mapping) -> Condition:
    if len(condition) != 1:
        raise BadRequestError(f"Expected one field condition, got {dict(condition)!r}")
    name, value = next(iter(condition.items()))
    if name.startswith("$"):
        raise BadRequestError(f"Expected a field condition, got {dict(condition)!r}")
    if isinstance(value, Mapping) and len(value) == 1 and str(next(iter(value))).startswith("$"):
        operator, operand = next(iter(value.items()))
        return Condition(name, operator[1:], copy.deepcopy(operand))
    return Condition(name, "eq", copy.deepcopy(value))
