"""The gallery's speed in JupyterLab and Chromium on a large dataset, beside a baseline measured
in the same run, on the same page.

    python bench/bench_gallery.py                       # 1,000,000 items, 5 rounds
    python bench/bench_gallery.py --items 100000 --rounds 3

The store holds ``--items`` image items (rows written with one INSERT ... SELECT) that cycle
through 96 distinct 640 x 480 JPEG photos, every other item with two boxes. One notebook shows:

- the gallery, 48 thumbnails a page: pages asked for over the widget's channel, tiles as JSON,
  thumbnails as binary buffers, drawn with their boxes by the browser;
- the baseline a notebook user writes without it: a "next" button whose handler reads the
  page's items with hand-written SQL (LIMIT/OFFSET), reads each original JPEG and shows 48
  ``ipywidgets.Image`` in a ``GridBox``.

Measured from the click on "next" (a capture listener in the page takes the time) until every
image of the new page is decoded (polled each animation frame): the gallery cold (its
thumbnail cache emptied first, so all 48 are made now) and warm (the page seen before), and
the baseline; then a jump to the last page (OFFSET 999,952 of a million; the baseline counts
its pages first, as the gallery did when it opened). Targets: warm < 300 ms and cold < 2 s
for a page of 48.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dl_jupyter.repositories.client import Client  # noqa: E402
from dl_jupyter.store.store import Store  # noqa: E402
from dl_jupyter.store.thumbnails import Thumbnails  # noqa: E402
from dl_jupyter.store.timeutil import now_iso  # noqa: E402
from tests.browser.harness import JupyterServer, LabPage, launch_chromium  # noqa: E402

USER = "bench@example.com"
POOL = 96
PAGE = 48

SETUP = """\
import sqlite3
import ipywidgets as widgets
import dl_jupyter as dl

dl.connect("sqlite:///bench.db", blob_root="bench-blobs")
dl.login("bench@example.com")
ds = dl.projects.get(project_name="bench").datasets.get(dataset_name="photos")
"""
GALLERY = "gallery = dl.Gallery(ds, page_size=48, thumb_size=160)\ngallery"
BASELINE = """\
class Baseline:
    # 48 ipywidgets.Image of the originals, paged with hand-written SQL
    def __init__(self, dataset_id):
        self.dataset_id = dataset_id
        self.db = sqlite3.connect("bench.db", check_same_thread=False)
        self.blobs = dl.client().store.blobs
        self.page = 0
        self.grid = widgets.GridBox(layout=widgets.Layout(
            grid_template_columns="repeat(auto-fill, 160px)", grid_gap="6px"))
        self.grid.add_class("bench-baseline")
        self.button = widgets.Button(description="next")
        self.button.add_class("bench-next")
        self.button.on_click(lambda _: self.show(self.page + 1))
        self.last = widgets.Button(description="last")
        self.last.add_class("bench-last")
        self.last.on_click(lambda _: self.show(self.pages() - 1))

    def pages(self):
        (count,) = self.db.execute(
            "SELECT count(*) FROM items WHERE dataset_id = ? AND type = 'file' AND hidden = 0",
            (self.dataset_id,)).fetchone()
        return -(-count // 48)

    def show(self, page):
        self.page = page
        rows = self.db.execute(
            "SELECT blob FROM items WHERE dataset_id = ? AND type = 'file' AND hidden = 0 "
            "ORDER BY id LIMIT 48 OFFSET ?", (self.dataset_id, page * 48)).fetchall()
        images = []
        for (blob,) in rows:
            with self.blobs.open(blob) as stream:
                image = widgets.Image(value=stream.read(), format="jpeg", width=160)
            image.add_class(f"p{page}")
            images.append(image)
        self.grid.children = images


baseline = Baseline(ds.id)
baseline.show(0)
widgets.VBox([widgets.HBox([baseline.button, baseline.last]), baseline.grid])
"""

CLOCK_JS = """() => document.addEventListener(
  'click', () => { window.benchClick = performance.now(); }, true)"""
NEXT, PREVIOUS, LAST = (
    f".dl-gallery-root button[title='{t} page']" for t in ("next", "previous", "last")
)
GALLERY_READY_JS = """(page) => {
  const grid = document.querySelector('.dl-gallery-grid');
  if (grid.dataset.state !== 'ready' || grid.dataset.page !== String(page)) return false;
  return {ms: performance.now() - (window.benchClick || 0)};
}"""
BASELINE_READY_JS = """([page, count]) => {
  const images = [...document.querySelectorAll('.bench-baseline img.p' + page)];
  if (images.length !== count || !images.every(i => i.complete && i.naturalWidth > 0)) {
    return false;
  }
  return {ms: performance.now() - (window.benchClick || 0)};
}"""


def photo(seed: int) -> bytes:
    """A 640 x 480 JPEG that costs what a photo costs to decode (texture and noise)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (31, 41, 3), dtype=np.uint8)
    image = Image.fromarray(small).resize((640, 480), Image.Resampling.BILINEAR)
    noise = rng.integers(-12, 12, (480, 640, 3))
    pixels = np.clip(np.asarray(image, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=85)
    return out.getvalue()


def build_store(root: Path, count: int) -> Store:
    """The bench store: ``count`` items over POOL photos, written in SQL; every other item boxed."""
    store = Store(f"sqlite:///{root / 'bench.db'}", blob_root=str(root / "bench-blobs"))
    client = Client(store)
    client.login(USER)
    dataset = (
        client.projects_repo()
        .create(project_name="bench")
        .datasets.create(dataset_name="photos", labels={"car": "#e6194b", "person": "#3cb44b"})
    )
    blobs = [(store.blobs.put_bytes(photo(n)).sha256, n) for n in range(POOL)]
    now = now_iso()
    with store.write() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE pool (n INTEGER PRIMARY KEY, blob TEXT)")
        conn.exec_driver_sql("INSERT INTO pool VALUES (?, ?)", [(n, b) for b, n in blobs])
        conn.exec_driver_sql(
            """
            WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < ?)
            INSERT INTO items (id, dataset_id, filename, dir, name, type, hidden, blob, mimetype,
                               size, width, height, annotations_count, metadata, creator,
                               created_at, updated_by, updated_at, version)
            SELECT printf('bench%019d', seq.n), ?, printf('/photos/%07d.jpg', seq.n), '/photos',
                   printf('%07d.jpg', seq.n), 'file', 0, pool.blob, 'image/jpeg', 60000, 640,
                   480, (seq.n + 1) % 2 * 2, '{"system": {}, "user": {}}', ?, ?, ?, ?, 1
            FROM seq JOIN pool ON pool.n = seq.n % ?
            """,
            (count, dataset.id, USER, now, USER, now, POOL),
        )
        for box, (x0, y0, x1, y1, label) in enumerate(
            [(40, 200, 300, 380, "car"), (420, 150, 470, 330, "person")]
        ):
            conn.exec_driver_sql(
                """
                INSERT INTO annotations (id, item_id, dataset_id, type, label, coordinates,
                                         status, automated, x0, y0, x1, y1, area, metadata,
                                         creator, created_at, updated_by, updated_at, version)
                SELECT printf('%s-%d', items.id, ?), items.id, items.dataset_id, 'box', ?,
                       json_array(json_object('x', ?, 'y', ?, 'z', 0),
                                  json_object('x', ?, 'y', ?, 'z', 0)),
                       NULL, 0, ?, ?, ?, ?, ?, '{"system": {}, "user": {}}', ?, ?, ?, ?, 1
                FROM items WHERE items.dataset_id = ? AND items.annotations_count > 0
                """,
                (box, label, x0, y0, x1, y1, x0, y0, x1, y1, (x1 - x0) * (y1 - y0),
                 USER, now, USER, now, dataset.id),
            )  # fmt: skip
    return store


def stats(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):7.1f} ms  p95 {p95:7.1f} ms  (n={len(ordered)})"


def click_until(lab: LabPage, selector: str, ready_js: str, arg: object) -> float:
    """Milliseconds from a click on ``selector`` until ``ready_js(arg)`` holds."""
    lab.page.locator(selector).first.click()
    ready = lab.page.wait_for_function(ready_js, arg=arg, polling="raf", timeout=60_000)
    return ready.json_value()["ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with JupyterServer() as server, sync_playwright() as playwright:
        started = time.perf_counter()
        store = build_store(server.root, args.items)
        print(f"store: {args.items:,} items written in {time.perf_counter() - started:.1f} s",
              flush=True)  # fmt: skip
        cache = Path(Thumbnails(store.blobs).root)
        notebook = server.write_notebook("bench.ipynb", [SETUP, GALLERY, BASELINE])
        browser = launch_chromium(playwright)
        page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
        lab = LabPage(page, server, ROOT / "test-artifacts" / "bench-gallery")
        lab.open_and_run(notebook)
        page.evaluate(CLOCK_JS)
        page.wait_for_selector(".dl-gallery-grid[data-state='ready']", timeout=60_000)
        page.wait_for_function(BASELINE_READY_JS, arg=[0, PAGE], polling="raf")

        cold, warm, widget_ms, baseline = [], [], [], []
        for current in range(1, args.rounds + 1):
            shutil.rmtree(cache, ignore_errors=True)  # every thumbnail is made again
            cold.append(click_until(lab, NEXT, GALLERY_READY_JS, current))
            click_until(lab, PREVIOUS, GALLERY_READY_JS, current - 1)
            warm.append(click_until(lab, NEXT, GALLERY_READY_JS, current))
            widget_ms.append(float(page.get_attribute(".dl-gallery-grid", "data-load-ms")))
            baseline.append(click_until(lab, ".bench-next", BASELINE_READY_JS, [current, PAGE]))
        lab.screenshot("gallery-and-baseline")

        last = -(-args.items // PAGE) - 1  # the last page: OFFSET (items - 48)
        deep = {
            "gallery": click_until(lab, LAST, GALLERY_READY_JS, last),
            "baseline": click_until(
                lab, ".bench-last", BASELINE_READY_JS, [last, args.items - last * PAGE]
            ),
        }
        lab.screenshot("deep-page")
        browser.close()

    print(f"a page of {PAGE} thumbnails, click on 'next' to every image decoded:")
    print(f"  gallery cold (thumbnails made now)  {stats(cold)}")
    print(f"  gallery warm (thumbnails cached)    {stats(warm)}")
    print(f"    of which request to decoded       {stats(widget_ms)}")
    print(f"  baseline (48 ipywidgets.Image)      {stats(baseline)}")
    ratio_warm = statistics.median(warm) / statistics.median(baseline)
    ratio_cold = statistics.median(cold) / statistics.median(baseline)
    print(f"  ratio to the baseline: warm {ratio_warm:.2f}, cold {ratio_cold:.2f}")
    gallery_ms, baseline_ms = deep["gallery"], deep["baseline"]
    print(
        f"the last page (offset {last * PAGE:,}), click to decoded: gallery {gallery_ms:.0f} ms, "
        f"baseline {baseline_ms:.0f} ms, ratio {gallery_ms / baseline_ms:.2f}"
    )
    print(
        f"targets: warm p50 < 300 ms: {statistics.median(warm) < 300}; "
        f"cold p50 < 2000 ms: {statistics.median(cold) < 2000}"
    )


if __name__ == "__main__":
    main()
