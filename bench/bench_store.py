"""Store benchmark: bulk inserts, DQL queries, a label histogram, a bulk update and streaming,
each beside the same work done by hand-written SQL in the same run: the inserts into two
fresh databases side by side (so neither pays for the other's rows), everything else on the
same database.

    python bench/bench_store.py --items 100000                  # SQLite in a temporary folder
    python bench/bench_store.py --items 1000000
    python bench/bench_store.py --items 100000 --url postgresql+psycopg://user:pw@host/db

Hand-written reads return rows as dicts with their JSON parsed, which is the least a caller
needs; ours return Item entities. Streaming runs in a fresh process each, so its peak memory
is not hidden by what the inserts left here. The synthetic dataset is seeded: N items with
user metadata (split, camera, score, tags) and about 10 boxes each over 20 labels. Ratios are ours / hand-written (lower is better; the
targets are queries within 2x, counts at 1,000,000 items under 0.5 s, a bulk update of
100,000 items under 3 s, and streaming 1,000,000 items within 200 MB of extra RSS).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa

import dl_jupyter as dl
from dl_jupyter.frames.stats import Stats
from dl_jupyter.repositories.client import Client
from dl_jupyter.store import item_fields, schema
from dl_jupyter.store.store import Store
from dl_jupyter.store.timeutil import new_id, now_iso

LABELS = [f"label_{n:02d}" for n in range(20)]
TAGS = ["urban", "highway", "night", "rain", "crowd", "snow", "tunnel", "bridge"]
SPLITS = ["train"] * 7 + ["val"] * 2 + ["test"]
PAGE = 1000


def rss_mb() -> float:
    """Resident memory of this process now, in MB."""
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    """The peak resident memory of this process image, in MB (VmHWM: unlike ru_maxrss, it
    does not carry the parent's peak over a fork and exec)."""
    with open("/proc/self/status") as stream:
        line = next(line for line in stream if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def stream_in_fresh_process(
    url: str, blob_root: Path, dataset_id: str, how: str
) -> tuple[float, float, int]:
    """(seconds, MB of resident memory added at the peak, items) of streaming the dataset in
    a new process, so the figure is not hidden by memory this one already holds: ``how`` is
    "ours" (``items.list().all()``) or "hand" (keyset pages of plain SQL)."""
    command = [sys.executable, __file__, "--stream", how, "--url", url, "--dataset", dataset_id]
    done = subprocess.run(
        [*command, "--blobs", str(blob_root)], capture_output=True, text=True, check=True
    )
    seconds, added, count = json.loads(done.stdout.splitlines()[-1])
    return seconds, added, count


def stream_here(url: str, blob_root: str, dataset_id: str, how: str) -> None:
    """The child of ``stream_in_fresh_process``: prints [seconds, MB added at the peak, items]."""
    store = Store(url, blob_root=blob_root)
    client = Client(store)
    client.login("bench@example.com")
    dataset = client.datasets_repo().get(dataset_id=dataset_id)
    before = rss_mb()
    if how == "ours":
        seconds, count = timed(lambda: sum(1 for _ in dataset.items.list().all()))
    else:
        seconds, count = timed(lambda: _hand_stream(store, dataset_id))
    print(json.dumps([seconds, peak_rss_mb() - before, count]))
    store.dispose()


def timed(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def best_of(function: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """The fastest of ``repeat`` runs (reads only: warm caches, compiled statements)."""
    runs = [timed(function) for _ in range(repeat)]
    return min(run[0] for run in runs), runs[-1][1]


def report(
    name: str, ours: float, baseline: float, unit: str = "s", count: int | None = None
) -> None:
    rate = f"  ({count / ours:,.0f} rows/s vs {count / baseline:,.0f})" if count else ""
    print(
        f"{name:<44} {ours:9.3f} {unit}  hand SQL {baseline:9.3f} {unit}  "
        f"ratio {ours / baseline:5.2f}{rate}",
        flush=True,
    )


def item_records(n: int, seed: int) -> Iterator[dict]:
    rng = random.Random(seed)
    for index in range(n):
        camera = f"cam-{index % 5}"
        yield {
            "filename": f"/{camera}/{index:07d}.jpg",
            "mimetype": "image/jpeg",
            "width": 1280,
            "height": 720,
            "size": 100_000 + index % 5000,
            "metadata": {
                "user": {
                    "split": rng.choice(SPLITS),
                    "camera": camera,
                    "score": round(rng.random(), 4),
                    "tags": rng.sample(TAGS, rng.randint(0, 3)),
                }
            },
        }


def boxes(
    item_ids: list[str], seed: int, per_item: int
) -> Iterator[tuple[str, str, float, float, float, float]]:
    """About ``per_item`` boxes on each item (from per_item - 3 to per_item + 3; none for 0)."""
    rng = random.Random(seed)
    for item_id in item_ids:
        for _ in range(rng.randint(max(per_item - 3, 0), per_item + 3) if per_item else 0):
            left, top = rng.uniform(0, 1100), rng.uniform(0, 600)
            yield (
                item_id,
                rng.choice(LABELS),
                left,
                top,
                left + rng.uniform(5, 180),
                top + rng.uniform(5, 120),
            )


def hand_insert_items(conn: sa.Connection, dataset_id: str, n: int, seed: int) -> None:
    """The baseline: the same item and item_fields rows, straight executemany of plain tuples."""
    now, user = now_iso(), "bench@example.com"
    items_sql = sa.text(
        "INSERT INTO items (id, dataset_id, filename, dir, name, type, hidden, mimetype, width, height,"
        " size, annotations_count, metadata, creator, created_at, updated_by, updated_at, version)"
        " VALUES (:id, :ds, :fn, :dir, :name, 'file', false, :mt, :w, :h, :size, 0, :md, :u, :now, :u,"
        " :now, 1)"
    )
    fields_sql = sa.text(
        "INSERT INTO item_fields (item_id, dataset_id, key, vtype, vtext, vnum)"
        " VALUES (:item, :ds, :key, :vtype, :vtext, :vnum)"
    )
    batch, fields = [], []
    for record in item_records(n, seed):
        item_id = new_id()
        directory, name = record["filename"].rsplit("/", 1)
        batch.append(
            {
                "id": item_id,
                "ds": dataset_id,
                "fn": record["filename"],
                "dir": directory,
                "name": name,
                "mt": record["mimetype"],
                "w": 1280,
                "h": 720,
                "size": record["size"],
                "md": json.dumps({"system": {}, **record["metadata"]}),
                "u": user,
                "now": now,
            }
        )
        fields += [
            {"item": item_id, "ds": dataset_id, "key": k, "vtype": t, "vtext": s, "vnum": v}
            for k, t, s, v in item_fields.field_rows(record["metadata"]["user"])
        ]
        if len(batch) == 5000:
            conn.execute(items_sql, batch)
            conn.execute(fields_sql, fields)
            batch, fields = [], []
    if batch:
        conn.execute(items_sql, batch)
        conn.execute(fields_sql, fields)


def hand_insert_boxes(
    conn: sa.Connection, dataset_id: str, item_ids: list[str], seed: int, per_item: int
) -> int:
    now, user = now_iso(), "bench@example.com"
    sql = sa.text(
        "INSERT INTO annotations (id, item_id, dataset_id, type, label, coordinates, automated, x0, y0,"
        " x1, y1, area, metadata, creator, created_at, updated_by, updated_at, version) VALUES (:id,"
        " :item, :ds, 'box', :label, :coords, false, :x0, :y0, :x1, :y1, :area, '{\"system\": {}}',"
        " :u, :now, :u, :now, 1)"
    )
    batch, count = [], 0
    for item_id, label, x0, y0, x1, y1 in boxes(item_ids, seed, per_item):
        coords = json.dumps([{"x": x0, "y": y0, "z": 0}, {"x": x1, "y": y1, "z": 0}])
        batch.append(
            {
                "id": new_id(),
                "item": item_id,
                "ds": dataset_id,
                "label": label,
                "coords": coords,
                "x0": x0,
                "y0": y0,
                "x1": x1,
                "y1": y1,
                "area": (x1 - x0) * (y1 - y0),
                "u": user,
                "now": now,
            }
        )
        if len(batch) == 20000:
            conn.execute(sql, batch)
            count += len(batch)
            batch = []
    if batch:
        conn.execute(sql, batch)
    conn.execute(
        sa.text(
            "UPDATE items SET annotations_count = (SELECT count(*) FROM annotations a WHERE a.item_id = items.id)"
            " WHERE dataset_id = :ds"
        ),
        {"ds": dataset_id},
    )
    return count + len(batch)


# -- the hand-written queries: the natural SQL for each question on this schema ----------
BASE = "FROM items WHERE dataset_id = :ds AND type = 'file' AND hidden = false"
QUERIES = {
    "metadata (split == 'val')": (
        dl.Filters(field="metadata.user.split", values="val"),
        BASE
        + " AND id IN (SELECT item_id FROM item_fields WHERE dataset_id = :ds AND key = 'split'"
        " AND vtype = 's' AND vtext = 'val')",
    ),
    "label join (label == 'label_07')": (
        (lambda: (f := dl.Filters(), f.add_join(field="label", values="label_07"))[0])(),
        BASE
        + " AND id IN (SELECT item_id FROM annotations WHERE dataset_id = :ds AND label = 'label_07')",
    ),
    "label AND area (label_07, area > 15000)": (
        (
            lambda: (
                f := dl.Filters(),
                f.add_join(field="label", values="label_07"),
                f.add_join(field="area", values=15000, operator="gt"),
            )[0]
        )(),
        BASE
        + " AND id IN (SELECT item_id FROM annotations WHERE dataset_id = :ds AND label = 'label_07'"
        " AND area > 15000)",
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--url", default=None, help="a PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--boxes", type=int, default=10, help="boxes per item, about (0: none)")
    parser.add_argument("--stream", choices=["ours", "hand"], help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--blobs", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stream:  # the child process of stream_in_fresh_process
        stream_here(args.url, args.blobs, args.dataset, args.stream)
        return
    workdir = Path(tempfile.mkdtemp(prefix="dl-bench-"))
    schemas: list[str] = []
    admin = sa.create_engine(args.url) if args.url else None

    def new_store_url(name: str) -> str:
        """A fresh, empty store: a SQLite file, or a PostgreSQL schema of its own."""
        if admin is None:
            return f"sqlite:///{workdir / (name + '.db')}"
        schemas.append(f"bench_{name}_{uuid.uuid4().hex[:8]}")
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schemas[-1]}"'))
        url = sa.engine.make_url(args.url)
        return url.update_query_dict({"options": f"-csearch_path={schemas[-1]}"}).render_as_string(
            hide_password=False
        )

    try:
        run(
            new_store_url("ours"), new_store_url("hand"), args.items, args.boxes, args.seed, workdir
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        for name in schemas:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))


def run(url: str, hand_url: str, n: int, per_item: int, seed: int, workdir: Path) -> None:
    """Inserts: ours into ``url``, the hand-written ones into the empty store ``hand_url``
    (each into a fresh database, so neither pays for the other's rows); queries on ours."""
    store = Store(url, blob_root=str(workdir / "blobs"))
    client = Client(store)
    client.login("bench@example.com")
    ours = (
        client.projects_repo()
        .create(project_name="bench")
        .datasets.create(dataset_name="ours", labels=LABELS)
    )
    hand_store = Store(hand_url, blob_root=str(workdir / "hand-blobs"))
    hand_client = Client(hand_store)
    hand_client.login("bench@example.com")
    hand = (
        hand_client.projects_repo()
        .create(project_name="bench")
        .datasets.create(dataset_name="hand")
    )
    print(f"store {store.display_url}, {n:,} items, dialect {store.dialect}\n", flush=True)

    hand_items_s, _ = timed(lambda: _in_write(hand_store, hand_insert_items, hand.id, n, seed))
    our_items_s, _ = timed(lambda: ours.items.bulk_insert(item_records(n, seed)))
    report("bulk insert items (+ metadata index)", our_items_s, hand_items_s, count=n)

    if per_item:
        measure_box_inserts(store, ours, hand_store, hand, seed, per_item)
    hand_store.dispose()
    if store.dialect == "sqlite":
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with store.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    print()

    for name, (filters, sql) in QUERIES.items():
        if per_item or "label" not in name:  # without boxes, the annotation queries say nothing
            measure_query(store, ours, name, filters, sql)
    if per_item:
        measure_histogram(store, client, ours)

    target = dl.Filters(field="metadata.user.split", values="test")
    settle(store)
    hand_update_s, _ = timed(lambda: _in_write(store, _hand_update, ours.id))
    settle(store)
    our_update_s, _ = timed(
        lambda: ours.items.update(filters=target, update_values={"reviewed": True})
    )
    updated = ours.items.list(
        filters=dl.Filters(field="metadata.user.reviewed", values=True)
    ).items_count
    report(f"bulk update {updated:,} items (user metadata)", our_update_s, hand_update_s)

    blob_root = workdir / "blobs"
    hand_stream_s, hand_rss, _ = stream_in_fresh_process(url, blob_root, ours.id, "hand")
    our_stream_s, our_rss, streamed = stream_in_fresh_process(url, blob_root, ours.id, "ours")
    report(f"stream {streamed:,} items through pages", our_stream_s, hand_stream_s)
    print(f"{'peak RSS added by streaming':<44} {our_rss:9.1f} MB  hand SQL {hand_rss:9.1f} MB")
    store.dispose()


def decoded(rows: list) -> list[dict]:
    """Rows as dicts with their JSON metadata parsed: what a caller of hand-written SQL needs."""
    result = []
    for row in rows:
        values = dict(row._mapping)
        if isinstance(values["metadata"], str):
            values["metadata"] = json.loads(values["metadata"])
        result.append(values)
    return result


def measure_box_inserts(
    store: Store, ours: dl.Dataset, hand_store: Store, hand: dl.Dataset, seed: int, per_item: int
) -> None:
    """About ``per_item`` boxes on every item: through ``annotations.bulk_insert`` into
    ``ours``, and by hand-written executemany into ``hand``."""
    with store.read() as conn:
        our_ids = list(
            conn.execute(
                sa.select(schema.items.c.id)
                .where(schema.items.c.dataset_id == ours.id, schema.items.c.type == "file")
                .order_by(schema.items.c.id)
            ).scalars()
        )
    with hand_store.read() as conn:
        hand_ids = list(
            conn.execute(
                sa.select(schema.items.c.id)
                .where(schema.items.c.dataset_id == hand.id, schema.items.c.type == "file")
                .order_by(schema.items.c.id)
            ).scalars()
        )
    hand_boxes_s, count = timed(
        lambda: _in_write(hand_store, hand_insert_boxes, hand.id, hand_ids, seed, per_item)
    )

    def our_boxes() -> int:
        definitions = (
            dl.Annotation(
                annotation_definition=dl.Box.unchecked(
                    left=x0, top=y0, right=x1, bottom=y1, label=label
                ),
                item_id=item_id,
                automated=False,
            )
            for item_id, label, x0, y0, x1, y1 in boxes(our_ids, seed, per_item)
        )
        return ours.annotations.bulk_insert(definitions)

    our_boxes_s, _ = timed(our_boxes)
    report("bulk insert boxes", our_boxes_s, hand_boxes_s, count=count)


def measure_query(
    store: Store, dataset: dl.Dataset, name: str, filters: dl.Filters, sql: str
) -> None:
    """Count and first page of ``filters`` through the API, beside the hand-written ``sql``."""
    params = {"ds": dataset.id}
    with store.read() as conn:
        hand_count_s, expected = best_of(
            lambda: conn.execute(sa.text("SELECT count(*) " + sql), params).scalar()
        )
        first_page = sa.text(f"SELECT * {sql} ORDER BY id LIMIT {PAGE}")
        hand_page_s, _ = best_of(lambda: decoded(conn.execute(first_page, params).all()))
    our_page_s, _ = best_of(lambda: dataset.items.list(filters=filters))
    our_count_s, got = best_of(lambda: dataset.items.list(filters=filters, page_size=0).items_count)
    assert got == expected, (name, got, expected)
    report(f"count: {name} = {got:,}", our_count_s, hand_count_s)
    report(f"first page: {name}", our_page_s, hand_page_s)


def measure_histogram(store: Store, client: Client, dataset: dl.Dataset) -> None:
    """The label histogram (annotations and items per label) beside its hand-written SQL."""
    with store.read() as conn:
        hand_hist_s, hand_hist = best_of(
            lambda: conn.execute(
                sa.text(
                    "SELECT label, count(*), count(DISTINCT item_id) FROM annotations WHERE dataset_id = :ds"
                    " GROUP BY label ORDER BY 2 DESC, 1"
                ),
                {"ds": dataset.id},
            ).all()
        )
    our_hist_s, histogram = best_of(lambda: Stats(client, dataset.id).labels())
    assert len(histogram) == len(hand_hist)
    report("label histogram (annotations, items)", our_hist_s, hand_hist_s)


def settle(store: Store) -> None:
    """Before a timed write on SQLite: copy the log of the writes before it into the file, so
    the background checkpoint of one measurement does not run during the next."""
    if store.dialect == "sqlite":
        raw = store.engine.raw_connection()  # outside any transaction, which would pin the log
        try:
            busy, _, _ = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            raw.close()
        assert busy == 0, "the checkpoint before a timed write could not complete"


def _in_write(store: Store, function: Callable, *args: object) -> object:
    with store.write() as conn:
        return function(conn, *args)


def _hand_update(conn: sa.Connection, dataset_id: str) -> None:
    """The baseline: set metadata.user.reviewed_hand on split == 'test' items, with its index rows."""
    selected = (
        "SELECT item_id FROM item_fields WHERE dataset_id = :ds AND key = 'split'"
        " AND vtype = 's' AND vtext = 'test'"
    )
    if conn.dialect.name == "sqlite":
        set_json = "json_set(metadata, '$.user.reviewed_hand', json('true'))"
    else:
        set_json = "jsonb_set(metadata, '{user,reviewed_hand}', 'true'::jsonb)"
    conn.execute(
        sa.text(
            f"UPDATE items SET metadata = {set_json}, version = version + 1 WHERE id IN ({selected})"
        ),
        {"ds": dataset_id},
    )
    conn.execute(
        sa.text(
            "INSERT INTO item_fields (item_id, dataset_id, key, vtype, vtext, vnum) SELECT id, dataset_id,"
            f" 'reviewed_hand', 'b', NULL, 1 FROM items WHERE id IN ({selected})"
        ),
        {"ds": dataset_id},
    )


def _hand_stream(store: Store, dataset_id: str) -> int:
    count, last = 0, ""
    while True:
        with store.read() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT * FROM items WHERE dataset_id = :ds AND type = 'file' AND hidden = false AND id > :last"
                    f" ORDER BY id LIMIT {PAGE}"
                ),
                {"ds": dataset_id, "last": last},
            ).all()
        if not rows:
            return count
        count += len(decoded(rows))
        last = rows[-1].id


if __name__ == "__main__":
    main()
