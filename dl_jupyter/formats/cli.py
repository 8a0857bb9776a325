"""``dl-jupyter import`` and ``dl-jupyter export``: the formats on the command line.

    dl-jupyter import instances.json -f coco -d my-dataset --images images/
    dl-jupyter import tasks.json -f label_studio -o label_config=config.xml
    dl-jupyter export out/ -f yolo -d my-dataset --filter '{"filter": {"dir": "/train"}}'

``-p``/``-d`` default to the checked-out project and dataset; ``-o key=value`` passes any
other option of the format (values are read as JSON when they parse, else as text).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from dl_jupyter import api
from dl_jupyter.formats.registry import READERS, WRITERS


def _dataset(args: argparse.Namespace) -> Any:
    if args.dataset_name:
        project = (
            api.projects.get(project_name=args.project_name)
            if args.project_name
            else api.projects.get()
        )
        return project.datasets.get(dataset_name=args.dataset_name)
    return api.datasets.get()


def _name(text: str) -> str:
    return text.strip().lower().replace("-", "_")


def _options(pairs: list[str]) -> dict[str, Any]:
    options = {}
    for pair in pairs or []:
        key, separator, text = pair.partition("=")
        if not separator:
            raise SystemExit(f"error: options are key=value, got {pair!r}")
        try:
            options[key] = json.loads(text)
        except json.JSONDecodeError:
            options[key] = text
    return options


def cmd_import(args: argparse.Namespace) -> None:
    options = _options(args.option)
    for name in ("images", "remote_path"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    if args.link:
        options["link"] = True
    print(_dataset(args).import_from(args.path, format=args.format, **options))


def cmd_export(args: argparse.Namespace) -> None:
    options = _options(args.option)
    filters = json.loads(args.filter) if args.filter else None
    print(_dataset(args).export_to(args.path, format=args.format, filters=filters, **options))


def add_commands(subparsers: Any) -> None:
    """Add ``import`` and ``export`` to the ``dl-jupyter`` command's subparsers."""
    importing = subparsers.add_parser(
        "import", help="import a file or folder in another tool's format"
    )
    importing.add_argument("path")
    importing.add_argument("-f", "--format", required=True, choices=sorted(READERS), type=_name)
    importing.add_argument("--images", help="folder holding the images the file names")
    importing.add_argument(
        "-r", "--remote-path", dest="remote_path", help="dataset folder for the items"
    )
    importing.add_argument(
        "--link", action="store_true", help="link local files instead of copying them"
    )
    importing.set_defaults(handler=cmd_import)
    exporting = subparsers.add_parser("export", help="export a dataset in another tool's format")
    exporting.add_argument("path")
    exporting.add_argument("-f", "--format", required=True, choices=sorted(WRITERS), type=_name)
    exporting.add_argument("--filter", help="DQL JSON of the items to export")
    exporting.set_defaults(handler=cmd_export)
    for command in (importing, exporting):
        command.add_argument("-p", "--project-name")
        command.add_argument("-d", "--dataset-name")
        command.add_argument(
            "-o",
            "--option",
            action="append",
            metavar="KEY=VALUE",
            help="another option of the format (repeatable)",
        )
