"""``dl.projects``: create, get, list, update, delete and check out projects; manage members."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from dl_jupyter.entities.project import Project
from dl_jupyter.enums import MemberRole
from dl_jupyter.exceptions import BadRequestError, ConflictError, ForbiddenError, NotFoundError
from dl_jupyter.repositories import rows
from dl_jupyter.repositories.base import Repository
from dl_jupyter.repositories.client import EMAIL
from dl_jupyter.repositories.permissions import OWNER, Action, normalise_role
from dl_jupyter.store import schema
from dl_jupyter.store.timeutil import new_id, now_iso

p = schema.projects
m = schema.project_members


def _name(name: Any, what: str = "project") -> str:
    if not isinstance(name, str) or not name.strip():
        raise BadRequestError(f"A {what} name must be a non-empty string, got {name!r}")
    return name


class Projects(Repository):
    """Projects the acting user is a member of."""

    def create(self, project_name: str, checkout: bool = False) -> Project:
        """A new project; its creator becomes its owner. Any user can create a project."""
        user = self.client.require_user()
        now = now_iso()
        project_id = new_id()
        with self.store.write() as conn:
            if conn.execute(sa.select(p.c.id).where(p.c.name == _name(project_name))).first():
                raise ConflictError(f"Project already exists. Name: {project_name!r}")
            conn.execute(
                p.insert().values(
                    id=project_id,
                    name=project_name,
                    metadata={},
                    creator=user,
                    created_at=now,
                    updated_by=user,
                    updated_at=now,
                )
            )
            conn.execute(
                m.insert().values(project_id=project_id, email=user, role=OWNER, created_at=now)
            )
        project = self.get(project_id=project_id)
        if checkout:
            self.checkout(project=project)
        return project

    def get(
        self,
        project_name: str | None = None,
        project_id: str | None = None,
        checkout: bool = False,
        fetch: Any = None,
        log_error: bool = True,
    ) -> Project:
        """A project by name or id, or the checked-out one."""
        if project_name is None and project_id is None:
            project_id = self.client.checked_out("project")
            if project_id is None:
                raise BadRequestError(
                    "Give project_name or project_id, or check out a project first"
                )
        query = sa.select(p)
        query = (
            query.where(p.c.id == project_id)
            if project_id
            else query.where(p.c.name == project_name)
        )
        with self.store.read() as conn:
            row = conn.execute(query).first()
            if row is None:
                what = f"Id: {project_id!r}" if project_id else f"Name: {project_name!r}"
                raise NotFoundError(f"Project not found. {what}")
            role = self.client.role_in(row.id, conn)
        if role is None:
            raise ForbiddenError(
                f"{self.client.require_user()} is not a member of project {row.name!r}"
            )
        project = rows.project(row, self.client, role)
        if checkout:
            self.checkout(project=project)
        return project

    def list(self) -> list[Project]:
        """The acting user's projects, by name."""
        user = self.client.require_user()
        query = sa.select(p, m.c.role).join(m, m.c.project_id == p.c.id).where(m.c.email == user)
        with self.store.read() as conn:
            return [
                rows.project(r, self.client, r.role) for r in conn.execute(query.order_by(p.c.name))
            ]

    def update(self, project: Project, system_metadata: bool = False) -> Project:
        user = self.client.require(project.id, Action.UPDATE_PROJECT)
        with self.store.write() as conn:
            clash = conn.execute(
                sa.select(p.c.id).where(p.c.name == _name(project.name), p.c.id != project.id)
            )
            if clash.first():
                raise ConflictError(f"Project already exists. Name: {project.name!r}")
            result = conn.execute(
                p.update()
                .where(p.c.id == project.id, p.c.version == project.version)
                .values(
                    name=project.name,
                    metadata=project.metadata,
                    updated_by=user,
                    updated_at=now_iso(),
                    version=p.c.version + 1,
                )
            )
            self._check_version(result, f"Project {project.name!r}")
        return project._refresh_from(self.get(project_id=project.id))

    def delete(
        self,
        project_name: str | None = None,
        project_id: str | None = None,
        sure: bool = False,
        really: bool = False,
    ) -> bool:
        """Delete a project and everything in it, forever (needs ``sure=True, really=True``)."""
        if not (sure and really):
            raise BadRequestError("Deleting a project is forever: pass sure=True, really=True")
        project = self.get(project_name=project_name, project_id=project_id)
        self.client.require(project.id, Action.DELETE_PROJECT)
        dataset_ids = []
        with self.store.write() as conn:
            dataset_ids = list(
                conn.execute(
                    sa.select(schema.datasets.c.id).where(
                        schema.datasets.c.project_id == project.id
                    )
                ).scalars()
            )
        datasets = self.client.datasets_repo(project_id=project.id)
        for dataset_id in dataset_ids:
            datasets.delete(dataset_id=dataset_id, sure=True, really=True)
        with self.store.write() as conn:
            conn.execute(p.delete().where(p.c.id == project.id))
        if self.client.checked_out("project") == project.id:
            self.client.checkout("project", None)
        return True

    def checkout(
        self,
        identifier: str | None = None,
        project_name: str | None = None,
        project_id: str | None = None,
        project: Project | None = None,
    ) -> None:
        """Make a project the default of later calls (remembered for this store)."""
        if project is None:
            if identifier is not None:
                project = self._by_identifier(identifier)
            else:
                project = self.get(project_name=project_name, project_id=project_id)
        self.client.checkout("project", project.id)

    def _by_identifier(self, identifier: str) -> Project:
        """A project by name, or by an id prefix that matches exactly one project."""
        with self.store.read() as conn:
            row = conn.execute(sa.select(p.c.id).where(p.c.name == identifier)).first()
            if row is None:
                found = conn.execute(
                    sa.select(p.c.id).where(p.c.id.startswith(identifier, autoescape=True))
                ).all()
                if len(found) != 1:
                    raise NotFoundError(f"Project not found. Identifier: {identifier!r}")
                row = found[0]
        return self.get(project_id=row.id)

    def open_in_web(
        self,
        project_name: str | None = None,
        project_id: str | None = None,
        project: Project | None = None,
    ) -> None:
        (project or self.get(project_name=project_name, project_id=project_id)).open_in_web()

    # -- members -------------------------------------------------------------------------
    def add_member(self, email: str, project_id: str, role: Any = MemberRole.DEVELOPER) -> dict:
        """Add a member with a role; only owners manage members."""
        role_name = _role(role)
        if not isinstance(email, str) or not EMAIL.match(email):
            raise BadRequestError(f"A member is an email address, got {email!r}")
        self.client.require(project_id, Action.MANAGE_MEMBERS)
        now = now_iso()
        with self.store.write() as conn:
            if conn.execute(
                sa.select(m.c.role).where(m.c.project_id == project_id, m.c.email == email)
            ).first():
                raise ConflictError(f"{email} is already a member of project {project_id}")
            if not conn.execute(
                sa.select(schema.users.c.email).where(schema.users.c.email == email)
            ).first():
                conn.execute(schema.users.insert().values(email=email, created_at=now))
            conn.execute(
                m.insert().values(
                    project_id=project_id, email=email, role=role_name, created_at=now
                )
            )
        return {"email": email, "role": role_name, "projectId": project_id, "createdAt": now}

    def update_member(self, email: str, project_id: str, role: Any = MemberRole.DEVELOPER) -> dict:
        role_name = _role(role)
        self.client.require(project_id, Action.MANAGE_MEMBERS)
        with self.store.write() as conn:
            self._keep_an_owner(conn, project_id, email, role_name)
            result = conn.execute(
                m.update()
                .where(m.c.project_id == project_id, m.c.email == email)
                .values(role=role_name)
            )
            if result.rowcount == 0:
                raise NotFoundError(f"{email} is not a member of project {project_id}")
        return {"email": email, "role": role_name, "projectId": project_id}

    def remove_member(self, email: str, project_id: str) -> bool:
        self.client.require(project_id, Action.MANAGE_MEMBERS)
        with self.store.write() as conn:
            self._keep_an_owner(conn, project_id, email, None)
            result = conn.execute(
                m.delete().where(m.c.project_id == project_id, m.c.email == email)
            )
            if result.rowcount == 0:
                raise NotFoundError(f"{email} is not a member of project {project_id}")
        return True

    def list_members(
        self, project: Project | None = None, role: Any = None, project_id: str | None = None
    ) -> list[dict]:
        project_id = project.id if project is not None else project_id
        if project_id is None:
            raise BadRequestError("list_members needs project or project_id")
        self.client.require(project_id, Action.MANAGE_MEMBERS)
        query = sa.select(m).where(m.c.project_id == project_id).order_by(m.c.email)
        if role is not None:
            query = query.where(m.c.role == _role(role))
        with self.store.read() as conn:
            return [
                {
                    "email": r.email,
                    "role": r.role,
                    "projectId": r.project_id,
                    "createdAt": r.created_at,
                }
                for r in conn.execute(query)
            ]

    @staticmethod
    def _keep_an_owner(conn: Any, project_id: str, email: str, new_role: str | None) -> None:
        if new_role == OWNER:
            return
        owners = set(
            conn.execute(
                sa.select(m.c.email).where(m.c.project_id == project_id, m.c.role == OWNER)
            ).scalars()
        )
        if owners == {email}:
            raise BadRequestError(
                f"{email} is the project's only owner; make someone else owner first"
            )


def _role(role: Any) -> str:
    name = normalise_role(role)
    if name is None:
        raise BadRequestError(
            f"Unknown role {role!r}; use one of owner, developer, annotationManager, annotator"
        )
    return name
