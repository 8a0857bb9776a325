"""The public surface: importing is light, ``__all__`` is sorted and complete."""

from __future__ import annotations

import subprocess
import sys

import dl_jupyter

WIDGET_MODULES = ("ipywidgets", "anywidget", "ipycanvas", "bqplot", "traitlets", "IPython.display")


def test_import_loads_no_widget_library():
    """Measured with ``python -X importtime``: no widget module is among the imports."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import dl_jupyter"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {
        line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line
    }
    assert "dl_jupyter" in imported
    loaded = sorted(
        m for m in imported if m.split(".")[0] in {w.split(".")[0] for w in WIDGET_MODULES}
    )
    assert loaded == []


def test_import_in_a_kernel_loads_no_widget_library():
    """Inside Jupyter, libraries such as tqdm.auto pull ipywidgets in; dl_jupyter must not."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import sys, dl_jupyter\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{['anywidget', 'bqplot', 'ipycanvas', 'ipywidgets']!r}))"
        )
    ]
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    assert notebook.cells[0].outputs[0]["text"].strip() == "[]"


def test_all_is_sorted_and_every_name_exists():
    assert dl_jupyter.__all__ == sorted(dl_jupyter.__all__)
    assert len(set(dl_jupyter.__all__)) == len(dl_jupyter.__all__)
    missing = [name for name in dl_jupyter.__all__ if not hasattr(dl_jupyter, name)]
    assert missing == []


def test_public_classes_and_functions_have_docstrings():
    undocumented = [
        name
        for name in dl_jupyter.__all__
        if callable(getattr(dl_jupyter, name))
        and not (getattr(dl_jupyter, name).__doc__ or "").strip()
    ]
    assert undocumented == []
