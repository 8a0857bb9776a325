"""``dl.doctor()``: check the installation and the store, and say in plain words what to fix."""

from __future__ import annotations

import importlib.metadata
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from dl_jupyter import _html

PACKAGES = (
    "dl_jupyter",
    "jupyterlab",
    "ipywidgets",
    "anywidget",
    "ipycanvas",
    "bqplot",
    "SQLAlchemy",
    "pillow",
    "pandas",
)
# JupyterLab extensions the widgets need, with the package that ships each
LAB_EXTENSIONS = {
    "@jupyter-widgets/jupyterlab-manager": "jupyterlab_widgets",
    "anywidget": "anywidget",
    "ipycanvas": "ipycanvas",
    "bqplot": "bqplot",
}


@dataclass
class Check:
    """One finding: what was checked, whether it is fine, and what to do if not."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


class Report:
    """The findings of ``dl.doctor()``; prints as text, shows as a table in a notebook."""

    def __init__(self, checks: list[Check]) -> None:
        self.checks = checks
        self.probe: object | None = None  # once shown in a notebook: its render probe

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def __repr__(self) -> str:
        lines = [
            f"{'ok' if c.ok else 'PROBLEM':8} {c.name}: {c.detail}"
            + (f"\n         fix: {c.fix}" if c.fix else "")
            for c in self.checks
        ]
        verdict = "Everything looks fine." if self.ok else "Some things need fixing (see above)."
        return "\n".join([*lines, verdict])

    def _ipython_display_(self) -> None:
        """In a notebook: the table, then a line that only a working widget front end draws."""
        from IPython.display import display

        display({"text/plain": repr(self), "text/html": self._repr_html_()}, raw=True)
        self.probe = _render_probe()
        if self.probe is not None:
            display(self.probe)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{'&#10004;' if c.ok else '&#10008;'}</td><td>{_html.esc(c.name)}</td>"
            f"<td>{_html.esc(c.detail)}</td><td>{_html.esc(c.fix)}</td></tr>"
            for c in self.checks
        )
        return (
            "<table class='dl-doctor'><tr><th></th><th>check</th><th>found</th>"
            f"<th>to fix</th></tr>{rows}</table>"
        )


def _render_probe() -> object | None:
    """The widget proving that widgets render, when running in a kernel that has them."""
    from IPython import get_ipython

    if getattr(get_ipython(), "kernel", None) is None:
        return None  # a terminal: no browser to draw it
    try:
        from dl_jupyter.widgets.render_probe import RenderProbe
    except ImportError:  # the packages check names what is missing
        return None
    return RenderProbe()


def _versions() -> Check:
    found, missing = [], []
    for name in PACKAGES:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    python = f"Python {sys.version.split()[0]}"
    if missing:
        return Check(
            "packages",
            False,
            f"missing: {', '.join(missing)}",
            f'pip install "dl_jupyter" (missing: {" ".join(missing)})',
        )
    return Check("packages", True, ", ".join([python, *found]))


def _lab_extension_dirs() -> list[Path]:
    from jupyter_core.paths import jupyter_path

    return [Path(p) / "labextensions" for p in jupyter_path()]


def _front_end() -> Check:
    """The widget front ends are installed where JupyterLab and Notebook 7 look for them."""
    try:
        dirs = _lab_extension_dirs()
    except ImportError:
        return Check(
            "widget front end", False, "jupyter_core is not installed", "pip install jupyterlab"
        )
    missing = [
        name
        for name in LAB_EXTENSIONS
        if not any((d / name / "package.json").is_file() for d in dirs)
    ]
    static = Path(__file__).parent / "widgets" / "static"
    bundles = sorted(p.name for p in static.glob("*.js"))
    if missing:
        packages = " ".join(sorted({LAB_EXTENSIONS[m] for m in missing}))
        return Check(
            "widget front end",
            False,
            f"JupyterLab extensions not found: {', '.join(missing)}",
            f"pip install --force-reinstall {packages}, restart JupyterLab and reload the page",
        )
    if not bundles:
        return Check(
            "widget front end",
            False,
            "the annotator and gallery scripts are not built",
            "reinstall dl_jupyter from a wheel, or run `npm ci && npm run build` in js/",
        )
    return Check(
        "widget front end",
        True,
        f"extensions found; scripts {', '.join(bundles)} (in a notebook, dl.doctor() also "
        "shows a line that only a rendered widget draws)",
    )


def _store(url: str | None) -> list[Check]:
    from dl_jupyter import api
    from dl_jupyter.exceptions import DlError
    from dl_jupyter.repositories.client import Client
    from dl_jupyter.store.store import Store, default_url

    target = make_url(url or default_url()).render_as_string(hide_password=True)
    try:  # the notebook's own connection, else a private one (the default is left alone)
        client = api._client if url is None and api._client is not None else Client(Store(url))
    except (DlError, OSError) as error:
        fix = (
            "start the PostgreSQL server, check the URL, user and password, and that the "
            'postgres extra is installed (pip install "dl_jupyter[postgres]")'
            if target.startswith("postgresql")
            else "check that the folder exists and is writable"
        )
        return [Check("store", False, f"cannot open {target}: {error}", fix)]
    except Exception as error:
        return [
            Check(
                "store",
                False,
                f"cannot open {target}: {type(error).__name__}: {error}",
                "check the store URL (DL_JUPYTER_URL) and that its server is reachable",
            )
        ]
    store = client.store
    checks = [Check("store", True, f"{store.display_url} opens (dialect {store.dialect})")]
    try:
        with store.write() as conn:  # a write transaction, rolled back: proves the lock and access
            conn.exec_driver_sql("SELECT 1")
            raise _RollBack
    except _RollBack:
        checks.append(Check("write access", True, "the store accepts write transactions"))
    except Exception as error:
        checks.append(
            Check(
                "write access",
                False,
                str(error),
                "make the store file and its folder writable, or let the database user write",
            )
        )
    blob_root = store.blobs.root
    probe = Path(blob_root) / "tmp" / f"doctor-{os.getpid()}"
    if store.blobs.is_local:
        try:
            probe.write_bytes(b"ok")
            probe.unlink()
            checks.append(Check("binaries", True, f"{blob_root} is writable"))
        except OSError as error:
            checks.append(
                Check(
                    "binaries",
                    False,
                    f"{blob_root}: {error}",
                    "make the blob folder writable, or pass blob_root= to dl.connect",
                )
            )
    else:
        checks.append(Check("binaries", True, f"{blob_root} (remote file system)"))
    who = f"acting as {client.user}" if client.user else "nobody logged in yet (dl.login(email))"
    checks.append(Check("identity", True, who))
    return checks


class _RollBack(Exception):
    pass


def doctor(url: str | None = None) -> Report:
    """Check versions, the widget front end, the store (opens, writable) and say what to fix."""
    return Report([_versions(), _front_end(), *_store(url)])


def main() -> int:
    report = doctor()
    print(repr(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
