"""Imports are resumable: a process killed mid-import leaves whole batches, and the same
import run again finishes the job without duplicates."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa

from dl_jupyter.exceptions import ConflictError
from dl_jupyter.store import schema
from tests.images import make_image
from tests.store.conftest import OWNER

IMAGES, BOXES = 30, 10

CHILD = textwrap.dedent("""
    import os, signal, sys
    from dl_jupyter.formats import writer
    from dl_jupyter.repositories.client import Client
    from dl_jupyter.store.store import Store

    url, blobs, owner, dataset_id, path, images, kill_at = sys.argv[1:]
    writer.ITEM_BATCH, writer.ANNOTATION_BATCH = 10, 50
    calls = []
    save = writer.BulkWriter._save

    def dying_save(self, conn):
        calls.append(1)
        if len(calls) == int(kill_at):  # inside a batch's transaction, before its commit
            os.kill(os.getpid(), signal.SIGKILL)
        save(self, conn)

    writer.BulkWriter._save = dying_save
    client = Client(Store(url, blobs))
    client.login(owner)
    dataset = client.datasets_repo().get(dataset_id=dataset_id)
    dataset.import_from(path, format="coco", images=images)
""")


def write_coco(tmp_path):
    for n in range(IMAGES):
        make_image(tmp_path / "images" / f"{n}.png", (32, 32))
    coco = {
        "images": [
            {"id": n, "file_name": f"{n}.png", "width": 32, "height": 32} for n in range(IMAGES)
        ],
        "annotations": [
            {"id": n * BOXES + k, "image_id": n, "category_id": 1, "bbox": [k, k, 5, 5]}
            for n in range(IMAGES)
            for k in range(BOXES)
        ],
        "categories": [{"id": 1, "name": "thing"}],
    }
    path = tmp_path / "coco.json"
    path.write_text(json.dumps(coco))
    return path


def consistent_counts(store, dataset_id):
    """(items, annotations, True if every item's annotations_count is its real count)."""
    i, a = schema.items, schema.annotations
    with store.read() as conn:
        real = sa.select(sa.func.count()).where(a.c.item_id == i.c.id).scalar_subquery()
        wrong = conn.execute(
            sa.select(sa.func.count())
            .select_from(i)
            .where(i.c.dataset_id == dataset_id, i.c.type == "file", i.c.annotations_count != real)
        ).scalar()
        items = conn.execute(
            sa.select(sa.func.count())
            .select_from(i)
            .where(i.c.dataset_id == dataset_id, i.c.type == "file")
        ).scalar()
        annotations = conn.execute(
            sa.select(sa.func.count()).select_from(a).where(a.c.dataset_id == dataset_id)
        ).scalar()
        orphans = conn.execute(
            sa.select(sa.func.count())
            .select_from(a)
            .where(a.c.dataset_id == dataset_id, a.c.item_id.not_in(sa.select(i.c.id)))
        ).scalar()
    return items, annotations, wrong == 0 and orphans == 0


@pytest.mark.parametrize("kill_at", [3, 8])  # in the items phase, and in the annotations phase
def test_killed_import_leaves_whole_batches_and_resumes(project, store, tmp_path, kill_at):
    dataset = project.datasets.create(dataset_name="resume")
    path = write_coco(tmp_path)
    url = store.url.render_as_string(hide_password=False)
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            url,
            store.blobs.root,
            OWNER,
            dataset.id,
            str(path),
            str(tmp_path / "images"),
            str(kill_at),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -9, child.stderr
    items, annotations, consistent = consistent_counts(store, dataset.id)
    assert consistent
    # each batch's transaction saves the progress record; killed inside one, exactly the
    # batches before it are in: 10 items, or all 30 items and 2 x 50 annotations
    assert (items, annotations) == ((10, 0) if kill_at == 3 else (30, 100))
    report = dataset.import_from(path, format="coco", images=tmp_path / "images")
    assert report.resumed
    assert consistent_counts(store, dataset.id) == (IMAGES, IMAGES * BOXES, True)
    with store.read() as conn:
        assert (
            conn.execute(
                sa.select(schema.settings.c.key).where(
                    schema.settings.c.key.like(f"import/{dataset.id}/%")
                )
            ).first()
            is None
        )


def test_a_changed_file_is_not_resumed_silently(project, tmp_path, monkeypatch):
    from dl_jupyter.formats import writer

    dataset = project.datasets.create(dataset_name="changed")
    path = write_coco(tmp_path)
    monkeypatch.setattr(writer, "ANNOTATION_BATCH", 50)
    save, calls = writer.BulkWriter._save, []

    def interrupted(self, conn):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        save(self, conn)

    monkeypatch.setattr(writer.BulkWriter, "_save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        dataset.import_from(path, format="coco", images=tmp_path / "images")
    monkeypatch.setattr(writer.BulkWriter, "_save", save)
    path.write_text(path.read_text().replace('"thing"', '"other"'))
    with pytest.raises(ConflictError, match="pass resume=False"):
        dataset.import_from(path, format="coco", images=tmp_path / "images")
    report = dataset.import_from(path, format="coco", images=tmp_path / "images", resume=False)
    assert not report.resumed and report.annotations == IMAGES * BOXES
