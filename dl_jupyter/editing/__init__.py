"""The annotator's edit state in plain Python: shapes, selection, undo/redo, recipe checks.

``EditSession`` holds one item's shapes and writes every edit through the repositories at
once (with version checks); ``RecipeRules`` says what labels and attribute values the recipe
allows; cursors walk the items being annotated. Nothing here imports a widget library: the
annotator widget is a thin view over these classes, and tests drive them directly.
"""

from dl_jupyter.editing.geometry import from_definition, to_definition
from dl_jupyter.editing.history import History, Snapshot
from dl_jupyter.editing.navigation import ItemCursor, ResumePoints, cursor_for
from dl_jupyter.editing.recipe import LabelInfo, RecipeRules
from dl_jupyter.editing.session import EditSession, rules_of

__all__ = [
    "EditSession",
    "History",
    "ItemCursor",
    "LabelInfo",
    "RecipeRules",
    "ResumePoints",
    "Snapshot",
    "cursor_for",
    "from_definition",
    "rules_of",
    "to_definition",
]
