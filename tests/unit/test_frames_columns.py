"""Flat rows of entities and the dtypes of their columns, without a store."""

from __future__ import annotations

import numpy as np
import pandas as pd

import dl_jupyter as dl
from dl_jupyter.frames.columns import (
    ITEM_COLUMNS,
    flatten,
    is_missing,
    item_row,
    metadata_dtype,
    typed_frame,
)


def test_flatten_makes_dotted_paths_and_keeps_lists_and_empty_dicts():
    user = {"split": "train", "camera": {"id": 3, "lens": {"mm": 35}}, "tags": ["a"], "empty": {}}
    assert dict(flatten(user)) == {
        "metadata.user.split": "train",
        "metadata.user.camera.id": 3,
        "metadata.user.camera.lens.mm": 35,
        "metadata.user.tags": ["a"],
        "metadata.user.empty": {},
    }


def test_missing_values():
    assert all(is_missing(v) for v in (None, float("nan"), np.nan, pd.NA, pd.NaT))
    assert not any(is_missing(v) for v in (0, "", False, [], "nan"))


def test_metadata_dtype_is_the_type_the_values_share():
    assert metadata_dtype(pd.Series([True, None, False])) == "boolean"
    assert metadata_dtype(pd.Series([1, None, 3], dtype=object)) == "Int64"
    assert metadata_dtype(pd.Series([1, 2.5, None], dtype=object)) == "Float64"
    assert metadata_dtype(pd.Series(["a", None], dtype=object)) == "string"
    # booleans are not numbers here, and lists or mixed values stay objects
    assert metadata_dtype(pd.Series([True, 1], dtype=object)) == "object"
    assert metadata_dtype(pd.Series([["a"], "b"], dtype=object)) == "object"
    assert metadata_dtype(pd.Series([2**70], dtype=object)) == "object"
    assert metadata_dtype(pd.Series([None, None], dtype=object)) == "object"


def test_item_rows_become_a_typed_frame():
    item = dl.Item(
        id="i1", filename="/a/x.jpg", dir="/a", name="x.jpg", version=3,
        created_at="2024-01-31T12:00:00.000Z", updated_at="2024-02-01T00:00:00.000Z",
        metadata={"system": {"mimetype": "image/jpeg", "width": 64, "height": 48, "size": 900},
                  "user": {"split": "val", "score": 0.5, "ok": True, "tags": ["a", "b"]}},
    )  # fmt: skip
    bare = dl.Item(id="i2", filename="/y.txt", dir="/", name="y.txt", metadata={"system": {}})
    frame = typed_frame([item_row(item), item_row(bare)], "items")
    assert list(frame.columns[: len(ITEM_COLUMNS)]) == list(ITEM_COLUMNS)
    assert str(frame["width"].dtype) == "Int64" and frame["width"].isna().tolist() == [False, True]
    assert str(frame["version"].dtype) == "int64"
    assert str(frame["created_at"].dtype).startswith("datetime64") and frame["created_at"].dt.tz
    assert frame.loc[0, "created_at"] == pd.Timestamp("2024-01-31T12:00:00Z")
    assert str(frame["metadata.user.split"].dtype) == "string"
    assert str(frame["metadata.user.score"].dtype) == "Float64"
    assert str(frame["metadata.user.ok"].dtype) == "boolean"
    assert frame["metadata.user.tags"].tolist() == [["a", "b"], None]


def test_an_empty_page_still_has_the_columns():
    frame = typed_frame([], "annotations")
    assert len(frame) == 0 and "label" in frame.columns and str(frame["score"].dtype) == "Float64"
