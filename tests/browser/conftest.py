"""Fixtures for real-browser tests (see harness.py).

- jupyter_server (session): a JupyterServer (JupyterLab) in a fresh temp dir.
- browser (session): headless Debian Chromium through Playwright.
- browser_page (function): a LabPage on a fresh browser context; on teardown it saves the
  console log, a screenshot and the server log when the test failed, and shuts down the
  kernels of the notebooks it opened.
- write_notebook (function): write_notebook(name, cells, capture_errors=True) -> name, a
  notebook in the server's root dir.
- voila_server (function): voila_server(notebook_path) -> a started VoilaServer, stopped on
  teardown.
- artifacts_dir (function): this test's folder under test-artifacts/browser/.
- module_page (module): one LabPage for all tests of a module (a notebook opened once).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

try:  # tests/browser as a package or as a plain folder on sys.path
    from .harness import JupyterServer, LabPage, VoilaServer, launch_chromium, start_voila
except ImportError:
    from harness import JupyterServer, LabPage, VoilaServer, launch_chromium, start_voila

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("DL_JUPYTER_TEST_ARTIFACTS", REPO / "test-artifacts")) / "browser"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real browser (tests/browser)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(getattr(request.node, f"_report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


@pytest.fixture(scope="session")
def jupyter_server() -> Iterator[JupyterServer]:
    server = JupyterServer()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts_dir(request: pytest.FixtureRequest) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])
    path = ARTIFACTS / name
    shutil.rmtree(path, ignore_errors=True)
    return path


@pytest.fixture
def browser_page(
    browser, jupyter_server: JupyterServer, artifacts_dir: Path, request: pytest.FixtureRequest
) -> Iterator[LabPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(30_000)
    lab = LabPage(page, jupyter_server, artifacts_dir)
    try:
        yield lab
    finally:
        lab.save_console()
        if _failed(request):
            with contextlib.suppress(Exception):
                lab.screenshot("failure")
            (artifacts_dir / "server.log").write_text(jupyter_server.log_tail(50_000))
        context.close()
        jupyter_server.shutdown_kernels(lab.opened)


@pytest.fixture(scope="module")
def module_page(
    browser, jupyter_server: JupyterServer, request: pytest.FixtureRequest
) -> Iterator[LabPage]:
    """One LabPage shared by the tests of a module (open its notebook once, then each test
    drives the same widget); artifacts go to test-artifacts/browser/<module>/."""
    artifacts = ARTIFACTS / Path(str(request.node.fspath)).stem
    shutil.rmtree(artifacts, ignore_errors=True)
    failed_before = request.session.testsfailed
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(30_000)
    lab = LabPage(page, jupyter_server, artifacts)
    try:
        yield lab
    finally:
        lab.save_console()
        if request.session.testsfailed > failed_before:
            with contextlib.suppress(Exception):
                lab.screenshot("failure")
            (artifacts / "server.log").write_text(jupyter_server.log_tail(50_000))
        context.close()
        jupyter_server.shutdown_kernels(lab.opened)


@pytest.fixture
def write_notebook(jupyter_server: JupyterServer) -> Callable[..., str]:
    def write(name: str, cells: Sequence[str], *, capture_errors: bool = True) -> str:
        return jupyter_server.write_notebook(name, cells, capture_errors=capture_errors)

    return write


@pytest.fixture
def voila_server() -> Iterator[Callable[..., VoilaServer]]:
    started: list[VoilaServer] = []

    def start(notebook: Path, **kwargs: object) -> VoilaServer:
        server = start_voila(notebook, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.cleanup()
