"""How every import runs: check the whole input, prepare the recipe, then write in batches.

A ``Reader`` turns one input (a file or a folder) into records. ``run_import`` first reads
everything once without writing (``Reader.check``), so a malformed file fails with its
position and changes nothing; then it adds the reader's labels to the dataset's recipe,
and writes the records with the resumable ``BulkWriter``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from dl_jupyter.entities.labels import Label
from dl_jupyter.exceptions import BadRequestError, NotFoundError
from dl_jupyter.formats.gcpause import no_cyclic_gc
from dl_jupyter.formats.records import AnnotationRecord, ItemRecord
from dl_jupyter.formats.report import ImportReport
from dl_jupyter.formats.writer import BulkWriter, fingerprint, job_key
from dl_jupyter.repositories.folders import clean_remote_path, join_remote

Records = Iterable[ItemRecord | AnnotationRecord]
Phase = tuple[str, Callable[[], Records], "int | None"]


class Reader:
    """Reads one input of a format into records; subclasses set ``format`` and ``OPTIONS``.

    Options every reader takes: ``remote_path`` (the dataset folder items go to),
    ``link`` (keep local files where they are instead of copying them into the store),
    ``resume`` (continue an interrupted import of the same input; default True).
    """

    format: ClassVar[str] = ""
    OPTIONS: ClassVar[dict[str, Any]] = {}
    COMMON: ClassVar[dict[str, Any]] = {"remote_path": "/", "link": False, "resume": True}
    must_be_dir: ClassVar[bool] = False
    # a reader that skips what the dataset already holds needs no resume point: running it
    # again after an interruption writes only what is missing
    deduplicates: ClassVar[bool] = False

    def __init__(self, path: str | Path, **options: Any) -> None:
        self.path = Path(path).expanduser()
        if not self.path.exists():
            raise NotFoundError(f"Unknown local path: {path}")
        if self.must_be_dir and not self.path.is_dir():
            raise BadRequestError(f"The {self.format} format reads a folder, got the file {path}")
        known = {**self.COMMON, **self.OPTIONS}
        unknown = sorted(set(options) - set(known))
        if unknown:
            raise BadRequestError(
                f"Unknown option(s) for the {self.format} format: {unknown}; "
                f"options are {sorted(known)}"
            )
        self.options = {**known, **options}
        self.remote_path = clean_remote_path(self.options["remote_path"])
        self.labels: list[str] = []
        self.counts: dict[str, int] = {}  # records per phase, counted by check()

    def remote(self, relative: str) -> str:
        """The remote filename of a path relative to the import's ``remote_path``."""
        return clean_remote_path(
            posixpath.join(self.remote_path, relative.lstrip("/")), "remote filename"
        )

    def remote_name(self, name: str) -> str:
        return join_remote(self.remote_path, name)

    def phases(self, report: ImportReport) -> list[Phase]:
        """The record streams to write, in order, each with its length when known."""
        raise NotImplementedError

    def check(self) -> None:
        """Read everything once without writing (raises BadRequestError on malformed input);
        collects the labels the annotations use and counts the records."""
        scratch = ImportReport(self.format, str(self.path))
        for name, records, _ in self.phases(scratch):
            count = 0
            for record in records():
                count += 1
                self.labels += [a.label for a in record.annotations if a.label and self.is_label(a)]
            self.counts[name] = count
        self.labels = list(dict.fromkeys(self.labels))

    def is_label(self, annotation: Any) -> bool:
        """Whether an annotation's label belongs in the recipe."""
        return True

    def prepare(self, dataset: Any, report: ImportReport) -> None:
        """Make the dataset ready for the records: add ``self.labels`` to its recipe."""
        add_labels(dataset, self.labels, report)

    def job_options(self) -> dict:
        """The options that identify this import for resuming (all but ``resume``)."""
        return {k: v for k, v in self.options.items() if k != "resume"}


def add_labels(dataset: Any, labels: Iterable[str | Label], report: ImportReport) -> None:
    """Add the labels (paths or ``Label``s with a dotted tag) missing from the dataset's recipe."""
    ontology = dataset.get_recipe().get_ontology()
    known = set(ontology.labels_flat_dict)
    added = 0
    for label in labels:
        path = label.tag if isinstance(label, Label) else label
        if not path or path in known:
            continue
        known.add(path)
        added += 1
        if isinstance(label, Label):
            ontology.add_label(label=label)
        else:
            ontology.add_label(label_name=path)
    if added:
        ontology.update()
        report.add("labels", added)


def run_import(dataset: Any, reader: Reader) -> ImportReport:
    """Check, prepare and write one input into ``dataset``; returns the report."""
    with no_cyclic_gc():
        reader.check()
        report = ImportReport(reader.format, str(reader.path))
        reader.prepare(dataset, report)
        writer = BulkWriter(
            dataset,
            report,
            job_key(dataset.id, reader.format, reader.path, reader.job_options()),
            fingerprint(reader.path),
            resume=reader.options["resume"] and not reader.deduplicates,
            link=reader.options["link"],
        )
        for name, records, total in reader.phases(report):
            writer.write(
                name,
                records(),
                total if total is not None else reader.counts.get(name),
                description=f"Import {reader.format}",
            )
        writer.finish()
    return report


def files_under(root: Path, suffixes: Iterable[str] | None = None) -> Iterator[Path]:
    """Files under ``root`` (recursive, sorted, hidden ones left out), with one of ``suffixes``
    when given."""
    wanted = None if suffixes is None else {s.lower() for s in suffixes}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).parts
        if (
            path.is_file()
            and (wanted is None or path.suffix.lower() in wanted)
            and not any(p.startswith(".") for p in relative)
        ):
            yield path
