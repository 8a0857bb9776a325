"""``items.update_from_df(df)`` / ``annotations.update_from_df(df)``: edit a frame, write it back.

The frame is compared with the store row by row (by ``id``). Only user metadata columns
(``metadata.user.<path>``) and the item's ``description`` or the annotation's ``label`` are
written; NA in a metadata cell removes the key. A row whose ``version`` in the store differs
from the frame's was changed by someone else since the frame was read: it is refused and
reported, never overwritten. The rest is applied in one transaction, with one executemany
UPDATE per table, after the rows are locked (PostgreSQL ``FOR UPDATE``; SQLite writers hold
the database lock), and the frame's ``version`` column is advanced for the rows written, so
the same frame can be edited and written back again.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from tqdm.auto import tqdm

from dl_jupyter.dql.filters import plain_value
from dl_jupyter.entities import html
from dl_jupyter.exceptions import BadRequestError, ConflictError
from dl_jupyter.frames.columns import COLUMNS, USER_PREFIX, is_missing
from dl_jupyter.repositories.base import chunks
from dl_jupyter.repositories.permissions import Action
from dl_jupyter.store import item_fields, schema
from dl_jupyter.store.timeutil import now_iso

UPDATE_BATCH = 500
PROGRESS_FROM_ROWS = 20_000


class _Missing:
    """No value: a key absent from the metadata, a JSON null, or NA in the frame."""

    def __repr__(self) -> str:
        return "<NA>"


MISSING = _Missing()


@dataclass(frozen=True)
class Resource:
    """What differs between writing back items and annotations."""

    name: str
    table: sa.Table
    fixed: tuple[str, ...]  # editable columns that are table columns
    action: Action


ITEMS = Resource("items", schema.items, ("description",), Action.WRITE_ITEMS)
ANNOTATIONS = Resource("annotations", schema.annotations, ("label",), Action.WRITE_ANNOTATIONS)


@dataclass
class WriteBack:
    """The changes a frame makes to the store: what update_from_df shows and returns.

    ``changes`` has one row per changed cell (id, column, old, new); ``conflicts`` one row
    per refused row (id, frame_version, store_version, reason).
    """

    resource: str
    changes: pd.DataFrame
    conflicts: pd.DataFrame
    ignored_columns: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def counts(self) -> pd.Series:
        """Changed cells per column."""
        return self.changes.groupby("column", sort=True).size().rename("changes")

    @property
    def rows_changed(self) -> int:
        return int(self.changes["id"].nunique())

    def __repr__(self) -> str:
        state = "applied" if self.applied else "not applied (dry run)"
        return (
            f"WriteBack({self.resource}: {len(self.changes)} changed cells in "
            f"{self.rows_changed} rows, {len(self.conflicts)} conflicts; {state})"
        )

    def _repr_html_(self) -> str:
        return html.write_back_card(self)


def update_from_df(
    repo: Any, frame: pd.DataFrame, resource: Resource, dry_run: bool = False
) -> WriteBack:
    """Diff ``frame`` against the rows of ``repo``'s scope and, unless ``dry_run``, apply it."""
    _check_frame(frame)
    columns = [
        c
        for c in frame.columns
        if isinstance(c, str) and (c.startswith(USER_PREFIX) or c in resource.fixed)
    ]
    for column in columns:
        _path(column)
    ignored = [
        str(c)
        for c in frame.columns
        if c not in columns and c not in COLUMNS[resource.name] and c != "id"
    ]
    dataset_id = repo._dataset_id()
    scope = resource.table.c.dataset_id == dataset_id
    if getattr(repo, "item_id", None) is not None:
        scope = sa.and_(scope, resource.table.c.item_id == repo.item_id)
    transaction = repo.store.read() if dry_run else repo.store.write()
    with transaction as conn:
        user = repo._require_dataset_write(conn, dataset_id, resource.action)
        diff = _Diff(resource, columns)
        chunks_of_frame = _stored_rows(conn, resource, scope, frame, columns, lock=not dry_run)
        with tqdm(total=len(frame), desc=f"Comparing {resource.name}", unit="row",
                  disable=len(frame) < PROGRESS_FROM_ROWS) as progress:  # fmt: skip
            for stored, rows in chunks_of_frame:
                diff.add(stored, rows)
                progress.update(len(rows))
        if not dry_run and diff.updates:
            _apply(conn, resource, diff.updates, user, dataset_id)
    result = WriteBack(
        resource.name, diff.changes_frame(), diff.conflicts_frame(), ignored, applied=not dry_run
    )
    if not dry_run and diff.updates:
        _advance_versions(frame, diff.updates)
    if len(result.conflicts):
        warnings.warn(
            f"{len(result.conflicts)} {resource.name} changed in the store since the frame "
            "was read were not written; see .conflicts and read them again",
            stacklevel=5,  # the caller of items.update_from_df
        )
    return result


def _check_frame(frame: pd.DataFrame) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise BadRequestError(
            f"update_from_df takes a pandas DataFrame, got {type(frame).__name__}"
        )
    missing = [c for c in ("id", "version") if c not in frame.columns]
    if missing:
        raise BadRequestError(
            f"The frame has no {missing} column: write back a frame read with "
            "to_df(), which carries each row's id and version"
        )
    duplicated = frame["id"][frame["id"].duplicated()]
    if len(duplicated):
        raise BadRequestError(f"The frame has the id {duplicated.iloc[0]!r} more than once")
    if frame["id"].isna().any() or frame["version"].isna().any():
        raise BadRequestError(
            "Every row needs an id and a version (rows of to_df(); new rows cannot be written back)"
        )


def _path(column: str) -> list[str]:
    """The keys under ``metadata.user`` that a metadata column names."""
    if not column.startswith(USER_PREFIX):
        return []
    keys = column[len(USER_PREFIX) :].split(".")
    if any(not k for k in keys) or len(column) - len(USER_PREFIX) > item_fields.MAX_KEY:
        raise BadRequestError(f"Not a metadata column: {column!r}")
    return keys


def _stored_rows(
    conn: Connection,
    resource: Resource,
    scope: Any,
    frame: pd.DataFrame,
    columns: Sequence[str],
    lock: bool,
) -> Iterator[tuple[dict, list]]:
    """Per chunk of the frame: the store's rows by id, and the frame's (id, version, values)."""
    t = resource.table
    ids = frame["id"].astype(str).tolist()
    versions = frame["version"].astype("int64").tolist()
    values = frame[list(columns)].astype(object).to_numpy() if columns else None
    for start in range(0, len(ids), 900):
        part = ids[start : start + 900]
        query = sa.select(
            t.c.id, t.c.version, t.c.metadata, *(t.c[c] for c in resource.fixed)
        ).where(t.c.id.in_(part), scope)
        if lock and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        stored = {row.id: row for row in conn.execute(query)}
        rows = [
            (
                start + n,
                part[n],
                versions[start + n],
                values[start + n] if values is not None else (),
            )
            for n in range(len(part))
        ]
        yield stored, rows


class _Diff:
    """Changed cells, refused rows and the new column values of the rows to write."""

    def __init__(self, resource: Resource, columns: Sequence[str]) -> None:
        self.resource = resource
        self.columns = list(columns)
        self.paths = [_path(c) for c in self.columns]
        self.changes: list[tuple[str, str, Any, Any]] = []
        self.conflicts: list[tuple[str, int, int | None, str]] = []
        self.updates: dict[str, dict[str, Any]] = {}

    def add(self, stored: Mapping[str, Any], rows: list) -> None:
        for position, row_id, version, values in rows:
            current = stored.get(row_id)
            metadata = dict(current.metadata or {}) if current is not None else {}
            changed = []
            for column, path, value in zip(self.columns, self.paths, values):
                new = _plain(value)
                old = (
                    _lookup(metadata.get("user"), path)
                    if path
                    else _none_missing(getattr(current, column, None))
                )
                if not _same(old, new):
                    _check_json(new, column, row_id)
                    changed.append((column, path, old, new))
            if not changed:
                continue
            if current is None or current.version != version:
                reason = "deleted" if current is None else "changed"
                self.conflicts.append(
                    (row_id, version, None if current is None else current.version, reason)
                )
                continue
            self.changes += [(row_id, column, old, new) for column, _, old, new in changed]
            self.updates[row_id] = self._new_values(current, metadata, changed, position)

    def _new_values(
        self, current: Any, metadata: dict, changed: list, position: int
    ) -> dict[str, Any]:
        metadata = copy.deepcopy(metadata)
        values: dict[str, Any] = {c: getattr(current, c) for c in self.resource.fixed}
        for column, path, _old, new in changed:
            if not path:
                if column == "label" and (new is MISSING or not isinstance(new, str) or not new):
                    raise BadRequestError(
                        f"label must be a non-empty string, got {new!r} (annotation {current.id})"
                    )
                values[column] = None if new is MISSING else str(new)
                continue
            user = metadata.get("user")
            if not isinstance(user, dict):
                user = metadata["user"] = {}
            _set_path(user, path, new, column)
        values.update(metadata=metadata, version=current.version, position=position)
        return values

    def changes_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.changes, columns=["id", "column", "old", "new"]).replace(
            {MISSING: None}
        )

    def conflicts_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            self.conflicts, columns=["id", "frame_version", "store_version", "reason"]
        )


def _plain(value: Any) -> Any:
    """A frame cell as a Python value (numpy and pandas scalars unwrapped), or MISSING for NA."""
    if not isinstance(value, (list, tuple, dict)) and is_missing(value):
        return MISSING
    return plain_value(value)


def _check_json(value: Any, column: str, row_id: str) -> None:
    """BadRequestError unless a new value can be stored (JSON, finite numbers)."""
    if value is MISSING:
        return
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise BadRequestError(f"{column} of {row_id} is not a JSON value: {value!r}") from None


def _none_missing(value: Any) -> Any:
    return MISSING if value is None else value


def _lookup(user: Any, path: list[str]) -> Any:
    node = user
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return MISSING
        node = node[key]
    return _none_missing(node)


def _same(old: Any, new: Any) -> bool:
    if old is MISSING or new is MISSING:
        return old is new
    if isinstance(old, bool) != isinstance(new, bool):
        return False
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return old == new
    return type(old) is type(new) and old == new


def _set_path(user: dict, path: list[str], value: Any, column: str) -> None:
    """Set (or, for MISSING, remove) ``user[path]``; dicts left empty by a removal go too."""
    parents = [user]
    for key in path[:-1]:
        child = parents[-1].get(key)
        if child is None and value is not MISSING:
            child = parents[-1][key] = {}
        if not isinstance(child, dict):
            if value is MISSING:
                return
            raise BadRequestError(
                f"{column}: metadata.user.{'.'.join(path[: len(parents)])} is not a dict"
            )
        parents.append(child)
    if value is not MISSING:
        parents[-1][path[-1]] = value
        return
    parents[-1].pop(path[-1], None)
    for depth in range(len(parents) - 1, 0, -1):
        if parents[depth]:
            break
        parents[depth - 1].pop(path[depth - 1], None)


def _apply(
    conn: Connection, resource: Resource, updates: Mapping[str, dict], user: str, dataset_id: str
) -> None:
    """Write the new values: one executemany UPDATE, then the item_fields index of the rows."""
    t = resource.table
    now = now_iso()
    targets = {"metadata": sa.bindparam("b_metadata", type_=t.c.metadata.type)}
    targets.update({c: sa.bindparam(f"b_{c}") for c in resource.fixed})
    if resource is ANNOTATIONS:
        targets.update(model_name=sa.bindparam("b_model_name"), score=sa.bindparam("b_score"))
    statement = (
        t.update()
        .where(t.c.id == sa.bindparam("b_id"), t.c.version == sa.bindparam("b_version"))
        .values(**targets, updated_by=user, updated_at=now, version=t.c.version + 1)
    )
    params = [_params(resource, row_id, values) for row_id, values in updates.items()]
    field_rows = _field_rows(updates, dataset_id) if resource is ITEMS else []
    written = 0
    for part in chunks(params, UPDATE_BATCH):
        written += conn.execute(statement, list(part)).rowcount
    if written != len(params):
        raise ConflictError(
            f"{len(params) - written} {resource.name} changed while being written; "
            "nothing was written"
        )
    if resource is ITEMS:
        f = schema.item_fields
        for part in chunks(list(updates)):
            conn.execute(f.delete().where(f.c.item_id.in_(part)))
        for part in chunks(field_rows, 5000):
            conn.execute(f.insert(), list(part))


def _params(resource: Resource, row_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    params = {"b_id": row_id, "b_version": values["version"], "b_metadata": values["metadata"]}
    params.update({f"b_{c}": values[c] for c in resource.fixed})
    if resource is ANNOTATIONS:  # the model columns mirror metadata.user.model, as on upload
        model = (values["metadata"].get("user") or {}).get("model")
        model = model if isinstance(model, Mapping) else {}
        confidence = model.get("confidence")
        params.update(
            b_model_name=model.get("name"),
            b_score=float(confidence)
            if isinstance(confidence, (int, float)) and not isinstance(confidence, bool)
            else None,
        )
    return params


def _field_rows(updates: Mapping[str, dict], dataset_id: str) -> list[dict]:
    """The item_fields index rows of the updated items (also validates keys and numbers)."""
    rows = []
    for item_id, values in updates.items():
        user = values["metadata"].get("user")
        if isinstance(user, Mapping):
            rows += [
                {
                    "item_id": item_id,
                    "dataset_id": dataset_id,
                    "key": k,
                    "vtype": t,
                    "vtext": s,
                    "vnum": n,
                }
                for k, t, s, n in item_fields.field_rows(user)
            ]
    return rows


def _advance_versions(frame: pd.DataFrame, updates: Mapping[str, dict]) -> None:
    """The frame's version of each written row, +1, as in the store now."""
    versions = frame["version"].to_numpy(copy=True)
    for values in updates.values():
        versions[values["position"]] = values["version"] + 1
    frame["version"] = pd.array(versions, dtype=frame["version"].dtype)
