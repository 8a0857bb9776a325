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


def Str(length: int | None = None) -> sa.types.TypeEngine:
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
# Pages of a dataset's files in id order (the default listing) walk this index at any depth
# instead of sorting every file of the dataset for each page.
sa.Index(
    "ix_items_listing",
    items.c.dataset_id,
    items.c.type,
    items.c.hidden,
    items.c.id,
    info={"since": 3},
)

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
sa.Index(
    "ix_item_fields_text",
    item_fields.c.dataset_id,
    item_fields.c.key,
    item_fields.c.vtype,
    item_fields.c.vtext,
    item_fields.c.item_id,
)
sa.Index(
    "ix_item_fields_num",
    item_fields.c.dataset_id,
    item_fields.c.key,
    item_fields.c.vtype,
    item_fields.c.vnum,
    item_fields.c.item_id,
)
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
# covering for label joins, which read a label's item ids in order (so they are cheap to make
# distinct), and for label-and-area ones without a table lookup per row
sa.Index(
    "ix_annotations_label_item",
    annotations.c.dataset_id,
    annotations.c.label,
    annotations.c.item_id,
    annotations.c.area,
    info={"since": 6},
)
sa.Index(
    "ix_annotations_dataset_type",
    annotations.c.dataset_id,
    annotations.c.type,
    annotations.c.item_id,
)

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
# statuses for DQL's annotationStatus: partial, since most refs (queued work) have none
HAS_STATUS = "status IS NOT NULL"
sa.Index(
    "ix_item_refs_with_status",
    item_refs.c.dataset_id,
    item_refs.c.status,
    item_refs.c.item_id,
    sqlite_where=sa.text(HAS_STATUS),
    postgresql_where=sa.text(HAS_STATUS),
    info={"since": 5},
)

# Blobs copied in whose rows may not have committed yet (see Store.collect_orphan_blobs).
blob_journal = sa.Table(
    "blob_journal",
    metadata,
    sa.Column("blob", Str(64), primary_key=True),
    sa.Column("created_at", Str(32), nullable=False),
    sa.Column("owner", Str(300), nullable=True, info={"since": 4}),  # "host:pid" of its writer
)


# -------------------------------------------------------------------------------------------
# Labeling workflows (schema version 2): tasks, assignments, queues, statuses and quality.
# Everything added in version 2 carries ``info=SINCE_2``; migrations.py adds exactly those
# objects to a store made at version 1.
# -------------------------------------------------------------------------------------------
SINCE_2 = {"since": 2}

# item_refs gains the work state of task items. On 'task' rows: ``seq`` is the item's place in
# the task's order, ``needed`` how many assignees it needs (NULL: every assignee) and ``taken``
# how many hold it. On 'assignment' rows: ``seq`` is its place in that assignee's queue.
for _column in (
    sa.Column("seq", sa.Float, nullable=True, info=SINCE_2),
    sa.Column("needed", sa.Integer, nullable=True, info=SINCE_2),
    sa.Column("taken", sa.Integer, nullable=True, info=SINCE_2),
):
    item_refs.append_column(_column)

# Task items that still need an assignee, and items an assignee holds without a status. The
# queries spell these conditions exactly so, which is what lets SQLite use the partial indexes.
POOL_CONDITION = "ref_type = 'task' AND (needed IS NULL OR taken < needed)"
QUEUE_CONDITION = "ref_type = 'assignment' AND status IS NULL"
sa.Index(
    "ix_item_refs_pool",
    item_refs.c.ref_id,
    item_refs.c.seq,
    sqlite_where=sa.text(POOL_CONDITION),
    postgresql_where=sa.text(POOL_CONDITION),
    info=SINCE_2,
)
sa.Index(
    "ix_item_refs_queue",
    item_refs.c.ref_id,
    item_refs.c.seq,
    sqlite_where=sa.text(QUEUE_CONDITION),
    postgresql_where=sa.text(QUEUE_CONDITION),
    info=SINCE_2,
)

tasks = sa.Table(
    "tasks",
    metadata,
    _id(primary_key=True),
    _fk("project_id", "projects.id", nullable=False),
    _fk("dataset_id", "datasets.id", nullable=False, index=True),
    sa.Column("name", Str(500), nullable=False),
    sa.Column("status", Str(40), nullable=False),
    sa.Column("task_type", Str(20), nullable=False),  # 'annotation' or 'qa'
    sa.Column("parent_id", ID, nullable=True),
    sa.Column("recipe_id", ID, nullable=True),
    sa.Column("owner", Str(320), nullable=False),
    sa.Column("due_date", sa.Float, nullable=True),  # epoch seconds, as the SDK takes it
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("query", JSON, nullable=False),
    sa.Column("available_actions", JSON, nullable=False),
    # how work flows: allocation, overlap, routing, sampling, gold, qualification
    sa.Column("settings", JSON, nullable=False),
    sa.Column("metadata", JSON, nullable=False),
    *_audit(),
    sa.UniqueConstraint("project_id", "name", name="uq_tasks_project_name"),
    info=SINCE_2,
)

assignments = sa.Table(
    "assignments",
    metadata,
    _id(primary_key=True),
    _fk("task_id", "tasks.id", nullable=False),
    sa.Column("project_id", ID, nullable=False),
    sa.Column("dataset_id", ID, nullable=False),
    sa.Column("name", Str(1000), nullable=False),
    sa.Column("annotator", Str(320), nullable=False),
    sa.Column("status", Str(40), nullable=False),
    sa.Column("load", sa.Float, nullable=True),
    # where the assignee's last pull ended in the task's order, and when they last worked:
    # items of an assignee idle for longer than the task's timeout may be stolen
    sa.Column("cursor_seq", sa.Float, nullable=True),
    sa.Column("last_active_at", Str(32), nullable=True),
    sa.Column("metadata", JSON, nullable=False),
    *_audit(),
    sa.UniqueConstraint("task_id", "annotator", name="uq_assignments_task_annotator"),
    info=SINCE_2,
)
sa.Index("ix_assignments_annotator", assignments.c.annotator, assignments.c.task_id, info=SINCE_2)
sa.Index("ix_assignments_project", assignments.c.project_id, info=SINCE_2)

# The item each queue (a token per queue object) is showing: the assignee's other processes
# skip it while the lease is fresh, so two kernels of one annotator never share an item.
queue_leases = sa.Table(
    "queue_leases",
    metadata,
    _fk("assignment_id", "assignments.id", primary_key=True),
    sa.Column("token", Str(64), primary_key=True),
    _fk("item_id", "items.id", nullable=False),
    sa.Column("leased_at", Str(32), nullable=False),
    info=SINCE_2,
)

# Every status set on an item in a task, by whom and when (``metadata.system.statusLog``).
item_status_log = sa.Table(
    "item_status_log",
    metadata,
    _id(primary_key=True),
    _fk("item_id", "items.id", nullable=False),
    sa.Column("dataset_id", ID, nullable=False),
    sa.Column("task_id", ID, nullable=False),
    sa.Column("assignment_id", ID, nullable=True),
    sa.Column("status", Str(100), nullable=True),
    sa.Column("operation", Str(20), nullable=False),  # 'create' sets a status, 'delete' clears
    sa.Column("creator", Str(320), nullable=False),
    sa.Column("created_at", Str(32), nullable=False),
    info=SINCE_2,
)
sa.Index(
    "ix_item_status_log_item", item_status_log.c.item_id, item_status_log.c.created_at, info=SINCE_2
)
sa.Index(
    "ix_item_status_log_task", item_status_log.c.task_id, item_status_log.c.created_at, info=SINCE_2
)

# Answers known in advance, as Toloka's task keys: 'known' (gold: known_solutions with a
# correctness_weight, and message_on_unknown_solution as a hint) and 'baseline'
# (baseline_solutions with a confidence_weight, virtual votes for dynamic overlap).
item_solutions = sa.Table(
    "item_solutions",
    metadata,
    _id(primary_key=True),
    _fk("item_id", "items.id", nullable=False),
    sa.Column("dataset_id", ID, nullable=False),
    sa.Column("kind", Str(10), nullable=False),
    sa.Column("output_values", JSON, nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("creator", Str(320), nullable=False),
    sa.Column("created_at", Str(32), nullable=False),
    info=SINCE_2,
)
sa.Index("ix_item_solutions_item", item_solutions.c.item_id, item_solutions.c.kind, info=SINCE_2)
sa.Index(
    "ix_item_solutions_dataset",
    item_solutions.c.dataset_id,
    item_solutions.c.kind,
    item_solutions.c.item_id,
    info=SINCE_2,
)

# Gold (honeypot) items a task mixes into its queues.
task_gold = sa.Table(
    "task_gold",
    metadata,
    _fk("task_id", "tasks.id", primary_key=True),
    _fk("item_id", "items.id", primary_key=True),
    info=SINCE_2,
)

# Toloka's reserved_for (only these users) and unavailable_for (never these) per task item.
task_item_access = sa.Table(
    "task_item_access",
    metadata,
    _fk("task_id", "tasks.id", primary_key=True),
    _fk("item_id", "items.id", primary_key=True),
    sa.Column("email", Str(320), primary_key=True),
    sa.Column("rule", Str(12), primary_key=True),  # 'reserved' or 'unavailable'
    info=SINCE_2,
)

qualification_results = sa.Table(
    "qualification_results",
    metadata,
    _fk("task_id", "tasks.id", primary_key=True),
    sa.Column("annotator", Str(320), primary_key=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("answered", sa.Integer, nullable=False),
    sa.Column("created_at", Str(32), nullable=False),
    info=SINCE_2,
)
