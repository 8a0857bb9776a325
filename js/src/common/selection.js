// Click selection over the tiles (or rows) of one page, like a file manager:
//   click            selects only that tile (and makes it the anchor)
//   ctrl/cmd-click   adds or removes that tile (and makes it the anchor)
//   shift-click      selects the range from the anchor to that tile
//   ctrl+shift-click adds that range to the selection
// Ids selected on other pages stay selected unless a plain click replaces the selection.

/**
 * @param {{selected: string[], anchor: number|null}} state
 * @param {string[]} pageIds ids of the tiles on the page, in order
 * @param {number} index the clicked tile
 * @param {{shift?: boolean, ctrl?: boolean}} keys
 * @returns {{selected: string[], anchor: number|null}}
 */
export function clickSelect(state, pageIds, index, { shift = false, ctrl = false } = {}) {
  const id = pageIds[index];
  if (id === undefined) return state;
  const anchor = state.anchor !== null && state.anchor < pageIds.length ? state.anchor : null;
  if (shift && anchor !== null) {
    const [from, to] = anchor <= index ? [anchor, index] : [index, anchor];
    const range = pageIds.slice(from, to + 1);
    return { selected: ctrl ? union(state.selected, range) : range, anchor };
  }
  if (ctrl) {
    const selected = state.selected.includes(id)
      ? state.selected.filter((x) => x !== id)
      : [...state.selected, id];
    return { selected, anchor: index };
  }
  return { selected: [id], anchor: index };
}

/** Every id of `a`, then those of `b` not in `a`. */
export function union(a, b) {
  const seen = new Set(a);
  return [...a, ...b.filter((x) => !seen.has(x))];
}

/** The page's ids added to the selection. */
export function selectPage(selected, pageIds) {
  return union(selected, pageIds);
}
