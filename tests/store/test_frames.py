"""DataFrames of items and annotations, and writing an edited frame back."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
import sqlalchemy as sa

import dl_jupyter as dl
from dl_jupyter import frames
from dl_jupyter.store import schema
from tests.store.explore_data import populate


@pytest.fixture
def items(dataset, tmp_path):
    return populate(dataset, tmp_path)


def _frame(dataset, page_size=1000):
    return dataset.items.list(page_size=page_size).to_df().sort_values("name", ignore_index=True)


def test_items_frame_has_flat_metadata_and_types(dataset, items):
    frame = _frame(dataset)
    assert frame["name"].tolist() == ["t0.jpg", "t1.jpg", "t2.png", "t3.jpg", "v0.jpg", "v1.png"]
    assert str(frame["metadata.user.split"].dtype) == "string"
    assert str(frame["metadata.user.n"].dtype) == "Float64"  # 1 and 2.5
    assert str(frame["metadata.user.camera.id"].dtype) == "Int64"
    assert frame["metadata.user.camera.id"].isna().sum() == 4
    assert frame["metadata.user.tags"].tolist()[:2] == [["a", "b"], ["a", "b"]]
    assert frame["annotations_count"].tolist() == [2, 1, 0, 0, 2, 0]
    assert frame["width"].tolist() == [64, 64, 64, 64, 80, 80]
    assert str(frame["created_at"].dtype).startswith("datetime64")
    assert (frame["version"] == 1).all()


def test_the_frame_streams_page_by_page_to_the_same_result(dataset, items):
    paged = _frame(dataset, page_size=2)
    whole = _frame(dataset)
    pd.testing.assert_frame_equal(paged, whole)
    chunks = list(frames.iter_frames(dataset.items.list(page_size=4)))
    assert [len(c) for c in chunks] == [4, 2]


def test_annotations_frame(dataset, items):
    pages = dataset.annotations.list(filters=dl.Filters(resource=dl.FiltersResource.ANNOTATION))
    frame = pages.to_df().sort_values(["left", "top"], ignore_index=True)
    assert sorted(frame["label"]) == ["bird", "cat", "cat", "cat", "dog"]
    assert str(frame["left"].dtype) == "Float64" and str(frame["automated"].dtype) == "boolean"
    assert set(frame["item_id"]) == {items["t0.jpg"].id, items["t1.jpg"].id, items["v0.jpg"].id}
    assert frame.loc[frame["label"] == "bird", "area"].item() == 600


def test_dry_run_previews_and_writes_nothing(dataset, items):
    frame = _frame(dataset)
    frame.loc[0, "metadata.user.split"] = "test"
    frame.loc[1, "metadata.user.n"] = pd.NA
    frame["metadata.user.score"] = 0.5
    frame["my_note"] = "kept in the frame only"
    plan = dataset.items.update_from_df(frame, dry_run=True)
    assert not plan.applied and plan.rows_changed == 6
    assert plan.counts.to_dict() == {"metadata.user.n": 1, "metadata.user.score": 6,
                                     "metadata.user.split": 1}  # fmt: skip
    change = plan.changes[plan.changes["column"] == "metadata.user.split"].iloc[0]
    assert (change["id"], change["old"], change["new"]) == (frame.loc[0, "id"], "train", "test")
    assert plan.ignored_columns == ["my_note"]
    assert (frame["version"] == 1).all()
    assert dataset.items.count(filters=dl.Filters(field="metadata.user.split", values="test")) == 0


def test_write_back_sets_removes_and_indexes_in_one_go(dataset, items):
    frame = _frame(dataset)
    frame.loc[0, "metadata.user.split"] = "test"
    frame.loc[1, "metadata.user.n"] = None
    frame.loc[4, "metadata.user.camera.id"] = pd.NA  # the camera dict is left empty: it goes
    frame.loc[5, "metadata.user.camera.lens"] = "35mm"
    frame.loc[2, "description"] = "blurry"
    frame["metadata.user.score"] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    result = dataset.items.update_from_df(frame)
    assert result.applied and result.rows_changed == 6 and len(result.conflicts) == 0
    assert frame["version"].tolist() == [2] * 6  # advanced with the store
    stored = {i.name: i for i in dataset.items.list().all()}
    assert stored["t0.jpg"].metadata["user"]["split"] == "test"
    assert "n" not in stored["t1.jpg"].metadata["user"]
    assert "camera" not in stored["v0.jpg"].metadata["user"]
    assert stored["v1.png"].metadata["user"]["camera"] == {"id": 7, "lens": "35mm"}
    assert stored["t2.png"].description == "blurry"
    assert stored["t2.png"].version == 2 and stored["t2.png"].updated_by == "owner@example.com"
    # the item_fields index follows, so filters see the new values at once
    count = dataset.items.count
    assert count(filters=dl.Filters(field="metadata.user.split", values="test")) == 1
    assert count(filters=dl.Filters(field="metadata.user.score", values=0.35, operator="gt")) == 3
    assert count(filters=dl.Filters(field="metadata.user.n", values=True, operator="exists")) == 5
    assert count(filters=dl.Filters(field="metadata.user.camera.lens", values="35mm")) == 1
    # the same frame, edited again, writes again (its versions were advanced)
    frame.loc[0, "metadata.user.split"] = "train"
    assert dataset.items.update_from_df(frame).rows_changed == 1


def test_rows_changed_or_deleted_since_reading_are_refused(dataset, items):
    frame = _frame(dataset)
    frame["metadata.user.split"] = "checked"
    t0 = dataset.items.get(item_id=frame.loc[0, "id"])
    t0.metadata["user"]["n"] = 9
    t0.update()
    dataset.items.delete(item_id=frame.loc[1, "id"])
    with pytest.warns(UserWarning, match="2 items changed in the store"):
        result = dataset.items.update_from_df(frame)
    conflicts = result.conflicts.set_index("id")
    assert conflicts.loc[frame.loc[0, "id"], "reason"] == "changed"
    assert conflicts.loc[frame.loc[0, "id"], "store_version"] == 2
    assert conflicts.loc[frame.loc[1, "id"], "reason"] == "deleted"
    assert result.rows_changed == 4
    assert dataset.items.get(item_id=frame.loc[0, "id"]).metadata["user"]["split"] == "train"
    assert frame["version"].tolist() == [1, 1, 2, 2, 2, 2]


def test_bad_frames_change_nothing(dataset, items):
    frame = _frame(dataset)
    with pytest.raises(dl.BadRequestError, match="version"):
        dataset.items.update_from_df(frame.drop(columns=["version"]))
    with pytest.raises(dl.BadRequestError, match="more than once"):
        dataset.items.update_from_df(pd.concat([frame, frame.iloc[:1]]))
    frame["metadata.user.split"] = "changed"
    frame["metadata.user.when"] = [object()] + [None] * 5
    with pytest.raises(dl.BadRequestError, match="not a JSON value"):
        dataset.items.update_from_df(frame)
    frame = _frame(dataset)
    frame.loc[0, "metadata.user.split.deeper"] = "x"  # split is a string, not a dict
    frame.loc[1, "metadata.user.split"] = "changed"
    with pytest.raises(dl.BadRequestError, match="is not a dict"):
        dataset.items.update_from_df(frame)
    assert (
        dataset.items.count(filters=dl.Filters(field="metadata.user.split", values="changed")) == 0
    )


def test_annotation_write_back_mirrors_the_model_columns(dataset, items):
    pages = dataset.annotations.list(filters=dl.Filters(resource=dl.FiltersResource.ANNOTATION))
    frame = pages.to_df()
    bird = frame.index[frame["label"] == "bird"][0]
    frame.loc[bird, "label"] = "cat"
    frame["metadata.user.model.confidence"] = 0.25
    frame.loc[bird, "metadata.user.model.confidence"] = 0.9
    result = dataset.annotations.update_from_df(frame)
    assert result.rows_changed == 5 and result.counts["label"] == 1
    with dataset.client.store.read() as conn:
        a = schema.annotations
        rows = conn.execute(sa.select(a.c.id, a.c.label, a.c.score, a.c.version)).all()
    by_id = {r.id: r for r in rows}
    assert by_id[frame.loc[bird, "id"]].label == "cat" and by_id[frame.loc[bird, "id"]].score == 0.9
    assert {r.version for r in rows} == {2}
    confident = dl.Filters(
        resource=dl.FiltersResource.ANNOTATION,
        field="metadata.user.model.confidence",
        values=0.5,
        operator="gt",
    )
    assert dataset.annotations.list(filters=confident).items_count == 1
    frame.loc[bird, "label"] = None
    with pytest.raises(dl.BadRequestError, match="label must be a non-empty string"):
        dataset.annotations.update_from_df(frame)


def test_write_back_needs_write_access(dataset, items, client):
    frame = _frame(dataset)
    frame["metadata.user.split"] = "x"
    dataset.set_readonly(True)
    with pytest.raises(dl.ForbiddenError, match="read-only"):
        dataset.items.update_from_df(frame)
    dataset.set_readonly(False)
    dataset.project.add_member("helper@example.com", dl.MemberRole.ANNOTATOR)
    client.login("helper@example.com")
    with warnings.catch_warnings(), pytest.raises(dl.ForbiddenError):
        dataset.items.update_from_df(frame)
