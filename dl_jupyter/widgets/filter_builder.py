"""``FilterBuilder``: build a ``dl.Filters`` by picking fields, operators and values.

The fields come from the data (``frames.fields.discover``: metadata keys with their value
types, labels, annotation types, statuses, folders), and each offers only the operators its
type allows. Conditions sit in AND/OR groups; conditions on annotations become the filter's
join; a sort can be added. Every change shows the live count and the DQL, and is pushed to
the linked gallery and table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets

from dl_jupyter import _html
from dl_jupyter.dql.filters import Filters
from dl_jupyter.exceptions import DlError
from dl_jupyter.frames.fields import BOOLEAN, NUMBER, PRESENCE, FieldInfo, discover
from dl_jupyter.widgets.filter_tree import AND, OR, Condition, FilterTree, Group

OPERATOR_NAMES = {
    "eq": "=",
    "ne": "≠",
    "gt": ">",
    "lt": "<",
    "in": "in",
    "nin": "not in",
    "exists": "exists",
}
SORTABLE = (
    "name",
    "filename",
    "dir",
    "createdAt",
    "updatedAt",
    "annotationsCount",
    "metadata.system.size",
    "metadata.system.width",
    "metadata.system.height",
)


def parse_value(info: FieldInfo, operator: str, text: Any) -> Any:
    """The DQL value of what was typed or picked for ``info`` with ``operator``."""
    if operator == "exists" or info.kind == BOOLEAN:
        return bool(text)
    if operator in ("in", "nin"):
        parts = [p.strip() for p in str(text).split(",") if p.strip()]
        return [_scalar(info, p) for p in parts]
    return _scalar(info, str(text).strip())


def _scalar(info: FieldInfo, text: str) -> Any:
    if info.kind != NUMBER:
        return text
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{info.name} takes a number, got {text!r}") from None
    return int(number) if number.is_integer() else number


def _format(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


class ConditionRow(widgets.HBox):
    """One condition: field, operator, value, and a button that removes it."""

    def __init__(
        self,
        fields: Sequence[FieldInfo],
        changed: Callable[[], None],
        remove: Callable[[widgets.Widget], None],
        condition: Condition | None = None,
    ) -> None:
        self.catalogue = {f.name: f for f in fields}
        self._changed = changed
        names = list(self.catalogue)
        if condition is not None and condition.field not in self.catalogue:
            self.catalogue[condition.field] = FieldInfo(condition.field, "string")
            names.append(condition.field)
        self.field = widgets.Dropdown(
            options=names,
            value=condition.field if condition else names[0],
            layout=widgets.Layout(width="260px"),
        )
        self.operator = widgets.Dropdown(layout=widgets.Layout(width="90px"))
        self.value_box = widgets.HBox()
        self.value_widget: widgets.Widget | None = None
        close = widgets.Button(icon="times", tooltip="remove", layout=widgets.Layout(width="32px"))
        close.on_click(lambda _: remove(self))
        super().__init__([self.field, self.operator, self.value_box, close])
        self.add_class("dl-condition")
        self._fill_operators(condition.operator if condition else None)
        self._make_value(condition.value if condition else None)
        self.field.observe(self._on_field, "value")
        self.operator.observe(self._on_operator, "value")

    @property
    def info(self) -> FieldInfo:
        return self.catalogue[self.field.value]

    def _fill_operators(self, chosen: str | None) -> None:
        ops = list(self.info.operators)
        if chosen is not None and chosen not in ops:
            ops.append(chosen)
        self.operator.options = [(OPERATOR_NAMES.get(op, op), op) for op in ops]
        self.operator.value = chosen or ops[0]

    def _make_value(self, value: Any = None) -> None:
        info, op = self.info, self.operator.value
        if op == "exists" or info.kind == PRESENCE:
            widget = widgets.Checkbox(
                value=True if value is None else bool(value),
                description="",
                indent=False,
                layout=widgets.Layout(width="30px"),
            )
        elif info.kind == BOOLEAN:
            widget = widgets.Dropdown(
                options=[("true", True), ("false", False)],
                value=True if value is None else bool(value),
                layout=widgets.Layout(width="100px"),
            )
        elif info.values and op not in ("in", "nin"):
            widget = widgets.Combobox(
                value=_format(value),
                options=[str(v) for v in info.values],
                ensure_option=False,
                continuous_update=False,
                placeholder="value",
                layout=widgets.Layout(width="220px"),
            )
        else:
            placeholder = "a, b, c" if op in ("in", "nin") else "value"
            if info.kind == "time":
                placeholder = "2024-01-31 or 2024-01-31T12:00:00Z"
            widget = widgets.Text(
                value=_format(value),
                continuous_update=False,
                placeholder=placeholder,
                layout=widgets.Layout(width="220px"),
            )
        widget.add_class("dl-condition-value")
        widget.observe(lambda _: self._changed(), "value")
        self.value_widget = widget
        self.value_box.children = [widget]

    def _on_field(self, _change: Any) -> None:
        self._fill_operators(None)
        self._make_value()
        self._changed()

    def _on_operator(self, _change: Any) -> None:
        self._make_value()
        self._changed()

    @property
    def complete(self) -> bool:
        """False while the value is still empty (the condition is left out until then)."""
        value = self.value_widget.value
        return not isinstance(value, str) or bool(value.strip())

    def condition(self) -> Condition:
        return Condition(
            self.info.name,
            self.operator.value,
            parse_value(self.info, self.operator.value, self.value_widget.value),
        )


class GroupBox(widgets.VBox):
    """Conditions (and, for item conditions, nested groups) joined by all/any."""

    def __init__(
        self,
        fields: Sequence[FieldInfo],
        changed: Callable[[], None],
        group: Group | None = None,
        nested: bool = True,
        remove: Callable[[widgets.Widget], None] | None = None,
    ) -> None:
        self.fields = fields
        self._changed = changed
        self.nested = nested
        self.method = widgets.ToggleButtons(
            options=[("all of", AND), ("any of", OR)],
            value=group.method if group else AND,
            style={"button_width": "64px"},
        )
        self.method.observe(lambda _: changed(), "value")
        self.rows = widgets.VBox(layout=widgets.Layout(margin="0 0 0 18px"))
        add = widgets.Button(description="+ condition", layout=widgets.Layout(width="110px"))
        add.add_class("dl-add-condition")
        add.on_click(lambda _: self.add_condition())
        buttons = [add]
        if nested:
            add_group = widgets.Button(description="+ group", layout=widgets.Layout(width="90px"))
            add_group.on_click(lambda _: self._add_group())
            buttons.append(add_group)
        if remove is not None:
            close = widgets.Button(
                icon="times", tooltip="remove group", layout=widgets.Layout(width="32px")
            )
            close.on_click(lambda _: remove(self))
            buttons.append(close)
        super().__init__([widgets.HBox([self.method, *buttons]), self.rows])
        for child in group.children if group else []:
            if isinstance(child, Group):
                self._add_group(child, notify=False)
            else:
                self.add_condition(child, notify=False)

    def add_condition(
        self, condition: Condition | None = None, notify: bool = True
    ) -> ConditionRow:
        row = ConditionRow(self.fields, self._changed, self._remove, condition)
        self.rows.children = [*self.rows.children, row]
        if notify:
            self._changed()
        return row

    def _add_group(self, group: Group | None = None, notify: bool = True) -> None:
        box = GroupBox(self.fields, self._changed, group, nested=True, remove=self._remove)
        box.add_class("dl-group")
        box.layout.border = "1px solid var(--jp-border-color2, #ddd)"
        self.rows.children = [*self.rows.children, box]
        if notify:
            self._changed()

    def _remove(self, child: widgets.Widget) -> None:
        self.rows.children = [c for c in self.rows.children if c is not child]
        self._changed()

    def group(self) -> Group:
        """The group's conditions (rows without a value yet are left out)."""
        children: list[Condition | Group] = []
        for child in self.rows.children:
            if isinstance(child, GroupBox):
                children.append(child.group())
            elif child.complete:
                children.append(child.condition())
        return Group(self.method.value, children)


class FilterBuilder(widgets.VBox):
    """Build item filters for a dataset from the fields its data has.

    >>> builder = dl.FilterBuilder(dataset, gallery=gallery)
    >>> builder.filters          # the dl.Filters being built
    >>> builder.filters = f      # load an existing dl.Filters
    """

    def __init__(
        self,
        dataset: Any,
        filters: Filters | None = None,
        gallery: Any = None,
        table: Any = None,
        **kwargs: Any,
    ) -> None:
        self.dataset = dataset
        fields = discover(dataset.client, dataset.id)
        self._item_fields = [f for f in fields if f.resource == "items"]
        self._annotation_fields = [f for f in fields if f.resource == "annotations"]
        self._views = [view for view in (gallery, table) if view is not None]
        self._loading = False
        self.count_label = widgets.HTML()
        self.count_label.add_class("dl-filter-count")
        self.dql = widgets.HTML()
        self.dql.add_class("dl-filter-dql")
        self.sort_field = widgets.Dropdown(
            options=[("(no sort)", "")]
            + [(s, s) for s in SORTABLE]
            + [(f.name, f.name) for f in self._item_fields if f.name.startswith("metadata.user.")],
            layout=widgets.Layout(width="260px"),
        )
        self.sort_direction = widgets.ToggleButtons(
            options=[("▲", "ascending"), ("▼", "descending")], style={"button_width": "36px"}
        )
        for control in (self.sort_field, self.sort_direction):
            control.observe(lambda _: self._changed(), "value")
        self.items_box = widgets.VBox()
        self.annotations_box = widgets.VBox()
        self._filters: Filters = Filters()
        super().__init__(**kwargs)
        self.add_class("dl-filter-builder")
        self.filters = filters if filters is not None else Filters()

    # -- the filter ----------------------------------------------------------------------
    @property
    def filters(self) -> Filters:
        """The ``dl.Filters`` the builder shows (the last valid one while an edit is invalid)."""
        return self._filters

    @filters.setter
    def filters(self, filters: Filters) -> None:
        tree = FilterTree.from_filters(filters)
        self._loading = True
        try:
            self.items_group = GroupBox(self._item_fields, self._changed, tree.items)
            self.annotations_group = GroupBox(
                self._annotation_fields, self._changed, tree.annotations, nested=False
            )
            self.sort_field.value = (
                tree.sort[0][0]
                if tree.sort and tree.sort[0][0] in [v for _, v in self.sort_field.options]
                else ""
            )
            self.sort_direction.value = tree.sort[0][1] if tree.sort else "ascending"
        finally:
            self._loading = False
        self.children = [
            widgets.HTML(f"<b>Items of {_html.esc(self.dataset.name)}</b> matching"),
            self.items_group,
            widgets.HTML("<b>with an annotation</b> matching"),
            self.annotations_group,
            widgets.HBox([widgets.HTML("sort by&nbsp;"), self.sort_field, self.sort_direction]),
            self.count_label,
            self.dql,
        ]
        self._changed()

    def link(self, view: Any) -> None:
        """Show this builder's filter in ``view`` (a Gallery or a Table) from now on."""
        self._views.append(view)
        view.filters = self._filters

    @property
    def count(self) -> int:
        return self.dataset.items.count(filters=self._filters)

    def tree(self) -> FilterTree:
        sort = [(self.sort_field.value, self.sort_direction.value)] if self.sort_field.value else []
        return FilterTree(self.items_group.group(), self.annotations_group.group(), sort)

    def _changed(self) -> None:
        if self._loading:
            return
        try:
            filters = self.tree().to_filters()
            count = self.dataset.items.count(filters=filters)
        except (DlError, ValueError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            self.count_label.value = f"<span style='color:#c0392b'>{_html.esc(message)}</span>"
            return
        self._filters = filters
        self.count_label.value = f"<b class='dl-count-value'>{count:,}</b> items"
        query = json.dumps(filters.prepare(query_only=True), indent=2)
        self.dql.value = (
            f"<code>{_html.esc(filters.describe())}</code><details><summary>DQL</summary>"
            f"<pre>{_html.esc(query)}</pre></details>"
        )
        for view in self._views:
            view.filters = filters
