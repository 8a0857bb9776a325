// The side panel: item and progress, the queue's status buttons, labels (number keys) and
// classifications, the selected shape's label and attributes, and the list of shapes.
// Built with DOM calls and textContent only: labels and names are user strings.

import { describe } from "./keymap.js";

function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "style") Object.assign(el.style, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of [children].flat()) if (child) el.append(child);
  return el;
}

function button(content, onclick, attrs = {}) {
  // tabindex -1 and no focus on press: keys keep going to the annotator
  const attributes = { type: "button", tabindex: -1, onmousedown: (e) => e.preventDefault(), onclick, ...attrs };
  return typeof content === "string" ? h("button", { ...attributes, text: content }) : h("button", attributes, content);
}

const swatch = (color) => h("span", { class: "dl-ann-swatch", style: { background: color } });

function section(title, children) {
  return h("div", { class: "dl-ann-section" }, [h("div", { class: "dl-ann-section-title", text: title }), ...children]);
}

function attributeInput(spec, value, onChange) {
  const key = spec.key;
  const kind = spec.type;
  const values = spec.values || [];
  if (kind === "checkbox") {
    const chosen = new Set(Array.isArray(value) ? value : []);
    return h("div", { class: "dl-ann-choices" }, values.map((v) => h("label", {}, [
      h("input", {
        type: "checkbox", checked: chosen.has(v), "data-attribute": key,
        onchange: (e) => {
          if (e.target.checked) chosen.add(v);
          else chosen.delete(v);
          onChange(values.filter((x) => chosen.has(x)));
        },
      }),
      ` ${v}`,
    ])));
  }
  if (kind === "radio_button") {
    const name = `dl-ann-${key}-${Math.random().toString(36).slice(2, 8)}`;
    return h("div", { class: "dl-ann-choices" }, values.map((v) => h("label", {}, [
      h("input", { type: "radio", name, checked: value === v, "data-attribute": key, onchange: () => onChange(v) }),
      ` ${v}`,
    ])));
  }
  if (kind === "range") {
    const range = spec.range || {};
    const shown = h("span", { class: "dl-ann-range-value", text: value ?? "-" });
    const input = h("input", {
      type: "range", min: range.min ?? 0, max: range.max ?? 100, step: range.step ?? 1,
      value: value ?? range.min ?? 0, "data-attribute": key,
      oninput: (e) => { shown.textContent = e.target.value; },
      onchange: (e) => onChange(Number(e.target.value)),
    });
    return h("div", { class: "dl-ann-range" }, [input, shown]);
  }
  if (kind === "boolean") {
    return h("label", {}, [
      h("input", { type: "checkbox", checked: value === true, "data-attribute": key, onchange: (e) => onChange(e.target.checked) }),
      " yes",
    ]);
  }
  return h("textarea", {
    rows: 2, "data-attribute": key, text: typeof value === "string" ? value : "",
    onchange: (e) => onChange(e.target.value === "" ? null : e.target.value),
  });
}

/**
 * Rebuild the panel. `state`: {item, position, actions, labels, labelKeys, currentLabel, shapes,
 * selected, specs, flags}; `on`: {pickLabel, classify, select, relabel, attributes, remove, act}.
 */
export function renderPanel(container, state, on) {
  const parts = [];
  const { item, position } = state;
  if (item && item.id) {
    const [current, total] = position.value;
    const done = position.kind === "done";
    const fraction = total ? (done ? current : current + 1) / total : 0;
    parts.push(h("div", { class: "dl-ann-item" }, [
      h("div", { class: "dl-ann-item-name", text: item.name, title: item.filename }),
      h("div", { class: "dl-ann-progress", title: done ? `${current} of ${total} done` : `item ${current + 1} of ${total}` }, [
        h("div", { class: "dl-ann-progress-bar", style: { width: `${Math.round(fraction * 100)}%` } }),
      ]),
      h("div", { class: "dl-ann-progress-text", text: done ? `${current} / ${total} done` : `${current + 1} / ${total}` }),
    ]));
  } else {
    parts.push(h("div", { class: "dl-ann-item-name", text: "No items to annotate" }));
  }
  if (state.actions.length) {
    parts.push(h("div", { class: "dl-ann-actions" }, state.actions.map((action) =>
      button(action, () => on.act(action), { class: "dl-ann-action", "data-action": action }))));
  }

  const classes = new Map(state.shapes.filter((s) => s.type === "class").map((s) => [s.label, s]));
  parts.push(section("Labels", state.labels.map((label, index) => {
    const key = state.labelKeys[index];
    const content = [swatch(label.color), h("span", { text: label.display || label.name }), key ? h("kbd", { text: describe(key) }) : null];
    return h("div", { class: "dl-ann-label-row" }, [
      button(content, () => on.pickLabel(index), {
        class: `dl-ann-label${label.name === state.currentLabel ? " dl-mod-current" : ""}`,
        "data-label": label.name, title: key ? `key ${describe(key)}` : undefined,
      }),
      button(classes.has(label.name) ? "class ✓" : "class", () => on.classify(label.name), {
        class: `dl-ann-class${classes.has(label.name) ? " dl-mod-on" : ""}`,
        "data-class": label.name, title: key ? `Shift+${describe(key)}: classify the item` : undefined,
      }),
    ]);
  })));

  const shape = state.shapes.find((s) => s.key === state.selected);
  if (shape) {
    const known = state.labels.some((l) => l.name === shape.label);
    const select = h("select", { class: "dl-ann-relabel", onchange: (e) => on.relabel(shape.key, e.target.value) },
      [...(known ? [] : [h("option", { value: shape.label, text: `${shape.label} (not in recipe)`, selected: true })]),
        ...state.labels.map((l) => h("option", { value: l.name, text: l.display || l.name, selected: l.name === shape.label }))]);
    const specs = state.specs.filter((s) => s.scope === "*" || !s.scope || s.scope.includes(shape.label));
    const fields = specs.map((spec) => h("div", { class: "dl-ann-field" }, [
      h("div", { class: "dl-ann-field-title", text: `${spec.title || spec.key}${spec.optional === false ? " *" : ""}` }),
      attributeInput(spec, shape.attributes[spec.key], (value) => on.attributes(shape.key, { [spec.key]: value })),
    ]));
    parts.push(section(`Selected ${shape.type === "segment" ? "polygon" : shape.type}`, [
      select,
      ...shape.flags.map((flag) => h("div", { class: "dl-ann-flag", text: flag })),
      ...fields,
      button("Delete", () => on.remove(shape.key), { class: "dl-ann-delete" }),
    ]));
  }

  parts.push(section(`Annotations (${state.shapes.length})`, [h("div", { class: "dl-ann-list" }, state.shapes.map((s) =>
    h("div", {
      class: `dl-ann-list-row${s.key === state.selected ? " dl-mod-selected" : ""}${s.flags.length ? " dl-mod-flagged" : ""}`,
      "data-key": s.key, title: s.flags.join(", ") || undefined, onclick: () => on.select(s.key),
    }, [swatch(s.color), h("span", { text: `${s.type === "segment" ? "polygon" : s.type} · ${s.label}` }),
      s.flags.length ? h("span", { class: "dl-ann-flag-mark", text: "!" }) : null]),
  ))]));
  container.replaceChildren(...parts);
}
