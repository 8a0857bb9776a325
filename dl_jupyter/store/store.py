"""A store: the database (SQLite file or PostgreSQL) with its schema, plus the blob storage.

Opening a store migrates it to the current schema and removes what a killed process left
behind: blobs copied in for rows that were never committed, and partial blob writes.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import platformdirs
import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from dl_jupyter.store import schema
from dl_jupyter.store.blobs import BlobStore
from dl_jupyter.store.checkpoints import Checkpointer
from dl_jupyter.store.engine import WRITE_FLAG, create_engine, sqlite_url
from dl_jupyter.store.migrations import migrate
from dl_jupyter.store.timeutil import now_iso, to_iso

URL_ENV = "DL_JUPYTER_URL"
BLOBS_ENV = "DL_JUPYTER_BLOBS"
# A journal entry of another host younger than this may belong to an upload still running.
ORPHAN_GRACE_S = 3600
RELEASED = "1970-01-01T00:00:00.000Z"


def _this_process() -> str:
    """The journal owner of this process (computed per call: forked children differ)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead_local_writer(owner: str | None) -> bool:
    """Whether ``owner`` ("host:pid") is a process of this host that no longer runs."""
    if not owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by someone else
        return False
    return False


def data_dir() -> Path:
    """The per-user folder of the embedded store."""
    return Path(platformdirs.user_data_dir("dl_jupyter", appauthor=False))


def default_url() -> str:
    """``DL_JUPYTER_URL`` if set, else the embedded SQLite file in the per-user data folder."""
    return os.environ.get(URL_ENV) or sqlite_url(data_dir() / "store.db")


class Store:
    """The database and blobs behind every repository."""

    def __init__(self, url: str | None = None, blob_root: str | None = None) -> None:
        self.url = make_url(url or default_url())
        self.engine = create_engine(self.url)
        self.dialect = self.engine.dialect.name
        self._checkpointer = Checkpointer(self.engine) if self.dialect == "sqlite" else None
        migrate(self.engine)
        self.blobs = BlobStore(self._blob_root(blob_root))
        self.collect_orphan_blobs()
        self.blobs.clear_stale_tmp(ORPHAN_GRACE_S)

    def __repr__(self) -> str:
        return f"Store({self.url.render_as_string(hide_password=True)!r})"

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def _blob_root(self, explicit: str | None) -> str:
        """Where binaries live: the argument, DL_JUPYTER_BLOBS, the store's setting, or a default.

        Team stores remember the first root they were given, so every kernel finds the blobs.
        """
        chosen = explicit or os.environ.get(BLOBS_ENV)
        with self.write() as conn:
            saved = conn.execute(
                sa.select(schema.settings.c.value).where(schema.settings.c.key == "blob_root")
            ).scalar()
            if chosen is None:
                chosen = saved or self._default_blob_root()
            if saved is None and self.dialect != "sqlite":
                conn.execute(schema.settings.insert().values(key="blob_root", value=chosen))
        return chosen

    def _default_blob_root(self) -> str:
        if self.dialect == "sqlite":
            db = Path(self.url.database)
            return str(db.with_name(db.stem + "-blobs"))
        return str(data_dir() / "blobs")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a read transaction."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a write transaction: all of it commits, or none of it."""
        with self.engine.connect() as conn:
            conn.info[WRITE_FLAG] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop(WRITE_FLAG, None)
        if self._checkpointer is not None:
            self._checkpointer.nudge()

    # -- blob bookkeeping ----------------------------------------------------------------
    def journal_blobs(self, hashes: Iterable[str], at: str | None = None) -> None:
        """Record blobs about to be referenced, committed before their rows are written."""
        rows = [
            {"blob": h, "created_at": at or now_iso(), "owner": _this_process()}
            for h in set(hashes)
        ]
        if not rows:
            return
        with self.write() as conn:
            known = set(
                conn.execute(
                    sa.select(schema.blob_journal.c.blob).where(
                        schema.blob_journal.c.blob.in_([r["blob"] for r in rows])
                    )
                ).scalars()
            )
            fresh = [r for r in rows if r["blob"] not in known]
            if fresh:
                conn.execute(schema.blob_journal.insert(), fresh)

    def release_blobs(self, conn: Connection, hashes: Iterable[str]) -> None:
        """Inside a transaction that drops references to ``hashes``: mark them for collection."""
        hashes = sorted(set(h for h in hashes if h))
        if not hashes:
            return
        j = schema.blob_journal
        conn.execute(j.delete().where(j.c.blob.in_(hashes)))
        conn.execute(
            j.insert(), [{"blob": h, "created_at": RELEASED, "owner": None} for h in hashes]
        )

    def settle_blobs(self, hashes: Iterable[str]) -> None:
        """After the rows referencing ``hashes`` committed: they are no longer candidates."""
        hashes = sorted(set(hashes))
        if hashes:
            with self.write() as conn:
                conn.execute(
                    schema.blob_journal.delete().where(schema.blob_journal.c.blob.in_(hashes))
                )

    def collect_orphan_blobs(self, grace_s: float = ORPHAN_GRACE_S) -> int:
        """Delete journalled blobs that no item references: released ones, those of a process
        of this host that has died, and any older than ``grace_s`` (a writer elsewhere)."""
        cutoff = to_iso(datetime.now(timezone.utc) - timedelta(seconds=grace_s))
        j, items = schema.blob_journal, schema.items
        with self.write() as conn:
            journal = conn.execute(sa.select(j.c.blob, j.c.created_at, j.c.owner)).all()
            candidates = [
                row.blob
                for row in journal
                if row.created_at < cutoff or _dead_local_writer(row.owner)
            ]
            if not candidates:
                return 0
            used = set(
                conn.execute(
                    sa.select(items.c.blob).where(items.c.blob.in_(candidates)).distinct()
                ).scalars()
            )
            orphans = [h for h in candidates if h not in used]
            conn.execute(j.delete().where(j.c.blob.in_(candidates)))
        return self.blobs.delete(orphans)

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()
