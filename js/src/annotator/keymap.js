// Keys -> actions. The keymap comes from Python ({action: ["Ctrl+z", "ArrowRight", ...]}, already
// in canonical form: modifiers Ctrl, Alt, Shift in that order, letters in lower case, Shift left
// out for other printable characters because the character already says it, e.g. "?").

const NAMED = { " ": "Space", Esc: "Escape", Del: "Delete", Left: "ArrowLeft", Right: "ArrowRight", Up: "ArrowUp", Down: "ArrowDown" };

/** The canonical combo of a keydown event ("Ctrl+Shift+z", "?", "ArrowRight", "Space"). */
export function comboOf(event) {
  let key = NAMED[event.key] ?? event.key;
  const mods = [];
  if (event.ctrlKey || event.metaKey) mods.push("Ctrl");
  if (event.altKey) mods.push("Alt");
  const printable = key.length === 1;
  if (printable) {
    const lower = key.toLowerCase();
    const letter = lower !== key.toUpperCase();
    if (event.shiftKey && letter) mods.push("Shift");
    key = lower;
  } else if (event.shiftKey) {
    mods.push("Shift");
  }
  return [...mods, key].join("+");
}

/** combo -> action, from {action: [combo, ...]}. */
export function buildLookup(keymap) {
  const table = new Map();
  for (const [action, combos] of Object.entries(keymap || {})) {
    for (const combo of combos) table.set(combo, action);
  }
  return table;
}

export function actionFor(table, event) {
  return table.get(comboOf(event)) ?? null;
}

/**
 * Label keys (["1", ..., "0"]) pick labels by position; with Shift they toggle a classification.
 * Digits are matched by their physical key too, so they work on layouts where they need Shift.
 * Returns {index, classify} or null.
 */
export function labelKeyOf(labelKeys, event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  const digit = /^(Digit|Numpad)(\d)$/.exec(event.code || "");
  for (let index = 0; index < labelKeys.length; index += 1) {
    const key = labelKeys[index];
    if (event.key === key || (digit && digit[2] === key)) {
      // Shift+1 types "!" on most layouts; where digits need Shift it still types "1": a label
      return { index, classify: event.shiftKey && event.key !== key };
    }
  }
  return null;
}

/** A combo as the help overlay shows it ("Ctrl+Shift+Z", "Space", "?"). */
export function describe(combo) {
  const parts = combo.split("+");
  const key = parts.pop() || "+";
  const shown = key.length === 1 ? key.toUpperCase() : key.replace(/^Arrow/, "");
  return [...parts.filter(Boolean), shown].join("+");
}
