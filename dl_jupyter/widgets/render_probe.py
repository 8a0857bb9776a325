"""``RenderProbe``: the line of ``dl.doctor()`` that only a working widget front end can draw.

In a notebook the browser replaces it with a green line and tells the kernel (``rendered``).
Where widgets do not render (no widget manager in JupyterLab, an old page), the notebook shows
the widget's text instead, and that text says what to do.
"""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets as t

FIX = (
    "pip install --force-reinstall jupyterlab_widgets anywidget, "
    "restart JupyterLab and reload the page"
)
FALLBACK = (
    "PROBLEM  widget front end: this text shows where a widget should be, so widgets do not "
    f"render in this browser\n         fix: {FIX}"
)

_ESM = """
export default {
  render({ model, el }) {
    el.classList.add("dl-render-probe");
    el.style.color = "#1a7f37";
    el.textContent = "\\u2714 widget front end: this line is a widget, so widgets render here";
    el.dataset.rendered = "1";
    model.set("rendered", true);
    model.save_changes();
  },
};
"""


class RenderProbe(anywidget.AnyWidget):
    """A one-line widget that proves, by being drawn, that this browser renders widgets."""

    _esm = _ESM
    rendered = t.Bool(False, help="set by the browser once it has drawn the probe").tag(sync=True)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/plain"] = FALLBACK  # what the notebook shows when the widget cannot render
        return bundle
