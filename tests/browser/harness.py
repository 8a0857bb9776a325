"""Real-browser widget tests: JupyterLab or Voila on localhost, Debian's Chromium via Playwright.

Each server runs in a fresh temp dir that holds its root dir, its Jupyter config, data and runtime
dirs, its IPython dir, lab settings and workspaces (and the XDG dirs, so a kernel's per-user data
such as dl_jupyter's embedded store lands there too); nothing leaks in from the user's settings.

Teardown ends only what this module started: the server through its API, then the process group
it started, then any kernel whose command line holds the server's unique temp dir, by PID.

The pieces:
- `JupyterServer` (JupyterLab) and `VoilaServer` (`start_voila(notebook)`): start, stop, urls.
- `write_notebook(path, cells)`: a notebook from cell sources; `ERROR_CAPTURE_SOURCE` is a first
  cell that appends errors raised in widget callbacks (which never show in the cell) to a file.
- `launch_chromium(playwright)`: headless Debian Chromium with flags for a machine without network.
- `LabPage`: a Playwright page with helpers: open a notebook in a fresh workspace, run all cells,
  wait for a widget, wait for canvas pixels, drag at element coordinates, press keys with focus
  inside an output, take a screenshot per step (and, with DL_JUPYTER_DOC_SCREENSHOTS, the user
  guide's pictures), read the errors a notebook wrote.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import nbformat

CHROMIUM = os.environ.get("DL_JUPYTER_CHROMIUM", "/usr/bin/chromium")
# Debian's /usr/bin/chromium wrapper does not turn off background networking: without these
# flags Chromium keeps trying the closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
]

# The news/update toast covers widgets; windowing ("contentVisibility" by default) lets cell
# heights change while the page scrolls, which moves widgets under the mouse.
LAB_PAGE_CONFIG = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

ERRORS_SUFFIX = ".errors.log"
ERROR_SEPARATOR = "\n\x1e\n"

# The first cell of a test notebook (see write_notebook). Exceptions in widget callbacks go to
# IPython's showtraceback (ipywidgets' CallbackDispatcher) or to the comm loggers (set_state,
# custom messages), never to the cell's output: both are appended to the errors file.
ERROR_CAPTURE_SOURCE = """\
def _capture_errors(path):
    import logging
    import traceback

    from IPython import get_ipython

    def write(text):
        with open(path, "a", encoding="utf-8") as f:
            f.write(text.rstrip() + {separator!r})

    shell = get_ipython()
    original = shell.showtraceback

    def showtraceback(*args, **kwargs):
        write(traceback.format_exc())
        return original(*args, **kwargs)

    shell.showtraceback = showtraceback

    class ErrorFile(logging.Handler):
        def emit(self, record):
            write(self.format(record))

    handler = ErrorFile(logging.ERROR)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    for name in ("Comm", "ipykernel.comm", "ipywidgets", "anywidget"):
        logging.getLogger(name).addHandler(handler)


_capture_errors({path!r})
del _capture_errors
"""

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def errors_path_for(notebook_path: Path) -> Path:
    return notebook_path.with_name(notebook_path.name + ERRORS_SUFFIX)


def write_notebook(path: Path, cells: Sequence[str], *, capture_errors: bool = True) -> Path:
    """Write a notebook of code cells to `path`. With capture_errors, a first cell makes the
    kernel append callback errors to `<path>.errors.log` (read it with read_errors)."""
    path = Path(path)
    sources = list(cells)
    if capture_errors:
        errors = errors_path_for(path.resolve())
        errors.unlink(missing_ok=True)
        sources.insert(0, ERROR_CAPTURE_SOURCE.format(path=str(errors), separator=ERROR_SEPARATOR))
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def read_errors(notebook_path: Path) -> list[str]:
    """The errors that a notebook written with capture_errors has recorded so far."""
    try:
        text = errors_path_for(Path(notebook_path).resolve()).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [e.strip() for e in text.split(ERROR_SEPARATOR) if e.strip()]


def wait_json(path: Path, predicate: Callable[[Any], bool], timeout: float = 10.0) -> Any:
    """Poll a JSON file (written atomically by the kernel) until predicate(data) holds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = json.loads(Path(path).read_text(encoding="utf-8"))
            if predicate(last):
                return last
        except (FileNotFoundError, json.JSONDecodeError):
            pass
        time.sleep(0.01)
    raise TimeoutError(f"{path}: condition not met within {timeout} s; last content: {last!r}")


def pids_referencing(needle: str) -> list[int]:
    """PIDs whose command line contains `needle` (our unique temp dir), this process excluded."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if needle in cmdline:
            found.append(int(entry.name))
    return found


class ServerProcess:
    """A Jupyter-family server in its own temp dir, session and process group, on a free port."""

    kind = "server"
    ready_path = "/"

    def __init__(self, *, base_dir: Path | None = None, env: dict[str, str] | None = None) -> None:
        self._own_base = base_dir is None
        self.base = Path(base_dir or tempfile.mkdtemp(prefix=f"dl-jupyter-{self.kind}-"))
        self.root = self.base / "root"
        self.runtime_dir = self.base / "runtime"
        self.log_path = self.base / f"{self.kind}.log"
        self.token = os.urandom(12).hex()
        self.extra_env = dict(env or {})
        self.port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready_seconds: float | None = None

    # ------------------------------------------------------------------ subclass hooks
    def command(self, port: int) -> list[str]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Write config files into self.base before the process starts."""

    def is_ready(self) -> bool:
        try:
            self.api("GET", self.ready_path, timeout=1)
        except urllib.error.HTTPError:
            return True  # it answers HTTP: it is serving
        except (urllib.error.URLError, ConnectionError, OSError):
            return False
        return True

    # ------------------------------------------------------------------ lifecycle
    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(self.base / "config"),
            "JUPYTER_DATA_DIR": str(self.base / "data"),
            "JUPYTER_RUNTIME_DIR": str(self.runtime_dir),
            "IPYTHONDIR": str(self.base / "ipython"),
            "JUPYTER_PLATFORM_DIRS": "1",
            "XDG_DATA_HOME": str(self.base / "xdg" / "data"),
            "XDG_CONFIG_HOME": str(self.base / "xdg" / "config"),
            "XDG_CACHE_HOME": str(self.base / "xdg" / "cache"),
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def start(self, timeout: float = 60.0) -> ServerProcess:
        for sub in ("root", "config", "data", "runtime", "ipython", "xdg"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        self.prepare()
        for _attempt in range(3):  # the free port may be taken before the server binds it
            self.port = free_port()
            started = time.monotonic()
            with open(self.log_path, "wb") as log:
                # Own session, so own process group: stop() can end exactly what it started.
                self.proc = subprocess.Popen(
                    self.command(self.port),
                    cwd=self.root,
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            while time.monotonic() - started < timeout:
                if self.proc.poll() is not None:
                    break
                if self.is_ready():
                    self.ready_seconds = time.monotonic() - started
                    return self
                time.sleep(0.1)
            else:
                log_tail = self.log_tail()
                self.stop()
                raise TimeoutError(
                    f"{self.kind} not ready within {timeout} s on port {self.port}; "
                    f"its log:\n{log_tail}"
                )
            log_tail = self.log_tail()
            if "already in use" not in log_tail:
                break
        raise RuntimeError(
            f"{self.kind} exited at start (code {self.proc.returncode}):\n{log_tail}"
        )

    def shutdown_via_api(self) -> bool:
        """Ask the server to stop, kernels included; False when it has no such API."""
        return False

    def stop(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            try:
                if self.shutdown_via_api():
                    proc.wait(10)
            except Exception:
                pass
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if proc.poll() is not None:
                    break
                try:
                    os.killpg(proc.pid, sig)  # the process group we started, nothing else
                    proc.wait(5)
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
        # Kernels run in sessions of their own: end those still holding our temp dir, by PID.
        for pid in pids_referencing(str(self.base)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        if self._own_base and os.environ.get("DL_JUPYTER_KEEP_TMP") != "1":
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    # ------------------------------------------------------------------ HTTP
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/", **query: str) -> str:
        query = {**query, "token": self.token}
        return f"{self.base_url}{path}?{urllib.parse.urlencode(query)}"

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with _NO_PROXY.open(request, timeout=timeout) as response:
            raw = response.read()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw.decode(errors="replace")

    # ------------------------------------------------------------------ the kernels' files
    @property
    def workdir(self) -> Path:
        """Where the notebooks' kernels run (relative paths in a notebook land here)."""
        return self.root

    def path(self, name: str) -> Path:
        return self.workdir / name

    def wait_json(self, name: str, predicate: Callable[[Any], bool], timeout: float = 10.0) -> Any:
        """Poll a JSON file that a kernel writes (atomically) until predicate(data) holds."""
        return wait_json(self.workdir / name, predicate, timeout)

    def errors(self, notebook: str) -> list[str]:
        """What the notebook's error-capture cell recorded (see write_notebook)."""
        return read_errors(self.root / notebook)

    def log_tail(self, chars: int = 6000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return "(no log)"


class JupyterServer(ServerProcess):
    """JupyterLab with the app exposed as window.jupyterapp, no news, no windowing."""

    kind = "jupyterlab"
    ready_path = "/api/status"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._workspace_counter = 0

    def prepare(self) -> None:
        labconfig = self.base / "config" / "labconfig"
        labconfig.mkdir(parents=True, exist_ok=True)
        (labconfig / "page_config.json").write_text(json.dumps(LAB_PAGE_CONFIG))
        for rel, value in LAB_SETTINGS.items():
            target = self.base / "settings" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(value))
        (self.base / "workspaces").mkdir(exist_ok=True)

    def command(self, port: int) -> list[str]:
        return [
            sys.executable, "-m", "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--LabApp.user_settings_dir={self.base / 'settings'}",
            f"--LabApp.workspaces_dir={self.base / 'workspaces'}",
        ]  # fmt: skip

    def is_ready(self) -> bool:
        try:
            return self.api("GET", self.ready_path, timeout=1) is not None
        except (urllib.error.URLError, ConnectionError, OSError):
            return False

    def shutdown_via_api(self) -> bool:
        self.api("POST", "/api/shutdown", timeout=5)
        return True

    # ------------------------------------------------------------------ notebooks
    def write_notebook(
        self, name: str, cells: Sequence[str], *, capture_errors: bool = True
    ) -> str:
        """Write a notebook into the root dir; returns its path relative to the root."""
        write_notebook(self.root / name, cells, capture_errors=capture_errors)
        return name

    def lab_url(self, notebook: str) -> str:
        # A fresh workspace per page: the default one reopens every notebook opened before
        # (and restarts their kernels), and "run all" may then run another notebook.
        self._workspace_counter += 1
        quoted = urllib.parse.quote(notebook)
        return self.url(f"/lab/workspaces/test-{self._workspace_counter}/tree/{quoted}")

    def sessions(self) -> list[dict[str, Any]]:
        return self.api("GET", "/api/sessions") or []

    def shutdown_kernels(self, notebooks: Iterable[str]) -> None:
        wanted = set(notebooks)
        for session in self.sessions():
            if session.get("path") in wanted:
                with contextlib.suppress(urllib.error.HTTPError):
                    self.api("DELETE", f"/api/sessions/{session['id']}")

    def kernel_eval(self, notebook: str, expressions: dict[str, str], timeout: float = 10) -> dict:
        """Evaluate expressions in the notebook's live kernel without showing anything in the
        notebook; returns {name: repr string}."""
        from jupyter_client import BlockingKernelClient

        kernel_id = next(s["kernel"]["id"] for s in self.sessions() if s.get("path") == notebook)
        client = BlockingKernelClient(
            connection_file=str(self.runtime_dir / f"kernel-{kernel_id}.json")
        )
        client.load_connection_file()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=timeout)
            msg_id = client.execute(
                "", silent=True, store_history=False, user_expressions=expressions
            )
            while True:
                reply = client.get_shell_msg(timeout=timeout)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            values = {}
            for key, value in reply["content"]["user_expressions"].items():
                if value["status"] != "ok":
                    raise RuntimeError(f"{key}: {value.get('ename')}: {value.get('evalue')}")
                values[key] = value["data"]["text/plain"]
            return values
        finally:
            client.stop_channels()


class VoilaServer(ServerProcess):
    """`voila <notebook>`: the notebook runs at start of each page load and is served at /."""

    kind = "voila"
    ready_path = "/voila/static/"

    def __init__(self, notebook: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.notebook = Path(notebook).resolve()

    def command(self, port: int) -> list[str]:
        return [
            sys.executable, "-m", "voila", str(self.notebook),
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            f"--Voila.port={port}",
            "--Voila.port_retries=0",
            f"--Voila.token={self.token}",
            "--Voila.show_tracebacks=True",
        ]  # fmt: skip

    @property
    def workdir(self) -> Path:
        return self.notebook.parent

    def page_url(self) -> str:
        return self.url("/")

    def errors(self, notebook: str | None = None) -> list[str]:
        return read_errors(self.notebook if notebook is None else self.workdir / notebook)


def start_voila(notebook: Path, *, timeout: float = 60.0, **kwargs: Any) -> VoilaServer:
    """Serve `notebook` with Voila in a temp dir of its own (stop it with .cleanup())."""
    return VoilaServer(notebook, **kwargs).start(timeout=timeout)  # type: ignore[return-value]


def launch_chromium(playwright: Any, **kwargs: Any) -> Any:
    """Headless Debian Chromium. Playwright gives it a fresh temp profile and removes it."""
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium); "
            "Playwright's own browser download does not work here"
        )
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, **kwargs
    )


# ---------------------------------------------------------------------- page helpers (JS)
KERNEL_IDLE_JS = """(path) => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  if (!w || !w.context || w.context.path !== path) return false;
  const s = w.sessionContext && w.sessionContext.session;
  const k = s && s.kernel;
  return !!k && k.status === 'idle' && k.connectionStatus === 'connected';
}"""

RUN_ALL_JS = """async (path) => {
  const app = window.jupyterapp, w = app.shell.currentWidget;
  if (!w || !w.context || w.context.path !== path) {
    throw new Error('not the current widget: ' + path);
  }
  return await app.commands.execute('notebook:run-all-cells');
}"""

# Resolves with the element's geometry once its rect has not changed for `frames` frames
# (JupyterLab keeps laying out and scrolling while outputs below still render). sx/sy: CSS
# pixels per element pixel (canvas.width, an image's natural size, or the untransformed size).
STABLE_GEOMETRY_JS = """async ([el, frames, timeoutMs]) => {
  const t0 = performance.now();
  let last = '', same = 0;
  while (performance.now() - t0 < timeoutMs) {
    await new Promise(r => requestAnimationFrame(r));
    const r = el.getBoundingClientRect();
    const key = [r.x, r.y, r.width, r.height].join(',');
    same = key === last ? same + 1 : 0;
    last = key;
    if (same >= frames) {
      let w = r.width, h = r.height;
      if (el instanceof HTMLCanvasElement) { w = el.width; h = el.height; }
      else if (el instanceof HTMLImageElement && el.naturalWidth) {
        w = el.naturalWidth; h = el.naturalHeight;
      }
      else if (el.offsetWidth) { w = el.offsetWidth; h = el.offsetHeight; }
      return {x: r.x, y: r.y, width: r.width, height: r.height,
              sx: w ? r.width / w : 1, sy: h ? r.height / h : 1};
    }
  }
  throw new Error('element never stopped moving');
}"""

HIT_JS = """([el, points]) => points.map(([x, y]) => {
  const hit = document.elementFromPoint(x, y);
  return !!hit && (hit === el || el.contains(hit));
})"""

CANVAS_PIXELS_JS = """([el, points, tolerance]) => {
  if (!el.width || !el.height) return false;
  const ctx = el.getContext('2d');
  return points.every(([x, y, rgba]) => {
    const d = ctx.getImageData(x, y, 1, 1).data;
    if (rgba === null) return d[3] > 0;  // anything drawn there
    return rgba.every((v, i) => Math.abs(d[i] - v) <= tolerance);
  });
}"""

FOCUS_JS = """([el, outputSelector]) => {
  if (!el.hasAttribute('tabindex') && el.tabIndex < 0) el.setAttribute('tabindex', '-1');
  el.focus();
  const a = document.activeElement;
  return {inside: !!a && (a === el || el.contains(a)),
          inOutput: !!a && !!a.closest(outputSelector)};
}"""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:80] or "step"


class LabPage:
    """A Playwright page on a JupyterServer (or a Voila page), with the helpers tests need.

    Coordinates: "element" space is the element's own pixels (canvas.width, an image's natural
    size), converted through its CSS scaling; "css" space is CSS pixels from its top-left.
    """

    OUTPUT = ".jp-OutputArea-output"

    def __init__(self, page: Any, server: JupyterServer | None, artifacts: Path) -> None:
        self.page = page
        self.server = server
        self.voila: VoilaServer | None = None
        self.artifacts = Path(artifacts)
        self.console: list[str] = []
        self.opened: list[str] = []
        self._shots = 0
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"PAGEERROR: {e}"))

    # ------------------------------------------------------------------ notebooks
    def open_notebook(self, notebook: str, timeout_ms: int = 60_000) -> None:
        """Open the notebook in a fresh workspace and wait until its kernel is idle."""
        assert self.server is not None, "open_notebook needs a JupyterServer"
        self.opened.append(notebook)
        self.page.goto(self.server.lab_url(notebook))
        self.page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout_ms)
        self.page.wait_for_function(KERNEL_IDLE_JS, arg=notebook, timeout=timeout_ms)
        self.page.evaluate("() => window.jupyterapp.shell.collapseLeft()")

    def run_all_cells(self, notebook: str | None = None) -> None:
        """Run every cell and wait until they finished; fails on a traceback in any output."""
        notebook = notebook or (self.opened[-1] if self.opened else None)
        assert notebook, "open a notebook first"
        ok = self.page.evaluate(RUN_ALL_JS, notebook)
        tracebacks = self.page.locator(
            ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']"
        )
        if tracebacks.count():
            raise AssertionError("a cell failed:\n" + tracebacks.first.inner_text()[:4000])
        if ok is False:
            raise AssertionError(f"notebook:run-all-cells reported a failure in {notebook}")

    def open_and_run(self, notebook: str) -> None:
        self.open_notebook(notebook)
        self.run_all_cells(notebook)

    def open_voila(self, voila: VoilaServer, timeout_ms: int = 60_000) -> None:
        """Load a Voila page; it has run its notebook once widgets show (use wait_widget)."""
        self.voila = voila
        self.page.goto(voila.page_url(), timeout=timeout_ms)

    # ------------------------------------------------------------------ waiting
    def wait_widget(self, selector: str, timeout_ms: int = 20_000) -> Any:
        """Wait until a visible element matches (give widgets a class: w.add_class(...));
        returns its Playwright locator."""
        locator = self.page.locator(selector).first
        locator.wait_for(state="visible", timeout=timeout_ms)
        return locator

    def canvas_pixel(self, selector: str, x: int, y: int) -> list[int]:
        """RGBA at (x, y) in the canvas's own pixels."""
        element = self.page.locator(selector).first.element_handle()
        return self.page.evaluate(
            "([el, x, y]) => Array.from(el.getContext('2d').getImageData(x, y, 1, 1).data)",
            [element, x, y],
        )

    def wait_canvas_pixels(
        self,
        selector: str,
        points: Sequence[tuple[int, int, Sequence[int] | None]],
        *,
        tolerance: int = 8,
        timeout_ms: int = 15_000,
    ) -> None:
        """Wait until every (x, y, rgba) holds in the canvas (own pixels; rgba may omit alpha;
        rgba None: anything opaque drawn there). A canvas element exists before its image
        data arrives, so wait for known pixels, not for the element."""
        self.wait_widget(selector, timeout_ms)
        element = self.page.locator(selector).first.element_handle()
        spec = [[int(x), int(y), None if rgba is None else list(rgba)] for x, y, rgba in points]
        try:
            self.page.wait_for_function(
                CANVAS_PIXELS_JS, arg=[element, spec, tolerance], polling="raf", timeout=timeout_ms
            )
        except Exception as exc:
            seen = [self.canvas_pixel(selector, x, y) for x, y, _ in spec]
            raise AssertionError(
                f"{selector}: pixels {spec} not drawn within {timeout_ms} ms; seen {seen}"
            ) from exc

    # ------------------------------------------------------------------ mouse and keys
    def geometry(self, selector: str, timeout_ms: int = 10_000) -> dict[str, float]:
        """The element's page rect and CSS scale (sx, sy) once it has stopped moving."""
        locator = self.page.locator(selector).first
        locator.scroll_into_view_if_needed()
        return self.page.evaluate(STABLE_GEOMETRY_JS, [locator.element_handle(), 5, timeout_ms])

    @staticmethod
    def to_page(geometry: dict[str, float], point: Sequence[float], space: str) -> list[float]:
        x, y = point
        if space == "element":
            x, y = x * geometry["sx"], y * geometry["sy"]
        elif space != "css":
            raise ValueError(f"space must be 'element' or 'css', not {space!r}")
        return [geometry["x"] + x, geometry["y"] + y]

    def drag(
        self,
        selector: str,
        start: Sequence[float],
        end: Sequence[float],
        *,
        space: str = "element",
        steps: int = 10,
        hit_within: str | None = None,
        retries: int = 20,
    ) -> dict[str, float]:
        """Press at `start`, move to `end` in `steps`, release: real input events, in the
        element's coordinates. Waits until the element is still and is the hit target at both
        points (hit_within: a container whose descendant may be the target, e.g. an overlay).
        Returns the geometry used."""
        for _ in range(retries):
            geometry = self.geometry(selector)
            points = [self.to_page(geometry, p, space) for p in (start, end)]
            target = self.page.locator(hit_within or selector).first.element_handle()
            if all(self.page.evaluate(HIT_JS, [target, points])):
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"{selector} is not under the pointer at {start} and {end}")
        self.page.mouse.move(*points[0])
        self.page.mouse.down()
        self.page.mouse.move(*points[1], steps=steps)
        self.page.mouse.up()
        return geometry

    def click_at(self, selector: str, point: Sequence[float], *, space: str = "element") -> None:
        geometry = self.geometry(selector)
        self.page.mouse.click(*self.to_page(geometry, point, space))

    def press(self, keys: str | Sequence[str], *, within: str, require_output: bool = True) -> None:
        """Focus the element `within` (made focusable if needed) and press each key
        (Playwright names: "a", "Shift+ArrowLeft", "Delete"). With require_output, the focused
        element must sit inside a notebook output, where JupyterLab's own shortcuts should not
        apply."""
        locator = self.page.locator(within).first
        locator.scroll_into_view_if_needed()
        state = self.page.evaluate(FOCUS_JS, [locator.element_handle(), self.OUTPUT])
        if not state["inside"]:
            raise AssertionError(f"could not focus {within}")
        if require_output and not state["inOutput"]:
            raise AssertionError(f"{within} is not inside an output ({self.OUTPUT})")
        for key in [keys] if isinstance(keys, str) else keys:
            self.page.keyboard.press(key)

    # ------------------------------------------------------------------ evidence
    def screenshot(self, step: str) -> Path:
        """Save a numbered screenshot of the page for this step into the test's artifacts."""
        self._shots += 1
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / f"{self._shots:02d}-{_slug(step)}.png"
        self.page.screenshot(path=str(path))
        return path

    def doc_screenshot(self, name: str, selector: str | None = None) -> Path | None:
        """For the user guide: with DL_JUPYTER_DOC_SCREENSHOTS=<folder> (relative to the
        checkout, e.g. docs/guide/img), save the element (or the page) as <folder>/<name>.png."""
        folder = os.environ.get("DL_JUPYTER_DOC_SCREENSHOTS")
        if not folder:
            return None
        path = Path(__file__).resolve().parents[2] / folder / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        if selector is None:
            self.page.screenshot(path=str(path))
            return path
        viewport = self.page.viewport_size
        height = self.geometry(selector)["height"]
        if viewport and height > viewport["height"] - 200:  # a widget taller than the page
            self.page.set_viewport_size({"width": viewport["width"], "height": int(height) + 300})
        try:
            self.geometry(selector)  # laid out again and still
            self.page.locator(selector).first.screenshot(path=str(path), animations="disabled")
        finally:
            if viewport:
                self.page.set_viewport_size(viewport)
        return path

    def errors(self, notebook: str | None = None) -> list[str]:
        """Errors the kernel recorded (see ERROR_CAPTURE_SOURCE): the given notebook's, else
        the Voila page's when one was opened, else the last notebook's."""
        if notebook is None and self.voila is not None:
            return self.voila.errors()
        assert self.server is not None
        return self.server.errors(notebook or self.opened[-1])

    def wait_errors(
        self, count: int = 1, notebook: str | None = None, timeout_ms: int = 10_000
    ) -> list[str]:
        """Wait until at least `count` errors were recorded (for tests of error paths)."""
        deadline = time.monotonic() + timeout_ms / 1000
        while len(errors := self.errors(notebook)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} kernel error(s), got {errors}")
            self.page.wait_for_timeout(20)
        return errors

    def assert_no_errors(self, notebook: str | None = None) -> None:
        errors = self.errors(notebook)
        assert not errors, "errors in the kernel:\n\n" + "\n\n".join(errors)

    def save_console(self) -> Path:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / "console.log"
        path.write_text("\n".join(self.console), encoding="utf-8")
        return path
