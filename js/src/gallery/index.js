// The gallery grid: pages of thumbnails with annotation overlays, selection and actions.
//
// Python (dl_jupyter/widgets/gallery.py) answers two requests: "page" (the tiles of one page:
// metadata as JSON, thumbnails as binary buffers, in order) and "action" (run an action on
// the selection). Everything else happens here without a round trip: selection, label
// toggles, opacity and tile size. `data-state="ready"` and `data-load-ms` on the grid tell
// tests and the benchmark when a page is on screen and how long it took.
import { drawOverlay, drawTags } from "../common/overlay.js";
import { createRpc } from "../common/rpc.js";
import { clickSelect, selectPage } from "../common/selection.js";

const THUMB_BUCKETS = [128, 256, 512];
const PAGE_SIZES = [12, 24, 48, 96];
const ACTION_NAMES = {
  status: "Set status",
  metadata: "Set metadata",
  task: "Add to task",
  delete: "Delete",
  annotate: "Annotate",
};

function h(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text, onClick, className = "dl-btn") {
  const node = h("button", className, text);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

function bucket(pixels) {
  return THUMB_BUCKETS.find((s) => s >= pixels) ?? THUMB_BUCKETS[THUMB_BUCKETS.length - 1];
}

function render({ model, el }) {
  const rpc = createRpc(model, { timeout: 120_000 });
  const root = h("div", "dl-gallery-root");
  root.tabIndex = 0;
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  el.appendChild(root);

  // -- toolbar -----------------------------------------------------------------------------
  const bar = h("div", "dl-bar");
  const title = h("span", "dl-title");
  const countText = h("span", "dl-count");
  const first = button("«", () => goTo(0));
  const prev = button("‹", () => goTo(model.get("page") - 1));
  const pageText = h("span", "dl-page");
  const next = button("›", () => goTo(model.get("page") + 1));
  const last = button("»", () => goTo(lastPage()));
  first.title = "first page";
  prev.title = "previous page";
  next.title = "next page";
  last.title = "last page";
  const sizeSelect = h("select", "dl-page-size");
  for (const n of PAGE_SIZES) {
    const option = h("option", "", `${n} / page`);
    option.value = String(n);
    sizeSelect.appendChild(option);
  }
  sizeSelect.addEventListener("change", () => {
    model.set("page_size", Number(sizeSelect.value));
    model.set("page", 0);
    model.save_changes();
  });
  const thumbRange = h("input", "dl-thumb-size");
  Object.assign(thumbRange, { type: "range", min: "80", max: "400", step: "8", title: "tile size" });
  thumbRange.addEventListener("input", () => {
    model.set("thumb_size", Number(thumbRange.value));
    model.save_changes();
  });
  const labelsToggle = h("input", "dl-show-labels");
  labelsToggle.type = "checkbox";
  labelsToggle.addEventListener("change", () => {
    model.set("show_labels", labelsToggle.checked);
    model.save_changes();
  });
  const labelsLabel = h("label", "dl-check");
  labelsLabel.append(labelsToggle, " labels");
  const opacityRange = h("input", "dl-opacity");
  Object.assign(opacityRange, { type: "range", min: "0", max: "1", step: "0.05", title: "overlay opacity" });
  opacityRange.addEventListener("input", () => {
    model.set("opacity", Number(opacityRange.value));
    model.save_changes();
  });
  const sizeLabel = h("label", "dl-check", "size ");
  sizeLabel.appendChild(thumbRange);
  const opacityLabel = h("label", "dl-check", "opacity ");
  opacityLabel.appendChild(opacityRange);
  bar.append(title, countText, first, prev, pageText, next, last, sizeSelect, sizeLabel,
    labelsLabel, opacityLabel);

  const legend = h("div", "dl-legend");
  const selectionBar = h("div", "dl-selection");
  const form = h("div", "dl-form");
  const message = h("div", "dl-message");
  const grid = h("div", "dl-gallery-grid");
  grid.dataset.state = "empty";
  root.append(bar, legend, selectionBar, form, message, grid);

  // -- state -------------------------------------------------------------------------------
  let tiles = []; // metadata of the tiles on screen
  let urls = [];
  let loadedBucket = 0;
  let generation = 0;
  let anchor = null;

  const lastPage = () => Math.max(0, Math.ceil(model.get("count") / model.get("page_size")) - 1);

  function goTo(page) {
    const target = Math.min(Math.max(0, page), lastPage());
    if (target === model.get("page")) return;
    model.set("page", target);
    model.save_changes();
  }

  function say(text, isError = false) {
    message.textContent = text;
    message.classList.toggle("dl-error", isError);
  }

  // -- drawing -----------------------------------------------------------------------------
  function overlayOptions(meta) {
    const size = model.get("thumb_size");
    const longest = Math.max(meta.width || 1, meta.height || 1);
    return {
      colors: model.get("colors"),
      hidden: new Set(model.get("hidden_labels")),
      showLabels: model.get("show_labels"),
      opacity: model.get("opacity"),
      pixelSize: longest / size,
    };
  }

  function drawTile(node, meta) {
    const svg = node.querySelector("svg");
    if (svg && meta.width && meta.height) drawOverlay(svg, meta.shapes, meta.width, meta.height, overlayOptions(meta));
    drawTags(node.querySelector(".dl-tags"), meta.shapes, model.get("colors"), new Set(model.get("hidden_labels")));
  }

  function tileNode(meta, index, url) {
    const node = h("div", "dl-tile");
    node.dataset.id = meta.id;
    node.dataset.index = String(index);
    node.title = meta.filename;
    const box = h("div", "dl-tile-box");
    if (url && meta.width && meta.height) {
      const pic = h("div", meta.width >= meta.height ? "dl-pic dl-wide" : "dl-pic dl-tall");
      pic.style.aspectRatio = `${meta.width} / ${meta.height}`;
      const img = h("img");
      img.alt = meta.name;
      img.src = url;
      img.draggable = false;
      const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.classList.add("dl-overlay");
      pic.append(img, svg);
      box.appendChild(pic);
    } else {
      box.appendChild(h("div", "dl-noimage", "no preview"));
    }
    box.appendChild(h("div", "dl-tags"));
    node.append(box, h("div", "dl-tile-name", meta.name));
    drawTile(node, meta);
    return node;
  }

  function redrawOverlays() {
    for (const node of grid.children) {
      const meta = tiles[Number(node.dataset.index)];
      if (meta) drawTile(node, meta);
    }
  }

  function drawSelection() {
    const selected = new Set(model.get("selected_ids"));
    for (const node of grid.children) node.classList.toggle("dl-selected", selected.has(node.dataset.id));
    selectionBar.replaceChildren();
    const n = selected.size;
    selectionBar.appendChild(h("span", "dl-selected-count", n ? `${n} selected` : "click to select (shift, ctrl)"));
    selectionBar.appendChild(button("select page", () => setSelection(selectPage(model.get("selected_ids"), tiles.map((t) => t.id)))));
    if (n) selectionBar.appendChild(button("clear", () => setSelection([])));
    if (!n) return;
    for (const name of model.get("actions")) {
      const action = button(ACTION_NAMES[name] ?? name, () => openAction(name), "dl-btn dl-action");
      action.dataset.action = name;
      selectionBar.appendChild(action);
    }
  }

  function drawLegend() {
    legend.replaceChildren();
    const hidden = new Set(model.get("hidden_labels"));
    for (const [label, color] of Object.entries(model.get("colors"))) {
      const chip = h("span", hidden.has(label) ? "dl-chip dl-off" : "dl-chip", label);
      chip.style.borderLeftColor = /^#[0-9a-fA-F]{6}$/.test(color) ? color : "#3f8fd2";
      chip.title = hidden.has(label) ? "show" : "hide";
      chip.addEventListener("click", () => {
        const now = new Set(model.get("hidden_labels"));
        if (now.has(label)) now.delete(label);
        else now.add(label);
        model.set("hidden_labels", [...now]);
        model.save_changes();
      });
      legend.appendChild(chip);
    }
  }

  function drawBar() {
    const count = model.get("count");
    title.textContent = model.get("title");
    countText.textContent = `${count.toLocaleString()} items`;
    pageText.textContent = `page ${model.get("page") + 1} of ${lastPage() + 1}`;
    sizeSelect.value = String(model.get("page_size"));
    thumbRange.value = String(model.get("thumb_size"));
    labelsToggle.checked = model.get("show_labels");
    opacityRange.value = String(model.get("opacity"));
    root.style.setProperty("--dl-thumb", `${model.get("thumb_size")}px`);
  }

  // -- loading -----------------------------------------------------------------------------
  async function load() {
    const gen = ++generation;
    const started = performance.now();
    const page = model.get("page");
    const size = model.get("page_size");
    const thumb = bucket(model.get("thumb_size") * (window.devicePixelRatio || 1));
    grid.dataset.state = "loading";
    let reply;
    try {
      reply = await rpc.request("page", { page, size, thumb });
    } catch (err) {
      if (gen === generation && err.kind !== "disposed") {
        grid.dataset.state = "error";
        say(err.message, true);
      }
      return;
    }
    if (gen !== generation) return;
    const old = urls;
    urls = [];
    tiles = reply.msg.result.tiles;
    let b = 0;
    const nodes = tiles.map((meta, index) => {
      let url = null;
      if (meta.image) {
        url = URL.createObjectURL(new Blob([reply.buffers[b++]], { type: "image/jpeg" }));
        urls.push(url);
      }
      return tileNode(meta, index, url);
    });
    grid.replaceChildren(...nodes);
    for (const url of old) URL.revokeObjectURL(url);
    loadedBucket = thumb;
    anchor = null;
    drawSelection();
    await Promise.all([...grid.querySelectorAll("img")].map((img) => img.decode().catch(() => {})));
    if (gen !== generation) return;
    grid.dataset.loadMs = (performance.now() - started).toFixed(1);
    grid.dataset.page = String(page);
    grid.dataset.revision = String(model.get("revision"));
    grid.dataset.state = "ready";
  }

  // -- selection and actions -----------------------------------------------------------------
  function setSelection(ids) {
    model.set("selected_ids", ids);
    model.save_changes();
  }

  grid.addEventListener("click", (event) => {
    const node = event.target.closest(".dl-tile");
    if (!node || !grid.contains(node)) return;
    const state = clickSelect(
      { selected: model.get("selected_ids"), anchor },
      tiles.map((t) => t.id),
      Number(node.dataset.index),
      { shift: event.shiftKey, ctrl: event.ctrlKey || event.metaKey },
    );
    anchor = state.anchor;
    if (event.shiftKey) window.getSelection()?.removeAllRanges();
    setSelection(state.selected);
  });

  grid.addEventListener("dblclick", (event) => {
    const node = event.target.closest(".dl-tile");
    if (node && model.get("actions").includes("annotate")) {
      setSelection([node.dataset.id]);
      runAction("annotate", {});
    }
  });

  async function runAction(name, options) {
    form.replaceChildren();
    say("working…");
    try {
      const { msg } = await rpc.request("action", { ...options, name });
      say(msg.result.message);
    } catch (err) {
      say(err.message, true);
    }
  }

  function field(labelText, input) {
    const wrap = h("label", "dl-field", labelText);
    wrap.appendChild(input);
    return wrap;
  }

  function choice(values) {
    const select = h("select");
    for (const v of values) {
      const option = h("option", "", v.name ?? v);
      option.value = v.id ?? v;
      select.appendChild(option);
    }
    return select;
  }

  function openAction(name) {
    const n = model.get("selected_ids").length;
    const cancel = button("Cancel", () => form.replaceChildren());
    form.replaceChildren();
    form.dataset.action = name;
    if (name === "annotate") {
      runAction(name, {});
      return;
    }
    if (name === "status") {
      const select = choice(model.get("statuses"));
      form.append(field("status ", select),
        button("Apply", () => runAction("status", { status: select.value }), "dl-btn dl-apply"),
        button("Clear status", () => runAction("status", { status: select.value, clear: true })),
        cancel);
    } else if (name === "metadata") {
      const key = h("input");
      key.placeholder = "key";
      const value = h("input");
      value.placeholder = "value (text, number, true, [..])";
      form.append(field("metadata.user.", key), field(" = ", value),
        button("Apply", () => runAction("metadata", { key: key.value, value: value.value }), "dl-btn dl-apply"),
        cancel);
    } else if (name === "task") {
      const select = choice(model.get("tasks"));
      form.append(field("task ", select),
        button("Add", () => runAction("task", { task: select.value }), "dl-btn dl-apply"), cancel);
    } else if (name === "delete") {
      form.append(h("span", "dl-warning", `Delete ${n} item${n === 1 ? "" : "s"} and their annotations? This cannot be undone. `),
        button("Delete", () => runAction("delete", {}), "dl-btn dl-danger dl-apply"), cancel);
    }
  }

  // -- model events --------------------------------------------------------------------------
  const onReload = () => {
    drawBar();
    load();
  };
  const onThumb = () => {
    drawBar();
    if (bucket(model.get("thumb_size") * (window.devicePixelRatio || 1)) > loadedBucket) load();
    else redrawOverlays();
  };
  const onLook = () => {
    drawBar();
    drawLegend();
    redrawOverlays();
  };
  const listeners = [
    ["change:page", onReload], ["change:page_size", onReload], ["change:revision", onReload],
    ["change:count", drawBar], ["change:title", drawBar], ["change:thumb_size", onThumb],
    ["change:colors", onLook], ["change:show_labels", onLook], ["change:opacity", onLook],
    ["change:hidden_labels", onLook], ["change:selected_ids", drawSelection],
    ["change:actions", drawSelection],
  ];
  for (const [name, fn] of listeners) model.on(name, fn);
  drawBar();
  drawLegend();
  load();

  return () => {
    for (const [name, fn] of listeners) model.off(name, fn);
    rpc.dispose();
    for (const url of urls) URL.revokeObjectURL(url);
  };
}

export default { render };
