"""The browser harness end to end, on plain ipywidgets and ipycanvas.

The click test proves the front-end/kernel wiring (widget manager, comms, the kernel's event
loop): a widget that does not render fails there, before any widget test does. The others
prove the helpers widget tests rely on: keys with focus in an output, the errors file, canvas
pixels, a drag in element coordinates through CSS scaling, and a Voila page.
"""

from __future__ import annotations

CLICKER_CELL = """\
import json
import os

import ipywidgets as widgets
from IPython.display import display


def make_clicker(path):
    clicks = []
    status = widgets.HTML("<b>no click yet</b>")
    status.add_class("smoke-status")
    button = widgets.Button(description="Click me")
    button.add_class("smoke-button")

    def on_click(_button):
        clicks.append(1)
        status.value = f"<b>clicks: {len(clicks)}</b>"
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump({"clicks": len(clicks)}, f)
        os.replace(path + ".tmp", path)

    button.on_click(on_click)
    return widgets.VBox([button, status])


display(make_clicker("smoke_clicks.json"))
"""

SLIDER_CELL = """\
import ipywidgets as widgets

slider = widgets.IntSlider(value=5, min=0, max=10)
slider.add_class("smoke-slider")


def on_value(change):
    if change["new"] == 7:
        raise RuntimeError("seven is not allowed")
    with open("smoke_slider.json", "w", encoding="utf-8") as f:
        f.write(str(change["new"]))


slider.observe(on_value, "value")
slider
"""

# A 200x100 canvas shown at half size: element pixels differ from CSS pixels.
CANVAS_CELL = """\
import json
import os

import ipywidgets as widgets
from ipycanvas import Canvas


def make_canvas(path):
    canvas = Canvas(width=200, height=100, layout=widgets.Layout(width="100px", height="50px"))
    canvas.add_class("smoke-canvas")
    canvas.fill_style = "#ff0000"
    canvas.fill_rect(0, 0, 100, 100)
    canvas.fill_style = "#0000ff"
    canvas.fill_rect(100, 0, 100, 100)
    events = []

    def record(kind):
        def handler(x, y):
            events.append([kind, round(x), round(y)])
            if kind == "up":
                with open(path + ".tmp", "w", encoding="utf-8") as f:
                    json.dump(events, f)
                os.replace(path + ".tmp", path)

        return handler

    canvas.on_mouse_down(record("down"))
    canvas.on_mouse_up(record("up"))
    return canvas


make_canvas("smoke_canvas.json")
"""


def test_button_click_reaches_the_kernel(jupyter_server, browser_page, write_notebook):
    notebook = write_notebook("smoke_button.ipynb", [CLICKER_CELL])
    browser_page.open_and_run(notebook)

    button = browser_page.wait_widget(".smoke-button")
    status = browser_page.wait_widget(".smoke-status")
    assert status.inner_text() == "no click yet"
    assert not jupyter_server.path("smoke_clicks.json").exists()
    browser_page.screenshot("rendered")

    button.click()
    assert jupyter_server.wait_json("smoke_clicks.json", lambda d: d["clicks"] == 1)
    # the kernel's state change came back to the page too
    browser_page.page.wait_for_function(
        "() => document.querySelector('.smoke-status').textContent === 'clicks: 1'"
    )
    browser_page.screenshot("clicked")
    browser_page.assert_no_errors()


def test_keys_reach_the_kernel_and_callback_errors_are_collected(
    jupyter_server, browser_page, write_notebook
):
    notebook = write_notebook("smoke_keys.ipynb", [SLIDER_CELL])
    browser_page.open_and_run(notebook)
    browser_page.wait_widget(".smoke-slider")

    browser_page.press("ArrowRight", within=".smoke-slider .noUi-handle")
    assert jupyter_server.wait_json("smoke_slider.json", lambda value: value == 6)
    assert browser_page.errors() == []
    # JupyterLab kept its hands off: no cell was added or removed by the key
    assert browser_page.page.locator(".jp-Notebook .jp-Cell").count() == 2

    browser_page.press("ArrowRight", within=".smoke-slider .noUi-handle")
    errors = browser_page.wait_errors(1)
    assert len(errors) == 1
    assert "RuntimeError: seven is not allowed" in errors[0]


def test_canvas_pixels_and_a_drag_in_element_coordinates(
    jupyter_server, browser_page, write_notebook
):
    notebook = write_notebook("smoke_canvas.ipynb", [CANVAS_CELL])
    browser_page.open_and_run(notebook)
    browser_page.wait_canvas_pixels(
        "canvas.smoke-canvas", [(50, 50, (255, 0, 0, 255)), (150, 50, (0, 0, 255, 255))]
    )
    geometry = browser_page.drag("canvas.smoke-canvas", (40, 20), (160, 80))
    assert abs(geometry["sx"] - 0.5) < 0.01 and abs(geometry["sy"] - 0.5) < 0.01
    events = jupyter_server.wait_json("smoke_canvas.json", lambda e: len(e) == 2)
    (down, x0, y0), (up, x1, y1) = events
    assert (down, up) == ("down", "up")
    # one CSS pixel is two canvas pixels here, and mouse events carry whole CSS pixels
    assert abs(x0 - 40) <= 2 and abs(y0 - 20) <= 2, events
    assert abs(x1 - 160) <= 2 and abs(y1 - 80) <= 2, events
    browser_page.screenshot("dragged")
    browser_page.assert_no_errors()


def test_voila_serves_the_widget(jupyter_server, voila_server, browser_page):
    jupyter_server.write_notebook("voila/smoke_voila.ipynb", [CLICKER_CELL])
    voila = voila_server(jupyter_server.path("voila/smoke_voila.ipynb"))
    browser_page.open_voila(voila)

    button = browser_page.wait_widget(".smoke-button", timeout_ms=30_000)
    browser_page.screenshot("voila-rendered")
    button.click()
    assert voila.wait_json("smoke_clicks.json", lambda d: d["clicks"] == 1)
    browser_page.wait_widget(".smoke-status:has-text('clicks: 1')")
    browser_page.assert_no_errors()
