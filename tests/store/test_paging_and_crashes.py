"""Pages (keyset and offset, reversed, threads), orphan blobs after a crash, and migrations."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

import dl_jupyter as dl
from dl_jupyter.store import migrations, schema
from dl_jupyter.store.store import Store
from tests.images import make_folder

NAMES = [f"img_{n:02d}.jpg" for n in range(23)]


@pytest.fixture
def many(dataset, tmp_path):
    make_folder(tmp_path / "p", NAMES, size=(8, 8))
    items = dataset.items.upload(local_path=str(tmp_path / "p") + "/*")
    for n, item in enumerate(items):
        item.metadata["user"] = {"rank": (n * 7) % 23} if n % 4 else {}
        item.update()
    return dataset


def test_pages_walk_every_item_once_in_order(many):
    filters = dl.Filters()
    filters.sort_by(field="name", value="descending")
    pages = many.items.list(filters=filters, page_size=5)
    assert (pages.items_count, pages.total_pages_count, pages.has_next_page) == (23, 5, True)
    walked = [item.name for page in pages for item in page]
    assert walked == sorted(NAMES, reverse=True)
    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    assert [item.name for item in pages.get_page(page_offset=4)] == walked[20:]
    assert [item.name for item in next(reversed(pages))] == walked[20:]
    assert [item.name for page in reversed(pages) for item in page][-5:] == walked[:5]
    second = many.items.list(filters=filters, page_offset=1, page_size=5)
    assert [i.name for i in second.items] == walked[5:10]


def test_sorting_by_user_metadata_falls_back_to_offsets(many):
    filters = dl.Filters()
    filters.sort_by(field="metadata.user.rank")
    names = [item.name for item in many.items.list(filters=filters, page_size=4).all()]
    assert len(names) == 23 and len(set(names)) == 23


def test_all_is_thread_safe(many):
    pages = many.items.list(page_size=3)
    with ThreadPoolExecutor(max_workers=8) as pool:
        names = list(pool.map(lambda item: item.name, pages.all()))
    assert sorted(names) == NAMES


def test_orphan_blobs_of_a_killed_upload_are_collected(store_url, tmp_path):
    """A process copies blobs in and dies before its rows commit; the next open removes them
    (a live writer's blobs would be kept: see test_a_live_writers_blobs_are_kept)."""
    blob_root = tmp_path / "blobs"
    script = textwrap.dedent(f"""
        import os
        from dl_jupyter.store.store import Store
        store = Store({store_url!r}, blob_root={str(blob_root)!r})
        blob = store.blobs.put_bytes(b"half-uploaded item")
        store.journal_blobs([blob.sha256])
        print(blob.sha256, flush=True)
        os._exit(9)  # killed before the item rows were written
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 9, result.stderr
    sha = result.stdout.strip()
    assert (blob_root / sha[:2] / sha[2:4] / sha).exists()
    reopened = Store(store_url, blob_root=str(blob_root))
    assert not reopened.blobs.exists(sha)
    with reopened.read() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.blob_journal)).scalar() == 0
        )
    reopened.dispose()


def test_a_live_writers_blobs_are_kept(store):
    blob = store.blobs.put_bytes(b"being uploaded right now")
    store.journal_blobs([blob.sha256])
    assert store.collect_orphan_blobs() == 0 and store.blobs.exists(blob.sha256)
    store.settle_blobs([blob.sha256])


def test_a_killed_upload_leaves_whole_batches(store_url, tmp_path):
    """Kill an upload of 300 files after its first batch committed: every stored item has its
    binary, and the next open removes the blobs of the batch that never committed."""
    make_folder(tmp_path / "many", [f"{n:03d}.png" for n in range(300)], size=(4, 4))
    blob_root = tmp_path / "blobs"
    script = textwrap.dedent(f"""
        import os, threading
        from dl_jupyter.repositories import items
        from dl_jupyter.repositories.client import Client
        from dl_jupyter.store.store import Store
        items.UPLOAD_BATCH = 100
        original = items.Items._upload_batch
        calls = []
        def upload_batch(self, *args):
            calls.append(1)
            if len(calls) == 2:  # die in the middle of the second batch, after its blobs
                self.store.journal_blobs([self.store.blobs.put_bytes(b"x" * 9).sha256])
                os._exit(9)
            return original(self, *args)
        items.Items._upload_batch = upload_batch
        client = Client(Store({store_url!r}, blob_root={str(blob_root)!r}))
        client.login("owner@example.com")
        dataset = client.projects_repo().create(project_name="p").datasets.create(dataset_name="d")
        dataset.items.upload(local_path={str(tmp_path / "many")!r})
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 9, result.stderr
    reopened = Store(store_url, blob_root=str(blob_root))
    with reopened.read() as conn:
        hashes = (
            conn.execute(sa.select(schema.items.c.blob).where(schema.items.c.type == "file"))
            .scalars()
            .all()
        )
    assert len(hashes) == 100 and all(reopened.blobs.exists(h) for h in hashes)
    on_disk = {p.name for p in blob_root.glob("??/??/*")}
    assert on_disk == set(hashes)
    reopened.dispose()


def test_a_failed_bulk_update_leaves_the_previous_state(many):
    before = [item.metadata for item in many.items.list().all()]
    with pytest.raises(dl.BadRequestError):
        many.items.update(filters=dl.Filters(), update_values={"ok": 1, "": "empty key"})
    assert [item.metadata for item in many.items.list().all()] == before


def test_migrations_upgrade_an_old_store_and_refuse_a_newer_one(store_url, tmp_path):
    engine = Store(store_url, blob_root=str(tmp_path / "b")).engine
    with engine.connect() as conn:
        applied = migrations.applied_versions(conn)
    assert applied == {m.version for m in migrations.MIGRATIONS}
    future = [
        *migrations.MIGRATIONS,
        migrations.Migration(migrations.LATEST + 1, "later", lambda c: None),
    ]
    assert migrations.migrate(engine, future) == [migrations.LATEST + 1]
    with pytest.raises(dl.ConflictError, match="newer than this dl_jupyter"):
        migrations.migrate(engine, migrations.MIGRATIONS)
    engine.dispose()


def test_several_processes_share_one_store(store_url, tmp_path, dataset):
    """Three kernels write to the same store at once: every write lands, none fails."""
    script = textwrap.dedent(f"""
        import sys
        from dl_jupyter.repositories.client import Client
        from dl_jupyter.store.store import Store
        import dl_jupyter as dl
        worker = sys.argv[1]
        client = Client(Store({store_url!r}, blob_root={str(tmp_path / "blobs")!r}))
        client.login("owner@example.com")
        dataset = client.datasets_repo().get(dataset_id={dataset.id!r})
        for batch in range(4):
            dataset.items.bulk_insert(
                {{"filename": f"/w{{worker}}/{{batch}}-{{n}}.jpg",
                  "metadata": {{"user": {{"w": worker}}}}}}
                for n in range(50))
            dataset.items.update(filters=dl.Filters(field="metadata.user.w", values=worker),
                                 update_values={{"batch": batch}})
    """)
    workers = [
        subprocess.Popen([sys.executable, "-c", script, str(n)], stderr=subprocess.PIPE, text=True)
        for n in range(3)
    ]
    errors = [worker.communicate()[1] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0, 0], errors
    assert dataset.items.count() == 3 * 4 * 50
    last = dl.Filters(field="metadata.user.batch", values=3)
    assert dataset.items.list(filters=last).items_count == 600
