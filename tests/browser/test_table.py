"""The table in JupyterLab: an edited cell reaches the store; a selected row shows its item."""

from __future__ import annotations

try:
    from .explore_support import open_dataset, setup_cell
except ImportError:
    from explore_support import open_dataset, setup_cell

TABLE = "table = dl.Table(ds, page_size=10)\ntable"
READY = "table.dl-table[data-state='ready']"


def test_editing_a_cell_updates_the_store(jupyter_server, browser_page, write_notebook):
    notebook = write_notebook("table.ipynb", [setup_cell("table.db"), TABLE])
    browser_page.open_and_run(notebook)
    page = browser_page.page
    browser_page.wait_widget(READY)
    first = page.locator("table.dl-table tbody tr").first
    item_id = first.get_attribute("data-id")
    cell = first.locator("td[data-column='metadata.user.weather']")
    revision = page.locator("table.dl-table").get_attribute("data-revision")
    cell.dblclick()
    editor = cell.locator("input")
    editor.fill("foggy")
    editor.press("Enter")
    page.wait_for_function(
        "r => { const t = document.querySelector('table.dl-table');"
        " return t.dataset.state === 'ready' && t.dataset.revision !== r; }",
        arg=revision,
    )
    dataset = open_dataset(jupyter_server.root, "table.db")
    item = dataset.items.get(item_id=item_id)
    assert item.metadata["user"]["weather"] == "foggy" and item.version == 2
    row = page.locator(f"table.dl-table tbody tr[data-id='{item_id}']")
    assert row.locator("td[data-column='metadata.user.weather']").inner_text() == "foggy"
    browser_page.screenshot("edited")

    row.locator("td[data-column='name']").click()
    browser_page.wait_widget(".dl-preview[data-state='ready'] img")
    assert page.locator(".dl-preview-card").get_attribute("data-id") == item_id
    browser_page.screenshot("selected-row-shows-the-item")
    browser_page.doc_screenshot("table", ".dl-table-widget")
    browser_page.assert_no_errors()
