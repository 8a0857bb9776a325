"""The annotator's speed in JupyterLab and Chromium, each figure beside a floor measured in the
same run, on the same page.

    python bench/bench_annotator.py              # 60 moves, 20 boxes, 8 item changes each
    python bench/bench_annotator.py --moves 100 --boxes 40

One notebook holds every widget measured (each in its own cell):

- floor: a plain anywidget canvas whose JavaScript mousemove handler draws a marker, and whose
  mouseup sends one message that Python writes to a SQLite table (hand-written INSERT);
- before: an ipycanvas canvas whose Python ``on_mouse_move`` handler draws the marker (the
  kernel round trip per move that the annotator avoids);
- the annotator on a dataset of 1024 x 768 JPEGs and one of 8000 x 6000 JPEGs, each with and
  without the next item decoded ahead (``prefetch``).

Printed (milliseconds, p50 / p95): mouse-move to redrawn marker or rubber band, one move at a
time (single-move round trips); a fast 200-move drag: how long after the last move was sent
the last position is drawn; mouse-up to the box stored (polling the store from this process);
next item shown (``n`` pressed to the new item's pixels on the stage), warm (decoded ahead)
and cold. Targets: drag p50 <= 1.5x and p95 <= 2x the floor, stored < 100 ms, next item
< 150 ms warm and < 1 s cold for the large image, no backlog after the fast drag.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dl_jupyter.store.store import Store  # noqa: E402
from tests.browser.harness import JupyterServer, LabPage, launch_chromium  # noqa: E402

SIZES = {"small": (1024, 768), "large": (8000, 6000)}
ITEMS = {"small": 9, "large": 5}
RED = (255, 0, 0)

SETUP = """\
import sqlite3
import numpy as np
import dl_jupyter as dl
from PIL import Image

dl.connect("sqlite:///bench.db", blob_root="bench-blobs")
dl.login("bench@example.com")
project = dl.projects.create(project_name="bench")


def photo(width, height, seed, colour):
    # gradients, texture and noise (so the JPEG costs what a photo costs), a coloured centre
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (height // 16 + 1, width // 16 + 1, 3), dtype=np.uint8)
    image = Image.fromarray(small).resize((width, height), Image.Resampling.BILINEAR)
    pixels = np.asarray(image, dtype=np.int16) + rng.integers(-12, 12, (height, width, 3))
    pixels = np.clip(pixels, 0, 255).astype(np.uint8)
    pixels[height * 3 // 8: height * 5 // 8, width * 3 // 8: width * 5 // 8] = colour
    return Image.fromarray(pixels)


datasets = {}
for name, (width, height), count in %(specs)r:
    dataset = project.datasets.create(dataset_name=name, labels={"box": "#ff0000"})
    for index in range(count):
        colour = ((index * 97) %% 256, 255 - (index * 53) %% 256, (index * 151 + 80) %% 256)
        photo(width, height, index, colour).save(f"{name}-{index:02d}.jpg", quality=90)
        dataset.items.upload(local_path=f"{name}-{index:02d}.jpg")
    datasets[name] = dataset
"""

FLOOR = """\
import anywidget
import traitlets


class Floor(anywidget.AnyWidget):
    _esm = '''
    export default { render({ model, el }) {
      const c = document.createElement("canvas");
      c.width = 600; c.height = 300; c.className = "bench-floor";
      const g = c.getContext("2d");
      g.fillStyle = "white"; g.fillRect(0, 0, 600, 300);
      c.addEventListener("mousemove", (e) => {
        const r = c.getBoundingClientRect();
        g.fillStyle = "red"; g.fillRect(e.clientX - r.left - 3, e.clientY - r.top - 3, 6, 6);
      });
      c.addEventListener("mouseup", (e) => model.send({ x: e.offsetX, y: e.offsetY }));
      el.append(c);
    } };
    '''


floor_db = sqlite3.connect("floor.db", isolation_level=None)
floor_db.execute("pragma journal_mode=wal")
floor_db.execute("create table if not exists clicks (x real, y real)")
floor = Floor()
floor.on_msg(lambda _w, content, _b: floor_db.execute(
    "insert into clicks values (?, ?)", (content["x"], content["y"])))
floor
"""

BEFORE = """\
import ipycanvas

before = ipycanvas.Canvas(width=600, height=300)
before.add_class("bench-before")
before.fill_style = "white"
before.fill_rect(0, 0, 600, 300)


def marker(x, y):
    with ipycanvas.hold_canvas(before):
        before.fill_style = "red"
        before.fill_rect(int(x) - 3, int(y) - 3, 6, 6)


before.on_mouse_move(marker)
before
"""

ANNOTATOR = """\
annotator_{key} = datasets[{name!r}].annotate(resume=False, prefetch={prefetch}, height=480)
annotator_{key}.add_class("bench-{key}")
annotator_{key}
"""

PIXEL_JS = """([selector, x, y, rgb]) => {
  const c = document.querySelector(selector);
  const d = c.getContext('2d').getImageData(x, y, 1, 1).data;
  return [0, 1, 2].every((i) => Math.abs(d[i] - rgb[i]) < 60);
}"""


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))
    ]


class Bench:
    def __init__(self, lab: LabPage, server: JupyterServer) -> None:
        self.lab = lab
        self.page = lab.page
        self.server = server
        self.store = Store(
            f"sqlite:///{server.path('bench.db')}", blob_root=str(server.path("bench-blobs"))
        )

    def wait_pixel(
        self, selector: str, x: int, y: int, rgb: tuple[int, int, int], timeout: float = 10
    ) -> None:
        self.page.wait_for_function(
            PIXEL_JS, arg=[selector, x, y, list(rgb)], polling="raf", timeout=timeout * 1000
        )

    # -- mouse move to pixel --------------------------------------------------------------
    def moves(
        self,
        selector: str,
        count: int,
        start: Callable[[dict], None] | None = None,
        row: int = 150,
        probe_dx: int = 0,
    ) -> list[float]:
        """Move right one step at a time; time each move until its pixel is drawn."""
        g = self.lab.geometry(selector)
        if start is not None:
            start(g)
        times = []
        for i in range(count):
            x = 150 + i * 7
            t0 = time.perf_counter()
            self.page.mouse.move(g["x"] + x, g["y"] + row)
            self.wait_pixel(selector, x + probe_dx, row, RED)
            times.append((time.perf_counter() - t0) * 1000)
        return times

    def burst(
        self,
        selector: str,
        moves: int = 200,
        row: int = 250,
        probe_dx: int = 0,
        start: Callable[[dict], None] | None = None,
    ) -> tuple[float, float]:
        """Fire `moves` moves as fast as Playwright sends them; returns (sending took, the last
        one drawn after the last was sent), in ms."""
        g = self.lab.geometry(selector)
        if start is not None:
            start(g)
        xs = [150 + i * 2 for i in range(moves)]
        t0 = time.perf_counter()
        for x in xs:
            self.page.mouse.move(g["x"] + x, g["y"] + row)
        sent = time.perf_counter()
        self.wait_pixel(selector, round(xs[-1]) + probe_dx, row, RED, timeout=30)
        return (sent - t0) * 1000, (time.perf_counter() - sent) * 1000

    # -- mouse up to stored -----------------------------------------------------------------
    def count(self, query: sa.Select) -> int:
        with self.store.read() as conn:
            return conn.execute(query).scalar_one()

    def wait_count(self, query: Callable[[], int], above: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while query() <= above:
            if time.monotonic() > deadline:
                raise TimeoutError("not stored in time")
            time.sleep(0.001)


def annotations_of(dataset: str) -> sa.Select:
    from dl_jupyter.store import schema

    a, d = schema.annotations, schema.datasets
    return (
        sa.select(sa.func.count())
        .select_from(a.join(d, d.c.id == a.c.dataset_id))
        .where(d.c.name == dataset)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=60)
    parser.add_argument("--boxes", type=int, default=20)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    specs = [(name, SIZES[name], ITEMS[name]) for name in SIZES]
    cells = [SETUP % {"specs": specs}, FLOOR, BEFORE]
    for name in SIZES:
        for prefetch in (True, False):
            key = f"{name}_{'warm' if prefetch else 'cold'}"
            cells.append(ANNOTATOR.format(key=key, name=name, prefetch=prefetch))
    results: dict[str, tuple] = {}
    with JupyterServer() as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
        page.set_default_timeout(120_000)
        lab = LabPage(page, server, ROOT / "test-artifacts" / "bench")
        notebook = server.write_notebook("bench.ipynb", cells)
        started = time.perf_counter()
        lab.open_and_run(notebook)
        print(f"notebook ready in {time.perf_counter() - started:.1f} s (images made and uploaded)")
        bench = Bench(lab, server)
        lab.wait_widget(".bench-floor")
        lab.wait_widget(".bench-small_warm .dl-ann-base")

        try:
            measure(args, lab, server, bench, results)
        except Exception:
            lab.screenshot("failure")
            raise
        finally:
            browser.close()
    report(results)


def measure(
    args: argparse.Namespace, lab: LabPage, server: JupyterServer, bench: Bench, results: dict
) -> None:
    page = lab.page
    # mouse move -> pixel: floor, before (ipycanvas + Python), after (annotator rubber band)
    results["move floor"] = percentiles(bench.moves("canvas.bench-floor", args.moves))
    results["burst floor"] = bench.burst("canvas.bench-floor")
    results["move before"] = percentiles(bench.moves("canvas.bench-before", args.moves))
    results["burst before"] = bench.burst("canvas.bench-before")

    live = ".bench-small_warm canvas.dl-ann-live"
    lab.press(["b"], within=".bench-small_warm")

    def press(g: dict, row: int = 150) -> None:
        page.mouse.move(g["x"] + 140, g["y"] + row - 60)
        page.mouse.down()

    # the rubber band's right edge is 2 px wide, centred on the pointer: probe 1 px left
    results["move after"] = percentiles(bench.moves(live, args.moves, start=press, probe_dx=-1))
    page.keyboard.press("Escape")
    page.mouse.up()
    results["burst after"] = bench.burst(live, start=lambda g: press(g, 250), probe_dx=-1)
    page.keyboard.press("Escape")
    page.mouse.up()

    # mouse up -> stored
    floor_rows = lambda: sa_count(server.path("floor.db"))  # noqa: E731
    ups = []
    g = lab.geometry("canvas.bench-floor")
    for i in range(args.boxes):
        page.mouse.move(g["x"] + 20 + i * 10, g["y"] + 40)
        page.mouse.down()
        before_rows = floor_rows()
        t0 = time.perf_counter()
        page.mouse.up()
        bench.wait_count(floor_rows, before_rows)
        ups.append((time.perf_counter() - t0) * 1000)
    results["stored floor"] = percentiles(ups)
    stored = lambda: bench.count(annotations_of("small"))  # noqa: E731
    ups = []
    lab.press(["b"], within=".bench-small_warm")
    g = lab.geometry(live)
    for i in range(args.boxes):
        x, y = g["x"] + 140 + (i % 8) * 60, g["y"] + 60 + (i // 8) * 100
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 40, y + 50, steps=3)
        before_rows = stored()
        t0 = time.perf_counter()
        page.mouse.up()
        bench.wait_count(stored, before_rows)
        ups.append((time.perf_counter() - t0) * 1000)
    results["stored after"] = percentiles(ups)
    lab.screenshot("after boxes")

    # next item: n pressed -> the new item's colour in the middle of the stage
    for key in ("small_warm", "small_cold", "large_warm", "large_cold"):
        name = key.split("_")[0]
        base = f".bench-{key} canvas.dl-ann-base"
        times = []
        lab.press(["v"], within=f".bench-{key}")
        for index in range(1, ITEMS[name]):
            if key.endswith("warm"):
                page.wait_for_timeout(400 if name == "small" else 1500)  # time to look at the item
            colour = ((index * 97) % 256, 255 - (index * 53) % 256, (index * 151 + 80) % 256)
            g = lab.geometry(base)
            cx, cy = round(g["width"] / 2 / g["sx"]), round(g["height"] / 2 / g["sy"])
            t0 = time.perf_counter()
            page.keyboard.press("n")
            bench.wait_pixel(base, cx, cy, colour, timeout=30)
            times.append((time.perf_counter() - t0) * 1000)
        results[f"next {key}"] = percentiles(times)
        lab.screenshot(f"next {key}")
    lab.assert_no_errors()


def sa_count(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as db:
        return db.execute("select count(*) from clicks").fetchone()[0]


def report(results: dict[str, tuple]) -> None:
    floor, before, after = results["move floor"], results["move before"], results["move after"]
    print("\nmouse-move to redrawn pixel (ms, p50 / p95; ratio to the floor)")
    for name, (p50, p95) in (
        ("floor: JS canvas handler", floor),
        ("before: ipycanvas + Python", before),
        ("after: annotator rubber band", after),
    ):
        print(
            f"  {name:34s} {p50:6.1f} / {p95:6.1f}   x{p50 / floor[0]:.2f} / x{p95 / floor[1]:.2f}"
        )
    print(
        "\nfast 200-move drag (ms: sending the moves took, last move drawn after the last was sent)"
    )
    for name in ("floor", "before", "after"):
        sent, backlog = results[f"burst {name}"]
        print(f"  {name:34s} {sent:7.0f}   {backlog:7.1f}")
    print("\nmouse-up to stored (ms, p50 / p95; ratio to the floor's hand-written INSERT)")
    for name in ("floor", "after"):
        p50, p95 = results[f"stored {name}"]
        ref = results["stored floor"]
        print(f"  {name:34s} {p50:6.1f} / {p95:6.1f}   x{p50 / ref[0]:.2f} / x{p95 / ref[1]:.2f}")
    print("\nnext item shown (ms, p50 / p95)")
    for key in ("small_warm", "small_cold", "large_warm", "large_cold"):
        p50, p95 = results[f"next {key}"]
        w, h = SIZES[key.split("_")[0]]
        print(f"  {w} x {h} {key.split('_')[1]:4s}                 {p50:7.1f} / {p95:7.1f}")


if __name__ == "__main__":
    main()
