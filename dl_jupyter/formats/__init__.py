"""Data in and out: Label Studio, COCO, YOLO, VOC, Dataloop JSON, Toloka, Prodigy, CSV and folders.

``dataset.import_from(path, format=...)`` and ``dataset.export_to(path, format=...)`` reach
this package through the hooks ``formats.import`` and ``formats.export`` registered here.
"""

from dl_jupyter import _hooks
from dl_jupyter.formats.converter import Converter
from dl_jupyter.formats.registry import export_dataset, import_dataset
from dl_jupyter.formats.report import ExportReport, ImportReport

_hooks.register("formats.import", import_dataset)
_hooks.register("formats.export", export_dataset)

__all__ = ["Converter", "ExportReport", "ImportReport", "export_dataset", "import_dataset"]
