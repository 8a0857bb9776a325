"""The process-wide client behind ``dl.connect``, ``dl.login`` and ``dl.projects`` & co.

Nothing connects at import: the first call that needs the store opens the default one
(the embedded SQLite file, or ``DL_JUPYTER_URL``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dl_jupyter.repositories.client import Client
from dl_jupyter.store.store import Store

_client: Client | None = None


def connect(url: str | None = None, blob_root: str | None = None) -> Client:
    """Open a store and make it the default: no URL gives the embedded SQLite file
    (or ``DL_JUPYTER_URL``); ``sqlite:///path.db`` or ``postgresql+psycopg://...`` pick others.
    Whoever is logged in stays logged in."""
    global _client
    user = _client.user if _client is not None else None
    if _client is not None:
        _client.store.dispose()
    _client = Client(Store(url, blob_root))
    if user is not None:
        _client.login(user)
    return _client


def client() -> Client:
    """The current client, connecting to the default store on first use."""
    return _client if _client is not None else connect()


def login(email: str | None = None) -> str:
    """Act as ``email`` from now on (recorded as creator and updater); no email means
    ``<os user>@localhost``. There is no password: the store's own access control applies."""
    return client().login(email)


def login_m2m(email: str | None = None, password: str | None = None) -> str:
    """The SDK's machine login: the same as ``login(email)`` here."""
    return login(email)


def logout() -> bool:
    """Stop acting as anyone: writes fail until the next ``login``."""
    return client().logout() if _client is not None else True


def token_expired() -> bool:
    """True only when nobody is logged in (there are no tokens to expire)."""
    return _client is None or _client.user is None


def use_attributes_2(state: bool = True) -> None:
    """Attributes are always stored in the 2.0 form (a dict per annotation); kept for the SDK."""


class RepositoryProxy:
    """A module-level repository (``dl.projects``) bound to whatever client is current."""

    def __init__(self, name: str, factory: Callable[[Client], Any]) -> None:
        self._name = name
        self._factory = factory

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._factory(client()), attribute)

    def __repr__(self) -> str:
        return f"<dl.{self._name} of {client().store!r}>"


projects = RepositoryProxy("projects", lambda c: c.projects_repo())
datasets = RepositoryProxy("datasets", lambda c: c.datasets_repo())
items = RepositoryProxy("items", lambda c: c.items_repo())
annotations = RepositoryProxy("annotations", lambda c: c.annotations_repo())
recipes = RepositoryProxy("recipes", lambda c: c.recipes_repo())
ontologies = RepositoryProxy("ontologies", lambda c: c.ontologies_repo())
tasks = RepositoryProxy("tasks", lambda c: c.tasks_repo())
assignments = RepositoryProxy("assignments", lambda c: c.assignments_repo())
