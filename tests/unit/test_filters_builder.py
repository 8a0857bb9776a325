"""dl.Filters builds the DQL JSON of the SDK (inventory 1.7, appendix A.1)."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

import dl_jupyter as dl
from dl_jupyter.dql.filters import describe_query


def test_defaults_for_items_and_annotations():
    assert dl.Filters().prepare()["filter"] == {"$and": [{"hidden": False}, {"type": "file"}]}
    annotation_filter = dl.Filters(resource=dl.FiltersResource.ANNOTATION).prepare()["filter"][
        "$and"
    ][0]
    assert (
        "note" not in annotation_filter["type"]["$in"] and "box" in annotation_filter["type"]["$in"]
    )
    assert dl.Filters(use_defaults=False).prepare()["filter"] == {}


def test_full_query_shape():
    filters = dl.Filters(field="dir", values="/dogs")
    filters.add(field="dir", values="/a", method=dl.FiltersMethod.OR)
    filters.add_join(field="label", values=["dog", "cat"], operator=dl.FiltersOperations.IN)
    filters.sort_by(field="filename")
    filters.sort_by(field="createdAt", value=dl.FiltersOrderByDirection.DESCENDING)
    query = filters.prepare()
    assert query == {
        "filter": {
            "$and": [{"hidden": False}, {"type": "file"}, {"dir": "/dogs"}],
            "$or": [{"dir": "/a"}],
        },
        "sort": {"filename": "ascending", "createdAt": "descending"},
        "page": 0,
        "pageSize": 1000,
        "resource": "items",
        "join": {
            "on": {"resource": "annotations", "local": "itemId", "forigen": "id"},
            "filter": {"$and": [{"label": {"$in": ["dog", "cat"]}}]},
        },
    }


def test_an_and_on_a_default_field_replaces_the_default():
    filters = dl.Filters(field="type", values="dir")
    assert filters.prepare()["filter"]["$and"] == [{"hidden": False}, {"type": "dir"}]


def test_folder_filenames_become_recursive():
    assert dl.Filters(field="filename", values="/folder").prepare()["filter"]["$and"][-1] == {
        "filename": "/folder/**"
    }
    assert dl.Filters(field="filename", values="/a/b.jpg").prepare()["filter"]["$and"][-1] == {
        "filename": "/a/b.jpg"
    }
    assert dl.Filters(field="filename", values="/a/*").prepare()["filter"]["$and"][-1] == {
        "filename": "/a/*"
    }


def test_method_changes_only_later_adds():
    """Appendix B.1 #21: the 2018 example sets filters.method = OR after two ANDed bounds."""
    filters = dl.Filters()
    filters.add(field="createdAt", values="2018-01-01T00:00:00.000Z", operator="gt")
    filters.add(field="createdAt", values="2019-01-01T00:00:00.000Z", operator="lt")
    filters.method = dl.FiltersMethod.OR
    query = filters.prepare()
    assert len(query["filter"]["$and"]) == 4 and "$or" not in query["filter"]
    filters.add(field="dir", values="/x")
    assert filters.prepare()["filter"]["$or"] == [{"dir": "/x"}]


def test_operators_as_strings_enums_and_constants():
    for operator in (
        "gt",
        dl.FiltersOperations.GREATER_THAN,
        dl.FILTERS_OPERATIONS_GREATER_THAN,
        "$gt",
    ):
        assert dl.Filters(field="metadata.system.size", values="0", operator=operator).prepare()[
            "filter"
        ]["$and"][-1] == {"metadata.system.size": {"$gt": "0"}}


def test_unknown_operator_method_and_sort_direction_are_named():
    with pytest.raises(dl.BadRequestError, match="'between'"):
        dl.Filters(field="a", values=1, operator="between")
    with pytest.raises(dl.BadRequestError, match="'xor'"):
        dl.Filters().add(field="a", values=1, method="xor")
    with pytest.raises(dl.BadRequestError, match="'up'"):
        dl.Filters().sort_by(field="name", value="up")


def test_pop_and_pop_join():
    filters = dl.Filters(field="dir", values="/a")
    filters.add_join(field="label", values="cat")
    filters.add_join(field="type", values="box")
    filters.pop("dir")
    filters.pop_join("label")
    query = filters.prepare()
    assert {"dir": "/a"} not in query["filter"]["$and"]
    assert query["join"]["filter"] == {"$and": [{"type": "box"}]}
    filters.pop_join("type")
    assert "join" not in filters.prepare()


def test_resource_change_resets_the_filter():
    filters = dl.Filters(field="dir", values="/a")
    filters.resource = "annotations"
    assert filters.prepare()["resource"] == "annotations"
    assert not filters.has_field("dir")


def test_values_from_numpy_and_datetimes_become_json():
    filters = dl.Filters(field="metadata.user.n", values=np.int64(3))
    filters.add(field="createdAt", values=datetime.datetime(2020, 8, 30, 8, 17, 8), operator="gt")
    conditions = filters.prepare()["filter"]["$and"]
    assert (
        conditions[-2] == {"metadata.user.n": 3} and type(conditions[-2]["metadata.user.n"]) is int
    )
    assert conditions[-1] == {"createdAt": {"$gt": "2020-08-30T08:17:08.000Z"}}


def test_custom_filter_round_trip_and_prepare_operations():
    original = dl.Filters(field="dir", values="/a")
    again = dl.Filters(custom_filter=original.prepare())
    assert again.prepare()["filter"] == original.prepare()["filter"]
    wrapped = dl.Filters(custom_filter={"$and": [{"dir": "/b"}]}).prepare()
    assert wrapped["filter"] == {"$and": [{"dir": "/b"}]} and wrapped["resource"] == "items"
    update = original.prepare(operation="update", update={"BlackDogs": True})
    assert update["update"] == {"metadata": {"user": {"BlackDogs": True}}}
    delete = original.prepare(operation="delete")
    assert delete["delete"] is True and "sort" not in delete and "page" not in delete


def test_page_size_is_clamped_and_checked():
    filters = dl.Filters()
    filters.page_size = 5000
    assert filters.page_size == 1000
    filters.page_size = 0
    assert filters.prepare()["pageSize"] == 0
    with pytest.raises(dl.BadRequestError, match="page_size"):
        filters.page_size = -1


def test_describe_and_html_escape_user_strings():
    filters = dl.Filters(field="metadata.user.name", values="<img src=x onerror=alert(1)>")
    assert "metadata.user.name = " in filters.describe()
    html = filters._repr_html_()
    assert "<img" not in html and "&lt;img src=x" in html
    assert describe_query({"filter": {}}) == "everything"
