"""The embedded store copies its write-ahead log into the database file in the background,
and loses nothing when a process dies before that copy."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from dl_jupyter.store import schema
from dl_jupyter.store.store import Store


def _settings_in_file(path: Path) -> set[str]:
    """The settings keys in the database file itself, ignoring its write-ahead log (none
    while even the schema is only in the log)."""
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return {key for (key,) in conn.execute("SELECT key FROM dl_settings")}
    except sqlite3.OperationalError as exc:
        assert "no such table" in str(exc)
        return set()
    finally:
        conn.close()


def _appears_in_file(path: Path, key: str, within_s: float) -> bool:
    """Whether the settings key reaches the database file itself within ``within_s``. A read
    racing the background checkpoint can see a page half copied ("malformed"): read again."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            if key in _settings_in_file(path):
                return True
        except sqlite3.DatabaseError as exc:
            if "malformed" not in str(exc):
                raise
        time.sleep(0.05)
    return False


def _write_setting(store: Store, key: str) -> None:
    with store.write() as conn:
        conn.execute(schema.settings.insert().values(key=key, value="1"))


def test_commits_are_copied_into_the_file_soon_after(tmp_path):
    path = tmp_path / "store.db"
    store = Store(f"sqlite:///{path}", blob_root=str(tmp_path / "blobs"))
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        _write_setting(store, "written")
        assert _appears_in_file(path, "written", within_s=10)
    finally:
        store.dispose()


def test_dispose_ends_the_background_thread(tmp_path):
    path = tmp_path / "store.db"
    store = Store(f"sqlite:///{path}", blob_root=str(tmp_path / "blobs"))
    _write_setting(store, "written")
    ours = [t for t in threading.enumerate() if t.name == f"dl-jupyter-checkpoint {path}"]
    assert len(ours) == 1
    store.dispose()
    assert not ours[0].is_alive()


def test_a_process_killed_before_its_checkpoint_loses_nothing(tmp_path):
    path = tmp_path / "store.db"
    script = textwrap.dedent(
        f"""
        import os
        import sqlalchemy as sa
        from dl_jupyter.store import schema
        from dl_jupyter.store.store import Store
        store = Store({f"sqlite:///{path}"!r}, blob_root={str(tmp_path / "blobs")!r})
        with store.write() as conn:
            conn.execute(schema.settings.insert().values(key="before-kill", value="1"))
        os._exit(0)  # no checkpoint, no close: as a killed kernel
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    assert "before-kill" not in _settings_in_file(path)  # only in the log
    reopened = Store(f"sqlite:///{path}", blob_root=str(tmp_path / "blobs"))
    try:
        with reopened.read() as conn:
            keys = set(conn.execute(sa.select(schema.settings.c.key)).scalars())
        assert "before-kill" in keys
    finally:
        reopened.dispose()
