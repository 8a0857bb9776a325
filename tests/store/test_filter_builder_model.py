"""The filter builder's widgets without a browser: loading, editing, counting, linking."""

from __future__ import annotations

import pytest

import dl_jupyter as dl
from dl_jupyter.frames.fields import FieldInfo
from dl_jupyter.widgets.filter_builder import ConditionRow, parse_value
from tests.store.explore_data import populate


@pytest.fixture
def items(dataset, tmp_path):
    return populate(dataset, tmp_path)


def test_values_are_parsed_for_the_field():
    number, text = FieldInfo("n", "number"), FieldInfo("s", "string")
    assert parse_value(number, "gt", " 2.5 ") == 2.5 and parse_value(number, "eq", "3") == 3
    assert parse_value(number, "in", "1, 2,") == [1, 2]
    assert parse_value(text, "in", "a, b") == ["a", "b"] and parse_value(text, "eq", " x ") == "x"
    assert parse_value(text, "exists", False) is False
    with pytest.raises(ValueError, match="takes a number"):
        parse_value(number, "lt", "ten")


def test_a_loaded_filter_shows_its_conditions_and_count(dataset, items):
    filters = dl.Filters(field="metadata.user.split", values="train")
    filters.add_join(field="label", values="cat")
    builder = dl.FilterBuilder(dataset, filters=filters)
    rows = builder.items_group.rows.children
    assert [(r.field.value, r.operator.value, r.value_widget.value) for r in rows] == [
        ("metadata.user.split", "eq", "train")
    ]
    assert builder.count == 1 and "<b class='dl-count-value'>1</b>" in builder.count_label.value
    assert builder.filters.prepare()["join"]["filter"] == {"$and": [{"label": "cat"}]}


def test_editing_a_condition_recounts_and_updates_linked_views(dataset, items):
    gallery = dl.Gallery(dataset)
    builder = dl.FilterBuilder(dataset, gallery=gallery)
    row = builder.items_group.add_condition()
    assert isinstance(row, ConditionRow) and builder.count == 6  # no value yet: left out
    row.field.value = "metadata.user.n"
    assert list(dict(row.operator.options).values())[:4] == ["eq", "ne", "gt", "lt"]
    row.operator.value = "gt"
    row.value_widget.value = "2"
    assert builder.count == 2 and gallery.count == 2
    assert "metadata.user.n &gt; 2" in builder.dql.value
    row.value_widget.value = "two"  # invalid: the last valid filter stays
    assert "takes a number" in builder.count_label.value and gallery.count == 2
    builder.items_group.method.value = "or"
    extra = builder.items_group.add_condition()
    extra.field.value = "dir"
    extra.value_widget.value = "/train"
    row.value_widget.value = "2"
    assert builder.count == 6
    builder.annotations_group.add_condition().value_widget.value = "dog"
    assert builder.count == 1 and gallery.count == 1
    builder.sort_field.value = "name"
    assert builder.filters.prepare()["sort"] == {"name": "ascending"}


def test_table_follows_the_builder(dataset, items):
    table = dl.Table(dataset)
    builder = dl.FilterBuilder(dataset)
    builder.link(table)
    builder.filters = dl.Filters(field="dir", values="/val")
    assert table.count == 2
