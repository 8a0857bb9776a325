"""Progress bars for long work: a notebook widget in Jupyter, a text bar in a terminal.

``tqdm.auto`` imports ipywidgets inside a kernel, so it is imported when a bar is made,
never when dl_jupyter is imported.
"""

from __future__ import annotations

from typing import Any


def progress(total: int | None = None, desc: str = "", unit: str = "it", show: bool = True) -> Any:
    """A tqdm bar (hidden when ``show`` is False)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not show)
