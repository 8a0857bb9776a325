"""`voila notebooks/annotate.ipynb`: an annotator opens the page with ?user=...&task=..., draws a
box with the mouse and presses a status button; the store holds both, set by that annotator,
and no code of the notebook reaches the page."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import nbformat

from dl_jupyter import sample
from dl_jupyter.repositories.client import Client
from dl_jupyter.store.store import Store

try:
    from .harness import ERROR_CAPTURE_SOURCE, ERROR_SEPARATOR
except ImportError:
    from harness import ERROR_CAPTURE_SOURCE, ERROR_SEPARATOR

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "annotate.ipynb"
ROOT = ".dl-page-annotator"
MANAGER, ANNOTATOR = "manager@example.com", "a@example.com"


def make_store(folder: Path) -> tuple[str, str, dict[str, tuple]]:
    """A store with a task over four street scenes, assigned to two annotators: the URL, the
    task's id, and each scene's first car (left, top, right, bottom) by item name."""
    url = f"sqlite:///{folder / 'team.db'}"
    client = Client(Store(url))
    client.login(MANAGER)
    project = client.projects_repo().create(project_name="street")
    for email in (ANNOTATOR, "b@example.com"):
        project.add_member(email, "annotator")
    dataset = project.datasets.create(dataset_name="scenes", labels={"car": "#e6194b"})
    rng, cars = random.Random(3), {}
    for index in range(4):
        picture, drawn = sample._scene(rng, night=False)
        picture.save(folder / f"scene-{index}.jpg")
        dataset.items.upload(local_path=str(folder / f"scene-{index}.jpg"))
        cars[f"scene-{index}.jpg"] = next(d.box for d in drawn if d.label == "car")
    task = dataset.tasks.create(task_name="street boxes", assignee_ids=[ANNOTATOR, "b@example.com"])
    return url, task.id, cars


def served_copy(folder: Path) -> Path:
    """annotate.ipynb as it is, after a first cell that records errors of widget callbacks."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    errors = folder / "annotate.ipynb.errors.log"
    capture = ERROR_CAPTURE_SOURCE.format(path=str(errors), separator=ERROR_SEPARATOR)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(capture))
    path = folder / "annotate.ipynb"
    nbformat.write(notebook, str(path))
    return path


def test_an_annotator_labels_their_task_in_the_page(voila_server, browser_page, tmp_path):
    url, task_id, cars = make_store(tmp_path)
    voila = voila_server(served_copy(tmp_path), env={"DL_JUPYTER_URL": url})
    page = browser_page.page
    browser_page.voila = voila
    page.goto(voila.url("/", user=ANNOTATOR, task="street boxes"), timeout=60_000)
    root = browser_page.wait_widget(f"{ROOT}[data-settled='1']", timeout_ms=60_000)
    assert "Labeling task street boxes as a@example.com" in page.inner_text(".dl-annotator-page")

    html = page.content()
    for source in nbformat.read(NOTEBOOK, as_version=4).cells:
        for line in source.source.splitlines():
            assert not line.strip() or line not in html, f"the page shows notebook text {line!r}"
    assert "_capture_errors" not in html

    view = json.loads(root.get_attribute("data-view"))
    stage = browser_page.geometry(f"{ROOT} canvas.dl-ann-live")

    def at(x: float, y: float) -> tuple[float, float]:
        scale = view["scale"]
        return stage["x"] + (x - view["x"]) * scale, stage["y"] + (y - view["y"]) * scale

    browser_page.press("b", within=ROOT, require_output=False)
    left, top, right, bottom = cars[page.inner_text(f"{ROOT} .dl-ann-item-name")]
    page.mouse.move(*at(left, top))
    page.mouse.down()
    page.mouse.move(*at(right, bottom), steps=6)
    page.mouse.up()

    manager = Client(Store(url))
    manager.login(MANAGER)
    item_id = root.get_attribute("data-item")
    deadline = time.monotonic() + 10
    while not (shapes := list(manager.annotations_repo(item_id=item_id).list())):
        assert time.monotonic() < deadline, "the box never reached the store"
        time.sleep(0.02)
    (box,) = shapes
    assert box.type == "box" and box.label == "car" and box.creator == ANNOTATOR
    assert abs(box.left - left) <= 2.5 and abs(box.bottom - bottom) <= 2.5
    browser_page.screenshot("box drawn")
    browser_page.doc_screenshot("annotator-page", ".dl-annotator-page")

    page.locator(f"{ROOT} .dl-ann-action[data-action='completed']").click()
    task = manager.tasks_repo().get(task_id=task_id)
    deadline = time.monotonic() + 10
    while True:
        rows = task.to_df()
        done = rows[(rows.item_id == item_id) & (rows.status == "completed")]
        if len(done):
            break
        assert time.monotonic() < deadline, f"the status never reached the store:\n{rows}"
        time.sleep(0.05)
    assert done.iloc[0]["assignee"] == ANNOTATOR and done.iloc[0]["status_by"] == ANNOTATOR
    page.wait_for_function(
        "([sel, id]) => { const el = document.querySelector(sel);"
        " return el.dataset.item !== id && el.dataset.settled === '1'; }",
        arg=[ROOT, item_id],
    )
    browser_page.screenshot("next item")
    browser_page.assert_no_errors()
