"""``Dashboard``: bqplot charts of a dataset, refreshed from the store on demand or on a timer.

Labels, annotation types, items per status and per folder, per-annotator throughput and time
per item, and progress over time, each a GROUP BY in SQL (``frames.stats``); agreement and
gold accuracy per annotator from the tasks' own figures (the workflows layer). Clicking a bar
of labels, types, statuses or folders filters the linked gallery to those items.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import bqplot as bq
import ipywidgets as widgets
import pandas as pd

from dl_jupyter import _html
from dl_jupyter.dql.filters import Filters
from dl_jupyter.frames.previews import dataset_colors
from dl_jupyter.frames.stats import NO_STATUS, Stats
from dl_jupyter.store.timeutil import now_iso

DEFAULT_COLOR = "#3f8fd2"
INTERVALS = (("off", 0), ("every 10 s", 10), ("every 30 s", 30), ("every minute", 60))


class BarChart:
    """A bar chart whose bars can be clicked (the bar's category goes to ``on_click``)."""

    def __init__(
        self, title: str, x_label: str, y_label: str, on_click: Callable[[str], None] | None = None
    ) -> None:
        self.categories: list[str] = []
        self.title = title
        x, y = bq.OrdinalScale(), bq.LinearScale(min=0)
        self.bars = bq.Bars(
            x=[],
            y=[],
            scales={"x": x, "y": y},
            colors=[DEFAULT_COLOR],
            color_mode="group",
            padding=0.2,
            interactions={"click": "select", "hover": "tooltip"},
            tooltip=bq.Tooltip(fields=["x", "y"], labels=[x_label, y_label]),
        )
        axes = [
            bq.Axis(scale=x, tick_rotate=-20, tick_style={"font-size": "11px"}),
            bq.Axis(scale=y, side="left", tick_format="~s"),
        ]
        self.figure = bq.Figure(
            marks=[self.bars],
            axes=axes,
            title=title,
            fig_margin={"top": 40, "bottom": 80, "left": 60, "right": 20},
            layout=widgets.Layout(width="100%", height="280px"),
        )
        self.figure.add_class("dl-chart")
        if on_click is not None:
            self.bars.on_element_click(lambda _mark, event: on_click(self._category(event)))

    def _category(self, event: dict) -> str:
        return self.categories[int(event["data"]["index"])]

    def update(
        self,
        categories: Sequence[str],
        values: Sequence[float],
        colors: Sequence[str] | None = None,
    ) -> None:
        self.categories = [str(c) for c in categories]
        self.figure.title = self.title if self.categories else f"{self.title}: none yet"
        with self.bars.hold_sync():
            self.bars.x = self.categories or [""]
            self.bars.y = [float(v) for v in values] or [0.0]
            self.bars.colors = list(colors) if colors else [DEFAULT_COLOR]
            self.bars.selected = None


class LineChart:
    """Values over time."""

    def __init__(self, title: str, y_label: str) -> None:
        x, y = bq.DateScale(), bq.LinearScale(min=0)
        self.lines = bq.Lines(
            x=[], y=[], scales={"x": x, "y": y}, marker="circle", colors=[DEFAULT_COLOR]
        )
        axes = [
            bq.Axis(scale=x, tick_format="%b %d"),
            bq.Axis(scale=y, side="left", label=y_label, tick_format="~s"),
        ]
        self.figure = bq.Figure(
            marks=[self.lines],
            axes=axes,
            title=title,
            fig_margin={"top": 40, "bottom": 40, "left": 50, "right": 10},
            layout=widgets.Layout(width="100%", height="280px"),
        )
        self.figure.add_class("dl-chart")

    def update(self, days: pd.Series, values: Sequence[float]) -> None:
        with self.lines.hold_sync():
            self.lines.x = days.dt.tz_localize(None).to_numpy() if len(days) else []
            self.lines.y = [float(v) for v in values]


class Dashboard(widgets.VBox):
    """Charts of a dataset (or of the items a filter selects).

    >>> board = dl.Dashboard(dataset, gallery=gallery, interval=30)
    >>> board.refresh()   # read the store again now
    """

    def __init__(
        self,
        dataset: Any,
        filters: Filters | None = None,
        gallery: Any = None,
        interval: float = 0,
        **kwargs: Any,
    ) -> None:
        self.dataset = dataset
        self.gallery = gallery
        self.stats = Stats(dataset.client, dataset.id, filters)
        self.labels = BarChart(
            "Annotations per label", "label", "annotations", self._filter_on("label")
        )
        self.types = BarChart("Annotation types", "type", "annotations", self._filter_on("type"))
        self.statuses = BarChart("Items per status", "status", "items", self._filter_on("status"))
        self.folders = BarChart("Items per folder", "folder", "items", self._filter_on("dir"))
        self.throughput = BarChart("Items annotated per annotator", "annotator", "items")
        self.pace = BarChart("Seconds per item", "annotator", "seconds")
        self.progress = LineChart("Items annotated over time", "items")
        self.agreement = BarChart(
            "Agreement per annotator (consensus tasks)", "annotator", "agreement"
        )
        self.gold = BarChart("Gold accuracy per annotator", "annotator", "accuracy")
        self.updated = widgets.HTML()
        self.updated.add_class("dl-dashboard-updated")
        refresh = widgets.Button(description="Refresh", icon="refresh")
        refresh.add_class("dl-dashboard-refresh")
        refresh.on_click(lambda _: self.refresh())
        intervals = list(INTERVALS)
        if interval not in dict(INTERVALS).values():
            intervals.append((f"every {interval:g} s", interval))
        self.every = widgets.Dropdown(
            options=intervals,
            value=interval,
            description="auto-refresh",
            layout=widgets.Layout(width="230px"),
        )
        self.every.observe(lambda change: self._schedule(change["new"]), "value")
        self._timer: asyncio.TimerHandle | None = None
        charts = [
            self.labels,
            self.types,
            self.statuses,
            self.folders,
            self.throughput,
            self.pace,
            self.progress,
            self.agreement,
            self.gold,
        ]
        grid = widgets.GridBox(
            [c.figure for c in charts],
            layout=widgets.Layout(grid_template_columns="repeat(2, minmax(320px, 1fr))"),
        )
        title = widgets.HTML(f"<b>{_html.esc(dataset.name)}</b>")
        super().__init__([widgets.HBox([title, refresh, self.every, self.updated]), grid], **kwargs)
        self.add_class("dl-dashboard")
        self.refresh()
        self._schedule(self.every.value)

    # -- data ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read every chart's figures from the store again."""
        labels = self.stats.labels()
        colors = dataset_colors(self.dataset, labels["label"].tolist())
        self.labels.update(
            labels["label"],
            labels["annotations"],
            [colors.get(label, DEFAULT_COLOR) for label in labels["label"]],
        )
        types = self.stats.annotation_types()
        self.types.update(types["type"], types["annotations"])
        statuses = self.stats.statuses()
        self.statuses.update(statuses["status"], statuses["items"])
        folders = self.stats.directories()
        self.folders.update(folders["dir"], folders["items"])
        people = self.stats.annotators()
        self.throughput.update(people["annotator"], people["items"])
        self.pace.update(people["annotator"], people["seconds_per_item"].fillna(0))
        progress = self.stats.progress()
        self.progress.update(progress["day"], progress["items_annotated"])
        agreement, gold = quality(self.dataset)
        self.agreement.update(agreement.index, agreement.tolist())
        self.gold.update(gold.index, gold.tolist())
        self.updated.value = (
            f"<span style='color:#777'>updated {_html.esc(now_iso()[11:19])} UTC</span>"
        )

    def _schedule(self, seconds: float) -> None:
        """Refresh every ``seconds`` on the kernel's event loop (0 stops it)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if seconds:
            loop = asyncio.get_event_loop()

            def tick() -> None:
                self.refresh()
                self._timer = loop.call_later(seconds, tick)

            self._timer = loop.call_later(seconds, tick)

    @property
    def interval(self) -> float:
        return self.every.value

    @interval.setter
    def interval(self, seconds: float) -> None:
        self.every.value = seconds

    # -- clicks --------------------------------------------------------------------------
    def _filter_on(self, what: str) -> Callable[[str], None]:
        def show(category: str) -> None:
            if self.gallery is None:
                return
            self.gallery.filters = bar_filter(what, category)

        return show


def quality(dataset: Any) -> tuple[pd.Series, pd.Series]:
    """Per annotator, over the dataset's tasks: agreement in consensus tasks (weighted by
    items) and accuracy on gold items. The workflows layer computes each task's figures."""
    agreement, gold = [], []
    for task in dataset.tasks.list():
        if task.kind == "consensus":
            agreement.append(task.agreement(level="annotator"))
        gold.append(task.gold_accuracy())
    agreed = (
        pd.concat(agreement)
        if agreement
        else pd.DataFrame(columns=["annotator", "items", "agreement"])
    )
    agreed = agreed.dropna(subset=["agreement"])
    weighted = (
        agreed.assign(total=agreed["agreement"].astype(float) * agreed["items"].astype(float))
        .groupby("annotator")[["total", "items"]]
        .sum()
    )
    answers = (
        pd.concat(gold) if gold else pd.DataFrame(columns=["annotator", "answered", "correct"])
    )
    answered = answers.groupby("annotator")[["answered", "correct"]].sum()
    answered = answered[answered["answered"] > 0]
    return (
        (weighted["total"] / weighted["items"]).rename("agreement"),
        (answered["correct"] / answered["answered"]).rename("accuracy"),
    )


def bar_filter(what: str, category: str) -> Filters:
    """The items behind a bar: with an annotation of that label or type, or in that status or
    folder."""
    if what in ("label", "type"):
        filters = Filters()
        filters.add_join(field=what, values=category)
        return filters
    if what == "status":
        if category == NO_STATUS:
            return Filters(
                field="metadata.system.annotationStatus", values=False, operator="exists"
            )
        return Filters(field="metadata.system.annotationStatus", values=category)
    return Filters(field="dir", values=category)
