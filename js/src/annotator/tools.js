// The pointer state machine of the stage: drawing with each tool, and editing the selected shape
// through its handles. It works in screen pixels of the stage (what pointer events give) and
// image pixels (what shapes are stored in), and talks to its host only through `host`:
//
//   host.view()      -> the current view          host.image()    -> {width, height}
//   host.shapes()    -> [{key, geometry, ...}]    host.selected() -> key or null
//   host.tool()      -> "select" | "box" | "rotated_box" | "polygon" | "polyline" | "point" | "ellipse"
//   host.emit(event) with event one of
//     {type: "create", geometry}        a finished shape
//     {type: "update", key, geometry}   an edited shape (on release)
//     {type: "select", key}             key may be null
//
// Nothing reaches Python while a pointer moves: only the events above, once per gesture.

import {
  boxFromCorners,
  clampPoint,
  dragHandle,
  ellipseFromCorners,
  handles,
  hitHandle,
  MIN_POINTS,
  nearestEdge,
  pickShape,
  removeVertex,
  rotatedBoxFromPoints,
  insertVertex,
} from "./geometry.js";
import { toImage } from "./viewport.js";

export const TOOLS = ["select", "box", "rotated_box", "polygon", "polyline", "point", "ellipse"];
const PICK_TOLERANCE = 6; // screen pixels
const HANDLE_TOLERANCE = 8;
const CLOSE_TOLERANCE = 8;
const MIN_DRAG = 3;

export class Interaction {
  constructor(host) {
    this.host = host;
    this.reset();
  }

  /** Forget any gesture in progress (a new item, another tool). */
  reset() {
    this.state = null; // {kind: "drag" | "corners" | "edge" | "path", ...}
    this.cursor = null;
    this.hover = null; // {key, handle}: what is under the pointer while nothing is dragged
    this.activeVertex = null; // {key, index}: the vertex Delete removes
  }

  get busy() {
    return this.state !== null;
  }

  _image(screen, clamp = true) {
    const p = toImage(this.host.view(), screen);
    const { width, height } = this.host.image();
    return clamp && width ? clampPoint(p, width, height) : p;
  }

  _tolerance(pixels) {
    return pixels / this.host.view().scale;
  }

  _selectedShape() {
    const key = this.host.selected();
    return key === null ? null : this.host.shapes().find((s) => s.key === key && s.geometry) ?? null;
  }

  /** The shape being drawn or dragged, for the live layer: {key?, geometry} or a path draft. */
  get draft() {
    const s = this.state;
    if (!s) return null;
    if (s.kind === "drag") return s.moved ? { key: s.key, geometry: s.geometry } : null;
    if (s.kind === "corners") return s.geometry ? { geometry: s.geometry } : null;
    if (s.kind === "edge") return { edge: [s.p0, s.p1 ?? this.cursor], geometry: s.geometry ?? null };
    if (s.kind === "path") return { path: s.points, cursor: this.cursor, closed: s.type === "segment" };
    return null;
  }

  // -- pointer events (screen pixels of the stage) ---------------------------------------
  down(screen, { shift = false, alt = false } = {}) {
    const tool = this.host.tool();
    const p = this._image(screen);
    const s = this.state;
    if (s && s.kind === "path") return this._addVertex(p);
    if (s && s.kind === "edge" && s.p1) return this._finishEdge(p);

    const selected = this._selectedShape();
    if (selected && !selected.readonly) {
      const list = handles(selected.geometry, this.host.view().scale);
      const handle = hitHandle(list, this._image(screen, false), this._tolerance(HANDLE_TOLERANCE));
      if (handle) {
        if (handle.kind === "vertex" && selected.geometry.type !== "point") {
          this.activeVertex = { key: selected.key, index: handle.index };
          if (alt) return this.deleteVertex();
        }
        return this._startDrag(selected, handle, p, screen);
      }
    }
    this.activeVertex = null;
    if (tool === "select") {
      const key = pickShape(this.host.shapes(), this._image(screen, false), this._tolerance(PICK_TOLERANCE));
      if (key !== this.host.selected()) this.host.emit({ type: "select", key });
      const shape = key === null ? null : this.host.shapes().find((x) => x.key === key);
      if (shape && shape.geometry && !shape.readonly) {
        this._startDrag(shape, { kind: "move" }, this._image(screen, false), screen);
      }
      return;
    }
    if (tool === "point") {
      this.host.emit({ type: "create", geometry: { type: "point", points: [p] } });
      return;
    }
    if (tool === "polygon" || tool === "polyline") {
      this.state = { kind: "path", type: tool === "polygon" ? "segment" : "polyline", points: [p] };
      this.cursor = p;
      return;
    }
    if (tool === "rotated_box") {
      this.state = { kind: "edge", p0: p, p1: null, start: screen, geometry: null };
      return;
    }
    this.state = { kind: "corners", shape: tool === "ellipse" ? "ellipse" : "box", anchor: p, start: screen, geometry: null, shift };
  }

  move(screen, { shift = false } = {}) {
    const s = this.state;
    const p = this._image(screen);
    this.cursor = p;
    if (!s) {
      this.hover = this._hoverAt(screen);
      return;
    }
    if (s.kind === "drag") {
      const to = s.handle.kind === "move" ? this._image(screen, false) : p;
      s.moved = s.moved || Math.hypot(screen[0] - s.screen[0], screen[1] - s.screen[1]) >= 1;
      s.geometry = dragHandle(s.startGeometry, s.handle, s.from, to, { snap: shift });
    } else if (s.kind === "corners") {
      s.geometry = s.shape === "ellipse" ? ellipseFromCorners(s.anchor, p) : boxFromCorners(s.anchor, p);
    } else if (s.kind === "edge" && s.p1) {
      s.geometry = rotatedBoxFromPoints(s.p0, s.p1, p);
    }
  }

  up(screen) {
    const s = this.state;
    if (!s) return;
    const far = s.start && Math.max(Math.abs(screen[0] - s.start[0]), Math.abs(screen[1] - s.start[1])) >= MIN_DRAG;
    if (s.kind === "drag") {
      this.state = null;
      if (s.moved) this.host.emit({ type: "update", key: s.key, geometry: s.geometry });
    } else if (s.kind === "corners") {
      this.state = null;
      const p = this._image(screen);
      const spread = Math.min(Math.abs(screen[0] - s.start[0]), Math.abs(screen[1] - s.start[1]));
      if (spread >= MIN_DRAG) {
        const geometry = s.shape === "ellipse" ? ellipseFromCorners(s.anchor, p) : boxFromCorners(s.anchor, p);
        this.host.emit({ type: "create", geometry });
      } else {
        this._clickSelect(screen);
      }
    } else if (s.kind === "edge" && !s.p1) {
      if (far) {
        s.p1 = this._image(screen);
      } else {
        this.state = null;
        this._clickSelect(screen);
      }
    }
  }

  /** Double click: finish a path, or insert a vertex on the selected polygon's edge. */
  doubleClick(screen) {
    const s = this.state;
    if (s && s.kind === "path") {
      this.finish();
      return;
    }
    const selected = this._selectedShape();
    if (!selected || selected.readonly || !MIN_POINTS[selected.geometry.type]) return;
    const p = this._image(screen, false);
    const g = selected.geometry;
    const edge = nearestEdge(g.points, p, g.type === "segment");
    if (edge && edge.dist <= this._tolerance(PICK_TOLERANCE)) {
      this.host.emit({ type: "update", key: selected.key, geometry: insertVertex(g, edge.index + 1, edge.point) });
    }
  }

  // -- keys ----------------------------------------------------------------------------
  /** Enter: close the polygon / end the polyline being drawn. True if there was one. */
  finish() {
    const s = this.state;
    if (!s || s.kind !== "path") return false;
    this.state = null;
    const points = dedupe(s.points, this._tolerance(1));
    if (points.length >= MIN_POINTS[s.type]) this.host.emit({ type: "create", geometry: { type: s.type, points } });
    return true;
  }

  /** Esc: drop what is being drawn or dragged. True if there was something. */
  cancel() {
    if (this.state) {
      this.state = null;
      return true;
    }
    if (this.activeVertex) {
      this.activeVertex = null;
      return true;
    }
    return false;
  }

  /** Backspace while clicking a path: take back its last vertex. */
  undoVertex() {
    const s = this.state;
    if (!s || s.kind !== "path") return false;
    s.points.pop();
    if (!s.points.length) this.state = null;
    return true;
  }

  /** Delete the active vertex of the selected polygon or polyline (if enough remain). */
  deleteVertex() {
    const selected = this._selectedShape();
    const v = this.activeVertex;
    if (!selected || !v || v.key !== selected.key) return false;
    this.activeVertex = null;
    const geometry = removeVertex(selected.geometry, v.index);
    if (geometry) this.host.emit({ type: "update", key: selected.key, geometry });
    return true;
  }

  // -- helpers -------------------------------------------------------------------------
  /** The selected shape's handle under the pointer, else (select tool) the shape under it. */
  _hoverAt(screen) {
    const p = this._image(screen, false);
    const selected = this._selectedShape();
    if (selected && !selected.readonly) {
      const handle = hitHandle(handles(selected.geometry, this.host.view().scale), p, this._tolerance(HANDLE_TOLERANCE));
      if (handle) return { key: selected.key, handle };
    }
    if (this.host.tool() !== "select") return null;
    const key = pickShape(this.host.shapes(), p, this._tolerance(PICK_TOLERANCE));
    return key === null ? null : { key, handle: null };
  }

  _startDrag(shape, handle, from, screen) {
    this.state = {
      kind: "drag", key: shape.key, handle, from, screen, startGeometry: shape.geometry,
      geometry: shape.geometry, moved: false,
    };
  }

  _addVertex(p) {
    const s = this.state;
    const tol = this._tolerance(CLOSE_TOLERANCE);
    const first = s.points[0];
    const last = s.points[s.points.length - 1];
    if (s.type === "segment" && s.points.length >= 3 && Math.hypot(p[0] - first[0], p[1] - first[1]) <= tol) {
      return this.finish();
    }
    if (s.type === "polyline" && s.points.length >= 2 && Math.hypot(p[0] - last[0], p[1] - last[1]) <= tol) {
      return this.finish();
    }
    s.points.push(p);
    return true;
  }

  _finishEdge(p) {
    const s = this.state;
    this.state = null;
    const geometry = rotatedBoxFromPoints(s.p0, s.p1, p);
    if (geometry.points[1][1] - geometry.points[0][1] > 0) this.host.emit({ type: "create", geometry });
  }

  _clickSelect(screen) {
    const key = pickShape(this.host.shapes(), this._image(screen, false), this._tolerance(PICK_TOLERANCE));
    if (key !== this.host.selected()) this.host.emit({ type: "select", key });
  }
}

function dedupe(points, tolerance) {
  const out = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (!last || Math.hypot(p[0] - last[0], p[1] - last[1]) > tolerance) out.push(p);
  }
  return out;
}
