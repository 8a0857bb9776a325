"""Custom task routers with Prodigy's signature: ``router(ctrl, session_id, item) -> [sessions]``.

A session is an assignee of the task (an email). When an assignee pulls work, each item not
yet routed goes through the router, which names the sessions that get it; ``[]`` routes it to
nobody. The item is a dict of its user metadata, its JSON and a stable ``_task_hash``, so
routers such as ``item['_task_hash'] % len(ctrl.session_ids)`` stay consistent. Routers are
Python functions: a task keeps where its router lives ('module:name') and every process
imports it from there, or gets it from ``task.set_router(fn)``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.workflows.hashing import TASK_HASH_ATTR

Router = Callable[[Any, str, dict], list]
_attached: dict[str, Router] = {}  # task id -> router given in this process


def attach(task_id: str, router: Router) -> None:
    _attached[task_id] = router


def router_of(task: Any) -> Router | None:
    """The task's router function, or None for a task without one."""
    reference = task.settings.get("router")
    if reference is None:
        return None
    if task.id in _attached:
        return _attached[task.id]
    module_name, _, qualname = reference.partition(":")
    try:
        module = (
            sys.modules["__main__"]
            if module_name == "__main__"
            else importlib.import_module(module_name)
        )
        found: Any = module
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        found = None
    if not callable(found):
        raise BadRequestError(
            f"Task {task.name!r} routes items with {reference}, which this process cannot find: "
            "define or import it, then call task.set_router(router)"
        )
    return found


class Database:
    """``ctrl.db``: what a router may ask about the item being routed."""

    def __init__(self, controller: Controller) -> None:
        self._controller = controller

    def get_hash_count(
        self, dataset: Any = None, session_id: Any = None, kind: str = "task"
    ) -> int:
        """How many sessions already hold the item being routed (Prodigy counts how often its
        task hash was annotated; the seed passes a session id here, which changes nothing)."""
        return self._controller.holders_of_current()


class Controller:
    """Prodigy's ``ctrl`` for routers: the task's sessions and how to name and confirm them."""

    def __init__(
        self,
        task: Any,
        sessions: list[str],
        members: list[str],
        join: Callable[[str], None],
        holders: Callable[[], int],
    ) -> None:
        self._task = task
        self._sessions = sessions
        self._members = members
        self._join = join
        self._holders = holders
        self.db = Database(self)

    @property
    def dataset(self) -> str:
        """The name annotations are saved under: the task's name."""
        return self._task.name

    @property
    def session_ids(self) -> list[str]:
        """The task's sessions (assignees), in the order they joined; a copy, safe to change."""
        return list(self._sessions)

    def get_session_name(self, name: str) -> str:
        """The session of a person: an email as it is, else the member whose email starts
        with ``name@``."""
        if name in self._sessions or "@" in name:
            return name
        for email in [*self._sessions, *self._members]:
            if email.split("@", 1)[0] == name:
                return email
        raise BadRequestError(
            f"No project member is called {name!r}; routers name sessions by "
            f"email or by the part before '@'"
        )

    def confirm_session(self, session_id: str) -> None:
        """Make sure ``session_id`` is a session of the task (joining it if allowed)."""
        if session_id not in self._sessions:
            self._join(session_id)
            self._sessions.append(session_id)

    def holders_of_current(self) -> int:
        return self._holders()


def route(router: Router, ctrl: Controller, session_id: str, item: dict) -> list[str]:
    """Call the router and check its answer: a list of the task's sessions."""
    chosen = router(ctrl, session_id, item)
    if chosen is None:
        chosen = []
    if isinstance(chosen, str) or not isinstance(chosen, (list, tuple)):
        raise BadRequestError(f"A task router returns a list of sessions, got {chosen!r}")
    unknown = [s for s in chosen if s not in ctrl.session_ids]
    if unknown:
        raise BadRequestError(
            f"The task router returned unknown session(s) {unknown}; sessions are "
            f"{ctrl.session_ids} (call ctrl.confirm_session(name) to add one)"
        )
    return list(dict.fromkeys(chosen))


def router_item(item: Any, item_hash: int) -> dict:
    """What a router sees of an item: its user metadata at the top, its JSON, its task hash."""
    user = item.metadata.get("user") or {}
    return {**user, **item.to_json(), TASK_HASH_ATTR: item_hash, "_input_hash": item_hash}
