"""A labeling team for the workflow tests: members with roles, items, and acting as someone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dl_jupyter as dl

ANNOTATORS = ["a1@example.com", "a2@example.com", "a3@example.com"]
MANAGER = "manager@example.com"
DEVELOPER = "dev@example.com"


def add_team(project: Any) -> None:
    """Three annotators, an annotation manager and a developer."""
    for email in ANNOTATORS:
        project.add_member(email, dl.MemberRole.ANNOTATOR)
    project.add_member(MANAGER, dl.MemberRole.ANNOTATION_MANAGER)
    project.add_member(DEVELOPER, dl.MemberRole.DEVELOPER)


def add_items(dataset: Any, count: int, prefix: str = "/img", metadata: Any = None) -> list[Any]:
    """``count`` file items (no binaries) in the folder ``prefix``, in creation order."""
    dataset.items.bulk_insert(
        {"filename": f"{prefix}/{n:04d}.jpg", "metadata": metadata(n) if metadata else None}
        for n in range(count)
    )
    folder = dl.Filters(field="dir", values=prefix)
    return sorted(dataset.items.list(filters=folder).all(), key=lambda item: item.id)


@contextmanager
def acting_as(client: Any, email: str) -> Iterator[None]:
    """Log ``client`` in as ``email`` for a while."""
    before = client.user
    client.login(email)
    try:
        yield
    finally:
        client.login(before)


def drain(queue: Any, status: str = "completed") -> list[str]:
    """Work a queue to its end; the ids served, in order."""
    served = []
    while (item := queue.next()) is not None:
        queue.set_status(item, status)
        served.append(item.id)
    return served


def refs_of(item: Any, kind: str) -> list[dict]:
    return [r for r in item.metadata["system"]["refs"] if r["type"] == kind]
