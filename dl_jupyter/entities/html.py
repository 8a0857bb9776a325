"""The rich ``_repr_html_`` of entities: cards built from escaped pieces, cheap to compute.

Every user string (names, labels, metadata, paths) enters the markup through ``_html.esc``;
colours pass a strict ``#rrggbb`` check and numbers are formatted from floats, so a name like
``<img src=x onerror=alert(1)>`` shows as text. Each card costs one or two queries (counts and
histograms are SQL aggregates; thumbnails come from the on-disk cache), and a card whose data
cannot be read falls back to the plain table with the reason, never to a traceback.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from dl_jupyter import _hooks, _html
from dl_jupyter.exceptions import DlError

esc = _html.esc

CARD = (
    "font-family:var(--jp-ui-font-family,sans-serif);font-size:13px;line-height:1.4;"
    "border:1px solid var(--jp-border-color2,#ddd);border-radius:6px;padding:8px 10px;"
    "display:inline-block;max-width:860px"
)
MUTED = "color:var(--jp-ui-font-color2,#777)"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOR = "#3f8fd2"


def color(value: object) -> str:
    """``value`` if it is a ``#rrggbb`` colour, else a default (it goes into a style attribute)."""
    return value if isinstance(value, str) and _HEX.match(value) else DEFAULT_COLOR


def _num(value: object) -> str:
    return f"{float(value):.2f}".rstrip("0").rstrip(".")  # type: ignore[arg-type]


def card(title: str, body: str, kind: str) -> str:
    """A bordered card with an escaped title."""
    return (
        f"<div class='dl-card dl-{esc(kind)}' style='{CARD}'>"
        f"<div style='font-weight:600;margin-bottom:4px'>{esc(title)}</div>{body}</div>"
    )


def safely(build: Callable[[], str], fallback: Callable[[], str]) -> str:
    """``build()``, or the fallback with the reason when the store cannot answer."""
    try:
        return build()
    except (DlError, NotImplementedError, OSError, LookupError, ValueError) as exc:
        reason = getattr(exc, "message", None) or str(exc)
        return fallback() + f"<div style='{MUTED}'>(details unavailable: {esc(reason)})</div>"


# -- pieces ------------------------------------------------------------------------------
def histogram(
    rows: Sequence[tuple[object, int]], colors: Mapping[str, str] | None = None, title: str = ""
) -> str:
    """Horizontal bars, one per (name, count), longest first as given."""
    if not rows:
        return ""
    top = max(count for _, count in rows) or 1
    lines = []
    for name, count in rows:
        width = max(1.0, 100.0 * count / top)
        swatch = color((colors or {}).get(str(name)))
        lines.append(
            "<tr><td style='padding:1px 6px 1px 0;white-space:nowrap;max-width:220px;"
            "overflow:hidden;"
            f"text-overflow:ellipsis' title='{esc(name)}'>{esc(name) or '<i>(none)</i>'}</td>"
            f"<td style='width:240px'><div style='background:{swatch};height:10px;"
            f"width:{_num(width)}%;border-radius:2px'></div></td>"
            f"<td style='padding-left:6px;text-align:right'>{int(count):,}</td></tr>"
        )
    caption = f"<div style='{MUTED};margin-top:6px'>{esc(title)}</div>" if title else ""
    table = f"<table class='dl-histogram' style='border-collapse:collapse'>{''.join(lines)}</table>"
    return caption + table


def overlay(
    shapes: Iterable[Mapping[str, Any]], width: float, height: float, colors: Mapping[str, str]
) -> str:
    """An SVG of annotation shapes (see ``frames.overlays``) over an image of width x height."""
    radius = max(width, height) / 120
    parts = []
    for shape in shapes:
        stroke = color(colors.get(str(shape.get("l"))))
        p = [_num(v) for v in shape.get("p", [])]
        common = (
            f"stroke='{stroke}' stroke-width='2' vector-effect='non-scaling-stroke' "
            f"fill='{stroke}' fill-opacity='0.12'"
        )
        kind = shape.get("k")
        if kind == "rect" and len(p) == 4:
            x0, y0, x1, y1 = (float(v) for v in p)
            element = (
                f"<rect x='{_num(x0)}' y='{_num(y0)}' width='{_num(x1 - x0)}' "
                f"height='{_num(y1 - y0)}' {common}>"
            )
        elif kind in ("poly", "line") and len(p) >= 4:
            points = " ".join(f"{p[n]},{p[n + 1]}" for n in range(0, len(p) - 1, 2))
            tag = "polygon" if kind == "poly" else "polyline"
            fill = (
                common
                if kind == "poly"
                else common.replace("fill-opacity='0.12'", "fill-opacity='0'")
            )
            element = f"<{tag} points='{points}' {fill}>"
        elif kind == "point" and len(p) == 2:
            element = f"<circle cx='{p[0]}' cy='{p[1]}' r='{_num(radius)}' {common}>"
        elif kind == "ellipse" and len(p) == 5:
            element = (
                f"<ellipse cx='{p[0]}' cy='{p[1]}' rx='{p[2]}' ry='{p[3]}' "
                f"transform='rotate({p[4]} {p[0]} {p[1]})' {common}>"
            )
        else:
            continue
        closing = element.split(" ", 1)[0][1:]
        parts.append(f"{element}<title>{esc(shape.get('l'))}</title></{closing}>")
    return (
        f"<svg viewBox='0 0 {_num(width)} {_num(height)}' preserveAspectRatio='none' "
        "style='position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none'>"
        f"{''.join(parts)}</svg>"
    )


def chips(labels: Iterable[str], colors: Mapping[str, str]) -> str:
    """Label names as small coloured chips."""
    return "".join(
        f"<span style='display:inline-block;border-left:10px solid {color(colors.get(lb))};"
        f"padding:0 5px;margin:2px 4px 0 0;background:var(--jp-layout-color2,#f3f3f3);"
        f"border-radius:3px'>{esc(lb)}</span>"
        for lb in labels
    )


def picture(tile: Any, colors: Mapping[str, str], side: int) -> str:
    """A tile's thumbnail with its annotations drawn over it (or a placeholder)."""
    if tile.data_url is None:
        return (
            f"<div style='width:{side}px;height:{side // 2}px;display:flex;align-items:center;"
            f"justify-content:center;background:var(--jp-layout-color2,#eee);{MUTED}'>"
            "no preview</div>"
        )
    svg = (
        overlay(tile.shapes, tile.width, tile.height, colors) if tile.width and tile.height else ""
    )
    # the longer side fills the box, so small images are not lost in the card
    size = f"width:{side}px" if (tile.width or 1) >= (tile.height or 1) else f"height:{side}px"
    return (
        f"<div style='position:relative;display:inline-block;line-height:0'>"
        f"<img src='{esc(tile.data_url)}' alt='{esc(tile.name)}' title='{esc(tile.filename)}' "
        f"style='display:block;{size}'>{svg}</div>"
    )


def strip(tiles: Sequence[Any]) -> str:
    """A row of small thumbnails."""
    cells = "".join(
        f"<img src='{esc(t.data_url)}' title='{esc(t.filename)}' alt='{esc(t.name)}' "
        "style='height:72px;margin:0 4px 0 0;border-radius:3px'>"
        for t in tiles
        if t.data_url
    )
    style = "margin-top:6px;white-space:nowrap;overflow:hidden"
    return f"<div class='dl-strip' style='{style}'>{cells}</div>"


def rows_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(
        f"<th style='text-align:left;padding:1px 8px 1px 0'>{esc(h)}</th>" for h in header
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td style='text-align:left;padding:1px 8px 1px 0'>{esc(v)}</td>" for v in row)
        + "</tr>"
        for row in rows
    )
    return f"<table style='border-collapse:collapse'><tr>{head}</tr>{body}</table>"


# -- entities ----------------------------------------------------------------------------
def dataset_html(dataset: Any) -> str:
    """Counts, the label histogram and a strip of thumbnails."""

    def build() -> str:
        data = _hooks.call("frames.dataset_card", dataset)
        summary = data["summary"]
        line = (
            f"<div>{summary.items:,} items &middot; {summary.annotations:,} annotations"
            f"{' &middot; read-only' if dataset.readonly else ''}</div>"
            f"<div style='{MUTED}'>id {esc(dataset.id)} &middot; created {esc(dataset.created_at)} "
            f"by {esc(dataset.creator)}</div>"
        )
        labels = histogram(summary.labels, data["colors"], "labels") if summary.labels else ""
        return card(f"Dataset {dataset.name}", line + labels + strip(data["tiles"]), "dataset")

    return safely(
        build,
        lambda: card(
            f"Dataset {dataset.name}",
            _html.table([("id", dataset.id), ("project", dataset.project_id)]),
            "dataset",
        ),
    )


def item_html(item: Any, rows: Sequence[tuple[object, object]]) -> str:
    """The item's picture with its annotations drawn over it, beside its fields."""
    table = _html.table(rows)

    def build() -> str:
        preview = _hooks.call("frames.item_preview", item)
        tile, colors = preview["tile"], preview["colors"]
        labels = sorted({s["l"] for s in tile.shapes if s.get("l")})
        body = (
            f"<div style='display:flex;gap:12px;align-items:flex-start'>"
            f"<div>{picture(tile, colors, 256)}<div>{chips(labels, colors)}</div></div>"
            f"<div>{table}</div></div>"
        )
        return card(f"Item {item.name}", body, "item")

    return safely(build, lambda: card(f"Item {item.name}", table, "item"))


def pages_html(pages: Any) -> str:
    """Count, page, the filter in words, and the first entities of the page."""
    lines = (
        f"<div>{pages.items_count:,} {esc(pages.resource)} &middot; page "
        f"{pages.page_offset + 1} of {max(pages.total_pages_count, 1)} "
        f"({pages.page_size} per page)</div>"
    )
    if pages.describe:
        lines += f"<div style='{MUTED}'>filter: <code>{esc(pages.describe)}</code></div>"
    shown = pages.items[:10]
    if pages.resource == "annotations":
        table = rows_table(
            ["type", "label", "item", "id"], [(a.type, a.label, a.item_id, a.id) for a in shown]
        )
    else:
        table = rows_table(
            ["name", "dir", "annotations", "id"],
            [(i.name, i.dir, i.annotations_count, i.id) for i in shown],
        )
    more = (
        f"<div style='{MUTED}'>... and {len(pages.items) - 10} more on this page</div>"
        if len(pages.items) > 10
        else ""
    )
    return card("Pages", lines + table + more, "pages")


def project_html(project: Any) -> str:
    """The project and its datasets (one query)."""

    def build() -> str:
        datasets = project.datasets.list()
        listing = rows_table(
            ["dataset", "created", "id"], [(d.name, d.created_at, d.id) for d in datasets]
        )
        return card(f"Project {project.name}", _meta(project) + listing, "project")

    return safely(build, lambda: card(f"Project {project.name}", _meta(project), "project"))


def _meta(entity: Any) -> str:
    return (
        f"<div style='{MUTED}'>id {esc(entity.id)} &middot; created {esc(entity.created_at)} "
        f"by {esc(entity.creator)}</div>"
    )


def recipe_html(recipe: Any) -> str:
    """The recipe with its ontology's labels (one query)."""

    def build() -> str:
        ontology = recipe.get_ontology()
        labels = "".join(f"<li>{label._repr_html_()}</li>" for label in ontology.labels)
        attributes = ", ".join(esc(a.get("key")) for a in ontology.attributes) or "none"
        body = (
            _meta(recipe)
            + f"<div>ontology {esc(ontology.title)}: {len(ontology.labels)} labels</div>"
            f"<ul style='margin:2px 0'>{labels}</ul><div>attributes: {attributes}</div>"
            f"<div>instructions: {len(recipe.instructions)}</div>"
        )
        return card(f"Recipe {recipe.title}", body, "recipe")

    return safely(build, lambda: card(f"Recipe {recipe.title}", _meta(recipe), "recipe"))


def write_back_card(result: Any) -> str:
    """What a frame changes (or changed): counts per column, a sample, and the conflicts."""
    state = "applied" if result.applied else "preview (dry run): nothing written yet"
    body = (
        f"<div>{len(result.changes):,} changed cells in {result.rows_changed:,} "
        f"{esc(result.resource)} &middot; {len(result.conflicts):,} conflicts "
        f"&middot; {state}</div>"
    )
    counts = result.counts
    if len(counts):
        body += histogram(list(zip(counts.index, counts.tolist())), title="changes per column")
        sample = result.changes.head(10)
        body += f"<div style='{MUTED};margin-top:6px'>sample</div>" + rows_table(
            ["id", "column", "old", "new"],
            [(r.id, r.column, _cell(r.old), _cell(r.new)) for r in sample.itertuples(index=False)],
        )
    if len(result.conflicts):
        body += (
            "<div style='color:#c0392b;margin-top:6px'>refused: changed or deleted in the store "
            "since the frame was read (read them again and reapply)</div>"
        ) + rows_table(
            ["id", "frame version", "store version", "reason"],
            [tuple(_cell(v) for v in r) for r in result.conflicts.head(10).itertuples(index=False)],
        )
    if result.ignored_columns:
        body += (
            f"<div style='{MUTED}'>not written (not columns of the store): "
            f"{esc(', '.join(result.ignored_columns))}</div>"
        )
    return card("Write-back", body, "write-back")


def _cell(value: object) -> object:
    """A frame cell as text: None and NaN read as <NA>, as pandas shows them."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return "<NA>" if missing else value


def task_html(task: Any, rows: Sequence[tuple[object, object]]) -> str:
    """The task's fields and a progress bar per assignee (done of assigned items)."""
    table = _html.table(rows)

    def build() -> str:
        progress = task.progress()  # one aggregate per task: assigned and done per assignee
        bars = "".join(
            _progress_row(who, int(row["done"]), int(row["assigned"]))
            for who, row in progress.iterrows()
        )
        body = (
            f"<table class='dl-progress'>{bars}</table>"
            if bars
            else (f"<div style='{MUTED}'>no assignee yet</div>")
        )
        return card(f"Task {task.name}", table + body, "task")

    return safely(build, lambda: card(f"Task {task.name}", table, "task"))


def _progress_row(who: object, done: int, total: int) -> str:
    share = 100.0 * done / total if total else 0.0
    return (
        f"<tr><td style='padding-right:8px'>{esc(who)}</td><td style='width:200px'>"
        "<div style='background:var(--jp-layout-color3,#ddd);height:10px;border-radius:2px'>"
        f"<div style='background:#2e9d4e;height:10px;border-radius:2px;width:{_num(share)}%'>"
        f"</div></div></td><td style='padding-left:6px'>{done:,} / {total:,}</td></tr>"
    )


def display(widget: Any) -> None:
    """Show a widget (or anything) in the notebook; print its repr outside IPython."""
    try:
        from IPython.display import display as show
    except ImportError:
        print(repr(widget))
    else:
        show(widget)
