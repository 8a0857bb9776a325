"""The client: one store, the acting user, checkouts, and the repositories bound to them.

Entities reach their repositories through the client (``item.annotations`` calls
``client.annotations_repo(item=item)``), which is how the entity layer stays free of imports
from this one. Repositories of the layers above come through ``dl_jupyter._hooks``.
"""

from __future__ import annotations

import getpass
import json
import os
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from dl_jupyter import _hooks
from dl_jupyter.exceptions import BadRequestError, ForbiddenError
from dl_jupyter.repositories.permissions import Action, allowed
from dl_jupyter.store import schema
from dl_jupyter.store.store import Store, data_dir
from dl_jupyter.store.timeutil import now_iso

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def default_user() -> str:
    """Who ``dl.login()`` logs in without an email: ``$DL_JUPYTER_USER``, else
    ``<os user>@localhost``."""
    return os.environ.get("DL_JUPYTER_USER") or f"{getpass.getuser()}@localhost"


class Client:
    """Everything a repository needs: the store, who is acting, and what is checked out."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.user: str | None = None
        self._checkout: dict[str, str] = self._load_checkout()

    # -- identity ------------------------------------------------------------------------
    def login(self, email: str | None = None) -> str:
        email = default_user() if email is None else email
        if not isinstance(email, str) or not EMAIL.match(email):
            raise BadRequestError(f"Log in with an email address, got {email!r}")
        with self.store.write() as conn:
            known = conn.execute(
                sa.select(schema.users.c.email).where(schema.users.c.email == email)
            ).first()
            if known is None:
                conn.execute(schema.users.insert().values(email=email, created_at=now_iso()))
        self.user = email
        return email

    def logout(self) -> bool:
        self.user = None
        return True

    def require_user(self) -> str:
        if self.user is None:
            raise ForbiddenError("Nobody is logged in: call dl.login(email) first")
        return self.user

    def role_in(self, project_id: str, conn: Any = None) -> str | None:
        """The acting user's role in the project, or None."""
        if self.user is None:
            return None
        m = schema.project_members
        query = sa.select(m.c.role).where(m.c.project_id == project_id, m.c.email == self.user)
        if conn is not None:
            return conn.execute(query).scalar()
        with self.store.read() as c:
            return c.execute(query).scalar()

    def require(self, project_id: str, action: Action, conn: Any = None) -> str:
        """The acting user, if their role in the project allows ``action``; else ForbiddenError."""
        user = self.require_user()
        role = self.role_in(project_id, conn)
        if not allowed(role, action):
            who = f"role {role!r}" if role else "no role"
            raise ForbiddenError(
                f"{user} has {who} in project {project_id} and may not {action.value}"
            )
        return user

    # -- checkout (remembered per store in the user's data folder) ---------------------------
    def _checkout_file(self) -> Any:
        return data_dir() / "checkout.json"

    def _load_checkout(self) -> dict[str, str]:
        try:
            saved = json.loads(self._checkout_file().read_text())
        except (OSError, ValueError):
            return {}
        entry = saved.get(self.store.display_url, {})
        return entry if isinstance(entry, dict) else {}

    def checkout(self, kind: str, entity_id: str | None) -> None:
        if entity_id is None:
            self._checkout.pop(kind, None)
        else:
            self._checkout[kind] = entity_id
        path = self._checkout_file()
        try:
            saved = json.loads(path.read_text())
        except (OSError, ValueError):
            saved = {}
        saved[self.store.display_url] = self._checkout
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(saved, indent=2))

    def checked_out(self, kind: str) -> str | None:
        return self._checkout.get(kind)

    # -- repositories --------------------------------------------------------------------
    def projects_repo(self) -> Any:
        from dl_jupyter.repositories.projects import Projects

        return Projects(self)

    def datasets_repo(self, project: Any = None, project_id: str | None = None) -> Any:
        from dl_jupyter.repositories.datasets import Datasets

        return Datasets(self, project_id=getattr(project, "id", project_id))

    def items_repo(self, dataset: Any = None, dataset_id: str | None = None) -> Any:
        from dl_jupyter.repositories.items import Items

        return Items(self, dataset=dataset, dataset_id=dataset_id)

    def annotations_repo(
        self,
        item: Any = None,
        item_id: str | None = None,
        dataset: Any = None,
        dataset_id: str | None = None,
    ) -> Any:
        from dl_jupyter.repositories.annotations import Annotations

        return Annotations(self, item=item, item_id=item_id, dataset=dataset, dataset_id=dataset_id)

    def recipes_repo(self, project_id: str | None = None, dataset: Any = None) -> Any:
        from dl_jupyter.repositories.recipes import Recipes

        return Recipes(self, project_id=project_id, dataset=dataset)

    def ontologies_repo(self, project_id: str | None = None, recipe: Any = None) -> Any:
        from dl_jupyter.repositories.recipes import Ontologies

        return Ontologies(self, project_id=project_id, recipe=recipe)

    @staticmethod
    def frames(kind: str) -> Callable[[Any], Any]:
        """The DataFrame view of pages of ``kind`` (hook ``frames.<kind>``), found when called."""
        return lambda pages: _hooks.call(f"frames.{kind}", pages)

    def __getattr__(self, name: str) -> Any:
        """``tasks_repo``, ``assignments_repo``...: repositories of the layers above (hooks
        ``repository.<name>``, called as ``factory(client, **scope)``)."""
        if name.endswith("_repo") and not name.startswith("_"):
            factory = _hooks.get(f"repository.{name[: -len('_repo')]}")
            return lambda **scope: factory(self, **scope)
        raise AttributeError(name)
