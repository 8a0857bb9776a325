"""``dl-jupyter import`` / ``export``: the subcommands that ``add_commands`` adds."""

from __future__ import annotations

import argparse
import json

import pytest

from dl_jupyter import api
from dl_jupyter.formats.cli import add_commands
from tests.images import make_image
from tests.store.conftest import OWNER


@pytest.fixture
def run(store, project, capsys):
    api.connect(store.url.render_as_string(hide_password=False), store.blobs.root)
    api.login(OWNER)
    parser = argparse.ArgumentParser(prog="dl-jupyter")
    add_commands(parser.add_subparsers(dest="command", required=True))

    def run(*argv: str) -> str:
        args = parser.parse_args(argv)
        args.handler(args)
        return capsys.readouterr().out

    yield run
    api.client().store.dispose()


def test_import_then_export_on_the_command_line(run, project, tmp_path):
    project.datasets.create(dataset_name="cli")
    make_image(tmp_path / "imgs" / "a.png", (100, 50))
    (tmp_path / "tasks.json").write_text(
        json.dumps(
            [
                {
                    "data": {"image": "a.png"},
                    "annotations": [
                        {
                            "result": [
                                {
                                    "type": "choices",
                                    "from_name": "c",
                                    "to_name": "i",
                                    "value": {"choices": ["cat"]},
                                }
                            ]
                        }
                    ],
                }
            ]
        )
    )
    out = run(
        "import",
        str(tmp_path / "tasks.json"),
        "-f",
        "label-studio",
        "-p",
        "project",
        "-d",
        "cli",
        "--images",
        str(tmp_path / "imgs"),
        "--link",
        "-o",
        "data_key=image",
    )
    assert "imported 1 labels, 1 items, 1 annotations" in out
    out = run(
        "export",
        str(tmp_path / "out.json"),
        "-f",
        "label_studio",
        "-p",
        "project",
        "-d",
        "cli",
        "--filter",
        '{"filter": {"dir": "/"}}',
    )
    assert "exported 1 items, 1 annotations" in out
    (task,) = json.loads((tmp_path / "out.json").read_text())
    assert task["annotations"][0]["result"][0]["value"] == {"choices": ["cat"]}


def test_bad_formats_and_options_are_refused(run, tmp_path):
    with pytest.raises(SystemExit):
        run("import", str(tmp_path), "-f", "kitti")
    with pytest.raises(SystemExit, match="key=value"):
        run("export", str(tmp_path), "-f", "coco", "-p", "project", "-d", "x", "-o", "novalue")
