"""Named hooks through which lower layers reach features that live above them.

An entity's ``item.annotate()`` needs the annotator widget, ``pages.to_df()`` needs the
frames layer, and ``dataset.tasks`` needs the workflows layer, but imports point down only.
So the upper layer registers a function under a name when it is imported, and the lower
layer looks the name up at call time; the first lookup imports the provider module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

# name prefix -> the module that registers hooks with that prefix when imported
PROVIDERS = {
    "repository": "dl_jupyter.workflows",
    "frames": "dl_jupyter.frames",
    "formats": "dl_jupyter.formats",
    "view": "dl_jupyter.widgets",
}

_registry: dict[str, Callable[..., Any]] = {}


def register(name: str, function: Callable[..., Any]) -> None:
    """Provide ``name`` (e.g. ``'view.item'``, ``'repository.tasks'``)."""
    _registry[name] = function


def get(name: str) -> Callable[..., Any]:
    """The function registered as ``name``, importing its provider on first use."""
    if name not in _registry:
        provider = PROVIDERS.get(name.split(".", 1)[0])
        if provider is not None:
            importlib.import_module(provider)
    try:
        return _registry[name]
    except KeyError:
        raise NotImplementedError(f"{name!r} is not available in this installation") from None


def call(name: str, *args: Any, **kwargs: Any) -> Any:
    return get(name)(*args, **kwargs)
