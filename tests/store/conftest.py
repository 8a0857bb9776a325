"""Store fixtures: every test here runs once on a fresh SQLite file and once on a fresh
PostgreSQL schema (its own ``search_path``), so both dialects give the same answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from dl_jupyter.repositories.client import Client
from dl_jupyter.store.store import Store

OWNER = "owner@example.com"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store of each dialect."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    base = request.getfixturevalue("pg_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = Store(store_url, blob_root=str(tmp_path / "blobs"))
    yield opened
    opened.dispose()


@pytest.fixture
def client(store: Store) -> Client:
    """A client logged in as the owner of everything it creates."""
    opened = Client(store)
    opened.login(OWNER)
    return opened


@pytest.fixture
def project(client: Client):
    return client.projects_repo().create(project_name="project")


@pytest.fixture
def dataset(project):
    return project.datasets.create(
        dataset_name="dataset", labels={"cat": "#ff0000", "dog": "#00ff00"}
    )
