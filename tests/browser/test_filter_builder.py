"""The filter builder in JupyterLab: picking a field and a value gives the store's count."""

from __future__ import annotations

import dl_jupyter as dl

try:
    from .explore_support import open_dataset, setup_cell
except ImportError:
    from explore_support import open_dataset, setup_cell

CELLS = [
    "gallery = dl.Gallery(ds, page_size=12)\ngallery",
    "builder = dl.FilterBuilder(ds, gallery=gallery)\nbuilder",
]
COUNT = ".dl-filter-count .dl-count-value"


def test_the_builder_counts_what_the_store_counts(jupyter_server, browser_page, write_notebook):
    notebook = write_notebook("builder.ipynb", [setup_cell("builder.db"), *CELLS])
    browser_page.open_and_run(notebook)
    page = browser_page.page
    browser_page.wait_widget(".dl-filter-builder")
    assert page.locator(COUNT).inner_text() == "12"

    page.locator(".dl-filter-builder .dl-add-condition").first.click()
    row = page.locator(".dl-filter-builder .dl-condition").first
    row.wait_for()
    assert page.locator(COUNT).inner_text() == "12"  # a condition without a value is left out
    row.locator("select").nth(0).select_option("metadata.user.weather")
    # the value box is rebuilt for the new field, offering its values: wait for that one
    page.wait_for_function(
        "() => !!document.querySelector(\".dl-condition datalist option[value='rain']\")"
    )
    value = row.locator(".dl-condition-value input[list]")
    value.fill("rain")
    value.press("Enter")
    dataset = open_dataset(jupyter_server.root, "builder.db")
    rain = dataset.items.count(filters=dl.Filters(field="metadata.user.weather", values="rain"))
    assert 0 < rain < 12
    page.wait_for_function(
        "([sel, n]) => document.querySelector(sel).textContent === String(n)", arg=[COUNT, rain]
    )
    # the linked gallery shows the same items
    page.wait_for_function(
        "n => document.querySelector('.dl-count').textContent === `${n} items`", arg=rain
    )
    browser_page.screenshot("weather-is-rain")

    page.locator(".dl-filter-builder .dl-add-condition").nth(1).click()  # on annotations
    annotation_row = page.locator(".dl-filter-builder .dl-condition").nth(1)
    label = annotation_row.locator(".dl-condition-value input[list]")
    label.fill("car")
    label.press("Enter")
    filters = dl.Filters(field="metadata.user.weather", values="rain")
    filters.add_join(field="label", values="car")
    page.wait_for_function(
        "() => document.querySelector('.dl-filter-dql code').textContent"
        ".includes('annotations has label = \"car\"')"
    )
    assert page.locator(COUNT).inner_text() == str(dataset.items.count(filters=filters))
    browser_page.screenshot("and-a-car")
    browser_page.doc_screenshot("filter-builder", ".dl-filter-builder")
    browser_page.assert_no_errors()
