"""Projects, members and the roles' prerequisites."""

from __future__ import annotations

import pytest

import dl_jupyter as dl
from dl_jupyter.repositories.client import Client

from .conftest import OWNER


def as_user(client: Client, email: str) -> Client:
    """Another kernel of the same store, logged in as ``email``."""
    other = Client(client.store)
    other.login(email)
    return other


def test_create_get_list_update_delete(client):
    projects = client.projects_repo()
    created = projects.create(project_name="alpha")
    assert created.creator == OWNER and created.role == "owner"
    assert projects.get(project_name="alpha").id == created.id
    assert projects.get(project_id=created.id).name == "alpha"
    assert [p.name for p in projects.list()] == ["alpha"]
    created.name = "beta"
    updated = created.update()
    assert updated.name == "beta" and updated.version == 2
    with pytest.raises(dl.BadRequestError, match=r"sure=True, really=True"):
        projects.delete(project_id=created.id)
    assert projects.delete(project_id=created.id, sure=True, really=True)
    with pytest.raises(dl.NotFoundError, match=r"Project not found\. Name: 'beta'"):
        projects.get(project_name="beta")


def test_duplicate_names_and_stale_updates_conflict(client):
    projects = client.projects_repo()
    first = projects.create(project_name="one")
    projects.create(project_name="two")
    with pytest.raises(dl.ConflictError, match="Name: 'one'"):
        projects.create(project_name="one")
    stale = projects.get(project_id=first.id)
    first.metadata["note"] = "x"
    first.update()
    stale.metadata["note"] = "y"
    with pytest.raises(dl.ConflictError, match="changed or deleted by someone else"):
        stale.update()
    assert projects.get(project_id=first.id).metadata == {"note": "x"}


def test_checkout_by_name_or_id_prefix(client):
    projects = client.projects_repo()
    project = projects.create(project_name="gamma")
    projects.checkout(identifier=project.id[:10])
    assert projects.get().id == project.id
    dataset = client.datasets_repo().create(dataset_name="d")
    assert dataset.project_id == project.id
    client.datasets_repo().checkout(dataset=dataset)
    assert (
        client.items_repo().dataset_id is None and client.items_repo()._dataset_id() == dataset.id
    )


def test_nobody_logged_in_cannot_write(client):
    client.logout()
    with pytest.raises(dl.ForbiddenError, match="Nobody is logged in"):
        client.projects_repo().create(project_name="x")


def test_members_and_roles(project, client):
    projects = client.projects_repo()
    project.add_member(email="dev@example.com", role=dl.MemberRole.DEVELOPER)
    project.add_member(email="ann@example.com", role="annotator")
    project.add_member(email="mgr@example.com", role=dl.MemberRole.ANNOTATION_MANAGER)
    members = {m["email"]: m["role"] for m in project.list_members()}
    assert members == {
        OWNER: "owner",
        "dev@example.com": "engineer",
        "ann@example.com": "annotator",
        "mgr@example.com": "annotationManager",
    }
    assert [m["email"] for m in projects.list_members(project_id=project.id, role="annotator")] == [
        "ann@example.com"
    ]
    with pytest.raises(dl.ConflictError):
        project.add_member(email="ann@example.com", role="annotator")
    with pytest.raises(dl.BadRequestError, match="'boss'"):
        project.add_member(email="x@example.com", role="boss")
    project.update_member(email="ann@example.com", role="developer")
    assert {m["email"]: m["role"] for m in project.list_members()}["ann@example.com"] == "engineer"
    assert project.remove_member(email="ann@example.com")
    with pytest.raises(dl.BadRequestError, match="only owner"):
        project.remove_member(email=OWNER)


def test_role_prerequisites(project, dataset, client, tmp_path):
    from tests.images import make_image

    project.add_member(email="ann@example.com", role="annotator")
    project.add_member(email="dev@example.com", role="developer")
    annotator = as_user(client, "ann@example.com")
    developer = as_user(client, "dev@example.com")
    outsider = as_user(client, "nobody@example.com")
    their_dataset = annotator.datasets_repo(project_id=project.id).get(dataset_id=dataset.id)
    with pytest.raises(dl.ForbiddenError, match="may not create, change or delete datasets"):
        their_dataset.delete(sure=True, really=True)
    with pytest.raises(dl.ForbiddenError, match="may not change recipes"):
        their_dataset.add_label(label_name="bird")
    with pytest.raises(dl.ForbiddenError, match="manage project members"):
        annotator.projects_repo().add_member(
            email="z@example.com", project_id=project.id, role="annotator"
        )
    with pytest.raises(dl.ForbiddenError, match="not a member"):
        outsider.datasets_repo().get(dataset_id=dataset.id)
    assert outsider.projects_repo().list() == []
    # annotators may upload items and annotate ("Any user can upload items")
    item = their_dataset.items.upload(local_path=str(make_image(tmp_path / "a.jpg")))
    item.annotations.upload(
        dl.Annotation.new(annotation_definition=dl.Box(0, 0, 4, 4, label="cat"))
    )
    with pytest.raises(dl.ForbiddenError, match="may not change or delete items"):
        item.delete()
    developer.datasets_repo(project_id=project.id).get(dataset_id=dataset.id).add_label(
        label_name="bird"
    )
    assert "bird" in dataset.labels_flat_dict
    with pytest.raises(dl.ForbiddenError, match="delete the project"):
        developer.projects_repo().delete(project_id=project.id, sure=True, really=True)
