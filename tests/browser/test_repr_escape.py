"""A dataset named like markup shows as text in the browser: no element made, no script run."""

from __future__ import annotations

EVIL = "<img src=x onerror=alert(1)>"
CELLS = [
    "import os\n"
    "import dl_jupyter as dl\n"
    "from PIL import Image\n"
    "dl.connect('sqlite:///' + os.path.abspath('escape.db'))\n"
    "dl.login('tester@example.com')\n"
    f"evil = {EVIL!r}\n"
    "project = dl.projects.create(project_name=evil)\n"
    "ds = project.datasets.create(dataset_name=evil, labels={evil: '#ff00ff'})\n"
    "Image.new('RGB', (60, 40), (20, 120, 200)).save('x.png')\n"
    "item = ds.items.upload(local_path='x.png', item_metadata={'user': {evil: evil}})\n"
    "item.annotations.upload([dl.Annotation.new(item=item, annotation_definition=dl.Box("
    "left=5, top=5, right=30, bottom=20, label=evil))])\n"
    "item = ds.items.get(item_id=item.id)",
    "ds",
    "item",
    "project",
    "dl.Gallery(ds)",
]


def test_markup_in_names_renders_as_text(jupyter_server, browser_page, write_notebook):
    dialogs: list[str] = []
    browser_page.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    notebook = write_notebook("escape.ipynb", CELLS)
    browser_page.open_and_run(notebook)
    page = browser_page.page
    browser_page.wait_widget(".dl-gallery-grid[data-state='ready']")
    cards = page.locator(".dl-card")
    assert cards.count() == 3
    for n in range(3):
        assert EVIL in cards.nth(n).inner_text()
    assert EVIL in page.locator(".dl-chip").first.inner_text()
    assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
    with_handlers = "() => [...document.querySelectorAll('img[onerror]')].length"
    assert page.evaluate(with_handlers) == 0
    browser_page.screenshot("escaped")
    assert dialogs == []
    browser_page.assert_no_errors()
