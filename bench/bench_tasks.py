"""Task benchmark: creating a distribution task, and annotators pulling work concurrently.

    python bench/bench_tasks.py                      # 100,000 items
    python bench/bench_tasks.py --items 1000000      # the 1,000,000-item figure
    python bench/bench_tasks.py --skip-pulls         # SQLite part only

1. On SQLite (a temporary folder): ``dataset.tasks.create_labeling`` over N items with 20
   assignees, beside a hand-written INSERT ... SELECT writing the same rows (a task row and
   an assignment row per item, the assignee by row number modulo 20) for a second task.
2. On PostgreSQL (``DL_JUPYTER_TEST_PG_URL``, in a schema of its own, dropped at the end):
   50 annotator processes work one pulling task at once; each times ``q.next()`` and sets a
   status, with a think time between items (a person looks at each item for a while: from
   half to 1.5 times ``--think-ms``; 0 saturates the machine). Latencies are steady state: each process first works one item
   untimed, as a kernel that has been running a while has compiled its statements. Beside it, the same processes pop rows from a bare table with a
   hand-written ``SELECT ... FOR UPDATE SKIP LOCKED`` + ``UPDATE``.

Ratios are ours / hand-written (lower is better). Targets: task creation over 1,000,000
items under 10 s; ``q.next()`` p95 under 20 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

import dl_jupyter as dl
from dl_jupyter.repositories.client import Client
from dl_jupyter.store import schema
from dl_jupyter.store.sqlids import new_id_sql
from dl_jupyter.store.store import Store

OWNER = "owner@example.com"


def team(size: int) -> list[str]:
    return [f"annotator{n:02d}@example.com" for n in range(size)]


def make_dataset(client: Client, items: int, members: list[str]) -> Any:
    """A project with ``members`` as annotators and a dataset of ``items`` file items (rows
    written set-based: this is setup, not a figure)."""
    project = client.projects_repo().create(project_name=f"bench-{uuid.uuid4().hex[:6]}")
    for email in members:
        project.add_member(email, dl.MemberRole.ANNOTATOR)
    dataset = project.datasets.create(dataset_name="items")
    store = client.store
    first = sa.select(sa.literal(0).label("n")).cte("numbers", recursive=True)
    numbers = first.union_all(sa.select(first.c.n + 1).where(first.c.n < items - 1))
    name = sa.cast(numbers.c.n, sa.String) + ".jpg"
    i = schema.items
    with store.write() as conn:
        conn.execute(
            i.insert().from_select(
                [
                    "id",
                    "dataset_id",
                    "filename",
                    "dir",
                    "name",
                    "type",
                    "metadata",
                    "creator",
                    "created_at",
                    "updated_by",
                    "updated_at",
                ],
                sa.select(
                    new_id_sql(store.dialect),
                    sa.literal(dataset.id),
                    sa.literal("/f/") + name,
                    sa.literal("/f"),
                    name,
                    sa.literal("file"),
                    sa.literal({"system": {}}, schema.JSON),
                    sa.literal(OWNER),
                    sa.literal("2024-01-01T00:00:00.000Z"),
                    sa.literal(OWNER),
                    sa.literal("2024-01-01T00:00:00.000Z"),
                ).select_from(numbers),
            )
        )
    return dataset


def hand_written_distribution(store: Store, dataset_id: str, assignees: int) -> float:
    """The same rows as a distribution task writes, by hand-written SQL (assignment ids as
    long as real ones: 22 characters of the task id and a two-digit number)."""
    task = uuid.uuid4().hex[:24]
    assignment = f"substr(:task, 1, 22) || printf('%02d', (CAST(seq AS INTEGER) - 1) % {assignees})"
    start = time.perf_counter()
    with store.write() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO item_refs (item_id, ref_type, ref_id, dataset_id, seq, needed, taken) "
                "SELECT id, 'task', :task, dataset_id, ROW_NUMBER() OVER (ORDER BY id), 1, 1 FROM items "
                "WHERE dataset_id = :dataset AND hidden = false AND type = 'file'"
            ),
            {"task": task, "dataset": dataset_id},
        )
        conn.execute(
            sa.text(
                "INSERT INTO item_refs (item_id, ref_type, ref_id, dataset_id, seq) "
                f"SELECT item_id, 'assignment', {assignment}, dataset_id, seq FROM item_refs "
                "WHERE ref_id = :task AND ref_type = 'task'"
            ),
            {"task": task},
        )
    return time.perf_counter() - start


def bench_distribution(items: int, assignees: int) -> None:
    """Each side runs on its own copy of the same store, so neither finds the other's rows."""
    folder = Path(tempfile.mkdtemp(prefix="bench-tasks-"))
    try:
        store = Store(f"sqlite:///{folder}/setup.db", blob_root=str(folder / "blobs"))
        client = Client(store)
        client.login(OWNER)
        start = time.perf_counter()
        dataset_id = make_dataset(client, items, team(assignees)).id
        print(f"setup: {items:,} items in {time.perf_counter() - start:.1f} s")
        store.dispose()  # the last connection closing folds the write-ahead log into the file
        for copy in ("ours.db", "hand.db"):
            shutil.copy(folder / "setup.db", folder / copy)

        store = Store(f"sqlite:///{folder}/ours.db", blob_root=str(folder / "blobs"))
        client = Client(store)
        client.login(OWNER)
        dataset = client.datasets_repo().get(dataset_id=dataset_id)
        start = time.perf_counter()
        task = dataset.tasks.create_labeling(name="distribution", assignee_ids=team(assignees))
        ours = time.perf_counter() - start
        loads = sorted(a.total_items for a in task.assignments.list())
        assert sum(loads) == items and loads[-1] - loads[0] <= 1, loads
        store.dispose()

        store = Store(f"sqlite:///{folder}/hand.db", blob_root=str(folder / "blobs"))
        baseline = hand_written_distribution(store, dataset_id, assignees)
        store.dispose()
        print(
            f"distribution task, {items:,} items, {assignees} assignees (SQLite): {ours:.2f} s; "
            f"hand-written INSERT ... SELECT {baseline:.2f} s; ratio {ours / baseline:.2f}"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- concurrent pulls on PostgreSQL -----------------------------------------------------------
def think(mean_s: float) -> float:
    """A person's time on one item: from half to one and a half times the mean."""
    return mean_s * random.uniform(0.5, 1.5)


def annotator(
    url: str, task_id: str, email: str, pulls: int, think_s: float, start: Any, out: Any
) -> None:
    store = Store(url, blob_root=tempfile.gettempdir())
    client = Client(store)
    client.login(email)
    queue = client.tasks_repo().get(task_id=task_id).queue()
    queue.set_status(queue.next(), "completed")  # a kernel's first call compiles its statements
    start.wait()
    times = []
    for _ in range(pulls):
        began = time.perf_counter()
        item = queue.next()
        times.append(time.perf_counter() - began)
        if item is None:
            break
        queue.set_status(item, "completed")
        time.sleep(think(think_s))
    store.dispose()
    out.put(times)


def hand_written_popper(
    url: str, table: str, pulls: int, think_s: float, start: Any, out: Any
) -> None:
    engine = sa.create_engine(url)
    pop = sa.text(
        f"SELECT id FROM {table} WHERE done_by IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
    )
    times = []
    with engine.connect() as conn:
        conn.execute(pop).all()
        conn.rollback()
        start.wait()
        for _ in range(pulls):
            began = time.perf_counter()
            with conn.begin():
                row = conn.execute(pop).first()
                if row is not None:
                    conn.execute(
                        sa.text(f"UPDATE {table} SET done_by = :me WHERE id = :id"),
                        {"me": os.getpid(), "id": row.id},
                    )
            times.append(time.perf_counter() - began)
            time.sleep(think(think_s))
    engine.dispose()
    out.put(times)


def run_processes(target: Any, args: list[tuple]) -> list[float]:
    context = multiprocessing.get_context("fork")
    start, out = context.Barrier(len(args)), context.Queue()
    workers = [context.Process(target=target, args=(*a, start, out)) for a in args]
    for worker in workers:
        worker.start()
    times = [t for _ in workers for t in out.get(timeout=600)]
    for worker in workers:
        worker.join()
    return times


def percentiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=100)
    return cuts[49] * 1000, cuts[94] * 1000


def bench_pulls(base_url: str, annotators: int, pulls: int, think_ms: float) -> None:
    schema_name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema_name}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema_name}"})
    url = url.render_as_string(hide_password=False)
    try:
        store = Store(url, blob_root=tempfile.gettempdir())
        client = Client(store)
        client.login(OWNER)
        members = team(annotators)
        batch = 10  # enough items that nobody runs out: a pull takes a whole batch
        dataset = make_dataset(client, 2 * annotators * (pulls + 1 + batch), members)
        task = dataset.tasks.create_labeling(
            name="pulling", batch_size=batch, allowed_assignees=members
        )
        store.dispose()
        think = think_ms / 1000
        ours = run_processes(annotator, [(url, task.id, email, pulls, think) for email in members])
        with admin.begin() as conn:
            conn.execute(
                sa.text(f'CREATE TABLE "{schema_name}".jobs (id serial PRIMARY KEY, done_by int)')
            )
            conn.execute(
                sa.text(
                    f'INSERT INTO "{schema_name}".jobs (done_by) '
                    f"SELECT NULL FROM generate_series(1, {annotators * pulls})"
                )
            )
        baseline = run_processes(
            hand_written_popper, [(url, f'"{schema_name}".jobs', pulls, think) for _ in members]
        )
        (p50, p95), (b50, b95) = percentiles(ours), percentiles(baseline)
        print(
            f"q.next() with {annotators} annotator processes, {pulls} items each, think time "
            f"{think_ms:g} ms (PostgreSQL): p50 {p50:.1f} ms, p95 {p95:.1f} ms; hand-written "
            f"SKIP LOCKED pop p50 {b50:.1f} ms, p95 {b95:.1f} ms; ratio p95 {p95 / b95:.2f}"
        )
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--assignees", type=int, default=20)
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument(
        "--pulls", type=int, default=40, help="items each annotator process works on"
    )
    parser.add_argument("--think-ms", type=float, nargs="+", default=[1000.0, 0.0])
    parser.add_argument("--skip-pulls", action="store_true", help="only the SQLite part")
    args = parser.parse_args()
    bench_distribution(args.items, args.assignees)
    if args.skip_pulls:
        return
    url = os.environ.get("DL_JUPYTER_TEST_PG_URL")
    if not url:
        print("q.next() on PostgreSQL: skipped (set DL_JUPYTER_TEST_PG_URL)")
        return
    for think_ms in args.think_ms:
        bench_pulls(url, args.annotators, args.pulls, think_ms)


if __name__ == "__main__":
    main()
