"""The errors dl_jupyter raises.

Every error carries an HTTP-like status code, as the Dataloop SDK's do, and a message
that names the offending field and value::

    DlError
     +-- BadRequestError   400  malformed input: unknown operator, negative box, bad path
     +-- ForbiddenError    403  the acting user's role does not allow the operation
     +-- NotFoundError     404  no entity with that name or id
     +-- ConflictError     409  duplicate name, or a stale version overwritten elsewhere

``NotFound``, ``BadRequest``, ``Forbidden`` and ``Conflict`` are the SDK's names for them.
"""

from __future__ import annotations


class DlError(Exception):
    """Base class: ``status_code`` and ``message``, shown as ``('404', "...")`` like the SDK."""

    status_code = "500"

    def __init__(self, message: str) -> None:
        super().__init__(self.status_code, message)
        self.message = message

    def __str__(self) -> str:
        return f"('{self.status_code}', {self.message!r})"


class BadRequestError(DlError, ValueError):
    """The request is malformed: an unknown field or operator, an invalid geometry, a bad path."""

    status_code = "400"


class ForbiddenError(DlError, PermissionError):
    """The acting user may not do this (a role's prerequisite is missing, or nobody logged in)."""

    status_code = "403"


class NotFoundError(DlError, LookupError):
    """No entity, item or local path matches what was asked."""

    status_code = "404"


class ConflictError(DlError):
    """A duplicate, or a write based on a version that someone else has changed since."""

    status_code = "409"


NotFound = NotFoundError
BadRequest = BadRequestError
Forbidden = ForbiddenError
Conflict = ConflictError
PlatformException = DlError

__all__ = [
    "BadRequest",
    "BadRequestError",
    "Conflict",
    "ConflictError",
    "DlError",
    "Forbidden",
    "ForbiddenError",
    "NotFound",
    "NotFoundError",
    "PlatformException",
]
