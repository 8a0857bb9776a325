"""What every entity shares: a client to reach its repositories, JSON, reprs and printing.

Entities are plain dataclasses. They reach the store only through ``_client`` (the
repositories layer hands itself in), so this layer imports nothing from above it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from dl_jupyter import _html
from dl_jupyter.exceptions import BadRequestError


@dataclass(repr=False, eq=False)
class BaseEntity:
    """An entity read from (or about to be written to) the store."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "name")
    _client: Any = field(default=None, repr=False, compare=False)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and getattr(other, "id", None) == getattr(self, "id", None)

    def __hash__(self) -> int:
        return hash((type(self).__name__, getattr(self, "id", None)))

    @property
    def client(self) -> Any:
        if self._client is None:
            raise BadRequestError(f"This {type(self).__name__} is not bound to a store")
        return self._client

    def _refresh_from(self, fresh: BaseEntity) -> BaseEntity:
        """Take the stored state of ``fresh`` (after a write), so this object is not stale."""
        for name, value in vars(fresh).items():
            if name != "_client":
                setattr(self, name, value)
        return self

    def to_json(self) -> dict:
        """The platform JSON of the entity (camelCase keys)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        parts = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._REPR_FIELDS)
        return f"{type(self).__name__}({parts})"

    def print(self) -> None:
        """Print the entity's JSON, indented."""
        print(json.dumps(self.to_json(), indent=2, default=str))

    def _html_rows(self) -> list[tuple[object, object]]:
        return [(name, getattr(self, name)) for name in self._REPR_FIELDS]

    def _repr_html_(self) -> str:
        return _html.table(self._html_rows(), title=type(self).__name__)

    def open_in_web(self) -> None:
        """There is no web platform: show the entity in the notebook instead."""
        try:
            from IPython.display import display
        except ImportError:  # not in IPython
            print(repr(self))
        else:
            display(self)
