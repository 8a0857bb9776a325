"""Escape-by-construction HTML for the notebook reprs: user strings only enter through ``esc``."""

from __future__ import annotations

import html
from collections.abc import Iterable


def esc(value: object) -> str:
    """``value`` as HTML text: every user string passes through here before it reaches markup."""
    return html.escape("" if value is None else str(value), quote=True)


def table(rows: Iterable[tuple[object, object]], title: str | None = None) -> str:
    """A two-column key/value table with an optional caption, all cells escaped."""
    body = "".join(
        f"<tr><th style='text-align:left'>{esc(k)}</th><td style='text-align:left'>"
        f"{esc(v)}</td></tr>"
        for k, v in rows
    )
    caption = f"<caption style='text-align:left'><b>{esc(title)}</b></caption>" if title else ""
    return f"<table class='dl-table'>{caption}{body}</table>"
