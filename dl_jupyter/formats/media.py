"""Where the binary an annotation file names comes from: a local file, a URL, or inline data.

Annotation files name images in many ways: ``img.jpg``, ``images/img.jpg``, Label Studio's
``/data/upload/3/abc-img.jpg`` and ``/data/local-files/?d=images/img.jpg``, URLs, and
``data:image/png;base64,...``. Local references are looked up under the folders the import
was given (the ``images`` option, then the annotation file's folder), by relative path and
then by file name, and never outside them: a reference climbing out with ``..`` or an
absolute path elsewhere is treated as missing. Other URLs become links.
"""

from __future__ import annotations

import base64
import binascii
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

REMOTE_SCHEMES = ("http", "https", "s3", "gs", "gcs", "az", "abfs")
LS_LOCAL_FILES = "/data/local-files/"
LS_UPLOAD = "/data/upload/"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tiff", ".tif", ".bmp", ".gif", ".webp")
AUDIO_SUFFIXES = (".wav", ".aiff", ".mp3", ".au", ".flac")
VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".avi", ".mkv")


@dataclass(frozen=True)
class Media:
    """A located binary: exactly one of ``path``, ``url`` or ``content``, and a file name
    (for local files, its path under the folder it was found in)."""

    name: str
    path: Path | None = None
    url: str | None = None
    content: bytes | None = None
    mimetype: str | None = None


class MediaResolver:
    """Finds the binaries that references point at, under the given root folders."""

    def __init__(self, *roots: str | Path | None) -> None:
        self.roots = list(
            dict.fromkeys(str(Path(r).expanduser().resolve()) for r in roots if r is not None)
        )

    def locate(self, reference: str) -> Media | None:
        """The binary ``reference`` names, or None when it cannot be found."""
        if not isinstance(reference, str) or not reference.strip():
            return None
        if reference.startswith("data:"):
            return _inline(reference)
        parsed = urlparse(reference)
        if parsed.path.startswith(LS_LOCAL_FILES) and "d" in parse_qs(parsed.query):
            return self._local(parse_qs(parsed.query)["d"][0])
        if parsed.path.startswith(LS_UPLOAD):  # uploads are renamed '<8 hex>-<name>'
            name = posixpath.basename(unquote(parsed.path))
            prefix, _, original = name.partition("-")
            return self._local(name) or (
                self._local(original) if len(prefix) == 8 and original else None
            )
        if parsed.scheme in REMOTE_SCHEMES:
            return Media(posixpath.basename(unquote(parsed.path)) or "link", url=reference)
        return self._local(unquote(parsed.path) if parsed.scheme == "file" else reference)

    def _local(self, reference: str) -> Media | None:
        relative = reference.replace("\\", "/")
        for root in self.roots:
            # normpath folds '..' away without touching the disk; the result must stay in root
            inside = root.rstrip(os.sep) + os.sep
            by_path = os.path.normpath(os.path.join(root, relative))
            by_name = os.path.join(root, posixpath.basename(relative))
            for candidate in (by_path, by_name):
                if candidate.startswith(inside) and os.path.isfile(candidate):
                    return Media(
                        candidate[len(inside) :].replace(os.sep, "/"), path=Path(candidate)
                    )
        return None

    def describe(self) -> str:
        """The folders searched, for error messages and reports."""
        return ", ".join(self.roots) or "(no folder)"


def _inline(reference: str) -> Media | None:
    header, _, payload = reference.partition(",")
    mimetype = header[5:].split(";")[0] or "application/octet-stream"
    try:
        content = (
            base64.b64decode(payload, validate=True)
            if ";base64" in header
            else unquote(payload).encode()
        )
    except (binascii.Error, ValueError):
        return None
    extension = "." + mimetype.split("/")[-1].replace("jpeg", "jpg") if "/" in mimetype else ""
    return Media(f"inline{extension}", content=content, mimetype=mimetype)


def is_media_reference(
    value: object, suffixes: tuple[str, ...] = IMAGE_SUFFIXES + AUDIO_SUFFIXES + VIDEO_SUFFIXES
) -> bool:
    """Whether a task value looks like a reference to a binary (URL, data URL or file name)."""
    if not isinstance(value, str) or "\n" in value or len(value) > 4096:
        return False
    if value.startswith("data:"):
        return True
    path = urlparse(value).path.lower()
    return path.endswith(suffixes) or value.startswith((LS_UPLOAD, LS_LOCAL_FILES))
