"""A fresh virtual environment built from binder/ alone runs the quickstart.

Like a Binder build: a copy of the checkout (the files git would commit, plus the front end
that scripts/_install.sh built, since a Binder image may have no node to build it), a new
virtual environment, binder/postBuild run in it with nothing but the environment on PATH, then
`import dl_jupyter` and notebooks/quickstart.ipynb executed with `jupyter nbconvert`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
STATIC = Path("dl_jupyter/widgets/static")
BUNDLES = ("annotator.js", "annotator.css", "gallery.js", "gallery.css", "table.js", "table.css")


def copy_checkout(target: Path) -> Path:
    """The files git would commit (tracked, or new and not ignored) and the built front end."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in listed)):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    missing = [name for name in BUNDLES if not (REPO / STATIC / name).is_file()]
    assert not missing, f"build the front end first (cd js && npm run build): no {missing}"
    shutil.copytree(REPO / STATIC, target / STATIC, dirs_exist_ok=True)
    return target


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done


@pytest.mark.slow
def test_a_fresh_environment_from_binder_runs_the_quickstart(tmp_path: Path):
    checkout = copy_checkout(tmp_path / "checkout")
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    bin_dir = venv / "bin"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME") and not key.startswith("DL_")
    }
    env.update(
        PATH=str(bin_dir),  # only the environment: no node, no system Python
        HOME=str(tmp_path / "home"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter" / "config"),
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter" / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter" / "runtime"),
        IPYTHONDIR=str(tmp_path / "ipython"),
        DL_JUPYTER_USER="binder@example.com",
    )
    built = run(["/bin/bash", str(checkout / "binder" / "postBuild")], cwd=checkout, env=env)
    assert "street scenes" in built.stdout  # dl-jupyter sample made the sample dataset

    where = run(
        [str(bin_dir / "python"), "-c", "import dl_jupyter as dl; print(dl.__file__)"],
        cwd=tmp_path,
        env=env,
    ).stdout.strip()
    installed = Path(where).parent
    assert installed.is_relative_to(venv), where
    assert all((installed / "widgets" / "static" / name).is_file() for name in BUNDLES)

    executed = tmp_path / "quickstart.ipynb"
    run(
        [
            str(bin_dir / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
            str(checkout / "notebooks" / "quickstart.ipynb"), "--output", str(executed),
            "--ExecutePreprocessor.timeout=300",
        ],
        cwd=tmp_path,
        env=env,
    )  # fmt: skip
    notebook = nbformat.read(executed, as_version=4)
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    last = notebook.cells[-2] if notebook.cells[-1].cell_type == "markdown" else notebook.cells[-1]
    assert last.outputs[0]["data"]["text/plain"].startswith("(24, ")  # images in the COCO file
