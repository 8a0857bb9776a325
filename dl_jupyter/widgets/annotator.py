"""``Annotator``: label items in a notebook cell, with the mouse and the keyboard.

``item.annotate()``, ``dataset.annotate(filters=...)``, ``task.annotate()`` or
``dl.Annotator(items)`` open it. The item and its committed shapes are drawn by Python with
ipycanvas (a MultiCanvas: the image layer, drawn once per item and view, and the shapes
layer); the browser module (``js/src/annotator``) shows those layers and runs everything that
must answer within a frame: the shape being drawn, handle and vertex drags, hover, zoom and
pan previews, and the keys, which never reach JupyterLab's shortcuts. Only committed edits and
view changes cross to Python, as typed messages (``annotator_messages``); each edit goes
through an ``EditSession`` and is in the store before the browser hears back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t
from ipywidgets import widget_serialization

from dl_jupyter import _hooks
from dl_jupyter.editing import EditSession, RecipeRules, ResumePoints, cursor_for, rules_of
from dl_jupyter.editing.history import Snapshot
from dl_jupyter.editing.navigation import PagesCursor, QueueCursor, digest, is_queue
from dl_jupyter.entities.project import Dataset
from dl_jupyter.exceptions import BadRequestError, ConflictError, DlError
from dl_jupyter.widgets import annotator_messages as msg
from dl_jupyter.widgets.annotator_images import ItemImages, View, needs_full, render_region
from dl_jupyter.widgets.annotator_keymap import build_keymap, checked_label_keys
from dl_jupyter.widgets.annotator_layers import Layers

STATIC = Path(__file__).parent / "static"
DEFAULT_STAGE = (960, 600)


class Annotator(anywidget.AnyWidget):
    """Annotate an item, a list or pages of items, a dataset (with ``filters``) or a task queue.

    ``keymap``: {action: key or [keys]} over the defaults (press ``?`` in the widget to see
    them); ``label_keys``: the keys picking labels by position (1 ... 9, 0); ``height``: the
    stage height in CSS pixels; ``resume``: reopen lists, pages and datasets where you stopped;
    ``prefetch``: decode the next item's image while you work on this one; ``preview_side``:
    the long side images are first shown at (larger images are refined when you zoom in).
    """

    _esm = STATIC / "annotator.js"
    _css = STATIC / "annotator.css"

    item_info = t.Dict(help="the item on the stage: id, name, width, height").tag(sync=True)
    shapes = t.List(t.Dict(), help="its stored shapes, as editing.EditSession.to_wire()").tag(
        sync=True
    )
    ack = t.Dict(help="the last edit message handled: {seq, key, error}").tag(sync=True)
    layer_view = t.Dict(help="the view the next frame of the layers is drawn for").tag(sync=True)
    notice = t.Dict(help="a message for the user: {level, text}").tag(sync=True)
    history = t.Dict({"undo": 0, "redo": 0}, help="steps to undo and to redo").tag(sync=True)
    position = t.Dict(
        {"kind": "index", "value": [0, 0]}, help="[index, total] or, for a queue, [done, total]"
    ).tag(sync=True)
    actions = t.List(t.Unicode(), help="the statuses a task lets the user give").tag(sync=True)
    labels = t.List(t.Dict(), help="the recipe's labels: name, color, display").tag(sync=True)
    specs = t.List(t.Dict(), help="the recipe's attribute definitions").tag(sync=True)
    keymap = t.Dict(help="{action: [key combos]}").tag(sync=True)
    label_keys = t.List(t.Unicode(), help="keys picking labels by position").tag(sync=True)
    height = t.Int(DEFAULT_STAGE[1], help="stage height in CSS pixels").tag(sync=True)
    layers = t.Any(help="the ipycanvas MultiCanvas Python draws into").tag(
        sync=True, **widget_serialization
    )

    def __init__(
        self,
        source: Any,
        *,
        filters: Any = None,
        keymap: Mapping | None = None,
        label_keys: Sequence[str] | None = None,
        height: int = DEFAULT_STAGE[1],
        resume: bool = True,
        prefetch: bool = True,
        preview_side: int | None = None,
    ) -> None:
        keys = {"keymap": build_keymap(keymap), "label_keys": checked_label_keys(label_keys)}
        self._cursor, scope = _cursor(source, filters)
        self._images = ItemImages(**({"preview_side": preview_side} if preview_side else {}))
        self._layers = Layers(DEFAULT_STAGE[0], height)
        super().__init__(**keys, height=int(height), layers=self._layers.canvas)
        self._prefetch = prefetch
        self._rules: dict[str, RecipeRules] = {}
        self._session: EditSession | None = None
        self._picture: Any = None
        self._stage = (DEFAULT_STAGE[0], int(height))
        self._view = View(1.0, 0.0, 0.0)
        self._view_from_user = False
        self._frame = 0
        self._created: dict[int, str] = {}
        self._previous: list[Snapshot] = []
        self._said = False
        self._resume = ResumePoints() if resume and scope else None
        self._resume_key = self._resume_key_for(scope)
        if self._resume is not None:
            self._resume.resume(self._resume_key, self._cursor)
        self.on_msg(self._on_message)
        self._show(self._cursor.current)

    # -- the Python side of the same actions ----------------------------------------------
    @property
    def item(self) -> Any:
        """The item on the stage."""
        return None if self._session is None else self._session.item

    @property
    def session(self) -> EditSession | None:
        """The current item's edit session (shapes, selection, undo and redo)."""
        return self._session

    def next(self) -> Any:
        """Show the next item (None at the end, where the annotator stays)."""
        return self._navigate("next")

    def previous(self) -> Any:
        return self._navigate("previous")

    def act(self, action: str) -> None:
        """Set the current item's status in the task (``'completed'``...) and move on."""
        self._cursor.act(action)
        self._navigate("next")

    def refresh(self) -> None:
        """Show what the session holds after edits made from Python (``annotator.session``)."""
        self._after_edit(None)

    def close(self) -> None:
        """Close the widget, its layers, and the image decoding thread."""
        if hasattr(self, "_layers"):  # ipywidgets closes half-built widgets too
            self._images.close()
            self._layers.canvas.close()
        super().close()

    # -- messages from the browser ----------------------------------------------------
    def _on_message(self, _widget: Any, content: Any, _buffers: list) -> None:
        self.handle(content)

    def handle(self, content: Any) -> None:
        """Act on one message from the front end (what a browser event sends)."""
        seq = content.get("seq") if isinstance(content, dict) else None
        seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
        self._said = False
        try:
            message = msg.parse(content)
            key = getattr(self, f"_on_{type(message).__name__.lower()}")(message)
        except ConflictError as exc:
            reason = exc.message.split(";")[0]
            self._after_edit(
                seq,
                error=f"Not saved: {reason}. The stored version is shown now; "
                "make the change again if it still applies.",
                level="conflict",
            )
        except DlError as exc:
            self._after_edit(seq, error=exc.message, level="error")
        else:
            if isinstance(message, msg.Edit):
                self._after_edit(seq, key=key)

    def _edit_session(self) -> EditSession:
        if self._session is None:
            raise BadRequestError("There is no item to annotate")
        return self._session

    def _key(self, key: str) -> str:
        """A shape key; ``@<seq>`` names the shape that message ``seq`` created."""
        if key.startswith("@"):
            created = self._created.get(int(key[1:])) if key[1:].isdigit() else None
            if created is None:
                raise BadRequestError(f"No shape was created by message {key[1:]}")
            return created
        return key

    def _on_create(self, m: msg.Create) -> str:
        key = self._edit_session().create(m.geometry, m.label)
        self._created[m.seq] = key
        return key

    def _on_update(self, m: msg.Update) -> None:
        self._edit_session().update_geometry(self._key(m.key), m.geometry)

    def _on_relabel(self, m: msg.Relabel) -> None:
        self._edit_session().set_label(self._key(m.key), m.label)

    def _on_setattributes(self, m: msg.SetAttributes) -> None:
        self._edit_session().set_attributes(self._key(m.key), m.changes)

    def _on_delete(self, m: msg.Delete) -> None:
        self._edit_session().delete(self._key(m.key))

    def _on_classify(self, m: msg.Classify) -> str | None:
        return self._edit_session().toggle_classification(m.label)

    def _on_undo(self, _m: msg.Undo) -> None:
        if not self._edit_session().undo():
            self._say("Nothing to undo")

    def _on_redo(self, _m: msg.Redo) -> None:
        if not self._edit_session().redo():
            self._say("Nothing to redo")

    def _on_copyprevious(self, _m: msg.CopyPrevious) -> None:
        if not self._previous:
            raise BadRequestError("The previous item has no shapes to copy")
        self._edit_session().paste(self._previous)

    def _on_select(self, m: msg.Select) -> None:
        session = self._edit_session()
        key = None if m.key is None else self._key(m.key)
        session.select(key if key in session.keys else None)
        self._draw(image=False)

    def _on_navigate(self, m: msg.Navigate) -> None:
        self._navigate(m.to)

    def _on_act(self, m: msg.Act) -> None:
        self.act(m.action)

    def _on_viewchange(self, m: msg.ViewChange) -> None:
        self._view = View(m.scale, m.x, m.y)
        self._view_from_user = True
        self._render()

    def _on_viewport(self, m: msg.Viewport) -> None:
        self._stage = (m.width, m.height)
        self._layers.resize(round(m.width * m.dpr), round(m.height * m.dpr), m.dpr)
        if not self._view_from_user:
            self._view = self._fit()
        self._render(reset=not self._view_from_user)

    # -- showing items -----------------------------------------------------------------
    def _navigate(self, to: str) -> Any:
        if self._session is not None:
            self._previous = self._session.snapshots()
        item = self._cursor.next() if to == "next" else self._cursor.previous()
        if item is None:
            with self.hold_sync():
                self._publish()
                self._say("This is the last item" if to == "next" else "This is the first item")
            return None
        self._show(item)
        return item

    def _show(self, item: Any) -> None:
        """Put ``item`` on the stage: its session, its image fitted, its shapes."""
        self._created.clear()
        self._view_from_user = False
        self._images.prefetch(item)  # decoding while the session reads the shapes
        self._session = None if item is None else EditSession(item, self._rules_for(item))
        self._picture = None if item is None else self._images.preview(item)
        self._view = self._fit()
        with self.hold_sync():
            self.item_info = _item_info(item)
            self.notice = {}
            self._publish(announce=True)
        self._draw(image=True)
        if self._resume is not None and item is not None:
            self._resume.remember(self._resume_key, self._cursor)
        if self._prefetch:
            self._images.prefetch(self._cursor.upcoming())

    def _rules_for(self, item: Any) -> RecipeRules:
        if item.dataset_id not in self._rules:
            self._rules[item.dataset_id] = rules_of(item)
        return self._rules[item.dataset_id]

    def _fit(self) -> View:
        item = self.item
        if item is None or not item.width or not item.height:
            return View(1.0, 0.0, 0.0)
        width, height = self._stage
        scale = min(width / item.width, height / item.height)
        return View(scale, (item.width - width / scale) / 2, (item.height - height / scale) / 2)

    def _render(self, reset: bool = False) -> None:
        """Draw both layers for the current view, announced first (see js/src/annotator)."""
        self._announce(reset)
        self._draw(image=True)

    def _announce(self, reset: bool) -> None:
        self._frame += 1
        item = self.item
        self.layer_view = {
            "seq": self._frame,
            "item": None if item is None else item.id,
            "reset": reset,
            "scale": self._view.scale,
            "x": self._view.x,
            "y": self._view.y,
            "dpr": self._layers.dpr,
        }

    def _draw(self, image: bool) -> None:
        session = self._session
        shapes = [] if session is None else session.to_wire()
        region = self._region() if image else None
        self._layers.draw(
            region, shapes, self._view, None if session is None else session.selected, image=image
        )

    def _region(self) -> Any:
        item, picture = self.item, self._picture
        if item is None or picture is None:
            return None
        if needs_full(picture, self._view, self._layers.dpr):
            picture = self._images.full(item, on_ready=self._refine) or picture
        return render_region(
            picture, (item.width, item.height), self._view, self._layers.size, self._layers.dpr
        )

    def _refine(self) -> None:
        """The full image is decoded: draw the view again from it."""
        if self.item is not None and needs_full(self._picture, self._view, self._layers.dpr):
            self._render()

    # -- telling the browser -------------------------------------------------------------
    def _publish(self, announce: bool = False) -> None:
        session = self._session
        if announce:
            self._announce(reset=True)
            rules = session.rules if session is not None else RecipeRules()
            self.labels = [
                {"name": lb.name, "color": lb.color, "display": lb.display} for lb in rules.labels
            ]
            self.specs = [dict(spec) for spec in rules.attributes]
        self.shapes = [] if session is None else session.to_wire()
        self.history = {"undo": 0, "redo": 0} if session is None else session.history.counts
        done, total = self._cursor.position
        kind = "done" if isinstance(self._cursor, QueueCursor) else "index"
        self.position = {"kind": kind, "value": [done, total]}
        self.actions = self._cursor.actions if session is not None else []

    def _after_edit(
        self, seq: int | None, key: str | None = None, error: str | None = None, level: str = "info"
    ) -> None:
        """Shapes layer first, then the traits: the browser drops its own copy of an edit
        when the ack arrives, and by then the layer already holds the stored shape."""
        self._draw(image=False)
        with self.hold_sync():
            self._publish()
            if error is not None:
                self.notice = {"level": level, "text": error}
            elif not self._said:
                self.notice = {}
            if seq is not None:
                self.ack = {"seq": seq, "key": key, "error": error}

    def _say(self, text: str, level: str = "info") -> None:
        self._said = True
        self.notice = {"level": level, "text": text}

    def _resume_key_for(self, scope: str | None) -> str:
        client = getattr(self._cursor.current, "_client", None)
        store = getattr(getattr(client, "store", None), "display_url", "")
        user = getattr(client, "user", None) or ""
        return f"{store}|{user}|{scope}"


def _cursor(source: Any, filters: Any) -> tuple[Any, str | None]:
    """The cursor over what to annotate, and the name its resume point is kept under."""
    if callable(getattr(source, "queue", None)) and not is_queue(source):
        return QueueCursor(source.queue()), None  # a task: the logged-in user's queue
    if isinstance(getattr(source, "annotator", None), str) and hasattr(source, "task_id"):
        return QueueCursor(source.task.queue(assignee_id=source.annotator)), None  # an assignment
    if isinstance(source, Dataset):
        query = filters.prepare() if hasattr(filters, "prepare") else filters
        scope = digest([source.id, json.dumps(query, sort_keys=True, default=str)])
        return PagesCursor(source.items.list(filters=filters), scope=scope), scope
    if filters is not None:
        raise BadRequestError("filters apply to a dataset: dataset.annotate(filters=...)")
    cursor = cursor_for(source)
    return cursor, getattr(cursor, "scope", None)


def _item_info(item: Any) -> dict:
    if item is None:
        return {}
    return {
        "id": item.id,
        "name": item.name,
        "filename": item.filename,
        "width": item.width or 0,
        "height": item.height or 0,
        "mimetype": item.mimetype,
    }


def annotate(target: Any, **kwargs: Any) -> Annotator:
    """The ``view.annotator`` hook: ``item.annotate()``, ``dataset.annotate(filters=...)``..."""
    return Annotator(target, **kwargs)


_hooks.register("view.annotator", annotate)
