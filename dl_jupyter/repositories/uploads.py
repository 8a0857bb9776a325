"""What ``items.upload(local_path=...)`` can be given, turned into a list of upload entries.

Accepted: a file, a folder (recursive, head folder kept; ``'folder/*'`` drops it), a list of
any of these, a file object or BytesIO (named by ``.name``), a numpy image (with
``remote_name``), a URL or ``dl.UrlLink`` (stored as a link), and a pandas DataFrame with
the SDK's columns. Everything is resolved and checked before anything is written.
"""

from __future__ import annotations

import io
import os
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import fsspec

from dl_jupyter.exceptions import BadRequestError, DlError, NotFoundError
from dl_jupyter.repositories.folders import clean_remote_path, join_remote
from dl_jupyter.store.media import MediaInfo, guess_mimetype, probe

URL_SCHEMES = (
    "http://",
    "https://",
    "s3://",
    "gs://",
    "gcs://",
    "az://",
    "abfs://",
    "memory://",
    "file://",
)


@dataclass
class UrlLink:
    """An item that points at a URL instead of holding the bytes (``dl.UrlLink``)."""

    ref: str
    mimetype: str | None = None
    name: str | None = None


@dataclass
class UploadEntry:
    """One item to upload: where it goes, how to read it, and what comes with it."""

    filename: str
    source: str
    opener: Callable[[], BinaryIO] | None = None
    link: str | None = None
    mimetype: str | None = None
    metadata: dict | None = None
    annotations_path: str | None = None
    description: str | None = None
    info: MediaInfo | None = field(default=None, repr=False)
    size: int | None = None

    def open(self) -> BinaryIO:
        if self.opener is not None:
            return self.opener()
        return fsspec.open(self.link, "rb").open()

    def read_info(self) -> None:
        """Probe the header (never the whole file) for mimetype and image size."""
        try:
            with self.open() as stream:
                seekable = stream if stream.seekable() else io.BytesIO(stream.read(64 << 20))
                self.info = probe(seekable, self.filename)
                if self.size is None and seekable.seekable():
                    seekable.seek(0, os.SEEK_END)
                    self.size = seekable.tell()
        except DlError:
            raise
        except (OSError, ValueError) as exc:  # an unreachable link is stored without a size
            if self.link is None:
                raise NotFoundError(f"Cannot read {self.source}: {exc}") from None
            self.info = MediaInfo(self.mimetype or guess_mimetype(self.filename))
        if self.mimetype and self.info.width is None:
            self.info = MediaInfo(self.mimetype)


def _file_opener(path: Path) -> Callable[[], BinaryIO]:
    return lambda: open(path, "rb")


def _buffer_opener(buffer: Any) -> Callable[[], BinaryIO]:
    data = buffer.getvalue() if isinstance(buffer, io.BytesIO) else None

    def opener() -> BinaryIO:
        if data is not None:
            return io.BytesIO(data)
        buffer.seek(0)
        return io.BytesIO(buffer.read())

    return opener


def _is_url(value: str) -> bool:
    return value.startswith(URL_SCHEMES)


def _wanted(name: str, file_types: list[str] | None) -> bool:
    return not file_types or posixpath.splitext(name)[1].lower() in file_types


def resolve(
    local_path: Any,
    remote_path: str = "/",
    remote_name: str | None = None,
    file_types: Iterable[str] | None = None,
    item_metadata: dict | None = None,
    local_annotations_path: str | None = None,
    item_description: str | None = None,
    link: bool = False,
) -> list[UploadEntry]:
    """The entries for ``local_path``; missing paths and bad names raise before any write."""
    remote_dir = clean_remote_path(remote_path or "/")
    types = (
        [t.lower() if t.startswith(".") else "." + t.lower() for t in file_types]
        if file_types
        else None
    )
    entries = list(
        _resolve(local_path, remote_dir, remote_name, types, link, local_annotations_path)
    )
    for entry in entries:
        if item_metadata is not None and entry.metadata is None:
            entry.metadata = item_metadata
        if item_description is not None:
            entry.description = item_description
    seen: dict[str, str] = {}
    for entry in entries:
        if entry.filename in seen:
            raise BadRequestError(
                f"{seen[entry.filename]} and {entry.source} would both be uploaded as "
                f"{entry.filename!r}"
            )
        seen[entry.filename] = entry.source
    return entries


def _resolve(
    source: Any,
    remote_dir: str,
    remote_name: str | None,
    types: list[str] | None,
    link: bool,
    annotations_path: str | None,
) -> Iterable[UploadEntry]:
    if isinstance(source, UrlLink):
        name = source.name or posixpath.basename(source.ref.split("?")[0]) or "link"
        yield UploadEntry(
            join_remote(remote_dir, remote_name or name),
            source.ref,
            link=source.ref,
            mimetype=_link_mimetype(source.mimetype, name),
        )
        return
    if _is_dataframe(source):
        yield from _resolve_dataframe(source, remote_dir, types, link)
        return
    if isinstance(source, (list, tuple)):
        for element in source:
            yield from _resolve(element, remote_dir, None, types, link, annotations_path)
        return
    if hasattr(source, "read"):
        # a buffer's name may hold a relative path (kept); an open file's is absolute (base name)
        name = str(remote_name or getattr(source, "name", "") or "")
        if os.path.isabs(name):
            name = os.path.basename(name)
        if not name:
            raise BadRequestError(
                "A buffer to upload needs a name: set buffer.name or pass remote_name"
            )
        remote = clean_remote_path(posixpath.join(remote_dir, name), "buffer name")
        yield UploadEntry(remote, f"buffer {name!r}", opener=_buffer_opener(source))
        return
    if _is_ndarray(source):
        yield _array_entry(source, remote_dir, remote_name)
        return
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str):
        raise BadRequestError(
            f"Cannot upload {type(source).__name__}: give a path, folder, buffer, URL or DataFrame"
        )
    if _is_url(source):
        name = remote_name or posixpath.basename(source.split("?")[0]) or "link"
        yield UploadEntry(join_remote(remote_dir, name), source, link=source)
        return
    contents_only = source.endswith(("/*", os.sep + "*"))
    path = Path(source[:-2] if contents_only else source).expanduser()
    if not path.exists():
        raise NotFoundError(f"Unknown local path: {source}")
    if path.is_file():
        yield _file_entry(
            path,
            join_remote(remote_dir, remote_name or path.name),
            link,
            _annotation_file(annotations_path, path.name),
        )
        return
    base = remote_dir if contents_only else join_remote(remote_dir, path.name)
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        relative = file.relative_to(path).as_posix()
        if not _wanted(file.name, types) or any(
            part.startswith(".") for part in relative.split("/")
        ):
            continue
        remote = clean_remote_path(posixpath.join(base, relative), "remote filename")
        yield _file_entry(file, remote, link, _annotation_file(annotations_path, relative))


def is_single_source(local_path: Any) -> bool:
    """Whether ``local_path`` names one item (so upload returns an Item, not a list)."""
    if isinstance(local_path, (list, tuple)) or _is_dataframe(local_path):
        return False
    if isinstance(local_path, (str, os.PathLike)):
        text = os.fspath(local_path)
        return _is_url(text) or not (text.endswith("*") or Path(text).expanduser().is_dir())
    return True


def _file_entry(path: Path, remote: str, link: bool, annotations: str | None) -> UploadEntry:
    if link:
        return UploadEntry(
            remote, str(path), link=str(path.resolve()), annotations_path=annotations
        )
    return UploadEntry(
        remote,
        str(path),
        opener=_file_opener(path),
        annotations_path=annotations,
        size=path.stat().st_size,
    )


def _annotation_file(annotations_path: str | None, relative: str) -> str | None:
    """The Dataloop JSON for a file: same relative path with '.json' (or '<name>.json')."""
    if annotations_path is None:
        return None
    root = Path(annotations_path).expanduser()
    if not root.exists():
        raise NotFoundError(f"Unknown local path: {annotations_path}")
    if root.is_file():
        return str(root)
    stem = os.path.splitext(relative)[0]
    for candidate in (root / f"{stem}.json", root / f"{relative}.json"):
        if candidate.is_file():
            return str(candidate)
    return None


def _link_mimetype(mimetype: str | None, name: str) -> str | None:
    if mimetype and "/" not in mimetype:  # the SDK's UrlLink takes 'image', 'video'...
        guessed = guess_mimetype(name)
        return guessed if guessed.startswith(mimetype) else f"{mimetype}/*"
    return mimetype


def _is_dataframe(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "iterrows")


def _is_ndarray(value: Any) -> bool:
    return type(value).__name__ == "ndarray" and hasattr(value, "shape")


def _array_entry(array: Any, remote_dir: str, remote_name: str | None) -> UploadEntry:
    if not remote_name or posixpath.splitext(remote_name)[1].lower() not in (
        ".jpg",
        ".jpeg",
        ".png",
    ):
        raise BadRequestError("Uploading a numpy array needs remote_name ending in .jpg or .png")
    from PIL import Image

    buffer = io.BytesIO()
    image = Image.fromarray(array)
    image.save(buffer, format="PNG" if remote_name.lower().endswith(".png") else "JPEG")
    data = buffer.getvalue()
    return UploadEntry(
        join_remote(remote_dir, remote_name),
        f"array {remote_name!r}",
        opener=lambda: io.BytesIO(data),
        size=len(data),
    )


def _row_reader(row: Any) -> Callable[..., Any]:
    """``get(column, default)`` on a DataFrame row, with missing cells (None, NaN) as default."""

    def get(column: str, default: Any = None) -> Any:
        value = row.get(column, default)
        missing = value is None or (isinstance(value, float) and value != value)
        return default if missing else value

    return get


def _resolve_dataframe(
    frame: Any, remote_dir: str, types: list[str] | None, link: bool
) -> Iterable[UploadEntry]:
    if "local_path" not in frame.columns:
        raise BadRequestError("An upload DataFrame needs a 'local_path' column")
    for index, row in frame.iterrows():
        get = _row_reader(row)

        entries = list(
            _resolve(
                get("local_path"),
                clean_remote_path(get("remote_path", remote_dir)),
                get("remote_name"),
                types,
                link,
                get("local_annotations_path"),
            )
        )
        if len(entries) != 1:
            raise BadRequestError(
                f"DataFrame row {index}: local_path must be one file, got {get('local_path')!r}"
            )
        metadata = get("item_metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise BadRequestError(
                f"DataFrame row {index}: item_metadata must be a dict, got {metadata!r}"
            )
        entries[0].metadata = metadata
        yield entries[0]
