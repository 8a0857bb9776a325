"""Content-addressed storage of item binaries, on a local folder or any fsspec file system.

A binary is stored once under its SHA-256 (``ab/cd/abcd...``), whatever its name, so
clones and duplicate uploads share it and no user-supplied path ever reaches the file
system. Files are written to a temporary name and moved into place, so a crash never
leaves a half-written blob under a real hash.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

import fsspec
from fsspec.implementations.local import LocalFileSystem

from dl_jupyter.exceptions import NotFoundError

CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredBlob:
    """What a put returns: the content hash and the size in bytes."""

    sha256: str
    size: int


class BlobStore:
    """Binaries by hash under ``root`` (a path, or a URL such as ``s3://bucket/prefix``)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.fs, self._base = fsspec.core.url_to_fs(root)
        self.fs.makedirs(self._join("tmp"), exist_ok=True)

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    def _join(self, *parts: str) -> str:
        return "/".join([self._base.rstrip("/"), *parts])

    def path(self, sha256: str) -> str:
        """Where the blob with this hash lives (a local path for local stores)."""
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise NotFoundError(f"Not a blob hash: {sha256!r}")
        return self._join(sha256[:2], sha256[2:4], sha256)

    def put_stream(self, stream: BinaryIO) -> StoredBlob:
        """Copy ``stream`` in while hashing it; a blob already present is not written twice."""
        digest = hashlib.sha256()
        size = 0
        tmp = self._join("tmp", uuid.uuid4().hex)
        try:
            with self.fs.open(tmp, "wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            final = self.path(sha)
            if self.fs.exists(final):
                self.fs.rm(tmp)
            else:
                self.fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
                if self.is_local:
                    os.replace(tmp, final)
                else:
                    self.fs.mv(tmp, final)
        except BaseException:
            if self.fs.exists(tmp):
                self.fs.rm(tmp)
            raise
        return StoredBlob(sha, size)

    def put_bytes(self, data: bytes) -> StoredBlob:
        return self.put_stream(io.BytesIO(data))

    def open(self, sha256: str) -> BinaryIO:
        """The blob's bytes as a binary file object."""
        path = self.path(sha256)
        if not self.fs.exists(path):
            raise NotFoundError(f"Item binary is missing from the store: {sha256}")
        return self.fs.open(path, "rb")

    def exists(self, sha256: str) -> bool:
        return self.fs.exists(self.path(sha256))

    def delete(self, hashes: Iterable[str]) -> int:
        """Remove these blobs if present; returns how many files were removed."""
        removed = 0
        for sha in hashes:
            path = self.path(sha)
            if self.fs.exists(path):
                self.fs.rm(path)
                removed += 1
        return removed

    def clear_stale_tmp(self, older_than_s: float = 3600) -> int:
        """Drop partial writes left by a process that died while copying a file in.

        Only files older than ``older_than_s`` go, so another kernel's copy in progress stays.
        """
        cutoff = time.time() - older_than_s
        removed = 0
        for path in self.fs.ls(self._join("tmp"), detail=False):
            try:
                stale = self.fs.modified(path).timestamp() < cutoff
            except (FileNotFoundError, NotImplementedError):
                continue
            if stale:
                self.fs.rm(path)
                removed += 1
        return removed
