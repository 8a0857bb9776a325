"""COCO import and export at scale, each beside a plain baseline measured in the same run.

    python bench/bench_coco.py                     # 2,000 images, 20,000 boxes (a quick look)
    python bench/bench_coco.py --images 100000     # 100,000 images, 1,000,000 boxes
    python bench/bench_coco.py --images 100000 --url postgresql+psycopg://user:pw@host/db

The script writes a COCO file with ``--boxes`` boxes per image over 80 categories, and a
tiny PNG per image, in a temporary folder. Then, each in its own process so that peak RSS
is its own:

- import: ``dataset.import_from(file, format='coco', link=True)`` (streamed, checked, in
  resumable batches); ``--copy`` copies the images into the blob store instead of linking;
- baseline import: ``json.load`` of the whole file, then ``executemany`` of the same item
  and annotation rows into another dataset of the same store, and one recount of
  ``annotations_count``;
- export: ``dataset.export_to(folder, format='coco')``;
- baseline export: one SELECT of the items and one of the annotations, rows to COCO dicts,
  ``json.dump``.

Printed: wall and CPU seconds, rows per second (items + annotations) and peak RSS of each,
and the ratios ours / baseline (the target for import is 2x and 60 s at 100,000 images).
CPU seconds tell more than wall seconds on a machine busy with other work.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from dl_jupyter.repositories.client import Client
from dl_jupyter.store import schema
from dl_jupyter.store.store import Store
from dl_jupyter.store.timeutil import new_id, now_iso

USER = "bench@example.com"
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
BATCH = 5000


class Clock:
    """Wall and CPU seconds from its creation, and the process's peak RSS, for a result."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def result(self, rows: int) -> dict:
        return {
            "seconds": time.perf_counter() - self.wall,
            "cpu": time.process_time() - self.cpu,
            "rows": rows,
            "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }


def generate(root: Path, images: int, boxes: int) -> Path:
    """The COCO file and one tiny PNG per image (names img000001.png...)."""
    random.seed(7)
    folder = root / "images"
    folder.mkdir(parents=True)
    path = root / "instances.json"
    with open(path, "w") as out:
        out.write('{"info": {"description": "bench"}, "images": [')
        for n in range(1, images + 1):
            (folder / f"img{n:06d}.png").write_bytes(TINY_PNG)
            out.write(
                ("" if n == 1 else ", ")
                + json.dumps({"id": n, "file_name": f"img{n:06d}.png", "width": 640, "height": 480})
            )
        out.write('], "annotations": [')
        count = 0
        for n in range(1, images + 1):
            for _ in range(boxes):
                count += 1
                w, h = round(random.uniform(5, 200), 2), round(random.uniform(5, 200), 2)
                x, y = round(random.uniform(0, 640 - w), 2), round(random.uniform(0, 480 - h), 2)
                out.write(
                    ("" if count == 1 else ", ")
                    + json.dumps(
                        {
                            "id": count,
                            "image_id": n,
                            "category_id": 1 + count % 80,
                            "bbox": [x, y, w, h],
                            "area": round(w * h, 2),
                            "iscrowd": 0,
                        }
                    )
                )
        categories = [
            {"id": c, "name": f"class_{c:02d}", "supercategory": "thing"} for c in range(1, 81)
        ]
        out.write('], "categories": ' + json.dumps(categories) + "}")
    return path


def open_client(url: str, blobs: Path) -> Client:
    client = Client(Store(url, str(blobs)))
    client.login(USER)
    return client


def dataset_of(client: Client, name: str):
    projects = client.projects_repo()
    try:
        project = projects.get(project_name="bench")
    except Exception:
        project = projects.create(project_name="bench")
    return project.datasets.create(dataset_name=name)


def run_import(url: str, blobs: Path, coco: Path, copy: bool) -> dict:
    dataset = dataset_of(open_client(url, blobs), "imported")
    clock = Clock()
    report = dataset.import_from(coco, format="coco", images=coco.parent / "images", link=not copy)
    return clock.result(report.items + report.annotations)


def run_baseline_import(url: str, blobs: Path, coco: Path) -> dict:
    client = open_client(url, blobs)
    dataset = dataset_of(client, "baseline")
    clock = Clock()
    with open(coco) as stream:
        data = json.load(stream)
    labels = {c["id"]: f"{c['supercategory']}.{c['name']}" for c in data["categories"]}
    now = now_iso()
    ids = {}
    items = []
    for image in data["images"]:
        ids[image["id"]] = new_id()
        name = image["file_name"]
        items.append(
            {
                "id": ids[image["id"]],
                "dataset_id": dataset.id,
                "filename": "/" + name,
                "dir": "/",
                "name": name,
                "type": "file",
                "hidden": False,
                "link": str((coco.parent / "images" / name).resolve()),
                "mimetype": "image/png",
                "width": image["width"],
                "height": image["height"],
                "metadata": {"system": {"coco": {"image_id": image["id"]}}},
                "creator": USER,
                "created_at": now,
                "updated_by": USER,
                "updated_at": now,
            }
        )
    annotations = []
    for a in data["annotations"]:
        x, y, w, h = a["bbox"]
        annotations.append(
            {
                "id": new_id(),
                "item_id": ids[a["image_id"]],
                "dataset_id": dataset.id,
                "type": "box",
                "label": labels[a["category_id"]],
                "coordinates": [{"x": x, "y": y, "z": 0}, {"x": x + w, "y": y + h, "z": 0}],
                "attributes": None,
                "automated": False,
                "x0": x,
                "y0": y,
                "x1": x + w,
                "y1": y + h,
                "area": w * h,
                "metadata": {"system": {"coco": {"id": a["id"], "iscrowd": 0}, "source": "sdk"}},
                "creator": USER,
                "created_at": now,
                "updated_by": USER,
                "updated_at": now,
                "version": 1,
            }
        )
    with client.store.write() as conn:
        for start_row in range(0, len(items), BATCH):
            conn.execute(schema.items.insert(), items[start_row : start_row + BATCH])
        for start_row in range(0, len(annotations), BATCH):
            conn.execute(schema.annotations.insert(), annotations[start_row : start_row + BATCH])
        counted = (
            sa.select(sa.func.count())
            .where(schema.annotations.c.item_id == schema.items.c.id)
            .scalar_subquery()
        )
        conn.execute(
            schema.items.update()
            .where(schema.items.c.dataset_id == dataset.id)
            .values(annotations_count=counted)
        )
    return clock.result(len(items) + len(annotations))


def run_export(url: str, blobs: Path, target: Path) -> dict:
    client = open_client(url, blobs)
    dataset = client.projects_repo().get(project_name="bench").datasets.get(dataset_name="imported")
    clock = Clock()
    report = dataset.export_to(target, format="coco")
    return clock.result(report.items + report.annotations)


def run_baseline_export(url: str, blobs: Path, target: Path) -> dict:
    client = open_client(url, blobs)
    dataset = client.projects_repo().get(project_name="bench").datasets.get(dataset_name="imported")
    i, a = schema.items, schema.annotations
    clock = Clock()
    with client.store.read() as conn:
        images = [
            {
                "id": n,
                "file_name": row.filename.lstrip("/"),
                "width": row.width,
                "height": row.height,
            }
            for n, row in enumerate(
                conn.execute(sa.select(i).where(i.c.dataset_id == dataset.id, i.c.type == "file")),
                start=1,
            )
        ]
        image_ids = {
            row.id: n
            for n, row in enumerate(
                conn.execute(
                    sa.select(i.c.id).where(i.c.dataset_id == dataset.id, i.c.type == "file")
                ),
                start=1,
            )
        }
        labels: dict[str, int] = {}
        annotations = []
        for n, row in enumerate(
            conn.execute(sa.select(a).where(a.c.dataset_id == dataset.id)), start=1
        ):
            category = labels.setdefault(row.label, len(labels) + 1)
            annotations.append(
                {
                    "id": n,
                    "image_id": image_ids[row.item_id],
                    "category_id": category,
                    "bbox": [row.x0, row.y0, row.x1 - row.x0, row.y1 - row.y0],
                    "area": row.area,
                    "iscrowd": 0,
                    "segmentation": [],
                }
            )
    categories = [{"id": n, "name": name, "supercategory": ""} for name, n in labels.items()]
    target.mkdir(parents=True, exist_ok=True)
    with open(target / "coco.json", "w") as out:
        json.dump({"images": images, "annotations": annotations, "categories": categories}, out)
    return clock.result(len(images) + len(annotations))


def in_child(*arguments: str) -> dict:
    """Run one measurement in a fresh process, so that its peak RSS is its own."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", *arguments],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def child(args: argparse.Namespace) -> None:
    url, blobs, path = args.child[0], Path(args.child[1]), Path(args.child[3])
    kind = args.child[2]
    if kind == "import":
        result = run_import(url, blobs, path, args.copy)
    elif kind == "baseline-import":
        result = run_baseline_import(url, blobs, path)
    elif kind == "export":
        result = run_export(url, blobs, path)
    else:
        result = run_baseline_export(url, blobs, path)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--boxes", type=int, default=10, help="boxes per image")
    parser.add_argument(
        "--url", default=None, help="store URL (default: SQLite in the temporary folder)"
    )
    parser.add_argument(
        "--copy", action="store_true", help="copy images into the store instead of linking"
    )
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        start = time.perf_counter()
        coco = generate(root, args.images, args.boxes)
        size = coco.stat().st_size / 1e6
        print(
            f"generated {args.images:,} images, {args.images * args.boxes:,} boxes, "
            f"{size:,.0f} MB of JSON in {time.perf_counter() - start:.1f} s"
        )
        url = args.url or f"sqlite:///{root / 'store.db'}"
        blobs = str(root / "blobs")
        flags = ["--copy"] if args.copy else []
        results = {
            "import": in_child(url, blobs, "import", str(coco), *flags),
            "baseline import": in_child(url, blobs, "baseline-import", str(coco)),
            "export": in_child(url, blobs, "export", str(root / "export")),
            "baseline export": in_child(
                url, blobs, "baseline-export", str(root / "baseline-export")
            ),
        }
    print(f"{'':16} {'seconds':>8} {'CPU s':>7} {'rows/s':>10} {'peak RSS MB':>12}")
    for name, r in results.items():
        rate = r["rows"] / r["seconds"]
        print(f"{name:16} {r['seconds']:8.1f} {r['cpu']:7.1f} {rate:10,.0f} {r['rss']:12,.0f}")
    for kind in ("import", "export"):
        ours, base = results[kind], results[f"baseline {kind}"]
        print(
            f"{kind}: {ours['seconds'] / base['seconds']:.2f}x the baseline's time "
            f"({ours['cpu'] / base['cpu']:.2f}x its CPU time), {ours['rss'] / base['rss']:.2f}x "
            "its peak RSS"
        )


if __name__ == "__main__":
    main()
