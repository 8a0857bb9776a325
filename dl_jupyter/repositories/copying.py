"""Set-based copies of items and their annotations between datasets (clone, merge, item clone).

A copy maps source ids to new ids in a temporary table, then each table is copied with one
``INSERT ... SELECT`` joined to the map, so copying a million items is a few statements.
Copies share the source's blobs: binaries are never duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from dl_jupyter.store import schema
from dl_jupyter.store.sqlids import new_id_sql
from dl_jupyter.store.timeutil import now_iso

items = schema.items
annotations = schema.annotations
fields = schema.item_fields


@dataclass
class CopyOptions:
    with_metadata: bool = True
    with_annotations: bool = True


def _map_table(name: str) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("old_id", schema.ID, primary_key=True),
        sa.Column("new_id", schema.ID, nullable=False),
        sa.Column("filename", schema.Str(4096), nullable=True),
        prefixes=["TEMPORARY"],
    )


def _without_user(column: ColumnElement, dialect: str) -> ColumnElement:
    if dialect == "sqlite":
        return sa.func.json_remove(column, "$.user")
    return column.op("-")(sa.literal("user"))


def copy_items(
    conn: Connection,
    dialect: str,
    source_where: ColumnElement[bool],
    target_dataset_id: str,
    user: str,
    options: CopyOptions,
    filename_sql: ColumnElement | None = None,
    reuse_by_origin: bool = False,
) -> int:
    """Copy the items matching ``source_where`` into the target dataset; returns how many.

    ``filename_sql`` renames copies (an expression over ``items``); with ``reuse_by_origin``,
    an item whose original is already in the target is not copied again: its annotations
    join the existing copy (merging clones of one dataset).
    """
    id_map = _map_table("dl_copy_items")
    ann_map = _map_table("dl_copy_annotations")
    id_map.create(conn)
    ann_map.create(conn)
    try:
        origin = sa.func.coalesce(items.c.src_item_id, items.c.id)
        target = items.alias("target")
        target_origin = sa.func.coalesce(target.c.src_item_id, target.c.id)
        if reuse_by_origin:
            existing = (
                sa.select(items.c.id, target.c.id, sa.null())
                .select_from(
                    items.join(
                        target,
                        sa.and_(target.c.dataset_id == target_dataset_id, target_origin == origin),
                    )
                )
                .where(source_where)
            )
            conn.execute(id_map.insert().from_select(["old_id", "new_id", "filename"], existing))
        fresh = sa.select(
            items.c.id,
            new_id_sql(dialect),
            filename_sql if filename_sql is not None else items.c.filename,
        ).where(source_where, items.c.id.not_in(sa.select(id_map.c.old_id)))
        conn.execute(id_map.insert().from_select(["old_id", "new_id", "filename"], fresh))
        now = now_iso()
        new_items = id_map.c.filename.is_not(None)
        metadata = (
            items.c.metadata if options.with_metadata else _without_user(items.c.metadata, dialect)
        )
        copied = (
            sa.select(
                id_map.c.new_id,
                sa.literal(target_dataset_id),
                id_map.c.filename,
                _dir_of(id_map.c.filename, dialect),
                items.c.name,
                items.c.type,
                items.c.hidden,
                items.c.blob,
                items.c.link,
                items.c.mimetype,
                items.c.size,
                items.c.width,
                items.c.height,
                sa.literal(0),
                items.c.description,
                origin,
                metadata,
                sa.literal(user),
                sa.literal(now),
                sa.literal(user),
                sa.literal(now),
                sa.literal(1),
            )
            .select_from(items.join(id_map, id_map.c.old_id == items.c.id))
            .where(new_items)
        )
        columns = [
            "id",
            "dataset_id",
            "filename",
            "dir",
            "name",
            "type",
            "hidden",
            "blob",
            "link",
            "mimetype",
            "size",
            "width",
            "height",
            "annotations_count",
            "description",
            "src_item_id",
            "metadata",
            "creator",
            "created_at",
            "updated_by",
            "updated_at",
            "version",
        ]
        count = conn.execute(items.insert().from_select(columns, copied)).rowcount
        if options.with_metadata:
            conn.execute(
                fields.insert().from_select(
                    ["item_id", "dataset_id", "key", "vtype", "vtext", "vnum"],
                    sa.select(
                        id_map.c.new_id,
                        sa.literal(target_dataset_id),
                        fields.c.key,
                        fields.c.vtype,
                        fields.c.vtext,
                        fields.c.vnum,
                    )
                    .select_from(fields.join(id_map, id_map.c.old_id == fields.c.item_id))
                    .where(new_items),
                )
            )
        if options.with_annotations:
            _copy_annotations(conn, dialect, id_map, ann_map, target_dataset_id)
            recount_annotations(conn, sa.select(id_map.c.new_id))
        return count
    finally:
        ann_map.drop(conn)
        id_map.drop(conn)


def _dir_of(filename: ColumnElement, dialect: str) -> ColumnElement:
    """The parent folder of a filename column ('/a/b.jpg' -> '/a', '/b.jpg' -> '/')."""
    if dialect == "sqlite":
        # rtrim strips the trailing name's characters, leaving the folder and its slash
        parent = sa.func.rtrim(filename, sa.func.replace(filename, "/", ""))
    else:
        parent = sa.func.regexp_replace(filename, "[^/]*$", "")
    return sa.case(
        (parent == "/", "/"), else_=sa.func.substr(parent, 1, sa.func.length(parent) - 1)
    )


def _copy_annotations(
    conn: Connection, dialect: str, id_map: sa.Table, ann_map: sa.Table, target_dataset_id: str
) -> None:
    conn.execute(
        ann_map.insert().from_select(
            ["old_id", "new_id"],
            sa.select(annotations.c.id, new_id_sql(dialect)).select_from(
                annotations.join(id_map, id_map.c.old_id == annotations.c.item_id)
            ),
        )
    )
    parent = ann_map.alias("parent_map")
    copy_columns = [
        c.name
        for c in annotations.columns
        if c.name not in ("id", "item_id", "dataset_id", "parent_id")
    ]
    query = sa.select(
        ann_map.c.new_id,
        id_map.c.new_id,
        sa.literal(target_dataset_id),
        sa.func.coalesce(parent.c.new_id, annotations.c.parent_id),
        *[annotations.c[name] for name in copy_columns],
    ).select_from(
        annotations.join(ann_map, ann_map.c.old_id == annotations.c.id)
        .join(id_map, id_map.c.old_id == annotations.c.item_id)
        .outerjoin(parent, parent.c.old_id == annotations.c.parent_id)
    )
    conn.execute(
        annotations.insert().from_select(
            ["id", "item_id", "dataset_id", "parent_id", *copy_columns], query
        )
    )


def recount_annotations(conn: Connection, item_ids: sa.Select | list[str]) -> None:
    """Set ``annotations_count`` of these items from their annotations (one statement)."""
    counted = (
        sa.select(sa.func.count())
        .select_from(annotations)
        .where(annotations.c.item_id == items.c.id)
        .scalar_subquery()
    )
    conn.execute(items.update().where(items.c.id.in_(item_ids)).values(annotations_count=counted))
