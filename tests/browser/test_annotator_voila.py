"""The same annotator in a Voila page: it renders Python's layers and stores a drawn box."""

from __future__ import annotations

import json
import time

from dl_jupyter.repositories.client import Client
from dl_jupyter.store.store import Store

CELL = """\
import dl_jupyter as dl
from PIL import Image

dl.connect("sqlite:///voila.db", blob_root="voila-blobs")
dl.login("voila@example.com")
dataset = dl.projects.create(project_name="voila").datasets.create(
    dataset_name="pictures", labels={"cat": "#ff0000"}
)
Image.new("RGB", (400, 300), (30, 160, 90)).save("voila-picture.png")
dataset.items.upload(local_path="voila-picture.png")
annotator = dataset.annotate(height=400)
annotator.add_class("voila-annotator")
annotator
"""


def test_the_annotator_works_in_voila(jupyter_server, voila_server, browser_page):
    jupyter_server.write_notebook("voila/annotator_voila.ipynb", [CELL])
    voila = voila_server(jupyter_server.path("voila/annotator_voila.ipynb"))
    browser_page.open_voila(voila)
    root = browser_page.wait_widget(".voila-annotator", timeout_ms=60_000)
    page = browser_page.page
    page.wait_for_selector(".voila-annotator[data-settled='1']")  # Python's frame for this view
    view = json.loads(root.get_attribute("data-view"))
    box = browser_page.geometry(".voila-annotator canvas.dl-ann-live")

    def at(x: float, y: float) -> tuple[float, float]:
        return box["x"] + (x - view["x"]) * view["scale"], box["y"] + (y - view["y"]) * view[
            "scale"
        ]

    browser_page.press("b", within=".voila-annotator", require_output=False)
    page.mouse.move(*at(50, 40))
    page.mouse.down()
    page.mouse.move(*at(250, 200), steps=6)
    page.mouse.up()

    client = Client(Store(f"sqlite:///{voila.workdir / 'voila.db'}"))
    client.login("voila@example.com")
    item_id = root.get_attribute("data-item")
    deadline = time.monotonic() + 10
    while not (shapes := list(client.annotations_repo(item_id=item_id).list())):
        assert time.monotonic() < deadline, "the box never reached the store"
        time.sleep(0.02)
    (stored,) = shapes
    assert stored.type == "box" and stored.label == "cat"
    assert abs(stored.left - 50) <= 2.5 and abs(stored.bottom - 200) <= 2.5
    browser_page.screenshot("voila box")
    browser_page.assert_no_errors()
