"""Which items an operation applies to (filters, a DQL query, or a list of items), and who
gets them (assignee ids or a workload), checked before anything is written."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from dl_jupyter.dql.compile import as_query, compile_query
from dl_jupyter.entities.task import Workload
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.store import schema

items = schema.items
LOAD_TOLERANCE = 0.01


@dataclass
class Selection:
    """A condition on ``items`` (within one dataset), the query's order, and its DQL."""

    where: ColumnElement[bool]
    order: list[tuple[ColumnElement, bool]] = field(default_factory=list)
    query: dict = field(default_factory=dict)


def item_ids(values: Any) -> list[str]:
    """Ids from items, ids, or pages of items."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        values = [values]
    elif hasattr(values, "all") and not isinstance(values, list):
        values = list(values.all())
    ids = [getattr(v, "id", v) for v in values]
    if not all(isinstance(i, str) and i for i in ids):
        raise BadRequestError(f"items must be items or item ids, got {values!r}")
    return list(dict.fromkeys(ids))


def select_items(
    dialect: str,
    dataset_id: str,
    filters: Any = None,
    items_: Any = None,
    query: Any = None,
    required: bool = False,
) -> Selection:
    """The items named by ``items_``, else ``filters`` or ``query``, else every visible file."""
    if items_ is not None:
        ids = item_ids(items_)
        return Selection(where=items.c.id.in_(ids), query={"filter": {"id": {"$in": ids}}})
    chosen = filters if filters is not None else query
    if chosen is None and required:
        raise BadRequestError("Give filters, items or query")
    dql = as_query(chosen, "items")
    if dql.get("resource") != "items":
        raise BadRequestError(
            f"Task items are chosen with an items filter, got resource {dql.get('resource')!r}"
        )
    compiled = compile_query(dql, dialect, dataset_id)
    return Selection(where=compiled.where, order=compiled.order_by, query=dql)


def with_condition(filters: Any, field_name: str, value: Any) -> dict:
    """The DQL of ``filters`` (items, defaults when None) with one more condition ANDed."""
    dql = copy.deepcopy(as_query(filters, "items"))
    condition = dql.setdefault("filter", {})
    condition.setdefault("$and", []).append({field_name: value})
    return dql


def workload_of(assignee_ids: Any = None, workload: Any = None) -> Workload | None:
    """The split of items between assignees: ``workload``, else an equal split of
    ``assignee_ids``, else None (nobody yet)."""
    if workload is not None:
        chosen = Workload.of(workload)
    elif assignee_ids is not None:
        ids = [assignee_ids] if isinstance(assignee_ids, str) else list(assignee_ids)
        if not all(isinstance(a, str) for a in ids):
            raise BadRequestError(f"assignee_ids must be a list of emails, got {assignee_ids!r}")
        chosen = Workload.generate(ids)
    else:
        return None
    if not len(chosen):
        raise BadRequestError("The workload names nobody: give at least one assignee")
    names = chosen.assignee_ids
    if len(set(names)) != len(names):
        raise BadRequestError(f"An assignee appears twice in the workload: {names}")
    total = sum(unit.load for unit in chosen)
    if abs(total - 100) > LOAD_TOLERANCE:
        raise BadRequestError(
            f"Workload loads must sum to 100, got {total:g} "
            f"({', '.join(f'{u.assignee_id}: {u.load:g}' for u in chosen)})"
        )
    return chosen


def gold_selection(
    dataset_id: str, gold_items: Any, gold_filters: Any, dialect: str
) -> ColumnElement[bool]:
    """Gold items of a honeypot task: those given, else the dataset's items with known solutions."""
    if gold_items is not None:
        return items.c.id.in_(item_ids(gold_items))
    if gold_filters is not None:
        return compile_query(as_query(gold_filters, "items"), dialect, dataset_id).where
    s = schema.item_solutions
    return items.c.id.in_(
        sa.select(s.c.item_id).where(s.c.dataset_id == dataset_id, s.c.kind == "known")
    )
