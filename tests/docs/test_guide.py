"""The docs' code runs: every ```python block of docs/ (the user guide, the migration page),
page by page and in order (a page's blocks share one namespace, as a notebook's cells do), on
a temporary store, in a folder holding the `photos/` the pages upload. Every guide page has an
example, and links between the pages and to their pictures point at files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from dl_jupyter import api

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDE = sorted((DOCS / "guide").glob("*.md"))
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
PHOTOS = {
    "cats/tom.jpg": (200, 120, 60),
    "cats/felix.jpg": (40, 40, 40),
    "dogs/rex.jpg": (150, 110, 70),
}


def python_blocks(page: Path) -> list[str]:
    return PYTHON_BLOCK.findall(page.read_text(encoding="utf-8"))


PAGES = [page for page in sorted(DOCS.rglob("*.md")) if python_blocks(page)]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with photos/, an empty store, and the process-wide client set aside."""
    for name, colour in PHOTOS.items():
        (tmp_path / "photos" / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (320, 240), colour).save(tmp_path / "photos" / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DL_JUPYTER_URL", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("DL_JUPYTER_USER", "me@example.com")
    monkeypatch.setattr(api, "_client", None)
    yield tmp_path
    if api._client is not None:
        api._client.store.dispose()


def test_every_guide_page_has_an_example():
    assert len(GUIDE) >= 14 and not [page.name for page in GUIDE if not python_blocks(page)]


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_the_code_of_the_page_runs(page: Path, workdir: Path):
    blocks = python_blocks(page)
    namespace: dict = {"__name__": f"guide_{page.stem}"}
    for number, code in enumerate(blocks, 1):
        exec(compile(code, f"{page.name}, python block {number}", "exec"), namespace)


def test_links_and_pictures_point_at_files():
    broken = []
    for page in DOCS.rglob("*.md"):
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(DOCS)} -> {target}")
    assert not broken, broken
