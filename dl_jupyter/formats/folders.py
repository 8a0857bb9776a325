"""Label Studio's plain inputs: text files (one task per line) and folders of images or audio.

- ``text``: a file, each non-empty line a task whose ``data_key`` (default ``text``) is the
  line; ``text-dir``: every file of a folder (recursive), line by line;
- ``image-dir``: every image of a folder, recursive (``.png .jpg .jpeg .tiff .bmp .gif``);
  ``audio-dir``: every audio file (``.wav .aiff .mp3 .au .flac``). Each file becomes an item at
  its path under the folder (below ``remote_path``), copied in or linked with ``link=True``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats.importing import Phase, Reader, files_under
from dl_jupyter.formats.label_studio import TaskConverter, parse_config
from dl_jupyter.formats.media import MediaResolver
from dl_jupyter.formats.records import ItemRecord
from dl_jupyter.formats.report import ImportReport

LS_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tiff", ".bmp", ".gif")
LS_AUDIO_SUFFIXES = (".wav", ".aiff", ".mp3", ".au", ".flac")


class TextReader(Reader):
    """One task per line of a text file (``text``) or of every file in a folder (``text-dir``)."""

    format = "text"
    OPTIONS = {"label_config": None, "data_key": None}

    def __init__(self, path: str | Path, **options: Any) -> None:
        super().__init__(path, **options)
        config = parse_config(self.options["label_config"])
        self.labels = list(config["labels"])
        self.key = self.options["data_key"] or next(iter(config["objects"].values()), "text")
        self.tasks = TaskConverter(self, config, MediaResolver(), self.key)

    def files(self) -> list[Path]:
        if self.path.is_dir():
            raise BadRequestError(
                f"The text format reads one file; use text-dir for the folder {self.path}"
            )
        return [self.path]

    def phases(self, report: ImportReport) -> list[Phase]:
        def records() -> Iterator[ItemRecord]:
            for file in self.files():
                prefix = (
                    file.relative_to(self.path).with_suffix("").as_posix()
                    if self.path.is_dir()
                    else file.stem
                )
                try:
                    lines = file.read_text(encoding="utf-8-sig").splitlines()
                except UnicodeDecodeError as exc:
                    raise BadRequestError(f"{file}: not UTF-8 text ({exc.reason})") from None
                for number, line in enumerate(lines, start=1):
                    if line.strip():
                        yield self.tasks.record(
                            {"data": {self.key: line}},
                            f"{file.name}:{number}",
                            f"{prefix}-{number}.txt",
                            report,
                        )

        return [("lines", records, None)]


class TextDirReader(TextReader):
    format = "text_dir"
    must_be_dir = True

    def files(self) -> list[Path]:
        return list(files_under(self.path))


class MediaDirReader(Reader):
    """Every file of a folder with one of ``suffixes`` becomes an item."""

    format = "image_dir"
    must_be_dir = True
    suffixes: ClassVar[tuple[str, ...]] = LS_IMAGE_SUFFIXES

    def phases(self, report: ImportReport) -> list[Phase]:
        def records() -> Iterator[ItemRecord]:
            for file in files_under(self.path, self.suffixes):
                relative = file.relative_to(self.path).as_posix()
                yield ItemRecord(self.remote(relative), relative, path=file)

        return [("files", records, None)]


class AudioDirReader(MediaDirReader):
    format = "audio_dir"
    suffixes = LS_AUDIO_SUFFIXES
