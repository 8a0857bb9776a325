"""The annotator's keys: defaults, and checking a keymap given from Python.

A keymap maps actions to key combos, written like ``"Ctrl+Shift+z"``, ``"ArrowRight"``,
``"Delete"`` or ``"?"``. Combos are brought into the form the browser compares against
(``js/src/annotator/keymap.js``): modifiers Ctrl, Alt, Shift in that order, letters in lower
case, and no Shift on other printable characters (the character already says it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dl_jupyter.exceptions import BadRequestError

DEFAULT_KEYMAP: dict[str, list[str]] = {
    "select": ["v"],
    "box": ["b"],
    "rotated_box": ["r"],
    "polygon": ["g"],
    "polyline": ["l"],
    "point": ["o"],
    "ellipse": ["e"],
    "next": ["ArrowRight", "n"],
    "previous": ["ArrowLeft", "p"],
    "delete": ["Delete", "Backspace"],
    "undo": ["Ctrl+z"],
    "redo": ["Ctrl+Shift+z", "Ctrl+y"],
    "submit": ["Enter"],
    "cancel": ["Escape"],
    "fit": ["f"],
    "actual_size": ["a"],
    "zoom_in": ["+", "="],
    "zoom_out": ["-"],
    "help": ["?", "h"],
    "copy_previous": ["c"],
    "select_next": ["Tab"],
    "select_previous": ["Shift+Tab"],
}
DEFAULT_LABEL_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]

MODIFIERS = {
    "ctrl": "Ctrl",
    "control": "Ctrl",
    "cmd": "Ctrl",
    "meta": "Ctrl",
    "alt": "Alt",
    "option": "Alt",
    "shift": "Shift",
}
NAMED_KEYS = {
    name.lower(): name
    for name in (
        "ArrowLeft",
        "ArrowRight",
        "ArrowUp",
        "ArrowDown",
        "Delete",
        "Backspace",
        "Enter",
        "Escape",
        "Tab",
        "Home",
        "End",
        "PageUp",
        "PageDown",
        "Insert",
        "Space",
        *(f"F{n}" for n in range(1, 13)),
    )
} | {
    "esc": "Escape",
    "del": "Delete",
    "left": "ArrowLeft",
    "right": "ArrowRight",
    "up": "ArrowUp",
    "down": "ArrowDown",
    "return": "Enter",
}
ORDER = ("Ctrl", "Alt", "Shift")


def normalize_combo(combo: object) -> str:
    """``combo`` in canonical form; BadRequestError for anything that is not a key."""
    if not isinstance(combo, str) or not combo.strip():
        raise BadRequestError(f"A key must be a non-empty string like 'Ctrl+z', got {combo!r}")
    text = combo.strip()
    if text == "+":
        parts = ["+"]
    elif text.endswith("++"):
        parts = [*text[:-2].split("+"), "+"]
    else:
        parts = text.split("+")
    *mods, key = parts
    seen = set()
    for mod in mods:
        if mod.lower() not in MODIFIERS:
            raise BadRequestError(
                f"Unknown modifier {mod!r} in key {combo!r}; use Ctrl, Alt or Shift"
            )
        seen.add(MODIFIERS[mod.lower()])
    if len(key) == 1:
        letter = key.lower() != key.upper()
        if not letter:
            seen.discard("Shift")
        key = key.lower()
    elif key.lower() in NAMED_KEYS:
        key = NAMED_KEYS[key.lower()]
    else:
        raise BadRequestError(
            f"Unknown key {key!r} in {combo!r}; use a character or a key name "
            "such as ArrowRight, Delete, Enter, Escape, Tab"
        )
    return "+".join([*(m for m in ORDER if m in seen), key])


def build_keymap(
    overrides: Mapping[str, str | Sequence[str]] | None = None,
) -> dict[str, list[str]]:
    """The default keymap with ``overrides`` ({action: key or [keys]}) applied and checked.

    An overridden key is taken away from any other action that had it, so one key never
    means two things.
    """
    keymap = {action: list(keys) for action, keys in DEFAULT_KEYMAP.items()}
    for action, keys in (overrides or {}).items():
        if action not in keymap:
            raise BadRequestError(f"Unknown annotator action {action!r}; actions: {sorted(keymap)}")
        combos = [normalize_combo(k) for k in ([keys] if isinstance(keys, str) else list(keys))]
        for other in keymap.values():
            other[:] = [k for k in other if k not in combos]
        keymap[action] = combos
    return keymap


def checked_label_keys(keys: Sequence[str] | None = None) -> list[str]:
    """Keys picking labels by position (number keys unless given): single characters."""
    chosen = list(DEFAULT_LABEL_KEYS if keys is None else keys)
    for key in chosen:
        if not isinstance(key, str) or len(key) != 1:
            raise BadRequestError(f"Label keys are single characters, got {key!r}")
    return [k.lower() for k in chosen]
