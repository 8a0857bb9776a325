"""What the gallery, filter builder, table, dashboard and repr tests share: a notebook that
makes a small sample dataset in a store of its own, and that store opened from the test."""

from __future__ import annotations

from pathlib import Path

from dl_jupyter.entities.project import Dataset
from dl_jupyter.repositories.client import Client
from dl_jupyter.store.store import Store

USER = "tester@example.com"


def setup_cell(store_file: str, count: int = 12) -> str:
    """A cell that makes the sample dataset ``ds`` in ``store_file`` (beside the notebook)."""
    return (
        "import os\n"
        "import dl_jupyter as dl\n"
        "from dl_jupyter import sample\n"
        f"dl.connect('sqlite:///' + os.path.abspath({store_file!r}))\n"
        f"dl.login({USER!r})\n"
        f"ds = sample.create_sample(count={count})\n"
    )


def open_dataset(root: Path, store_file: str) -> Dataset:
    """The sample dataset, read from the test process (a second client on the same file)."""
    client = Client(Store(f"sqlite:///{root / store_file}"))
    client.login(USER)
    project = client.projects_repo().get(project_name="sample")
    return project.datasets.get(dataset_name="street scenes")
