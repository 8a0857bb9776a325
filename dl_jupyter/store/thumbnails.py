"""Thumbnails of item images, made once and kept on disk beside the store's blobs.

A thumbnail is keyed by the blob's hash and its size bucket (``thumbnails/<size>/ab/<hash>.jpg``
under the blob root), so duplicates and clones share it and a changed binary gets a new one.
Images are decoded through ``media.open_image``, which refuses decompression bombs and lets
JPEG decode straight at a reduced scale. Files are written under a temporary name and moved
into place, so two kernels making the same thumbnail never leave a half-written file.
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import fsspec
from PIL import Image

from dl_jupyter.exceptions import BadRequestError, NotFoundError
from dl_jupyter.store.blobs import BlobStore
from dl_jupyter.store.media import open_image

SIZES = (128, 256, 512)
QUALITY = 82
WORKERS = 4


def bucket(size: int) -> int:
    """The cached size that serves a request for ``size`` pixels (the next one up)."""
    return next((s for s in SIZES if s >= size), SIZES[-1])


def source_key(blob: str | None, link: str | None) -> str | None:
    """What a thumbnail is keyed by: the blob hash, or a hash of the link for linked items."""
    if blob:
        return blob
    if link:
        return hashlib.sha256(f"link:{link}".encode()).hexdigest()
    return None


class Thumbnails:
    """JPEG thumbnails of the blobs of one store."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs
        self.fs, base = fsspec.core.url_to_fs(blobs.root)
        self.root = base.rstrip("/") + "/thumbnails"

    def path(self, key: str, size: int) -> str:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise NotFoundError(f"Not a blob hash: {key!r}")
        return f"{self.root}/{bucket(size)}/{key[:2]}/{key}.jpg"

    def get(self, blob: str | None, size: int, link: str | None = None) -> bytes | None:
        """The thumbnail's JPEG bytes, made now if missing; None when the item is not an image."""
        key = source_key(blob, link)
        if key is None:
            return None
        path = self.path(key, size)
        try:
            with self.fs.open(path, "rb") as stream:
                return stream.read()
        except FileNotFoundError:
            pass
        try:
            data = self._make(blob, link, bucket(size))
        except (BadRequestError, NotFoundError, OSError):
            return None
        self._write(path, data)
        return data

    def get_many(
        self, sources: Sequence[tuple[str | None, str | None]], size: int
    ) -> list[bytes | None]:
        """Thumbnails of several (blob, link) sources, the missing ones made in parallel
        (Pillow releases the GIL while it decodes)."""
        if len(sources) <= 1:
            return [self.get(blob, size, link) for blob, link in sources]
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            return list(pool.map(lambda source: self.get(source[0], size, source[1]), sources))

    def _make(self, blob: str | None, link: str | None, size: int) -> bytes:
        stream = self.blobs.open(blob) if blob else fsspec.open(link, "rb").open()
        with stream:
            image = open_image(stream, name=blob or str(link), max_side=size)
        if image.mode in ("RGBA", "LA", "PA", "P"):
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, (255, 255, 255))
            image.paste(rgba, mask=rgba.getchannel("A"))
        elif image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=QUALITY)
        return out.getvalue()

    def _write(self, path: str, data: bytes) -> None:
        directory = path.rsplit("/", 1)[0]
        self.fs.makedirs(directory, exist_ok=True)
        tmp = f"{directory}/.{uuid.uuid4().hex}.tmp"
        with self.fs.open(tmp, "wb") as out:
            out.write(data)
        if self.blobs.is_local:
            os.replace(tmp, path)
        else:
            self.fs.mv(tmp, path)
