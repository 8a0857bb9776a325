"""The tables of the store, one schema for SQLite and PostgreSQL.

Fields the product filters and sorts on are real columns with indexes; free metadata
stays JSON (JSONB on PostgreSQL). Items' user metadata is also mirrored, one row per
scalar value, into ``item_fields``, an inverted index that turns a metadata condition
into an index lookup instead of a scan of every item's JSON.
Timestamps are ISO-8601 UTC strings (``2024-01-31T12:00:00.000Z``), which sort in time order
and compare with DQL date values as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def Str(length: int | None = None) -> sa.types.TypeEngine:  # noqa: N802 (reads like a type)
    """A string compared byte-wise on both dialects (PostgreSQL's "C" collation), so that
    ordering, ranges and prefix matches give the same results as SQLite, and ``LIKE 'x%'``
    can use a plain B-tree index."""
    base = sa.Text() if length is None else sa.String(length)
    return base.with_variant(
        sa.Text(collation="C") if length is None else sa.String(length, collation="C"),
        "postgresql",
    )


ID = Str(32)

metadata = sa.MetaData()


def _id(name: str = "id", **kwargs) -> sa.Column:
    return sa.Column(name, ID, **kwargs)


def _audit() -> list[sa.Column]:
    """Who created and last changed a row, when, and its version for optimistic locking."""
    return [
        sa.Column("creator", Str(320), nullable=False),
        sa.Column("created_at", Str(32), nullable=False),
        sa.Column("updated_by", Str(320), nullable=False),
        sa.Column("updated_at", Str(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    ]


def _fk(column: str, target: str, **kwargs) -> sa.Column:
    return sa.Column(column, ID, sa.ForeignKey(target, ondelete="CASCADE"), **kwargs)


schema_migrations = sa.Table(
    "dl_schema_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", Str(200), nullable=False),
    sa.Column("applied_at", Str(32), nullable=False),
)

settings = sa.Table(
    "dl_settings",
    metadata,
    sa.Column("key", Str(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("email", Str(320), primary_key=True),
    sa.Column("created_at", Str(32), nullable=False),
)

projects = sa.Table(
    "projects",
    metadata,
    _id(primary_key=True),
    sa.Column("name", Str(500), nullable=False, unique=True),
    sa.Column("metadata", JSON, nullable=False),
    *_audit(),
)

project_members = sa.Table(
    "project_members",
    metadata,
    _fk("project_id", "projects.id", primary_key=True),
    sa.Column("email", Str(320), primary_key=True),
    sa.Column("role", Str(40), nullable=False),
    sa.Column("created_at", Str(32), nullable=False),
)

ontologies = sa.Table(
    "ontologies",
    metadata,
    _id(primary_key=True),
    _fk("project_id", "projects.id", nullable=False, index=True),
    sa.Column("title", Str(500), nullable=False),
    sa.Column("labels", JSON, nullable=False),
    sa.Column("metadata", JSON, nullable=False),
    *_audit(),
)

recipes = sa.Table(
    "recipes",
    metadata,
    _id(primary_key=True),
    _fk("project_id", "projects.id", nullable=False, index=True),
    sa.Column("title", Str(500), nullable=False),
    sa.Column("ontology_ids", JSON, nullable=False),
    sa.Column("metadata", JSON, nullable=False),
    *_audit(),
)

datasets = sa.Table(
    "datasets",
    metadata,
    _id(primary_key=True),
    _fk("project_id", "projects.id", nullable=False),
    sa.Column("name", Str(500), nullable=False),
    sa.Column("recipe_ids", JSON, nullable=False),
    sa.Column("readonly", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("clone_of", ID, nullable=True),
    sa.Column("metadata", JSON, nullable=False),
    *_audit(),
    sa.UniqueConstraint("project_id", "name", name="uq_datasets_project_name"),
)

items = sa.Table(
    "items",
    metadata,
    _id(primary_key=True),
    _fk("dataset_id", "datasets.id", nullable=False),
    sa.Column("filename", Str(4096), nullable=False),
    sa.Column("dir", Str(4096), nullable=False),
    sa.Column("name", Str(1024), nullable=False),
    sa.Column("type", Str(8), nullable=False),
    sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("blob", Str(64), nullable=True),
    sa.Column("link", sa.Text, nullable=True),
    sa.Column("mimetype", Str(200), nullable=True),
    sa.Column("size", sa.BigInteger, nullable=True),
    sa.Column("width", sa.Integer, nullable=True),
    sa.Column("height", sa.Integer, nullable=True),
    sa.Column("annotations_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("src_item_id", ID, nullable=True),
    sa.Column("metadata", JSON, nullable=False),
    *_audit(),
    sa.UniqueConstraint("dataset_id", "filename", name="uq_items_dataset_filename"),
)
sa.Index("ix_items_dataset_type_hidden", items.c.dataset_id, items.c.type, items.c.hidden)
sa.Index("ix_items_dataset_dir", items.c.dataset_id, items.c.dir)
sa.Index("ix_items_dataset_created", items.c.dataset_id, items.c.created_at)
sa.Index("ix_items_dataset_name", items.c.dataset_id, items.c.name)
sa.Index("ix_items_blob", items.c.blob)

item_fields = sa.Table(
    "item_fields",
    metadata,
    _fk("item_id", "items.id", nullable=False),
    sa.Column("dataset_id", ID, nullable=False),
    sa.Column("key", Str(200), nullable=False),
    # see dl_jupyter.store.item_fields for what the value types mean
    sa.Column("vtype", Str(1), nullable=False),
    sa.Column("vtext", Str(), nullable=True),
    sa.Column("vnum", sa.Float, nullable=True),
)
sa.Index("ix_item_fields_text", item_fields.c.dataset_id, item_fields.c.key, item_fields.c.vtype,
         item_fields.c.vtext, item_fields.c.item_id)
sa.Index("ix_item_fields_num", item_fields.c.dataset_id, item_fields.c.key, item_fields.c.vtype,
         item_fields.c.vnum, item_fields.c.item_id)
sa.Index("ix_item_fields_item", item_fields.c.item_id)

annotations = sa.Table(
    "annotations",
    metadata,
    _id(primary_key=True),
    _fk("item_id", "items.id", nullable=False),
    sa.Column("dataset_id", ID, nullable=False),
    sa.Column("type", Str(40), nullable=False),
    sa.Column("label", Str(1024), nullable=True),
    sa.Column("coordinates", JSON, nullable=True),
    sa.Column("attributes", JSON, nullable=True),
    sa.Column("status", Str(40), nullable=True),
    sa.Column("object_id", Str(100), nullable=True),
    sa.Column("parent_id", ID, nullable=True),
    sa.Column("automated", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("model_name", Str(500), nullable=True),
    sa.Column("score", sa.Float, nullable=True),
    sa.Column("x0", sa.Float, nullable=True),
    sa.Column("y0", sa.Float, nullable=True),
    sa.Column("x1", sa.Float, nullable=True),
    sa.Column("y1", sa.Float, nullable=True),
    sa.Column("area", sa.Float, nullable=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("metadata", JSON, nullable=False),
    *_audit(),
)
sa.Index("ix_annotations_item", annotations.c.item_id)
sa.Index("ix_annotations_dataset_label", annotations.c.dataset_id, annotations.c.label,
         annotations.c.item_id)
sa.Index("ix_annotations_dataset_type", annotations.c.dataset_id, annotations.c.type,
         annotations.c.item_id)

item_refs = sa.Table(
    "item_refs",
    metadata,
    _fk("item_id", "items.id", primary_key=True),
    sa.Column("ref_type", Str(20), primary_key=True),
    sa.Column("ref_id", ID, primary_key=True),
    sa.Column("dataset_id", ID, nullable=False),
    sa.Column("status", Str(100), nullable=True),
    sa.Column("status_by", Str(320), nullable=True),
    sa.Column("status_at", Str(32), nullable=True),
)
sa.Index("ix_item_refs_ref", item_refs.c.ref_id, item_refs.c.item_id)
sa.Index("ix_item_refs_status", item_refs.c.dataset_id, item_refs.c.status, item_refs.c.item_id)

blob_journal = sa.Table(
    "blob_journal",
    metadata,
    sa.Column("blob", Str(64), primary_key=True),
    sa.Column("created_at", Str(32), nullable=False),
)

