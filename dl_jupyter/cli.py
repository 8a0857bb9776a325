"""``dl-jupyter``: the SDK's ``dlp`` commands against the local store.

Every command acts as ``$DL_JUPYTER_USER`` (default ``<os user>@localhost``) on the store of
``$DL_JUPYTER_URL`` (default: the embedded SQLite file); ``-p`` and ``-d`` default to the
checked-out project and dataset, as in the SDK's CLI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dl_jupyter import api
from dl_jupyter.doctor import doctor
from dl_jupyter.exceptions import DlError
from dl_jupyter.formats.cli import add_commands as add_format_commands
from dl_jupyter.sample import create_sample


def _project(name: str | None):
    return api.projects.get(project_name=name) if name else api.projects.get()


def _dataset(project_name: str | None, dataset_name: str | None):
    if dataset_name:
        return _project(project_name).datasets.get(dataset_name=dataset_name)
    return api.datasets.get()


def _print_table(rows: list[tuple], header: tuple) -> None:
    widths = [max(len(str(v)) for v in column) for column in zip(header, *rows)]
    for row in (header, *rows):
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths)))


def cmd_projects(args: argparse.Namespace) -> None:
    if args.action == "ls":
        _print_table([(p.name, p.id, p.role) for p in api.projects.list()], ("name", "id", "role"))
    elif args.action == "create":
        project = api.projects.create(project_name=args.project_name)
        print(f"created project {project.name!r} ({project.id})")
    elif args.action == "checkout":
        api.projects.checkout(project_name=args.project_name)
        print(f"checked out project {args.project_name!r}")


def cmd_datasets(args: argparse.Namespace) -> None:
    if args.action == "ls":
        datasets = _project(args.project_name).datasets.list()
        _print_table([(d.name, d.id, d.items_count) for d in datasets], ("name", "id", "items"))
    elif args.action == "create":
        dataset = _project(args.project_name).datasets.create(
            dataset_name=args.dataset_name, checkout=args.checkout
        )
        print(f"created dataset {dataset.name!r} ({dataset.id})")
    elif args.action == "checkout":
        _project(args.project_name).datasets.checkout(dataset_name=args.dataset_name)
        print(f"checked out dataset {args.dataset_name!r}")


def cmd_items(args: argparse.Namespace) -> None:
    dataset = _dataset(args.project_name, args.dataset_name)
    if args.action == "ls":
        from dl_jupyter.dql.filters import Filters

        filters = Filters(field="type", values=args.type) if args.type else Filters()
        if args.remote_path:
            filters.add(field="filename", values=args.remote_path)
        pages = dataset.items.list(filters=filters, page_offset=args.page)
        _print_table(
            [(i.filename, i.id, i.annotations_count) for i in pages.items],
            ("filename", "id", "annotations"),
        )
        print(
            f"page {args.page + 1} of {max(pages.total_pages_count, 1)}, {pages.items_count} items"
        )
    elif args.action == "upload":
        types = [t.strip() for t in args.file_types.split(",")] if args.file_types else None
        result = dataset.items.upload(
            local_path=args.local_path,
            remote_path=args.remote_path,
            file_types=types,
            local_annotations_path=args.local_annotations_path,
            overwrite=args.overwrite,
        )
        count = len(result) if isinstance(result, list) else 1
        print(f"uploaded {count} item(s) to {dataset.name!r}")
    elif args.action == "download":
        from dl_jupyter.dql.filters import Filters

        filters = Filters()
        if args.remote_path:
            filters.add(field="filename", values=args.remote_path)
        annotation_filters = None
        if args.annotation_filter_type or args.annotation_filter_label:
            annotation_filters = Filters(resource="annotations")
            if args.annotation_filter_type:
                annotation_filters.add(
                    field="type", values=args.annotation_filter_type.split(","), operator="in"
                )
            if args.annotation_filter_label:
                annotation_filters.add(
                    field="label", values=args.annotation_filter_label.split(","), operator="in"
                )
        folder = dataset.items.download(
            filters=filters,
            local_path=args.local_path,
            annotation_options=args.annotation_options.split(",")
            if args.annotation_options
            else None,
            annotation_filters=annotation_filters,
            overwrite=args.overwrite,
            to_items_folder=not args.not_items_folder,
            thickness=int(args.thickness),
            with_text=args.with_text,
            with_binaries=not args.without_binaries,
            return_folder=True,
        )
        print(f"downloaded to {folder}")


def cmd_sample(args: argparse.Namespace) -> None:
    dataset = create_sample()
    print(
        f"sample dataset {dataset.name!r} ready: {dataset.items_count} items "
        f"in {api.client().store!r}"
    )


def cmd_doctor(args: argparse.Namespace) -> None:
    report = doctor()
    print(repr(report))
    if not report.ok:
        raise SystemExit(1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dl-jupyter", description="The Dataloop SDK's dlp commands against the local store."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    projects = commands.add_parser("projects", help="list, create and check out projects")
    projects.add_argument("action", choices=["ls", "create", "checkout"])
    projects.add_argument("-p", "--project-name")
    projects.set_defaults(handler=cmd_projects)

    datasets = commands.add_parser("datasets", help="list, create and check out datasets")
    datasets.add_argument("action", choices=["ls", "create", "checkout"])
    datasets.add_argument("-p", "--project-name")
    datasets.add_argument("-d", "--dataset-name")
    datasets.add_argument("-c", "--checkout", action="store_true")
    datasets.set_defaults(handler=cmd_datasets)

    items = commands.add_parser("items", help="list, upload and download items")
    actions = items.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("ls", help="list a page of items")
    listing.add_argument("-o", "--page", type=int, default=0)
    listing.add_argument("-r", "--remote-path", default=None)
    listing.add_argument("-t", "--type", default=None, help="item type: file or dir")
    upload = actions.add_parser("upload", help="upload files or folders")
    upload.add_argument("-l", "--local-path", required=True)
    upload.add_argument("-r", "--remote-path", default="/")
    upload.add_argument("-f", "--file-types", help='comma separated, e.g. ".jpg,.png"')
    upload.add_argument("-lap", "--local-annotations-path")
    upload.add_argument("-ow", "--overwrite", action="store_true")
    download = actions.add_parser("download", help="download items and annotations")
    download.add_argument("-l", "--local-path")
    download.add_argument("-r", "--remote-path", default=None)
    download.add_argument("-ao", "--annotation-options", help="comma separated: json,instance,mask")
    download.add_argument(
        "-aft", "--annotation-filter-type", help="comma separated: box,segment..."
    )
    download.add_argument("-afl", "--annotation-filter-label", help="comma separated labels")
    download.add_argument("-ow", "--overwrite", action="store_true")
    download.add_argument("-t", "--not-items-folder", action="store_true")
    download.add_argument("-wt", "--with-text", action="store_true")
    download.add_argument("-th", "--thickness", default="1")
    download.add_argument("-wb", "--without-binaries", action="store_true")
    for sub in (listing, upload, download):
        sub.add_argument("-p", "--project-name")
        sub.add_argument("-d", "--dataset-name")
    items.set_defaults(handler=cmd_items)

    add_format_commands(commands)

    check = commands.add_parser("doctor", help="check the installation and the store")
    check.set_defaults(handler=cmd_doctor)

    sample = commands.add_parser("sample", help="create the quickstart's sample dataset")
    sample.set_defaults(handler=cmd_sample)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.handler is not cmd_doctor:  # the doctor reports a store that does not open
        api.login()
    try:
        args.handler(args)
    except DlError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
