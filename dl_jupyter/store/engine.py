"""Engines for the two stores: an embedded SQLite file and a PostgreSQL server.

SQLite runs in WAL mode with a busy timeout so that several kernels can share one file;
write transactions start with ``BEGIN IMMEDIATE`` so that two writers queue on the lock
instead of failing when one of them upgrades a read lock.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from dl_jupyter.exceptions import BadRequestError

BUSY_TIMEOUT_MS = 30_000
# SQLite's page cache per connection, as PRAGMA cache_size values (negative: KiB). Big writes
# stay in memory until their commit; reads keep a smaller one, so streaming a million items
# does not grow the kernel by hundreds of MB (the OS caches the file anyway).
WRITE_CACHE_SIZE = -262_144
READ_CACHE_SIZE = -32_768
WRITE_FLAG = "dl_write"


def sqlite_url(path: str | os.PathLike) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def create_engine(url: str | URL) -> Engine:
    """An engine for ``url``; only SQLite files and PostgreSQL (psycopg 3) are accepted."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if url.get_backend_name() == "postgresql":
        if url.get_driver_name() not in ("psycopg", ""):
            raise BadRequestError(
                f"Unsupported PostgreSQL driver: {url.drivername!r}; use postgresql+psycopg://"
            )
        return sa.create_engine(url.set(drivername="postgresql+psycopg"), pool_pre_ping=True)
    raise BadRequestError(f"Unsupported store URL: {url.render_as_string(hide_password=True)!r}")


def _sqlite_engine(url: URL) -> Engine:
    if not url.database or url.database == ":memory:":
        raise BadRequestError("The embedded store needs a file: sqlite:///path/to/store.db")
    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # store.checkpoints copies the log into the file, in the background
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        writing = conn.info.get(WRITE_FLAG)
        cache_size = WRITE_CACHE_SIZE if writing else READ_CACHE_SIZE
        conn.exec_driver_sql(f"PRAGMA cache_size={cache_size}")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine
