"""``AnnotatorPage``: the page ``voila notebooks/annotate.ipynb`` serves to annotators.

The annotator says who they are (``?user=`` in the page's address, or the field at the top),
picks one of the tasks they hold an assignment in (``&task=`` picks one by name or id), and
labels their queue of that task in the annotator; no code shows. The page acts through a
client of its own on the store of ``dl.client()``, so it never changes who the notebook's
own code is logged in as. As with ``dl.login``, a name is not a password: the page is for a
team that shares a store and trusts each other with it.
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from dl_jupyter import _html, api
from dl_jupyter.exceptions import BadRequestError, DlError, NotFoundError
from dl_jupyter.repositories.client import Client

CHOOSE = ""  # the task picker's value while no task is chosen


@dataclass(frozen=True)
class PageRequest:
    """What the page's address asks for: who is labeling, and which task."""

    user: str | None = None
    task: str | None = None


def parse_query(query_string: str | None) -> PageRequest:
    """``user`` and ``task`` from a query string such as ``user=a%40x.com&task=boxes``."""
    values = urllib.parse.parse_qs(query_string or "")

    def first(key: str) -> str | None:
        found = [v.strip() for v in values.get(key, []) if v.strip()]
        return found[0] if found else None

    return PageRequest(user=first("user"), task=first("task"))


def assigned_tasks(client: Any) -> list[Any]:
    """The tasks in which the logged-in user holds an assignment, oldest assignment first."""
    assignments = client.assignments_repo().list(assignee_id=client.require_user())
    tasks = client.tasks_repo()
    return [tasks.get(task_id=task_id) for task_id in dict.fromkeys(a.task_id for a in assignments)]


def find_task(client: Any, tasks: list[Any], wanted: str) -> Any:
    """The task ``wanted`` names or identifies: one of ``tasks`` (the user's) first, else any
    task of the user's projects (a pulling task they have not joined yet)."""
    for task in tasks:
        if task.id == wanted:
            return task
    named = [task for task in tasks if task.name == wanted]
    if len(named) > 1:
        raise BadRequestError(f"Several of your tasks are named {wanted!r}: give the task's id")
    if named:
        return named[0]
    repo = client.tasks_repo()
    try:
        return repo.get(task_id=wanted)
    except NotFoundError:
        return repo.get(task_name=wanted)


def task_choices(tasks: list[Any]) -> list[tuple[str, str]]:
    """(label, task id) for the picker: the task's name, with its id where names repeat."""
    names = [task.name for task in tasks]
    return [
        (task.name if names.count(task.name) == 1 else f"{task.name} ({task.id})", task.id)
        for task in tasks
    ]


class AnnotatorPage(widgets.VBox):
    """Log in by name, choose one of your tasks, label its items: a page without code.

    ``user`` and ``task`` (a name or an id) default to the page address's query string
    (Voila passes it to the kernel as ``QUERY_STRING``; give ``query_string=`` to override);
    ``client`` defaults to ``dl.client()``'s store; other keywords go to the annotator
    (``height=``, ``keymap=``, ``label_keys=``...).
    """

    def __init__(
        self,
        user: str | None = None,
        task: str | None = None,
        *,
        client: Any = None,
        query_string: str | None = None,
        **annotator_options: Any,
    ) -> None:
        asked = parse_query(
            os.environ.get("QUERY_STRING", "") if query_string is None else query_string
        )
        self._store = (client or api.client()).store
        self._options = annotator_options
        self.client: Client | None = None
        self.tasks: list[Any] = []
        self.task: Any = None
        self.annotator: Any = None
        self.user_field = widgets.Text(
            value=user or asked.user or "",
            placeholder="you@example.com",
            description="Your email",
            continuous_update=False,
        )
        self.start_button = widgets.Button(description="Start", button_style="primary")
        self.task_picker = widgets.Dropdown(description="Task", options=[], disabled=True)
        self.message = widgets.HTML()
        self.stage = widgets.VBox()
        super().__init__(
            [
                widgets.HBox([self.user_field, self.start_button, self.task_picker]),
                self.message,
                self.stage,
            ]
        )
        self.add_class("dl-annotator-page")
        self.user_field.observe(lambda change: self.log_in(change["new"]), "value")
        self.start_button.on_click(lambda _button: self.log_in(self.user_field.value))
        self.task_picker.observe(self._on_pick, "value")
        if self.user_field.value:
            self.log_in(self.user_field.value, task=task or asked.task)
        else:
            self._say(
                "Type your email and press Enter, or open this page with "
                "<code>?user=you@example.com</code> at the end of its address."
            )

    # -- what the controls do --------------------------------------------------------------
    def log_in(self, email: str, task: str | None = None) -> None:
        """Act as ``email``: list their tasks and open ``task`` (or their only task)."""
        email = (email or "").strip()
        if self.client is not None and self.client.user == email and task is None:
            return
        self._close_annotator()
        try:
            client = Client(self._store)
            client.login(email)
            tasks = assigned_tasks(client)
        except DlError as error:
            self.client, self.tasks = None, []
            self._offer([])
            self._say(_html.esc(error.message), level="error")
            return
        self.client, self.tasks = client, tasks
        chosen, problem = (tasks[0] if len(tasks) == 1 and not task else None), None
        if task:
            try:
                chosen = find_task(client, tasks, task)
            except DlError as error:
                problem = error.message
        if chosen is not None and chosen not in tasks:
            tasks.append(chosen)  # a task the user may join, asked for by the page's address
        self._offer(tasks)
        if chosen is not None:
            self.open_task(chosen)
        elif problem is not None:
            self._say(_html.esc(problem), level="error")
        elif tasks:
            self._say(f"Hello {_html.esc(email)}: choose a task to start labeling.")
        else:
            self._say(
                f"No task is assigned to {_html.esc(email)} in this store "
                f"({_html.esc(self._store.display_url)}). Ask your labeling manager to assign "
                "you one, then reload this page.",
                level="warning",
            )

    def open_task(self, task: Any) -> None:
        """Label the logged-in user's queue of ``task``."""
        self._close_annotator()
        try:
            annotator = task.annotate(**self._options)
        except DlError as error:
            self._say(_html.esc(error.message), level="error")
            return
        annotator.add_class("dl-page-annotator")
        self.task, self.annotator = task, annotator
        self.task_picker.value = task.id  # self.task is set: _on_pick does not open it again
        self.stage.children = [annotator]
        done, total = annotator.position["value"]
        if annotator.item is None:
            self._say(
                f"Nothing is waiting for you in task {_html.esc(task.name)}: "
                f"{done} of {total} items done.",
            )
        else:
            self._say(
                f"Labeling task {_html.esc(task.name)} as {_html.esc(self.client.user)}. "
                "Every shape is saved as you draw it; a status button moves to the next item."
            )

    def close(self) -> None:
        """Close the page and its annotator (which stops the annotator's decoding thread)."""
        if hasattr(self, "stage"):  # ipywidgets closes half-built widgets too
            self._close_annotator()
        super().close()

    # -- helpers ---------------------------------------------------------------------------
    def _offer(self, tasks: list[Any]) -> None:
        options = task_choices(tasks)
        # new options select the first one: "Choose a task", which opens nothing
        self.task_picker.options = [("Choose a task", CHOOSE), *options] if options else []
        self.task_picker.disabled = not options

    def _on_pick(self, change: dict) -> None:
        chosen = next((task for task in self.tasks if task.id == change["new"]), None)
        if chosen is not None and chosen is not self.task:
            self.open_task(chosen)

    def _close_annotator(self) -> None:
        if self.annotator is not None:
            self.annotator.close()
        self.task, self.annotator = None, None
        self.stage.children = []

    def _say(self, html_text: str, level: str = "info") -> None:
        colour = {"info": "inherit", "warning": "#8a5300", "error": "#b00020"}[level]
        self.message.value = (
            f"<p class='dl-page-message dl-mod-{level}' style='color:{colour}'>{html_text}</p>"
        )
