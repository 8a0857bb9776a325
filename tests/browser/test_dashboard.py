"""The dashboard in JupyterLab: clicking a bar filters the gallery to that bar's items."""

from __future__ import annotations

import ast

import dl_jupyter as dl

try:
    from .explore_support import open_dataset, setup_cell
except ImportError:
    from explore_support import open_dataset, setup_cell

CELLS = [
    "gallery = dl.Gallery(ds, page_size=12)\ngallery",
    "board = dl.Dashboard(ds, gallery=gallery)\nboard",
]


def test_a_bar_click_filters_the_gallery(jupyter_server, browser_page, write_notebook):
    notebook = write_notebook("dashboard.ipynb", [setup_cell("dashboard.db"), *CELLS])
    browser_page.open_and_run(notebook)
    page = browser_page.page
    bars = page.locator(".dl-chart").first.locator("rect.bar")
    bars.first.wait_for()
    shown = jupyter_server.kernel_eval(notebook, {"x": "board.labels.categories"})["x"]
    labels = ast.literal_eval(shown)
    assert labels[0] == "car" and bars.count() == len(labels)
    browser_page.screenshot("dashboard")
    browser_page.doc_screenshot("dashboard", ".dl-dashboard")

    person = labels.index("person")
    bars.nth(person).scroll_into_view_if_needed()
    bars.nth(person).click()
    filters = dl.Filters()
    filters.add_join(field="label", values="person")
    expected = open_dataset(jupyter_server.root, "dashboard.db").items.count(filters=filters)
    assert 0 < expected < 12
    page.wait_for_function(
        "n => document.querySelector('.dl-count').textContent === `${n} items`", arg=expected
    )
    page.wait_for_function(
        "n => document.querySelector('.dl-gallery-grid').dataset.state === 'ready'"
        " && document.querySelectorAll('.dl-tile').length === n",
        arg=expected,
    )
    assert "person" in page.locator(".dl-title").inner_text()
    page.locator(".dl-gallery-grid").scroll_into_view_if_needed()
    browser_page.screenshot("gallery-filtered")
    browser_page.assert_no_errors()
