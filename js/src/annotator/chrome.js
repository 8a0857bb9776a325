// The annotator's chrome around the stage: the toolbar, the status line and the keys overlay.
// User strings go in as text nodes only.

import { describe } from "./keymap.js";
import { TOOLS } from "./tools.js";

export const TOOL_TITLES = {
  select: "Select and edit", box: "Box", rotated_box: "Rotated box (edge, then height)",
  polygon: "Polygon (click vertices; close on the first one or Enter)",
  polyline: "Polyline (Enter or click the last vertex to end)", point: "Point", ellipse: "Ellipse",
};
const TOOL_GLYPHS = { select: "↖", box: "▭", rotated_box: "◇", polygon: "⬠", polyline: "∿", point: "•", ellipse: "◯" };
const ACTION_TITLES = {
  select: "select tool", box: "box tool", rotated_box: "rotated box tool", polygon: "polygon tool",
  polyline: "polyline tool", point: "point tool", ellipse: "ellipse tool", next: "next item",
  previous: "previous item", delete: "delete the selected shape or vertex", undo: "undo", redo: "redo",
  submit: "close the polygon, or submit the item", cancel: "cancel; again: deselect, then release the keys",
  fit: "fit the image", actual_size: "1:1", zoom_in: "zoom in", zoom_out: "zoom out", help: "this help",
  copy_previous: "copy the previous item's shapes", select_next: "select the next shape",
  select_previous: "select the previous shape",
};

function el(tag, className, attrs = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

/** Fill `container` with the tool and command buttons; `on.tool(name)`, `on.command(action)`. */
export function buildToolbar(container, on) {
  const button = (text, title, onclick, data = {}) => {
    // tabindex -1 and no focus on press: the keys keep going to the annotator
    const b = el("button", "dl-ann-tool", { type: "button", tabindex: "-1", title, ...data });
    b.textContent = text;
    b.addEventListener("mousedown", (e) => e.preventDefault());
    b.addEventListener("click", onclick);
    return b;
  };
  const command = (text, title, action) => button(text, title, () => on.command(action), { "data-command": action });
  const bar = {
    tools: TOOLS.map((tool) => button(TOOL_GLYPHS[tool], TOOL_TITLES[tool], () => on.tool(tool), { "data-tool": tool })),
    undo: command("↶", "undo", "undo"),
    redo: command("↷", "redo", "redo"),
    label: el("span", "dl-ann-current-label"),
  };
  const sep = () => el("span", "dl-ann-sep");
  container.replaceChildren(
    ...bar.tools, sep(), bar.label, sep(), bar.undo, bar.redo, sep(),
    command("⤢", "fit", "fit"), command("1:1", "actual size", "actual_size"),
    command("copy", "copy the previous item's shapes", "copy_previous"), sep(),
    command("◀", "previous item", "previous"), command("▶", "next item", "next"),
    command("?", "keys", "help"),
  );
  return bar;
}

/** Show the current tool (with its key), the current label, and what can be undone. */
export function refreshToolbar(bar, { tool, keymap, history, label, color }) {
  for (const b of bar.tools) {
    const name = b.getAttribute("data-tool");
    b.classList.toggle("dl-mod-current", name === tool);
    const combo = (keymap[name] || [])[0];
    b.title = `${TOOL_TITLES[name]}${combo ? ` (${describe(combo)})` : ""}`;
  }
  bar.undo.disabled = !history.undo;
  bar.redo.disabled = !history.redo;
  bar.label.replaceChildren();
  if (label) {
    const swatch = el("span", "dl-ann-swatch");
    swatch.style.background = color;
    const text = el("span");
    text.textContent = label;
    bar.label.append(swatch, text);
  }
}

export function renderStatus(container, notice) {
  container.replaceChildren();
  container.className = `dl-ann-status dl-mod-${notice.level || "info"}`;
  if (!notice.text) return;
  const text = el("span");
  text.textContent = notice.text;
  container.append(text);
}

/** The keys overlay: every action with its keys, then what the mouse does. */
export function renderHelp(container, keymap, labelKeys) {
  const rows = Object.entries(keymap).map(([action, combos]) => [combos.map(describe).join(", "), ACTION_TITLES[action] || action]);
  if (labelKeys.length) {
    rows.push([`${describe(labelKeys[0])} … ${describe(labelKeys[labelKeys.length - 1])}`, "pick a label (relabels the selected shape)"]);
    rows.push([`Shift+${describe(labelKeys[0])} …`, "classify the item with that label"]);
  }
  rows.push(["wheel", "zoom at the pointer"], ["Space+drag, middle drag", "pan"],
    ["drag a handle", "resize, rotate, move a vertex"], ["drag an edge dot / double click an edge", "insert a vertex"],
    ["Alt+click a vertex", "delete it"]);
  const table = el("table");
  for (const [keys, what] of rows) {
    const tr = el("tr");
    const a = el("td");
    const kbd = el("kbd");
    kbd.textContent = keys;
    a.append(kbd);
    const b = el("td");
    b.textContent = what;
    tr.append(a, b);
    table.append(tr);
  }
  const title = el("div", "dl-ann-help-title");
  title.textContent = "Keys (Esc closes)";
  container.replaceChildren(title, table);
}
