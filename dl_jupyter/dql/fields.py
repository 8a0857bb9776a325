"""What each DQL field means in SQL: a column, the item_fields index, a JSON path or a relation.

A field turns one condition (``op`` and value) into a SQL boolean expression and gives
its sort key; it checks the value against its kind first, so that a wrong value fails
with an error naming the field instead of matching nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from dl_jupyter.dql import sqlfuncs
from dl_jupyter.dql.values import BOOLEAN, NUMBER, STRING, TIME, is_number, normalise
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.store import item_fields as rows
from dl_jupyter.store import schema

OPERATORS = ("eq", "ne", "gt", "lt", "in", "nin", "exists", "match")


@dataclass(frozen=True)
class Context:
    """What compiling needs besides the query: the SQL dialect and the dataset in scope."""

    dialect: str
    dataset_id: str | None = None


class Field:
    """One DQL field; subclasses say how its conditions become SQL."""

    name: str

    def condition(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        if op == "exists":
            return self.exists(ctx) if _truthy(self.name, value) else sa.not_(self.exists(ctx))
        if op == "ne":
            return sa.not_(self.condition("eq", value, ctx))
        if op in ("in", "nin"):
            if not isinstance(value, list):
                raise BadRequestError(
                    f"Operator {op!r} on {self.name!r} takes a list, got {value!r}"
                )
            match_any = sa.or_(sa.false(), *(self.condition("eq", v, ctx) for v in value))
            return match_any if op == "in" else sa.not_(match_any)
        if op == "match":
            raise BadRequestError(f"Operator 'match' is not supported on {self.name!r}")
        if isinstance(value, (list, dict)):
            raise BadRequestError(
                f"Filter field {self.name!r} with {op!r} takes a single value, got {value!r}; "
                "to match any of several values use operator 'in'"
            )
        return self.compare(op, value, ctx)

    def compare(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        raise NotImplementedError

    def exists(self, ctx: Context) -> ColumnElement[bool]:
        return sa.true()

    def sort_key(self, ctx: Context) -> ColumnElement:
        raise BadRequestError(f"Cannot sort by {self.name!r}")


def _truthy(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise BadRequestError(f"Operator 'exists' on {field!r} takes true or false, got {value!r}")


@dataclass
class ColumnField(Field):
    """A plain column of the queried table."""

    name: str
    column: sa.Column
    kind: str = STRING

    def condition(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        if op in ("ne", "nin") and self.column.nullable:  # a missing value differs from any value
            return sa.or_(super().condition(op, value, ctx), self.column.is_(None))
        if (
            op in ("in", "nin")
            and isinstance(value, list)
            and not any(map(sqlfuncs.has_glob, value))
        ):
            match_any = self.column.in_([normalise(self.name, self.kind, v) for v in value])
            return match_any if op == "in" else sa.not_(match_any)
        return super().condition(op, value, ctx)

    def compare(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        if self.kind in (STRING, TIME) and sqlfuncs.has_glob(value) and op == "eq":
            return sqlfuncs.glob_match(self.column, value, ctx.dialect)
        value = normalise(self.name, self.kind, value)
        if op == "eq":
            return self.column == value
        if self.kind == BOOLEAN:
            raise BadRequestError(
                f"Operator {op!r} does not apply to true/false field {self.name!r}"
            )
        return self.column > value if op == "gt" else self.column < value

    def exists(self, ctx: Context) -> ColumnElement[bool]:
        return self.column.is_not(None)

    def sort_key(self, ctx: Context) -> ColumnElement:
        return self.column


@dataclass
class FilenameField(ColumnField):
    """``filename``: ``'/folder/*'`` lists the folder's own files, ``'/folder/**'`` all below."""

    dir_column: sa.Column | None = None

    def compare(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        if op == "eq" and isinstance(value, str) and value.endswith("/*") and "*" not in value[:-1]:
            return self.dir_column == (value[:-2] or "/")
        return super().compare(op, value, ctx)


@dataclass
class AnnotatedField(Field):
    """``annotated``: whether the item has annotations."""

    name: str
    count_column: sa.Column

    def compare(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        if op != "eq":
            raise BadRequestError(f"Operator {op!r} does not apply to true/false field 'annotated'")
        annotated = normalise(self.name, BOOLEAN, value)
        return self.count_column > 0 if annotated else self.count_column == 0

    def sort_key(self, ctx: Context) -> ColumnElement:
        return self.count_column > 0


@dataclass
class JsonField(Field):
    """A value inside a JSON column, compared as MongoDB does: like types, lists by element."""

    name: str
    column: sa.Column
    keys: Sequence[str]

    def condition(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        if op == "eq" and isinstance(value, (list, dict)):
            return sqlfuncs.json_equals_document(self.column, self.keys, value, ctx.dialect)
        return super().condition(op, value, ctx)

    def compare(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        if op == "eq" and sqlfuncs.has_glob(value):
            return sqlfuncs.json_compare(self.column, self.keys, "glob", value, ctx.dialect)
        if op in ("gt", "lt") and isinstance(value, str) and _numeric(value):
            number = normalise(self.name, NUMBER, value)
            return sa.or_(
                sqlfuncs.json_compare(self.column, self.keys, op, number, ctx.dialect),
                sqlfuncs.json_compare(self.column, self.keys, op, value, ctx.dialect),
            )
        return sqlfuncs.json_compare(self.column, self.keys, op, value, ctx.dialect)

    def exists(self, ctx: Context) -> ColumnElement[bool]:
        return sqlfuncs.json_exists(self.column, self.keys, ctx.dialect)

    def sort_key(self, ctx: Context) -> ColumnElement:
        return sqlfuncs.json_sort_key(self.column, self.keys, ctx.dialect)


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass
class UserMetadataField(Field):
    """``metadata.user.<key>`` of items, answered from the ``item_fields`` index table."""

    name: str
    key: str

    def _rows(self, ctx: Context, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
        f = schema.item_fields
        query = sa.select(f.c.item_id)
        if ctx.dataset_id is not None:
            query = query.where(f.c.dataset_id == ctx.dataset_id)
        return schema.items.c.id.in_(query.where(*conditions))

    def _key(self) -> ColumnElement[bool]:
        return schema.item_fields.c.key == self.key

    def condition(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        if op == "eq" and isinstance(value, (list, dict)):
            keys = ["user", *self.key.split(".")]
            return sqlfuncs.json_equals_document(schema.items.c.metadata, keys, value, ctx.dialect)
        if op in ("in", "nin") and isinstance(value, list) and all(_indexable(v) for v in value):
            match_any = self._rows(ctx, self._key(), _value_test_any(value))
            return match_any if op == "in" else sa.not_(match_any)
        return super().condition(op, value, ctx)

    def compare(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        f = schema.item_fields
        if op == "eq" and sqlfuncs.has_glob(value):
            test = sa.and_(
                f.c.vtype.in_((rows.STRING, rows.STRING_TRUNCATED)),
                sqlfuncs.glob_match(f.c.vtext, value, ctx.dialect),
            )
            return self._rows(ctx, self._key(), test)
        if op == "eq":
            if isinstance(value, str) and len(value) > rows.MAX_INDEXED_TEXT:
                keys = ["user", *self.key.split(".")]
                return sa.and_(
                    self._rows(
                        ctx,
                        self._key(),
                        f.c.vtype == rows.STRING_TRUNCATED,
                        f.c.vtext == value[: rows.MAX_INDEXED_TEXT],
                    ),
                    sqlfuncs.json_compare(schema.items.c.metadata, keys, "eq", value, ctx.dialect),
                )
            return self._rows(ctx, self._key(), _value_test_any([value]))
        column_op = (lambda c, v: c > v) if op == "gt" else (lambda c, v: c < v)
        if is_number(value):
            return self._rows(
                ctx, self._key(), f.c.vtype == rows.NUMBER, column_op(f.c.vnum, value)
            )
        if isinstance(value, str):
            text = sa.and_(
                f.c.vtype.in_((rows.STRING, rows.STRING_TRUNCATED)), column_op(f.c.vtext, value)
            )
            if _numeric(value):
                number = normalise(self.name, NUMBER, value)
                text = sa.or_(text, sa.and_(f.c.vtype == rows.NUMBER, column_op(f.c.vnum, number)))
            return self._rows(ctx, self._key(), text)
        raise BadRequestError(
            f"Operator {op!r} on {self.name!r} takes a number or a string, got {value!r}"
        )

    def exists(self, ctx: Context) -> ColumnElement[bool]:
        f = schema.item_fields
        if not self.key:
            return self._rows(ctx)
        below = sa.and_(f.c.key > self.key + ".", f.c.key < self.key + "/")
        return self._rows(ctx, sa.or_(f.c.key == self.key, below))

    def sort_key(self, ctx: Context) -> ColumnElement:
        keys = ["user", *self.key.split(".")] if self.key else ["user"]
        return sqlfuncs.json_sort_key(schema.items.c.metadata, keys, ctx.dialect)


def _indexable(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, (bool, int, float))
        or (isinstance(value, str) and len(value) <= rows.MAX_INDEXED_TEXT and "*" not in value)
    )


def _value_test_any(values: list) -> ColumnElement[bool]:
    """The item_fields rows holding any of ``values`` (short strings, numbers, booleans, null)."""
    f = schema.item_fields
    texts = [v for v in values if isinstance(v, str)]
    numbers = [v for v in values if is_number(v)]
    booleans = [float(v) for v in values if isinstance(v, bool)]
    tests = []
    if texts:
        tests.append(sa.and_(f.c.vtype == rows.STRING, f.c.vtext.in_(texts)))
    if numbers:
        tests.append(sa.and_(f.c.vtype == rows.NUMBER, f.c.vnum.in_(numbers)))
    if booleans:
        tests.append(sa.and_(f.c.vtype == rows.BOOLEAN, f.c.vnum.in_(booleans)))
    if any(v is None for v in values):
        tests.append(f.c.vtype == rows.NULL)
    return sa.or_(sa.false(), *tests)


@dataclass
class RefsField(Field):
    """``metadata.system.refs``: the tasks and assignments an item belongs to ([] = unassigned)."""

    name: str
    attribute: str | None = None  # None for the whole list, else 'id' or 'type'

    def _refs(self, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
        r = schema.item_refs
        return schema.items.c.id.in_(sa.select(r.c.item_id).where(*conditions))

    def condition(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        r = schema.item_refs
        if self.attribute is None:
            if op == "eq" and value == []:
                return sa.not_(self._refs())
            if op == "match" and isinstance(value, dict):
                return self._refs(*_ref_match(value))
            if op == "exists":
                return sa.true() if _truthy(self.name, value) else sa.false()
            if op == "ne" and value == []:
                return self._refs()
            raise BadRequestError(
                f"{self.name!r} takes [] (unassigned items) or operator 'match' with "
                f"{{'id': ..., 'type': ...}}, got {op!r} {value!r}"
            )
        column = r.c.ref_id if self.attribute == "id" else r.c.ref_type
        if op in ("in", "nin"):
            if not isinstance(value, list):
                raise BadRequestError(
                    f"Operator {op!r} on {self.name!r} takes a list, got {value!r}"
                )
            match_any = self._refs(column.in_([str(v) for v in value]))
            return match_any if op == "in" else sa.not_(match_any)
        return super().condition(op, value, ctx)

    def compare(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        column = (
            schema.item_refs.c.ref_id if self.attribute == "id" else schema.item_refs.c.ref_type
        )
        if op != "eq":
            raise BadRequestError(f"Operator {op!r} does not apply to {self.name!r}")
        return self._refs(column == str(value))


def _ref_match(spec: dict) -> list[ColumnElement[bool]]:
    r = schema.item_refs
    tests = []
    for key, expected in spec.items():
        if key == "id":
            tests.append(r.c.ref_id == str(expected))
        elif key == "type":
            tests.append(r.c.ref_type == str(expected))
        elif key in ("metadata", "metadata.status"):
            status = expected.get("status", expected) if key == "metadata" else expected
            if isinstance(status, dict) and "$exists" in status:
                tests.append(r.c.status.is_not(None) if status["$exists"] else r.c.status.is_(None))
            else:
                tests.append(r.c.status == str(status))
        else:
            raise BadRequestError(f"Unknown key in a refs match: {key!r}; use id, type or metadata")
    return tests


@dataclass
class AnnotationStatusField(Field):
    """``metadata.system.annotationStatus``: the item's statuses in its tasks, a list.

    A single value matches items whose list holds it; a list matches the list exactly.
    """

    name: str

    def _with_status(self, ctx: Context, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
        r = schema.item_refs
        query = sa.select(r.c.item_id).where(r.c.status.is_not(None), *conditions)
        if ctx.dataset_id is not None:
            query = query.where(r.c.dataset_id == ctx.dataset_id)
        return schema.items.c.id.in_(query)

    def condition(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        r = schema.item_refs
        if op == "eq" and isinstance(value, list):
            statuses = sorted({normalise(self.name, STRING, v) for v in value})
            if not statuses:
                return sa.not_(self._with_status(ctx))
            distinct = (
                sa.select(r.c.item_id)
                .where(r.c.status.is_not(None))
                .group_by(r.c.item_id)
                .having(sa.func.count(sa.distinct(r.c.status)) == len(statuses))
                .having(sa.func.sum(sa.case((r.c.status.in_(statuses), 0), else_=1)) == 0)
            )
            return schema.items.c.id.in_(distinct)
        if op == "exists":
            return (
                self._with_status(ctx)
                if _truthy(self.name, value)
                else sa.not_(self._with_status(ctx))
            )
        return super().condition(op, value, ctx)

    def compare(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        if op != "eq":
            raise BadRequestError(f"Operator {op!r} does not apply to {self.name!r}")
        status = normalise(self.name, STRING, value)
        if sqlfuncs.has_glob(status):
            match = sqlfuncs.glob_match(schema.item_refs.c.status, status, ctx.dialect)
            return self._with_status(ctx, match)
        return self._with_status(ctx, schema.item_refs.c.status == status)


@dataclass
class AttributesField(Field):
    """``attributes`` of annotations: any attribute value (legacy list entry, 2.0 dict value,
    or one of a checkbox's choices) equals the value."""

    name: str
    column: sa.Column

    def compare(self, op: str, value: Any, ctx: Context) -> ColumnElement[bool]:
        if op != "eq":
            raise BadRequestError(
                f"Operator {op!r} on 'attributes' is not supported; use eq, in or exists"
            )
        if ctx.dialect == sqlfuncs.SQLITE:
            tree = sa.func.json_tree(self.column).table_valued("atom", "type").alias()
            types = ("true",) if value is True else ("false",) if value is False else None
            test = tree.c.type.in_(types) if types else tree.c.atom == value
            return sa.exists(sa.select(sa.literal(1)).select_from(tree).where(test))
        return sa.func.jsonb_path_exists(
            self.column,
            sa.cast("strict $.** ? (@ == $v)", sqlfuncs.JSONPATH),
            sqlfuncs.jsonb_value({"v": value}),
        )

    def exists(self, ctx: Context) -> ColumnElement[bool]:
        return self.column.is_not(None)


# -- the catalogue ------------------------------------------------------------------------

_items = schema.items
_annotations = schema.annotations

ITEM_FIELDS: dict[str, Field] = {
    "id": ColumnField("id", _items.c.id),
    "datasetId": ColumnField("datasetId", _items.c.dataset_id),
    "dir": ColumnField("dir", _items.c.dir),
    "filename": FilenameField("filename", _items.c.filename, dir_column=_items.c.dir),
    "name": ColumnField("name", _items.c.name),
    "type": ColumnField("type", _items.c.type),
    "hidden": ColumnField("hidden", _items.c.hidden, BOOLEAN),
    "annotated": AnnotatedField("annotated", _items.c.annotations_count),
    "annotationsCount": ColumnField("annotationsCount", _items.c.annotations_count, NUMBER),
    "createdAt": ColumnField("createdAt", _items.c.created_at, TIME),
    "updatedAt": ColumnField("updatedAt", _items.c.updated_at, TIME),
    "creator": ColumnField("creator", _items.c.creator),
    "updatedBy": ColumnField("updatedBy", _items.c.updated_by),
    "description": ColumnField("description", _items.c.description),
    "metadata.system.mimetype": ColumnField("metadata.system.mimetype", _items.c.mimetype),
    "metadata.system.size": ColumnField("metadata.system.size", _items.c.size, NUMBER),
    "metadata.system.width": ColumnField("metadata.system.width", _items.c.width, NUMBER),
    "metadata.system.height": ColumnField("metadata.system.height", _items.c.height, NUMBER),
    "metadata.system.refs": RefsField("metadata.system.refs"),
    "metadata.system.refs.id": RefsField("metadata.system.refs.id", "id"),
    "metadata.system.refs.type": RefsField("metadata.system.refs.type", "type"),
    "metadata.system.annotationStatus": AnnotationStatusField("metadata.system.annotationStatus"),
}

ANNOTATION_FIELDS: dict[str, Field] = {
    "id": ColumnField("id", _annotations.c.id),
    "itemId": ColumnField("itemId", _annotations.c.item_id),
    "datasetId": ColumnField("datasetId", _annotations.c.dataset_id),
    "type": ColumnField("type", _annotations.c.type),
    "label": ColumnField("label", _annotations.c.label),
    "attributes": AttributesField("attributes", _annotations.c.attributes),
    "createdAt": ColumnField("createdAt", _annotations.c.created_at, TIME),
    "updatedAt": ColumnField("updatedAt", _annotations.c.updated_at, TIME),
    "creator": ColumnField("creator", _annotations.c.creator),
    "updatedBy": ColumnField("updatedBy", _annotations.c.updated_by),
    "area": ColumnField("area", _annotations.c.area, NUMBER),
    "description": ColumnField("description", _annotations.c.description),
    "metadata.system.status": ColumnField("metadata.system.status", _annotations.c.status),
    "metadata.system.automated": ColumnField(
        "metadata.system.automated", _annotations.c.automated, BOOLEAN
    ),
    "metadata.system.objectId": ColumnField("metadata.system.objectId", _annotations.c.object_id),
    "metadata.system.parentId": ColumnField("metadata.system.parentId", _annotations.c.parent_id),
    "metadata.user.model.name": ColumnField("metadata.user.model.name", _annotations.c.model_name),
    "metadata.user.model.confidence": ColumnField(
        "metadata.user.model.confidence", _annotations.c.score, NUMBER
    ),
}

_tasks = schema.tasks
_assignments = schema.assignments

TASK_FIELDS: dict[str, Field] = {
    "id": ColumnField("id", _tasks.c.id),
    "name": ColumnField("name", _tasks.c.name),
    "status": ColumnField("status", _tasks.c.status),
    "projectId": ColumnField("projectId", _tasks.c.project_id),
    "datasetId": ColumnField("datasetId", _tasks.c.dataset_id),
    "recipeId": ColumnField("recipeId", _tasks.c.recipe_id),
    "taskOwner": ColumnField("taskOwner", _tasks.c.owner),
    "spec.type": ColumnField("spec.type", _tasks.c.task_type),
    "spec.parentTaskId": ColumnField("spec.parentTaskId", _tasks.c.parent_id),
    "priority": ColumnField("priority", _tasks.c.priority, NUMBER),
    "createdAt": ColumnField("createdAt", _tasks.c.created_at, TIME),
    "updatedAt": ColumnField("updatedAt", _tasks.c.updated_at, TIME),
    "creator": ColumnField("creator", _tasks.c.creator),
}

ASSIGNMENT_FIELDS: dict[str, Field] = {
    "id": ColumnField("id", _assignments.c.id),
    "name": ColumnField("name", _assignments.c.name),
    "annotator": ColumnField("annotator", _assignments.c.annotator),
    "status": ColumnField("status", _assignments.c.status),
    "taskId": ColumnField("taskId", _assignments.c.task_id),
    "projectId": ColumnField("projectId", _assignments.c.project_id),
    "datasetId": ColumnField("datasetId", _assignments.c.dataset_id),
    "createdAt": ColumnField("createdAt", _assignments.c.created_at, TIME),
    "creator": ColumnField("creator", _assignments.c.creator),
}

_CATALOGUES = {
    "items": ITEM_FIELDS,
    "annotations": ANNOTATION_FIELDS,
    "tasks": TASK_FIELDS,
    "assignments": ASSIGNMENT_FIELDS,
}
_TABLES = {
    "items": _items,
    "annotations": _annotations,
    "tasks": _tasks,
    "assignments": _assignments,
}


def resolve(resource: str, name: str) -> Field:
    """The field ``name`` of ``resource``; an unknown field is a BadRequestError naming it."""
    catalogue = _CATALOGUES.get(resource)
    if catalogue is None:
        raise BadRequestError(
            f"Filters on {resource!r} are not supported; use items or annotations"
        )
    if not isinstance(name, str) or not name or name.startswith("$"):
        raise BadRequestError(f"Not a filter field: {name!r}")
    if name in catalogue:
        return catalogue[name]
    keys = name.split(".")
    if any(not k for k in keys):
        raise BadRequestError(f"Not a filter field: {name!r}")
    table = _TABLES[resource]
    if keys[0] == "metadata":
        if resource == "items" and keys[1:2] == ["user"]:
            return UserMetadataField(name, ".".join(keys[2:]))
        return JsonField(name, table.c.metadata, keys[1:])
    if resource == "annotations" and keys[0] == "attributes":
        return JsonField(name, table.c.attributes, keys[1:])
    known = ", ".join(sorted(catalogue))
    raise BadRequestError(
        f"Unknown {resource} filter field: {name!r}; fields are {known}, and metadata.<path>"
    )
