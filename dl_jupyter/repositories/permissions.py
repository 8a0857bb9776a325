"""Who may do what in a project, after the Dataloop SDK's "Prerequisites" per role."""

from __future__ import annotations

from enum import Enum

from dl_jupyter.enums import MemberRole

OWNER = MemberRole.OWNER.value
DEVELOPER = MemberRole.DEVELOPER.value
MANAGER = MemberRole.ANNOTATION_MANAGER.value
ANNOTATOR = MemberRole.ANNOTATOR.value
ROLES = (OWNER, DEVELOPER, MANAGER, ANNOTATOR)
# The SDK writes the developer role both ways.
ROLE_ALIASES = {"developer": DEVELOPER, "annotation_manager": MANAGER, "annotationmanager": MANAGER}


class Action(str, Enum):
    """Operations that need a role; the value names the operation in error messages."""

    READ = "read the project"
    MANAGE_MEMBERS = "manage project members"
    DELETE_PROJECT = "delete the project"
    UPDATE_PROJECT = "update the project"
    WRITE_DATASETS = "create, change or delete datasets"
    WRITE_RECIPES = "change recipes and ontologies"
    UPLOAD_ITEMS = "upload items"
    WRITE_ITEMS = "change or delete items"
    WRITE_ANNOTATIONS = "create or change annotations"
    MANAGE_TASKS = "create or manage tasks"
    WORK_ON_TASKS = "work on task items"


ALLOWED: dict[Action, tuple[str, ...]] = {
    Action.READ: ROLES,
    Action.MANAGE_MEMBERS: (OWNER,),
    Action.DELETE_PROJECT: (OWNER,),
    Action.UPDATE_PROJECT: (OWNER, DEVELOPER),
    Action.WRITE_DATASETS: (OWNER, DEVELOPER),
    Action.WRITE_RECIPES: (OWNER, DEVELOPER),
    Action.UPLOAD_ITEMS: ROLES,
    Action.WRITE_ITEMS: (OWNER, DEVELOPER),
    Action.WRITE_ANNOTATIONS: ROLES,
    Action.MANAGE_TASKS: (OWNER, DEVELOPER, MANAGER),
    Action.WORK_ON_TASKS: ROLES,
}


def normalise_role(role: object) -> str | None:
    """The stored name of ``role`` (an enum, or any spelling the SDK uses), or None if unknown."""
    text = str(getattr(role, "value", role))
    if text in ROLES:
        return text
    return ROLE_ALIASES.get(text.lower())


def allowed(role: str | None, action: Action) -> bool:
    return role is not None and role in ALLOWED[action]
