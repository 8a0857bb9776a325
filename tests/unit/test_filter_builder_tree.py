"""The filter builder's model: loading a dl.Filters and building one back."""

from __future__ import annotations

import pytest

import dl_jupyter as dl
from dl_jupyter.widgets.filter_tree import Condition, FilterTree, Group


def test_sdk_style_filters_load_into_groups_and_build_the_same_query():
    filters = dl.Filters(field="dir", values="/cam-a")
    filters.add(field="metadata.user.split", values="train", method="or")
    filters.add(field="metadata.user.split", values="val", method="or")
    filters.add_join(field="label", values=["car", "person"], operator="in")
    filters.sort_by("name", "descending")
    tree = FilterTree.from_filters(filters)
    assert tree.items == Group("and", [
        Condition("dir", "eq", "/cam-a"),
        Group("or", [Condition("metadata.user.split", "eq", "train"),
                     Condition("metadata.user.split", "eq", "val")]),
    ])  # fmt: skip
    assert tree.annotations == Group("and", [Condition("label", "in", ["car", "person"])])
    assert tree.sort == [("name", "descending")]
    built = tree.to_filters().prepare()
    assert built["filter"] == {"$and": [
        {"hidden": False}, {"type": "file"}, {"dir": "/cam-a"},
        {"$or": [{"metadata.user.split": "train"}, {"metadata.user.split": "val"}]},
    ]}  # fmt: skip
    assert built["join"]["filter"] == {"$and": [{"label": {"$in": ["car", "person"]}}]}
    assert built["sort"] == {"name": "descending"}
    assert FilterTree.from_filters(tree.to_filters()) == tree


def test_an_or_root_and_operators_round_trip():
    tree = FilterTree(
        items=Group("or", [Condition("annotationsCount", "gt", 2),
                           Condition("metadata.user.flag", "exists", False)]),
        annotations=Group("or", [Condition("type", "eq", "box"), Condition("label", "ne", "x")]),
    )  # fmt: skip
    query = tree.to_filters().prepare()
    assert query["filter"]["$and"][2] == {
        "$or": [{"annotationsCount": {"$gt": 2}}, {"metadata.user.flag": {"$exists": False}}]
    }
    assert query["join"]["filter"] == {"$or": [{"type": "box"}, {"label": {"$ne": "x"}}]}
    assert FilterTree.from_filters(query) == tree


def test_several_operators_on_one_field_become_an_and_group():
    query = {"resource": "items", "filter": {"width": {"$gt": 10, "$lt": 50}}}
    tree = FilterTree.from_filters(query)
    assert tree.items == Group("and", [Condition("width", "gt", 10), Condition("width", "lt", 50)])


def test_what_the_builder_cannot_show_is_refused():
    with pytest.raises(dl.BadRequestError, match="item filters"):
        FilterTree.from_filters(dl.Filters(resource="annotations"))
    mixed = dl.Filters()
    mixed.add_join(field="label", values="a")
    mixed.add_join(field="label", values="b", method="or")
    with pytest.raises(dl.BadRequestError, match="mixes"):
        FilterTree.from_filters(mixed)
    nested = FilterTree(annotations=Group("and", [Group("or", [Condition("label", "eq", "a")])]))
    with pytest.raises(dl.BadRequestError, match="nested"):
        nested.to_filters()
