"""Annotators in separate processes pull from one task at the same moment: no item goes to
more assignees than its overlap, nobody gets an item twice (even from two processes), and
every item is done. Real processes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import traceback
from collections import Counter
from typing import Any

from dl_jupyter.repositories.client import Client
from dl_jupyter.store.store import Store
from tests.store.workflow_team import ANNOTATORS, add_items, add_team

A1, A2, A3 = ANNOTATORS
WORKERS = [A1, A1, A2, A3]  # A1 works from two processes at once
ITEMS = 30


def annotate(url: str, blob_root: str, task_id: str, email: str, start: Any, results: Any) -> None:
    """One annotator process: wait for the others, then work the queue to its end."""
    try:
        store = Store(url, blob_root)
        client = Client(store)
        client.login(email)
        queue = client.tasks_repo().get(task_id=task_id).queue()
        start.wait()
        served = []
        while (item := queue.next()) is not None:
            queue.set_status(item, "completed")
            served.append(item.id)
        store.dispose()
        results.put((email, served, None))
    except Exception:  # reported to the test, which fails with it
        results.put((email, [], traceback.format_exc()))


def test_concurrent_pulls_respect_the_overlap_and_lose_nothing(
    store_url, store, project, dataset, tmp_path
):
    add_team(project)
    add_items(dataset, ITEMS)
    task = dataset.tasks.create_labeling(
        name="crowd",
        batch_size=3,
        max_batch_workload=5,
        annotations_per_task=2,
        allowed_assignees=ANNOTATORS,
    )
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(len(WORKERS)), context.Queue()
    blob_root = str(tmp_path / "blobs")
    workers = [
        context.Process(
            target=annotate, args=(store_url, blob_root, task.id, email, start, results)
        )
        for email in WORKERS
    ]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert [error for _, _, error in reports if error] == []
    by_person: dict[str, list[str]] = {}
    for email, served, _ in reports:
        by_person.setdefault(email, []).extend(served)
    assert all(len(ids) == len(set(ids)) for ids in by_person.values())  # never twice to one person
    per_item = Counter(item_id for ids in by_person.values() for item_id in ids)
    assert len(per_item) == ITEMS and set(per_item.values()) == {
        2
    }  # exactly the overlap, none lost
    assert sum(len(served) > 0 for email, served, _ in reports if email == A1) >= 1
    assert task.progress()["done"].sum() == 2 * ITEMS
