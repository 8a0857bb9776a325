"""Aggregates for cards and dashboards, and the field catalogue of a dataset."""

from __future__ import annotations

import pytest

import dl_jupyter as dl
from dl_jupyter.frames import Stats, discover
from dl_jupyter.frames.fields import distinct_values
from dl_jupyter.store import schema
from tests.store.explore_data import populate


@pytest.fixture
def items(dataset, tmp_path):
    return populate(dataset, tmp_path)


def test_summary_and_distributions(dataset, items, client):
    stats = Stats(client, dataset.id)
    summary = stats.summary()
    assert (summary.items, summary.annotations) == (6, 5)
    assert summary.labels == [("cat", 3), ("bird", 1), ("dog", 1)]
    labels = stats.labels()
    assert labels.values.tolist() == [["cat", 3, 2], ["bird", 1, 1], ["dog", 1, 1]]
    assert stats.annotation_types().values.tolist() == [["box", 5]]
    assert stats.directories().values.tolist() == [["/train", 4], ["/val", 2]]


def test_a_filter_restricts_every_figure(dataset, items, client):
    stats = Stats(client, dataset.id, dl.Filters(field="dir", values="/val"))
    assert (stats.summary().items, stats.summary().annotations) == (2, 2)
    assert stats.labels()["label"].tolist() == ["bird", "cat"]
    assert stats.directories().values.tolist() == [["/val", 2]]


def test_statuses_count_items_in_tasks(dataset, items, client):
    r = schema.item_refs
    rows = [(items["t0.jpg"], "completed"), (items["t1.jpg"], "completed"), (items["t2.png"], None)]
    with client.store.write() as conn:
        conn.execute(r.insert(), [
            {"item_id": item.id, "ref_type": "task", "ref_id": "task1", "dataset_id": dataset.id,
             "status": status} for item, status in rows
        ])  # fmt: skip
    assert Stats(client, dataset.id).statuses().values.tolist() == [
        ["completed", 2],
        ["(no status)", 1],
    ]


def test_annotators_pace_and_progress(dataset, items, client):
    a = schema.annotations
    times = {  # item -> when its annotations were made
        items["t0.jpg"].id: "2024-03-01T10:00:00.000Z",
        items["t1.jpg"].id: "2024-03-01T10:00:30.000Z",
        items["v0.jpg"].id: "2024-03-02T09:00:00.000Z",  # after a break: not time on the item
    }
    with client.store.write() as conn:
        for item_id, when in times.items():
            conn.execute(a.update().where(a.c.item_id == item_id).values(created_at=when))
    people = Stats(client, dataset.id).annotators()
    assert people.values.tolist()[0][:3] == ["owner@example.com", 5, 3]
    assert people.loc[0, "seconds_per_item"] == pytest.approx(30)
    progress = Stats(client, dataset.id).progress()
    assert progress["day"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-01", "2024-03-02"]
    assert progress["annotations"].tolist() == [3, 2]
    assert progress["items_annotated"].tolist() == [2, 3]


def test_fields_are_discovered_from_the_data(dataset, items, client):
    fields = {(f.resource, f.name): f for f in discover(client, dataset.id)}
    split = fields["items", "metadata.user.split"]
    assert (split.kind, split.values) == ("string", ["train", "val"])
    assert "in" in split.operators and "gt" in split.operators
    assert fields["items", "metadata.user.n"].kind == "number"
    assert fields["items", "metadata.user.n"].operators[:4] == ("eq", "ne", "gt", "lt")
    assert fields["items", "metadata.user.camera.id"].kind == "number"
    assert fields["items", "metadata.user.tags"].values == ["a", "b"]
    assert fields["items", "dir"].values == ["/", "/train", "/val"]
    assert fields["annotations", "label"].values == ["bird", "cat", "dog"]
    assert fields["annotations", "type"].values == ["box"]
    assert fields["items", "annotated"].operators == ("eq",)


def test_distinct_values_seek_in_order_and_stop_at_the_limit(dataset, items, client):
    a = schema.annotations
    with client.store.read() as conn:
        labels = [a.c.dataset_id == dataset.id]
        assert distinct_values(conn, a.c.label, labels) == ["bird", "cat", "dog"]
        assert distinct_values(conn, a.c.label, labels, limit=2) == ["bird", "cat"]
        assert distinct_values(conn, a.c.label, [a.c.dataset_id == "nothing"]) == []


def test_aggregates_check_access(dataset, items, client):
    dataset.project.add_member("other@example.com", dl.MemberRole.ANNOTATOR)
    client.login("stranger@example.com")
    with pytest.raises(dl.ForbiddenError):
        Stats(client, dataset.id).summary()
    with pytest.raises(dl.ForbiddenError):
        discover(client, dataset.id)
    with pytest.raises(dl.NotFoundError):
        Stats(client, "missing").labels()
