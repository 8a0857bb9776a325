"""The gallery in JupyterLab: thumbnails render, clicks select, an action reaches the store."""

from __future__ import annotations

import ast

import dl_jupyter as dl

try:
    from .explore_support import open_dataset, setup_cell
except ImportError:
    from explore_support import open_dataset, setup_cell

GALLERY = "gallery = dl.Gallery(ds, page_size=12)\ngallery"
READY = ".dl-gallery-grid[data-state='ready']"


def test_thumbnails_render_clicks_select_and_actions_write(
    jupyter_server, browser_page, write_notebook
):
    notebook = write_notebook("gallery.ipynb", [setup_cell("gallery.db"), GALLERY])
    browser_page.open_and_run(notebook)
    page = browser_page.page
    browser_page.wait_widget(READY, timeout_ms=30_000)
    tiles = page.locator(".dl-tile")
    assert tiles.count() == 12
    # every thumbnail decoded, and the boxes of annotated items are drawn over them
    assert page.evaluate(
        "() => [...document.querySelectorAll('.dl-tile img')].every(i => i.naturalWidth > 0)"
    )
    assert page.locator(".dl-tile svg rect").count() > 0
    browser_page.screenshot("rendered")
    browser_page.doc_screenshot("gallery", ".dl-gallery")

    tiles.nth(1).click()
    tiles.nth(3).click(modifiers=["Shift"])
    tiles.nth(6).click(modifiers=["Control"])
    page.wait_for_function("() => document.querySelectorAll('.dl-tile.dl-selected').length === 4")
    ids = [tiles.nth(n).get_attribute("data-id") for n in (1, 2, 3, 6)]
    selected = jupyter_server.kernel_eval(notebook, {"ids": "gallery.selected_ids"})["ids"]
    assert ast.literal_eval(selected) == ids
    browser_page.screenshot("selected")

    page.locator(".dl-action[data-action='metadata']").click()
    page.locator(".dl-form input").nth(0).fill("reviewed")
    page.locator(".dl-form input").nth(1).fill("true")
    page.locator(".dl-form .dl-apply").click()
    page.wait_for_function(
        "() => document.querySelector('.dl-message').textContent.includes('set on 4 items')"
    )
    dataset = open_dataset(jupyter_server.root, "gallery.db")
    reviewed = dataset.items.list(filters=dl.Filters(field="metadata.user.reviewed", values=True))
    assert sorted(i.id for i in reviewed.all()) == sorted(ids)

    tiles.nth(0).click()
    page.locator(".dl-action[data-action='delete']").click()
    assert "cannot be undone" in page.locator(".dl-form").inner_text()
    browser_page.screenshot("confirm-delete")
    page.locator(".dl-form .dl-danger").click()
    page.wait_for_function("() => document.querySelector('.dl-count').textContent === '11 items'")
    assert dataset.items.count() == 11
    browser_page.screenshot("deleted")
    browser_page.assert_no_errors()
