"""`dl.doctor()` in JupyterLab: every check passes, and its render probe is drawn by the
browser, which tells the kernel (what a browser without a widget front end cannot do)."""

from __future__ import annotations

CELL = """\
import dl_jupyter as dl

dl.connect("sqlite:///doctor.db")  # beside the notebook
dl.login("doctor@example.com")
report = dl.doctor()
report
"""
OUTPUT = ".jp-Cell:has(.dl-render-probe) .jp-OutputArea"


def test_the_doctor_sees_the_widget_front_end_render(jupyter_server, browser_page, write_notebook):
    notebook = write_notebook("doctor.ipynb", [CELL])
    browser_page.open_and_run(notebook)
    browser_page.wait_widget(".dl-render-probe[data-rendered='1']")
    shown = browser_page.page.inner_text(OUTPUT)
    assert "widget front end: this line is a widget" in shown and "PROBLEM" not in shown
    assert browser_page.page.locator("table.dl-doctor td", has_text="\u2718").count() == 0
    evaluated = jupyter_server.kernel_eval(
        notebook, {"ok": "report.ok", "seen": "report.probe.rendered"}
    )
    assert evaluated == {"ok": "True", "seen": "True"}
    browser_page.screenshot("doctor")
    browser_page.doc_screenshot("doctor", OUTPUT)
    browser_page.assert_no_errors()
