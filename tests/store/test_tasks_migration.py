"""Schema version 2 (labeling workflows): a store made at version 1 upgrades in place, keeps
its data, and ends up with the same schema as a new store."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from dl_jupyter.repositories.client import Client
from dl_jupyter.store import migrations, schema
from dl_jupyter.store.engine import WRITE_FLAG, create_engine
from dl_jupyter.store.store import Store

NOW = "2024-01-01T00:00:00.000Z"
OWNER = "owner@example.com"
ALL_VERSIONS = {m.version for m in migrations.MIGRATIONS}


def make_version_1_store(url: str) -> None:
    """Apply only migration 1, and write some data the way version 1 did."""
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.info[WRITE_FLAG] = True
        with conn.begin():
            migrations.MIGRATIONS[0].apply(conn)
            # indexes of version 1 that later versions replaced
            conn.execute(
                sa.text(
                    "CREATE INDEX ix_annotations_dataset_label"
                    " ON annotations (dataset_id, label, area, item_id)"
                )
            )
            conn.execute(
                sa.text("CREATE INDEX ix_item_refs_status ON item_refs (dataset_id, status)")
            )
            conn.execute(
                schema.schema_migrations.insert().values(
                    version=1, name="initial schema", applied_at=NOW
                )
            )
            audit = {"creator": OWNER, "created_at": NOW, "updated_by": OWNER, "updated_at": NOW}
            conn.execute(
                sa.text("INSERT INTO users (email, created_at) VALUES (:e, :t)"),
                {"e": OWNER, "t": NOW},
            )
            conn.execute(schema.projects.insert().values(id="p1", name="old", metadata={}, **audit))
            conn.execute(
                schema.project_members.insert().values(
                    project_id="p1", email=OWNER, role="owner", created_at=NOW
                )
            )
            conn.execute(
                schema.datasets.insert().values(
                    id="d1", project_id="p1", name="old", recipe_ids=[], metadata={}, **audit
                )
            )
            for n in range(3):
                conn.execute(
                    schema.items.insert().values(
                        id=f"i{n}",
                        dataset_id="d1",
                        filename=f"/i{n}.jpg",
                        dir="/",
                        name=f"i{n}.jpg",
                        type="file",
                        metadata={"system": {}, "user": {"n": n}},
                        **audit,
                    )
                )
            # a version-1 item_refs row has no seq/needed/taken: insert by its own columns only
            conn.execute(
                sa.text(
                    "INSERT INTO item_refs (item_id, ref_type, ref_id, dataset_id, status) "
                    "VALUES ('i0', 'task', 'legacy', 'd1', 'completed')"
                )
            )
    columns = {c["name"] for c in sa.inspect(engine).get_columns("item_refs")}
    assert "seq" not in columns and not sa.inspect(engine).has_table("tasks")
    engine.dispose()


def shape(engine: sa.Engine) -> dict:
    inspector = sa.inspect(engine)
    return {
        table: (
            {c["name"] for c in inspector.get_columns(table)},
            {i["name"] for i in inspector.get_indexes(table)},
        )
        for table in inspector.get_table_names()
    }


def declared() -> dict:
    return {
        table.name: ({c.name for c in table.columns}, {i.name for i in table.indexes})
        for table in schema.metadata.sorted_tables
    }


def test_a_version_1_store_upgrades_without_losing_data(store_url: str, tmp_path: Path):
    make_version_1_store(store_url)
    store = Store(store_url, blob_root=str(tmp_path / "blobs"))
    try:
        with store.read() as conn:
            assert migrations.applied_versions(conn) == ALL_VERSIONS
            assert conn.execute(
                sa.select(schema.items.c.metadata).where(schema.items.c.id == "i2")
            ).scalar() == {"system": {}, "user": {"n": 2}}
            legacy = conn.execute(sa.select(schema.item_refs)).one()
            assert (legacy.status, legacy.seq, legacy.needed, legacy.taken) == (
                "completed",
                None,
                None,
                None,
            )
        found = shape(store.engine)
        for table, (columns, indexes) in declared().items():  # PostgreSQL lists unique keys too
            assert found[table][0] == columns and indexes <= found[table][1]
        assert "ix_annotations_dataset_label" not in found["annotations"][1]
        assert "ix_item_refs_status" not in found["item_refs"][1]
        client = Client(store)
        client.login(OWNER)
        dataset = client.datasets_repo().get(dataset_id="d1")
        task = client.tasks_repo(dataset=dataset).create(
            task_name="after upgrade", assignee_ids=[OWNER]
        )
        assert task.total_items == 3
        assert client.items_repo(dataset=dataset).get(item_id="i0").metadata["system"][
            "annotationStatus"
        ] == ["completed"]
    finally:
        store.dispose()
    reopened = Store(store_url, blob_root=str(tmp_path / "blobs"))  # opening again changes nothing
    with reopened.read() as conn:
        assert migrations.applied_versions(conn) == ALL_VERSIONS
    reopened.dispose()
