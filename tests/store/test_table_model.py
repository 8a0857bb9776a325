"""The table's Python half without a browser: pages, sorting and filtering in SQL, edits."""

from __future__ import annotations

import pytest

import dl_jupyter as dl
from tests.store.explore_data import populate


@pytest.fixture
def items(dataset, tmp_path):
    return populate(dataset, tmp_path)


def _column(table, name):
    return next(c for c in table.columns if c["name"] == name)


def _rows(table, size=10):
    reply = table._rpc_rows({"page": 0, "size": size}, [])
    names = [c["name"] for c in table.columns]
    return [dict(zip(names, row)) for row in reply["rows"]]


def test_columns_come_from_the_data_with_what_can_be_edited(dataset, items):
    table = dl.Table(dataset)
    names = [c["name"] for c in table.columns]
    assert names[:3] == ["name", "dir", "annotations_count"]
    assert "metadata.user.camera.id" in names and names[-2:] == ["id", "version"]
    assert _column(table, "metadata.user.split") == {
        "name": "metadata.user.split", "kind": "string", "editable": True, "sortable": True,
        "filterable": True,
    }  # fmt: skip
    assert _column(table, "metadata.user.n")["kind"] == "number"
    assert not _column(table, "name")["editable"] and _column(table, "description")["editable"]
    assert table.count == 6


def test_sorting_and_column_filters_run_as_dql(dataset, items):
    table = dl.Table(dataset)
    table.sort = ["name", "descending"]
    assert [r["name"] for r in _rows(table, 3)] == ["v1.png", "v0.jpg", "t3.jpg"]
    table._rpc_filter({"filters": {"metadata.user.split": "va"}}, [])
    assert table.count == 2
    table._rpc_filter({"filters": {"metadata.user.n": ">2", "name": "v0"}}, [])
    assert table.count == 1 and [r["name"] for r in _rows(table)] == ["v0.jpg"]
    with pytest.raises(dl.BadRequestError, match="must be a number"):
        table._rpc_filter({"filters": {"metadata.user.n": "lots"}}, [])


def test_an_edited_cell_is_written_back_with_its_version(dataset, items):
    table = dl.Table(dataset, page_size=10)
    rows = _rows(table)
    t0 = next(r for r in rows if r["name"] == "t0.jpg")
    table._rpc_edit({"row": t0["id"], "column": "metadata.user.n", "value": "4"}, [])
    stored = dataset.items.get(item_id=t0["id"])
    assert stored.metadata["user"]["n"] == 4 and stored.version == 2
    tags = next(r for r in _rows(table) if r["name"] == "t1.jpg")
    table._rpc_edit({"row": tags["id"], "column": "metadata.user.tags", "value": '["x"]',
                     "json": True}, [])  # fmt: skip
    assert dataset.items.get(item_id=tags["id"]).metadata["user"]["tags"] == ["x"]
    table._rpc_edit({"row": tags["id"], "column": "metadata.user.split", "value": ""}, [])
    assert "split" not in dataset.items.get(item_id=tags["id"]).metadata["user"]
    with pytest.raises(dl.BadRequestError, match="not editable"):
        table._rpc_edit({"row": t0["id"], "column": "name", "value": "x.jpg"}, [])
    with pytest.raises(dl.BadRequestError, match="not a number"):
        table._rpc_edit({"row": t0["id"], "column": "metadata.user.n", "value": "many"}, [])


def test_an_edit_of_a_row_changed_elsewhere_is_refused(dataset, items):
    table = dl.Table(dataset)
    row = next(r for r in _rows(table) if r["name"] == "t0.jpg")
    other = dataset.items.get(item_id=row["id"])
    other.description = "changed elsewhere"
    other.update()
    with pytest.warns(UserWarning), pytest.raises(dl.ConflictError, match="changed by someone"):
        table._rpc_edit({"row": row["id"], "column": "metadata.user.split", "value": "x"}, [])
    assert dataset.items.get(item_id=row["id"]).metadata["user"]["split"] == "train"


def test_a_dataframe_table_writes_back_and_updates_the_frame(dataset, items):
    frame = dataset.items.list().to_df()
    table = dl.Table(frame, dataset=dataset)
    assert table.count == 6 and _column(table, "metadata.user.split")["editable"]
    table.sort = ["metadata.user.n", "descending"]
    first = _rows(table, 1)[0]
    assert first["metadata.user.n"] == 2.5
    table._rpc_edit({"row": first["id"], "column": "metadata.user.split", "value": "test"}, [])
    row = frame.index[frame["id"] == first["id"]][0]
    assert frame.loc[row, "metadata.user.split"] == "test" and frame.loc[row, "version"] == 2
    assert dataset.items.get(item_id=first["id"]).metadata["user"]["split"] == "test"
    table._rpc_filter({"filters": {"metadata.user.split": "test"}}, [])
    assert table.count == 1
    assert not _column(dl.Table(frame.drop(columns="version"), dataset=dataset), "name")["editable"]


def test_annotation_tables_edit_labels_and_preview_items(dataset, items):
    table = dl.Table(dataset, resource="annotations")
    assert table.count == 5 and _column(table, "label")["editable"]
    bird = next(r for r in _rows(table) if r["label"] == "bird")
    table._rpc_edit({"row": bird["id"], "column": "label", "value": "parrot"}, [])
    labels = dataset.annotations.list(filters=dl.Filters(resource="annotations")).to_df()["label"]
    assert sorted(labels) == ["cat", "cat", "cat", "dog", "parrot"]
    table.selected_ids = [bird["id"]]
    assert [a.label for a in table.selected] == ["parrot"]
    preview = table._rpc_preview({"ids": [bird["id"]]}, [])
    assert [t["name"] for t in preview.result["tiles"]] == ["v0.jpg"] and len(preview.buffers) == 1


def test_a_dataframe_table_edit_that_changes_a_column_type(dataset, items):
    frame = dataset.items.list().to_df()
    table = dl.Table(frame, dataset=dataset)
    row_id = _rows(table, 1)[0]["id"]
    table._rpc_edit({"row": row_id, "column": "metadata.user.split", "value": "[1, 2]",
                     "json": True}, [])  # fmt: skip
    row = frame.index[frame["id"] == row_id][0]
    assert frame.loc[row, "metadata.user.split"] == [1, 2]
    assert str(frame["metadata.user.split"].dtype) == "object"
    table._rpc_edit({"row": row_id, "column": "metadata.user.n", "value": "7"}, [])
    assert frame.loc[row, "metadata.user.n"] == 7 and frame.loc[row, "version"] == 3
