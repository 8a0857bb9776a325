"""``dl.doctor()`` and the ``dl-jupyter`` command against real stores."""

from __future__ import annotations

import subprocess
import sys

import dl_jupyter as dl
from tests.images import make_folder


def test_doctor_finds_a_healthy_store(store_url):
    report = dl.doctor(store_url)
    found = {check.name: check for check in report.checks}
    assert found["store"].ok and found["write access"].ok and found["binaries"].ok
    assert found["packages"].ok and "SQLAlchemy" in found["packages"].detail
    assert "&#10004;" in report._repr_html_()


def test_doctor_explains_an_unreachable_server():
    report = dl.doctor("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    store = next(check for check in report.checks if check.name == "store")
    assert not report.ok and not store.ok
    assert "secret" not in repr(report) and "reachable" in store.fix


def run_cli(store_url: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {
        "DL_JUPYTER_URL": store_url,
        "DL_JUPYTER_USER": "cli@example.com",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, "-m", "dl_jupyter.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_cli_doctor_reports_a_store_that_does_not_open(tmp_path):
    checked = run_cli("postgresql+psycopg://nobody:secret@127.0.0.1:1/none", tmp_path, "doctor")
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert "PROBLEM  store: cannot open" in checked.stdout and "secret" not in checked.stdout


def test_cli_projects_datasets_items(store_url, tmp_path):
    assert run_cli(store_url, tmp_path, "projects", "create", "-p", "cats").returncode == 0
    assert run_cli(store_url, tmp_path, "projects", "checkout", "-p", "cats").returncode == 0
    created = run_cli(store_url, tmp_path, "datasets", "create", "-d", "photos", "-c")
    assert created.returncode == 0, created.stderr
    make_folder(tmp_path / "pics", ["a.jpg", "b.png"])
    upload = run_cli(
        store_url, tmp_path, "items", "upload", "-l", str(tmp_path / "pics"), "-r", "/in"
    )
    assert upload.returncode == 0 and "uploaded 2 item(s)" in upload.stdout, upload.stderr
    listing = run_cli(store_url, tmp_path, "items", "ls")
    assert "/in/pics/a.jpg" in listing.stdout and "2 items" in listing.stdout
    download = run_cli(
        store_url, tmp_path, "items", "download", "-l", str(tmp_path / "out"), "-ao", "json"
    )
    assert download.returncode == 0, download.stderr
    assert (tmp_path / "out" / "items" / "in" / "pics" / "b.png").is_file()
    assert (tmp_path / "out" / "json" / "in" / "pics" / "b.json").is_file()
    missing = run_cli(store_url, tmp_path, "datasets", "ls", "-p", "dogs")
    assert missing.returncode == 1 and "Project not found. Name: 'dogs'" in missing.stderr
