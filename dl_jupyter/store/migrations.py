"""Schema versions: a fresh store is created from the current schema, an older one is upgraded.

Each migration moves the schema one version forward inside one transaction, so a failed
upgrade leaves the previous version intact; applied versions are recorded in
``dl_schema_migrations``. Migrations only add or reshape, never drop user data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dl_jupyter.exceptions import ConflictError
from dl_jupyter.store import schema
from dl_jupyter.store.engine import WRITE_FLAG
from dl_jupyter.store.timeutil import now_iso

_PG_MIGRATION_LOCK = 7_352_001


@dataclass(frozen=True)
class Migration:
    """One step forward: ``apply`` receives a connection inside the step's transaction."""

    version: int
    name: str
    apply: Callable[[Connection], None]


def _since(element: sa.SchemaItem) -> int:
    """The schema version that added a table, column or index (``info={"since": n}``)."""
    return element.info.get("since", 1)


def _initial(conn: Connection) -> None:
    """The version-1 schema: the current tables without what later versions added."""
    version_1 = sa.MetaData()
    for table in schema.metadata.sorted_tables:
        if _since(table) > 1:
            continue
        unique = [c for c in table.constraints if isinstance(c, sa.UniqueConstraint)]
        copy = sa.Table(
            table.name,
            version_1,
            *(column._copy() for column in table.columns if _since(column) == 1),
            *(sa.UniqueConstraint(*(col.name for col in c.columns), name=c.name) for c in unique),
        )
        present = {index.name for index in copy.indexes}  # columns declared with index=True
        for index in table.indexes:
            if _since(index) == 1 and index.name not in present:
                sa.Index(
                    index.name,
                    *(copy.c[c.name] for c in index.columns),
                    unique=index.unique,
                    **index.kwargs,
                )
    version_1.create_all(conn)


def _added_in(version: int) -> Callable[[Connection], None]:
    """A step that adds the columns, tables and indexes marked ``since`` ``version``."""

    def apply(conn: Connection) -> None:
        for table in schema.metadata.sorted_tables:
            if _since(table) == version:
                table.create(conn)
                continue
            if _since(table) > version:
                continue
            present = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
            for column in table.columns:
                if _since(column) == version and column.name not in present:
                    kind = column.type.compile(dialect=conn.dialect)
                    added = f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'
                    conn.execute(sa.text(added))
            for index in table.indexes:
                if _since(index) == version:
                    index.create(conn)

    return apply


def _replacing(old_index: str, version: int) -> Callable[[Connection], None]:
    """A step that drops ``old_index`` and adds what ``version`` marks: its replacement."""

    def apply(conn: Connection) -> None:
        conn.execute(sa.text(f"DROP INDEX IF EXISTS {old_index}"))
        _added_in(version)(conn)

    return apply


MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema", _initial),
    Migration(2, "labeling workflows: tasks, assignments, queues, statuses, quality", _added_in(2)),
    Migration(3, "an index for paging items in id order", _added_in(3)),
    Migration(
        4, "the writer of each journalled blob, to collect a dead writer's at once", _added_in(4)
    ),
    Migration(
        5,
        "a partial index of item statuses, smaller and faster to fill",
        _replacing("ix_item_refs_status", 5),
    ),
    Migration(
        6,
        "annotations indexed by label then item, for label joins at scale",
        _replacing("ix_annotations_dataset_label", 6),
    ),
]

LATEST = MIGRATIONS[-1].version


def applied_versions(conn: Connection) -> set[int]:
    """Versions recorded in the store (empty for a new store)."""
    if not sa.inspect(conn).has_table(schema.schema_migrations.name):
        return set()
    return set(conn.execute(sa.select(schema.schema_migrations.c.version)).scalars())


def migrate(engine: Engine, migrations: list[Migration] | None = None) -> list[int]:
    """Bring the store to the latest version; returns the versions applied now."""
    migrations = MIGRATIONS if migrations is None else migrations
    with engine.connect() as conn:
        conn.info[WRITE_FLAG] = True
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            done = applied_versions(conn)
            newest = max((m.version for m in migrations), default=0)
            if done and max(done) > newest:
                raise ConflictError(
                    f"The store has schema version {max(done)}, newer than this dl_jupyter "
                    f"understands ({newest}): upgrade dl_jupyter"
                )
            if not done:
                schema.metadata.create_all(conn)
                pending = migrations
            else:
                pending = [m for m in migrations if m.version not in done]
                for step in pending:
                    step.apply(conn)
            for step in pending:
                conn.execute(
                    schema.schema_migrations.insert().values(
                        version=step.version, name=step.name, applied_at=now_iso()
                    )
                )
    return [m.version for m in pending]
