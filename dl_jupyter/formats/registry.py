"""Format names and the two entry points, ``import_dataset`` and ``export_dataset``.

Names: label_studio, coco, yolo, voc, dataloop, toloka, prodigy, csv, tsv, text, text-dir,
image-dir, audio-dir, json-dir (dashes and underscores are the same; ``dl.AnnotationFormat``
members work too).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats import (
    coco,
    dataloop,
    folders,
    label_studio,
    prodigy,
    tabular,
    toloka,
    voc,
    yolo,
)
from dl_jupyter.formats.exporting import Exporter, run_export
from dl_jupyter.formats.importing import Reader, run_import
from dl_jupyter.formats.report import ExportReport, ImportReport

READERS: dict[str, type[Reader]] = {
    "coco": coco.CocoReader,
    "yolo": yolo.YoloReader,
    "voc": voc.VocReader,
    "dataloop": dataloop.DataloopReader,
    "toloka": toloka.TolokaReader,
    "prodigy": prodigy.ProdigyReader,
    "label_studio": label_studio.LabelStudioReader,
    "json_dir": label_studio.LabelStudioReader,
    "csv": tabular.CsvReader,
    "tsv": tabular.TsvReader,
    "text": folders.TextReader,
    "text_dir": folders.TextDirReader,
    "image_dir": folders.MediaDirReader,
    "audio_dir": folders.AudioDirReader,
}
WRITERS: dict[str, type[Exporter]] = {
    "coco": coco.CocoWriter,
    "yolo": yolo.YoloWriter,
    "voc": voc.VocWriter,
    "dataloop": dataloop.DataloopWriter,
    "toloka": toloka.TolokaWriter,
    "prodigy": prodigy.ProdigyWriter,
    "label_studio": label_studio.LabelStudioWriter,
    "csv": tabular.CsvWriter,
    "tsv": tabular.TsvWriter,
}


def format_name(format: Any) -> str:
    """The canonical name of a format given as a string or an enum member."""
    name = str(getattr(format, "value", format)).strip().lower().replace("-", "_")
    if name in READERS or name in WRITERS:
        return name
    known = sorted(set(READERS) | set(WRITERS))
    raise BadRequestError(f"Unknown format {format!r}; formats are {known}")


def import_dataset(dataset: Any, path: str | Path, format: Any, **options: Any) -> ImportReport:
    """Import ``path`` (a file or folder) in ``format`` into ``dataset``."""
    name = format_name(format)
    if name not in READERS:
        raise BadRequestError(f"The {name} format can be exported but not imported")
    return run_import(dataset, READERS[name](path, **options))


def export_dataset(
    dataset: Any,
    path: str | Path,
    format: Any,
    filters: Any = None,
    annotation_filters: Any = None,
    **options: Any,
) -> ExportReport:
    """Export ``dataset`` (the items matching ``filters``) to ``path`` in ``format``."""
    name = format_name(format)
    if name not in WRITERS:
        raise BadRequestError(f"The {name} format can be imported but not exported")
    return run_export(dataset, WRITERS[name], path, filters, annotation_filters, **options)
