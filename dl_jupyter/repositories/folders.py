"""Remote paths inside a dataset: validation, and the folder items every path needs.

Remote paths are POSIX paths from the dataset root (``/a/b.jpg``). A path that climbs
out with ``..``, holds a NUL or a backslash, or is not a string is refused before anything
is written.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.store import schema
from dl_jupyter.store.timeutil import new_id, now_iso

items = schema.items


def clean_remote_path(path: object, what: str = "remote_path") -> str:
    """``path`` as an absolute, normalised POSIX path; refuses escapes and odd characters."""
    if not isinstance(path, str):
        raise BadRequestError(f"{what} must be a string, got {path!r}")
    if "\x00" in path or "\\" in path:
        raise BadRequestError(f"{what} may not contain NUL or backslash characters: {path!r}")
    if any(part == ".." for part in path.split("/")):
        raise BadRequestError(f"{what} may not climb out of the dataset with '..': {path!r}")
    cleaned = posixpath.normpath("/" + path.lstrip("/"))
    return "/" if cleaned in ("/", "//") else cleaned.rstrip("/")


def join_remote(directory: str, name: str) -> str:
    """``directory`` + ``name`` as a clean remote filename; the name may not hold a '/'."""
    if not isinstance(name, str) or not name or name in (".", ".."):
        raise BadRequestError(f"Not a file name: {name!r}")
    return clean_remote_path(posixpath.join(clean_remote_path(directory), name), "remote filename")


def parents(path: str) -> list[str]:
    """Every folder above ``path``, outermost first ('/a/b/c.jpg' -> ['/a', '/a/b'])."""
    parts = path.strip("/").split("/")[:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def ensure_dirs(
    conn: Connection, dataset_id: str, user: str, dirs: Iterable[str] | None = None
) -> None:
    """Create the folder items (``type='dir'``) that ``dirs`` need, or every file's folders."""
    if dirs is None:
        dirs = conn.execute(
            sa.select(items.c.dir)
            .where(items.c.dataset_id == dataset_id, items.c.type == "file")
            .distinct()
        ).scalars()
    wanted: set[str] = set()
    for directory in dirs:
        if directory and directory != "/":
            wanted.update(parents(directory + "/x"))
    if not wanted:
        return
    have = set()
    ordered = sorted(wanted)
    for start in range(0, len(ordered), 500):
        have.update(
            conn.execute(
                sa.select(items.c.filename).where(
                    items.c.dataset_id == dataset_id,
                    items.c.filename.in_(ordered[start : start + 500]),
                )
            ).scalars()
        )
    now = now_iso()
    rows = [
        {
            "id": new_id(),
            "dataset_id": dataset_id,
            "filename": path,
            "dir": posixpath.dirname(path),
            "name": posixpath.basename(path),
            "type": "dir",
            "hidden": False,
            "metadata": {"system": {}},
            "creator": user,
            "created_at": now,
            "updated_by": user,
            "updated_at": now,
        }
        for path in ordered
        if path not in have
    ]
    if rows:
        conn.execute(items.insert(), rows)
