"""Checkpoints of a SQLite file's write-ahead log, in a background thread.

SQLite copies the WAL back into the database file at the commit that makes the log long
enough, so the call that wrote much waits for that copy too (over a second after updating
100,000 items). Our connections switch that off (``PRAGMA wal_autocheckpoint=0``), and a
``Checkpointer`` thread makes the copy shortly after writes instead, on its own connection,
while the caller goes on. A PASSIVE checkpoint blocks neither readers nor writers, and a
process that dies before its checkpoint loses nothing: the log holds the committed data
until the next checkpoint, by any process, or the last connection's close.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine

SETTLE_S = 0.2  # a burst of commits closer than this is copied once...
MAX_DELAY_S = 2.0  # ...but never later than this after the first of them
IDLE_EXIT_S = 5.0  # the thread ends after this long without writes; the next one restarts it


class Checkpointer:
    """Copies the WAL of ``engine``'s file into it after ``nudge()``, in a daemon thread."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._stopped = False
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def nudge(self) -> None:
        """A write committed: checkpoint soon."""
        if self._pid != os.getpid():  # a forked child: the parent's thread is not here
            self._pid, self._thread = os.getpid(), None
            self._lock, self._wake = threading.Lock(), threading.Event()
        with self._lock:
            if self._stopped:
                return
            self._wake.set()
            if self._thread is None:
                name = f"dl-jupyter-checkpoint {self._engine.url.database}"
                self._thread = threading.Thread(target=self._run, name=name, daemon=True)
                self._thread.start()

    def checkpoint(self) -> None:
        """Copy the log into the database file now, as far as no reader still needs it."""
        raw = self._engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            raw.close()

    def stop(self) -> None:
        """End the thread (the store is being disposed); waits for a checkpoint under way."""
        with self._lock:
            self._stopped = True
            thread = self._thread
            self._wake.set()
        if thread is not None and self._pid == os.getpid():
            thread.join()

    def _run(self) -> None:
        wake = self._wake
        while True:
            if not wake.wait(IDLE_EXIT_S):
                with self._lock:
                    if not wake.is_set():
                        self._thread = None
                        return
            deadline = time.monotonic() + MAX_DELAY_S
            while time.monotonic() < deadline and not self._stopped:
                wake.clear()
                if not wake.wait(SETTLE_S):
                    break
            if self._stopped:
                return
            # the file went away or is busy: the log keeps the data, a later checkpoint copies it
            with contextlib.suppress(sqlite3.Error, sa.exc.SQLAlchemyError):
                self.checkpoint()
