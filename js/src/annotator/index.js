// The annotator's front end (an anywidget module).
//
// Python draws the item and its committed shapes with ipycanvas, into the layers of a MultiCanvas
// this widget refers to (trait `layers`); this module shows those layers on the stage, and runs
// everything that must answer within a frame in the browser: the shape being drawn, handle and
// vertex drags, hover, zoom and pan previews, and the keys. Python hears only committed edits and
// view changes, as typed messages {type, seq, ...} that it validates, and answers with traits:
// `shapes`, `ack` {seq, key?, error?}, `item_info`, `layer_view` (which view the next layer frame
// was drawn for), `notice`, `history`, `position`, `actions`, `labels`, `specs`, `keymap`.
//
// While a view change waits for Python's new frame, the last frame is drawn scaled and shifted
// to the new view; each announced `layer_view` is matched, in order, with the next frame of
// the image layer, so a frame is never shown under the wrong view or the wrong item.

import { drawCaption, drawHandles, drawLine, drawPathDraft, drawShape } from "./draw.js";
import { handles } from "./geometry.js";
import { buildToolbar, refreshToolbar, renderHelp, renderStatus } from "./chrome.js";
import { actionFor, buildLookup, labelKeyOf } from "./keymap.js";
import { renderPanel } from "./panel.js";
import { Interaction, TOOLS } from "./tools.js";
import { actualSizeView, fitView, panBy, relativeTransform, sameView, wheelFactor, zoomAt } from "./viewport.js";

const BACKGROUND = "#2b2b2b";
const VIEW_SETTLE_MS = 150;

function el(tag, className, attrs = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

class Annotator {
  constructor(model, root) {
    this.model = model;
    this.root = root;
    this.seq = 0;
    this.pending = new Map(); // seq -> {kind, key?, geometry?, label?}
    this.selected = null; // a shape key, or "@<seq>" for a shape not yet stored
    this.tool = "box";
    this.currentLabel = null;
    this.view = { scale: 1, x: 0, y: 0 };
    this.rendered = model.get("layer_view") || null;
    this.frames = []; // announced views whose frames have not landed yet
    this.layers = null;
    this.size = { width: 0, height: 0, dpr: window.devicePixelRatio || 1 };
    this.pan = null;
    this.spaceDown = false;
    this.sentView = null;
    this.disposers = [];
    this.interaction = new Interaction({
      view: () => this.view,
      image: () => ({ width: this.item().width || 0, height: this.item().height || 0 }),
      shapes: () => this.shapes(),
      selected: () => this.selected,
      tool: () => this.tool,
      emit: (event) => this.onInteraction(event),
    });
    this.build();
    this.adoptView(model.get("layer_view"));
    this.bindModel();
    this.bindInput();
    this.refreshAll();
    this.connectLayers();
  }

  // -- state -------------------------------------------------------------------------
  item() {
    return this.model.get("item_info") || {};
  }

  labels() {
    return this.model.get("labels") || [];
  }

  colorOf(label) {
    const known = this.labels().find((l) => l.name === label);
    return known ? known.color : "#ffcc00";
  }

  /** Stored shapes with the edits not yet acknowledged applied, plus new shapes on their way. */
  shapes() {
    const overrides = new Map();
    const gone = new Set();
    const created = [];
    for (const [seq, p] of this.pending) {
      if (p.kind === "create") {
        created.push({
          key: `@${seq}`, type: p.geometry.type, geometry: p.geometry, label: p.label,
          color: this.colorOf(p.label), attributes: {}, flags: [], readonly: false, pending: true,
        });
      } else if (p.kind === "delete") {
        gone.add(p.key);
      } else {
        const change = p.kind === "update" ? { geometry: p.geometry } : { label: p.label, color: this.colorOf(p.label) };
        overrides.set(p.key, { ...overrides.get(p.key), ...change });
      }
    }
    const stored = (this.model.get("shapes") || [])
      .filter((s) => !gone.has(s.key))
      .map((s) => (overrides.has(s.key) ? { ...s, ...overrides.get(s.key), pending: true } : s));
    for (const shape of created) {
      const over = overrides.get(shape.key);
      if (over) Object.assign(shape, over);
      if (!gone.has(shape.key)) stored.push(shape);
    }
    return stored;
  }

  send(type, payload = {}) {
    this.seq += 1;
    this.model.send({ ...payload, type, seq: this.seq });
    return this.seq;
  }

  // -- DOM -----------------------------------------------------------------------------
  build() {
    const root = this.root;
    root.classList.add("dl-annotator");
    root.tabIndex = 0;
    // JupyterLab looks for this attribute on the target's ancestors before running a shortcut
    root.setAttribute("data-lm-suppress-shortcuts", "true");
    this.toolbar = el("div", "dl-ann-toolbar");
    const body = el("div", "dl-ann-body");
    this.stage = el("div", "dl-ann-stage");
    this.base = el("canvas", "dl-ann-base");
    this.live = el("canvas", "dl-ann-live");
    this.help = el("div", "dl-ann-help");
    this.help.hidden = true;
    this.stage.append(this.base, this.live, this.help);
    this.panel = el("div", "dl-ann-panel");
    body.append(this.stage, this.panel);
    this.status = el("div", "dl-ann-status");
    root.replaceChildren(this.toolbar, body, this.status);
    this.baseCtx = this.base.getContext("2d");
    this.liveCtx = this.live.getContext("2d");
    this.buildToolbar();
  }

  buildToolbar() {
    this.bar = buildToolbar(this.toolbar, {
      tool: (tool) => this.setTool(tool),
      command: (action) => this.perform(action),
    });
  }

  refreshToolbar() {
    refreshToolbar(this.bar, {
      tool: this.tool,
      keymap: this.model.get("keymap") || {},
      history: this.model.get("history") || {},
      label: this.currentLabel,
      color: this.colorOf(this.currentLabel),
    });
    this.live.style.cursor = cursorFor(this.interaction.hover, this.tool);
  }

  refreshPanel() {
    const shapes = this.shapes();
    renderPanel(this.panel, {
      item: this.item(),
      position: this.model.get("position") || { kind: "index", value: [0, 0] },
      actions: this.model.get("actions") || [],
      labels: this.labels(),
      labelKeys: this.model.get("label_keys") || [],
      currentLabel: this.currentLabel,
      shapes,
      selected: this.selected,
      specs: this.model.get("specs") || [],
    }, {
      pickLabel: (index) => this.pickLabel(index, false),
      classify: (label) => this.send("classify", { label }),
      select: (key) => this.select(key),
      relabel: (key, label) => this.relabel(key, label),
      attributes: (key, changes) => this.send("attributes", { key, changes }),
      remove: (key) => this.remove(key),
      act: (action) => this.act(action),
    });
  }

  refreshAll() {
    if (this.currentLabel === null || !this.labels().some((l) => l.name === this.currentLabel)) {
      this.currentLabel = this.labels().length ? this.labels()[0].name : null;
    }
    this.lookup = buildLookup(this.model.get("keymap"));
    this.refreshToolbar();
    this.refreshPanel();
    renderStatus(this.status, this.model.get("notice") || {});
    renderHelp(this.help, this.model.get("keymap") || {}, this.model.get("label_keys") || []);
    this.root.setAttribute("data-item", this.item().id || "");
  }

  // -- model events --------------------------------------------------------------------
  bindModel() {
    const on = (event, handler) => {
      this.model.on(event, handler);
      this.disposers.push(() => this.model.off(event, handler));
    };
    on("change:layer_view", () => {
      const announced = this.model.get("layer_view");
      this.awaitingViewport = false;
      this.frames.push(announced);
      this.adoptView(announced);
      this.paintBase();
    });
    on("change:item_info", () => {
      this.pending.clear();
      this.selected = null;
      this.interaction.reset();
      this.refreshAll();
      this.paintLive();
    });
    on("change:ack", () => {
      const ack = this.model.get("ack") || {};
      const pending = this.pending.get(ack.seq);
      this.pending.delete(ack.seq);
      if (pending && pending.kind === "create" && this.selected === `@${ack.seq}`) {
        this.selected = ack.key || null;
      }
      this.afterShapes();
    });
    on("change:shapes", () => this.afterShapes());
    for (const name of ["labels", "keymap", "label_keys", "specs", "history", "position", "actions", "notice"]) {
      on(`change:${name}`, () => this.refreshAll());
    }
  }

  afterShapes() {
    const shapes = this.shapes();
    if (this.selected !== null && !shapes.some((s) => s.key === this.selected)) this.selected = null;
    this.refreshPanel();
    this.refreshToolbar();
    this.paintLive();
  }

  /** A view Python announced with reset (a new item, a new stage size) becomes the live view. */
  adoptView(announced) {
    if (!announced || !announced.reset) return;
    clearTimeout(this.viewTimer);
    this.viewPending = false;
    this.view = { scale: announced.scale, x: announced.x, y: announced.y };
    this.sentView = this.view;
  }

  async connectLayers() {
    const ref = this.model.get("layers") || "";
    const id = ref.replace(/^IPY_MODEL_/, "");
    if (!id || !this.model.widget_manager) return;
    const multi = await this.model.widget_manager.get_model(id);
    const [imageLayer, shapeLayer] = multi.get("_canvases");
    const onImageFrame = () => {
      if (this.frames.length) this.rendered = this.frames.shift();
      this.paintBase();
    };
    const onShapeFrame = () => this.paintBase();
    imageLayer.on("new-frame", onImageFrame);
    shapeLayer.on("new-frame", onShapeFrame);
    this.disposers.push(() => imageLayer.off("new-frame", onImageFrame), () => shapeLayer.off("new-frame", onShapeFrame));
    this.layers = multi;
    this.paintBase();
  }

  // -- painting ------------------------------------------------------------------------
  resize() {
    const width = Math.max(200, Math.floor(this.stage.clientWidth));
    const height = this.model.get("height") || 600;
    const dpr = window.devicePixelRatio || 1;
    if (width === this.size.width && height === this.size.height && dpr === this.size.dpr) return;
    this.size = { width, height, dpr };
    for (const canvas of [this.base, this.live]) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    this.stage.style.height = `${height}px`;
    this.paintBase();
    this.paintLive();
    clearTimeout(this.resizeTimer);
    this.awaitingViewport = true;
    this.resizeTimer = setTimeout(() => this.send("viewport", { width, height, dpr }), 50);
  }

  /** The last frame of Python's layers, lined up under the live view. */
  paintBase() {
    const ctx = this.baseCtx;
    const { dpr } = this.size;
    this.root.setAttribute("data-view", JSON.stringify(this.view));
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = BACKGROUND;
    ctx.fillRect(0, 0, this.base.width, this.base.height);
    const frame = this.rendered;
    const source = this.layers && this.layers.canvas;
    // settled: the stage shows Python's frame for exactly this item and view (tests wait for it)
    const settled = !!source && !!frame && frame.item === this.item().id && !this.frames.length &&
      !this.awaitingViewport && !this.viewPending && sameView(frame, this.view);
    this.root.setAttribute("data-settled", settled ? "1" : "0");
    if (!source || !frame || frame.item !== this.item().id || !source.width) return;
    const t = relativeTransform(frame, this.view);
    const ratio = dpr / (frame.dpr || 1);
    ctx.imageSmoothingEnabled = t.k < 1 || t.k > 1.01;
    ctx.drawImage(source, t.dx * dpr, t.dy * dpr, source.width * t.k * ratio, source.height * t.k * ratio);
    this.root.setAttribute("data-shown", `${frame.item}:${frame.seq}`);
  }

  /** What only the browser draws: the selected shape and handles, new shapes, the draft. */
  paintLive() {
    const ctx = this.liveCtx;
    const { width, height, dpr } = this.size;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const view = this.view;
    const draft = this.interaction.draft;
    const shapes = this.shapes();
    for (const shape of shapes) {
      if (!shape.geometry || shape.key === this.selected || !shape.pending) continue;
      drawShape(ctx, view, shape.geometry, { color: shape.color });
      drawCaption(ctx, view, shape.geometry, shape.label, { color: shape.color });
    }
    const hover = this.interaction.hover;
    const hovered = hover && !this.interaction.busy && hover.key !== this.selected && shapes.find((s) => s.key === hover.key);
    if (hovered && hovered.geometry) drawShape(ctx, view, hovered.geometry, { color: hovered.color, selected: true, fill: false });
    const selected = shapes.find((s) => s.key === this.selected);
    if (selected && selected.geometry) {
      const geometry = draft && draft.key === selected.key ? draft.geometry : selected.geometry;
      drawShape(ctx, view, geometry, { color: selected.color, selected: true, dashed: selected.flags.includes("label not in recipe") });
      drawCaption(ctx, view, geometry, selected.label, { color: selected.color });
      if (!selected.readonly) {
        const active = this.interaction.activeVertex;
        drawHandles(ctx, view, handles(geometry, view.scale), {
          color: selected.color, activeVertex: active && active.key === selected.key ? active.index : null,
        });
      }
    }
    if (draft && draft.key === undefined) {
      const color = this.colorOf(this.currentLabel);
      if (draft.path) drawPathDraft(ctx, view, draft.path, draft.cursor, { color, closed: draft.closed });
      else if (draft.geometry) drawShape(ctx, view, draft.geometry, { color });
      else if (draft.edge && draft.edge[1]) drawLine(ctx, view, draft.edge[0], draft.edge[1], { color });
    }
  }

  // -- input ---------------------------------------------------------------------------
  bindInput() {
    const listen = (target, event, handler, options) => {
      target.addEventListener(event, handler, options);
      this.disposers.push(() => target.removeEventListener(event, handler, options));
    };
    const local = (e) => {
      const r = this.live.getBoundingClientRect();
      return [(e.clientX - r.left) * (this.size.width / r.width || 1), (e.clientY - r.top) * (this.size.height / r.height || 1)];
    };
    listen(this.live, "pointerdown", (e) => {
      this.root.focus({ preventScroll: true });
      this.live.setPointerCapture(e.pointerId);
      const p = local(e);
      if (e.button === 1 || (e.button === 0 && this.spaceDown)) {
        e.preventDefault();
        this.pan = { last: p };
        return;
      }
      if (e.button !== 0) return;
      this.interaction.down(p, { shift: e.shiftKey, alt: e.altKey });
      this.paintLive();
    });
    listen(this.live, "pointermove", (e) => {
      const p = local(e);
      if (this.pan) {
        this.view = panBy(this.view, p[0] - this.pan.last[0], p[1] - this.pan.last[1]);
        this.pan.last = p;
        this.paintBase();
        this.paintLive();
        return;
      }
      const hovered = this.interaction.hover;
      this.interaction.move(p, { shift: e.shiftKey });
      const hover = this.interaction.hover;
      if (this.interaction.busy || this.selected !== null || hover?.key !== hovered?.key) this.paintLive();
      this.live.style.cursor = cursorFor(hover, this.tool);
    });
    const release = (e) => {
      if (this.pan) {
        this.pan = null;
        this.settleView(0);
        return;
      }
      this.interaction.up(local(e));
      this.paintLive();
    };
    listen(this.live, "pointerup", release);
    listen(this.live, "pointercancel", release);
    listen(this.live, "dblclick", (e) => {
      this.interaction.doubleClick(local(e));
      this.paintLive();
    });
    listen(this.live, "contextmenu", (e) => e.preventDefault());
    listen(this.live, "auxclick", (e) => e.preventDefault());
    listen(this.live, "wheel", (e) => {
      if (document.activeElement !== this.root && !this.root.contains(document.activeElement)) return;
      e.preventDefault();
      this.view = zoomAt(this.view, local(e), wheelFactor(e.deltaY, e.deltaMode));
      this.paintBase();
      this.paintLive();
      this.settleView(VIEW_SETTLE_MS);
    }, { passive: false });
    listen(this.root, "keydown", (e) => this.onKeyDown(e));
    listen(this.root, "keyup", (e) => {
      if (e.key === " ") this.spaceDown = false;
    });
    listen(this.root, "blur", () => {
      this.spaceDown = false;
    });
    const observer = new ResizeObserver(() => this.resize());
    observer.observe(this.stage);
    this.disposers.push(() => observer.disconnect());
  }

  onKeyDown(e) {
    const typing = e.target !== this.root && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
    if (typing) {
      if (e.key === "Escape") {
        this.root.focus({ preventScroll: true });
        e.preventDefault();
      }
      e.stopPropagation();
      return;
    }
    const handled = () => {
      e.preventDefault();
      e.stopPropagation();
    };
    if (e.key === " ") {
      this.spaceDown = true;
      handled();
      return;
    }
    const label = labelKeyOf(this.model.get("label_keys") || [], e);
    if (label) {
      handled();
      this.pickLabel(label.index, label.classify);
      return;
    }
    const action = actionFor(this.lookup, e);
    if (action) {
      handled();
      this.perform(action);
    }
  }

  // -- actions -------------------------------------------------------------------------
  perform(action) {
    const it = this.interaction;
    if (TOOLS.includes(action)) return this.setTool(action);
    switch (action) {
      case "next":
      case "previous":
        it.reset();
        this.send("navigate", { to: action });
        break;
      case "delete":
        if (it.undoVertex() || it.deleteVertex()) break;
        if (this.selected !== null) this.remove(this.selected);
        break;
      case "undo":
        if (!it.undoVertex()) this.send("undo");
        break;
      case "redo":
        this.send("redo");
        break;
      case "submit":
        if (it.finish()) break;
        if ((this.model.get("actions") || []).length) this.act(this.model.get("actions")[0]);
        else this.send("navigate", { to: "next" });
        break;
      case "cancel":
        if (it.cancel()) break;
        if (!this.help.hidden) this.help.hidden = true;
        else if (this.selected !== null) this.select(null);
        else this.root.blur();
        break;
      case "fit":
        this.view = fitView(this.item().width, this.item().height, this.size.width, this.size.height);
        this.settleView(0);
        break;
      case "actual_size":
        this.view = actualSizeView(this.view, this.size.width, this.size.height);
        this.settleView(0);
        break;
      case "zoom_in":
      case "zoom_out":
        this.view = zoomAt(this.view, [this.size.width / 2, this.size.height / 2], action === "zoom_in" ? 1.25 : 0.8);
        this.settleView(VIEW_SETTLE_MS);
        break;
      case "help":
        this.help.hidden = !this.help.hidden;
        break;
      case "copy_previous":
        this.send("copy_previous");
        break;
      case "select_next":
      case "select_previous":
        this.cycle(action === "select_next" ? 1 : -1);
        break;
      default:
        break;
    }
    this.paintBase();
    this.paintLive();
    return undefined;
  }

  setTool(tool) {
    this.tool = tool;
    this.interaction.reset();
    this.refreshToolbar();
    this.paintLive();
  }

  pickLabel(index, classify) {
    const label = this.labels()[index];
    if (!label) return;
    if (classify) {
      this.send("classify", { label: label.name });
      return;
    }
    this.currentLabel = label.name;
    if (this.selected !== null) this.relabel(this.selected, label.name);
    this.refreshToolbar();
    this.refreshPanel();
    this.paintLive();
  }

  relabel(key, label) {
    const seq = this.send("label", { key, label });
    this.pending.set(seq, { kind: "label", key, label });
    this.refreshPanel();
    this.paintLive();
  }

  remove(key) {
    const seq = this.send("delete", { key });
    this.pending.set(seq, { kind: "delete", key });
    this.selected = null;
    this.refreshPanel();
    this.paintLive();
  }

  select(key) {
    this.selected = key;
    this.interaction.activeVertex = null;
    if (key === null || !String(key).startsWith("@")) this.send("select", { key });
    this.refreshPanel();
    this.paintLive();
  }

  cycle(step) {
    const keys = this.shapes().filter((s) => s.geometry).map((s) => s.key);
    if (!keys.length) return;
    const at = keys.indexOf(this.selected);
    const next = at < 0 ? (step > 0 ? 0 : keys.length - 1) : (at + step + keys.length) % keys.length;
    this.select(keys[next]);
  }

  act(action) {
    this.interaction.reset();
    this.send("act", { action });
  }

  onInteraction(event) {
    if (event.type === "select") {
      this.select(event.key);
      return;
    }
    if (event.type === "create") {
      if (!this.currentLabel) {
        this.model.set("notice", { level: "error", text: "Pick a label first: the recipe has none" });
        return;
      }
      const seq = this.send("create", { geometry: event.geometry, label: this.currentLabel });
      this.pending.set(seq, { kind: "create", geometry: event.geometry, label: this.currentLabel });
      this.selected = `@${seq}`;
    } else if (event.type === "update") {
      const seq = this.send("update", { key: event.key, geometry: event.geometry });
      this.pending.set(seq, { kind: "update", key: event.key, geometry: event.geometry });
    }
    this.refreshPanel();
  }

  /** Tell Python the view once it has stopped changing (after `delay` ms). */
  settleView(delay) {
    clearTimeout(this.viewTimer);
    this.viewPending = true;
    this.viewTimer = setTimeout(() => {
      this.viewPending = false;
      const v = this.view;
      const last = this.sentView;
      if (last && last.scale === v.scale && last.x === v.x && last.y === v.y) {
        this.paintBase();
        return;
      }
      this.sentView = v;
      this.send("view", { view: { scale: v.scale, x: v.x, y: v.y } });
    }, delay);
  }

  dispose() {
    clearTimeout(this.viewTimer);
    clearTimeout(this.resizeTimer);
    for (const dispose of this.disposers) dispose();
  }
}

function cursorFor(hover, tool) {
  if (hover && hover.handle) return hover.handle.kind === "rotate" ? "alias" : "grab";
  if (hover) return "pointer";
  return tool === "select" ? "default" : "crosshair";
}

function render({ model, el }) {
  const annotator = new Annotator(model, el);
  annotator.resize();
  return () => annotator.dispose();
}

export default { render };
