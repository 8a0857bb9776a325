// Shapes in image pixels (the wire form Python validates, see dl_jupyter/editing/geometry.py):
//
//   {type: "box", points: [[left, top], [right, bottom]], angle}   rectangle before rotation
//   {type: "segment" | "polyline", points: [[x, y], ...]}           polygon, open line
//   {type: "point", points: [[x, y]]}
//   {type: "ellipse", points: [[cx, cy]], rx, ry, angle}
//
// Angles are degrees, clockwise on screen (y points down), about the shape's centre.
// Everything here is pure: hit-testing, handles, and what a handle drag does to a shape.

export const MIN_POINTS = { segment: 3, polyline: 2 };
const ROTATE_HANDLE_GAP = 24; // screen pixels between a shape's top edge and its rotation handle
const ELLIPSE_SEGMENTS = 48;

const rad = (deg) => (deg * Math.PI) / 180;
const deg = (r) => (r * 180) / Math.PI;
const sub = (a, b) => [a[0] - b[0], a[1] - b[1]];
const dot = (a, b) => a[0] * b[0] + a[1] * b[1];

export function rotate([x, y], [cx, cy], degrees) {
  const c = Math.cos(rad(degrees));
  const s = Math.sin(rad(degrees));
  return [cx + c * (x - cx) - s * (y - cy), cy + s * (x - cx) + c * (y - cy)];
}

/** A box's or an ellipse's centre, half sizes and unit axes (u along its width, v down). */
export function frame(g) {
  const angle = g.angle || 0;
  const u = [Math.cos(rad(angle)), Math.sin(rad(angle))];
  const v = [-u[1], u[0]];
  if (g.type === "ellipse") return { center: g.points[0], hw: g.rx, hh: g.ry, u, v, angle };
  const [[l, t], [r, b]] = g.points;
  return { center: [(l + r) / 2, (t + b) / 2], hw: (r - l) / 2, hh: (b - t) / 2, u, v, angle };
}

function fromFrame(f, lx, ly) {
  return [f.center[0] + lx * f.u[0] + ly * f.v[0], f.center[1] + lx * f.u[1] + ly * f.v[1]];
}

/** Corners top-left, top-right, bottom-right, bottom-left, rotated. */
export function boxCorners(g) {
  const f = frame(g);
  return [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([a, b]) => fromFrame(f, a * f.hw, b * f.hh));
}

export function ellipsePoints(g, segments = ELLIPSE_SEGMENTS) {
  const f = frame(g);
  const out = [];
  for (let i = 0; i < segments; i += 1) {
    const t = (2 * Math.PI * i) / segments;
    out.push(fromFrame(f, f.hw * Math.cos(t), f.hh * Math.sin(t)));
  }
  return out;
}

/** The outline as a point list (closed for box, polygon and ellipse). */
export function outline(g) {
  if (g.type === "box") return boxCorners(g);
  if (g.type === "ellipse") return ellipsePoints(g);
  return g.points;
}

export const isClosed = (g) => g.type === "box" || g.type === "segment" || g.type === "ellipse";

export function bounds(g) {
  const pts = outline(g);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

export function area(g) {
  if (g.type === "box") return (g.points[1][0] - g.points[0][0]) * (g.points[1][1] - g.points[0][1]);
  if (g.type === "ellipse") return Math.PI * g.rx * g.ry;
  if (g.type === "segment") {
    let sum = 0;
    const pts = g.points;
    for (let i = 0; i < pts.length; i += 1) {
      const [x0, y0] = pts[i];
      const [x1, y1] = pts[(i + 1) % pts.length];
      sum += x0 * y1 - x1 * y0;
    }
    return Math.abs(sum) / 2;
  }
  return 0;
}

export function translate(g, dx, dy) {
  return { ...g, points: g.points.map(([x, y]) => [x + dx, y + dy]) };
}

/** Distance from p to the segment a-b, with the closest point and its parameter t in [0, 1]. */
export function distToSegment(p, a, b) {
  const ab = sub(b, a);
  const length2 = dot(ab, ab);
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, dot(sub(p, a), ab) / length2));
  const point = [a[0] + t * ab[0], a[1] + t * ab[1]];
  return { dist: Math.hypot(p[0] - point[0], p[1] - point[1]), t, point };
}

export function pointInPolygon([x, y], pts) {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i, i += 1) {
    const [xi, yi] = pts[i];
    const [xj, yj] = pts[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The edge nearest p: {index (insert a vertex at index + 1), point, dist}. */
export function nearestEdge(points, p, closed) {
  let best = null;
  const last = closed ? points.length : points.length - 1;
  for (let i = 0; i < last; i += 1) {
    const hit = distToSegment(p, points[i], points[(i + 1) % points.length]);
    if (best === null || hit.dist < best.dist) best = { index: i, point: hit.point, dist: hit.dist };
  }
  return best;
}

/** "edge" (on the outline, within tol), "inside" (a closed shape's interior) or null. */
export function hitTest(g, p, tol) {
  if (!g || !g.points) return null;
  if (g.type === "point") return Math.hypot(p[0] - g.points[0][0], p[1] - g.points[0][1]) <= tol * 1.5 ? "edge" : null;
  const pts = outline(g);
  const closed = isClosed(g);
  const edge = pts.length > 1 ? nearestEdge(pts, p, closed) : null;
  if (edge && edge.dist <= tol) return "edge";
  return closed && pointInPolygon(p, pts) ? "inside" : null;
}

/** The shape under p: an outline hit wins, then the smallest shape containing p. */
export function pickShape(shapes, p, tol) {
  let best = null;
  for (const shape of shapes) {
    const hit = hitTest(shape.geometry, p, tol);
    if (!hit) continue;
    const rank = hit === "edge" ? 0 : 1;
    const size = area(shape.geometry);
    if (best === null || rank < best.rank || (rank === best.rank && size < best.size)) {
      best = { key: shape.key, rank, size };
    }
  }
  return best ? best.key : null;
}

/**
 * The handles of a selected shape, in image pixels: {kind, index?, sx?, sy?, point}.
 * kinds: "corner"/"side" (box; sx, sy in -1..1 name the side), "rotate", "rx"/"ry" (ellipse),
 * "vertex" (polygon, polyline, point), "mid" (drag it to insert a vertex on that edge).
 */
export function handles(g, scale) {
  if (!g || !g.points) return [];
  if (g.type === "point") return [{ kind: "vertex", index: 0, point: g.points[0] }];
  if (g.type === "segment" || g.type === "polyline") {
    const closed = g.type === "segment";
    const out = g.points.map((point, index) => ({ kind: "vertex", index, point }));
    const last = closed ? g.points.length : g.points.length - 1;
    for (let i = 0; i < last; i += 1) {
      const a = g.points[i];
      const b = g.points[(i + 1) % g.points.length];
      out.push({ kind: "mid", index: i, point: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] });
    }
    return out;
  }
  const f = frame(g);
  const out = [];
  if (g.type === "box") {
    for (const sy of [-1, 0, 1]) {
      for (const sx of [-1, 0, 1]) {
        if (sx === 0 && sy === 0) continue;
        const kind = sx !== 0 && sy !== 0 ? "corner" : "side";
        out.push({ kind, sx, sy, point: fromFrame(f, sx * f.hw, sy * f.hh) });
      }
    }
  } else {
    out.push({ kind: "rx", point: fromFrame(f, f.hw, 0) });
    out.push({ kind: "ry", point: fromFrame(f, 0, f.hh) });
  }
  if (g.type === "ellipse" || (g.angle || 0) !== 0) {
    out.push({ kind: "rotate", point: fromFrame(f, 0, -f.hh - ROTATE_HANDLE_GAP / scale) });
  }
  return out;
}

/** The handle within tol of p (vertices before edge midpoints), or null. */
export function hitHandle(list, p, tol) {
  let best = null;
  for (const handle of list) {
    const dist = Math.hypot(p[0] - handle.point[0], p[1] - handle.point[1]);
    if (dist > tol) continue;
    const rank = handle.kind === "mid" ? 1 : 0;
    if (best === null || rank < best.rank || (rank === best.rank && dist < best.dist)) {
      best = { handle, rank, dist };
    }
  }
  return best ? best.handle : null;
}

/**
 * The shape after dragging `handle` of `start` (the shape when the drag began) from `from`
 * to `to` (image pixels). `snap` rounds rotations to 15 degrees.
 */
export function dragHandle(start, handle, from, to, { snap = false } = {}) {
  if (handle.kind === "move") return translate(start, to[0] - from[0], to[1] - from[1]);
  if (handle.kind === "vertex") {
    const points = start.points.map((p, i) => (i === handle.index ? [...to] : p));
    return { ...start, points };
  }
  if (handle.kind === "mid") {
    return dragHandle(insertVertex(start, handle.index + 1, to), { kind: "vertex", index: handle.index + 1 }, from, to);
  }
  const f = frame(start);
  const local = [dot(sub(to, f.center), f.u), dot(sub(to, f.center), f.v)];
  if (handle.kind === "rotate") {
    const d = sub(to, f.center);
    let angle = deg(Math.atan2(d[0], -d[1]));
    if (snap) angle = Math.round(angle / 15) * 15;
    return { ...start, angle: normalizeAngle(angle) };
  }
  if (handle.kind === "rx") return { ...start, rx: Math.abs(local[0]) };
  if (handle.kind === "ry") return { ...start, ry: Math.abs(local[1]) };
  // a box's corner or side: the opposite side stays where it is
  const span = (s, half, value) => (s === 0 ? [-half, half] : [Math.min(-s * half, value), Math.max(-s * half, value)]);
  const [x0, x1] = span(handle.sx, f.hw, local[0]);
  const [y0, y1] = span(handle.sy, f.hh, local[1]);
  const center = fromFrame(f, (x0 + x1) / 2, (y0 + y1) / 2);
  const hw = (x1 - x0) / 2;
  const hh = (y1 - y0) / 2;
  return { ...start, points: [[center[0] - hw, center[1] - hh], [center[0] + hw, center[1] + hh]] };
}

export function insertVertex(g, index, p) {
  const points = [...g.points];
  points.splice(index, 0, [...p]);
  return { ...g, points };
}

/** The shape without vertex `index`, or null when it would have too few points left. */
export function removeVertex(g, index) {
  const min = MIN_POINTS[g.type];
  if (min === undefined || g.points.length <= min) return null;
  return { ...g, points: g.points.filter((_, i) => i !== index) };
}

export function boxFromCorners(a, b) {
  return {
    type: "box",
    points: [[Math.min(a[0], b[0]), Math.min(a[1], b[1])], [Math.max(a[0], b[0]), Math.max(a[1], b[1])]],
    angle: 0,
  };
}

/** A rotated box from its first edge p0-p1 and a point p2 on the opposite side. */
export function rotatedBoxFromPoints(p0, p1, p2) {
  let a = p0;
  let b = p1;
  let edge = sub(b, a);
  const width = Math.hypot(edge[0], edge[1]);
  if (width === 0) return boxFromCorners(p0, p2);
  let u = [edge[0] / width, edge[1] / width];
  let height = dot(sub(p2, a), [-u[1], u[0]]);
  if (height < 0) {
    [a, b] = [b, a];
    edge = sub(b, a);
    u = [edge[0] / width, edge[1] / width];
    height = -height;
  }
  const v = [-u[1], u[0]];
  const center = [a[0] + (edge[0] + v[0] * height) / 2, a[1] + (edge[1] + v[1] * height) / 2];
  return {
    type: "box",
    points: [[center[0] - width / 2, center[1] - height / 2], [center[0] + width / 2, center[1] + height / 2]],
    angle: normalizeAngle(deg(Math.atan2(u[1], u[0]))),
  };
}

export function ellipseFromCorners(a, b) {
  return {
    type: "ellipse",
    points: [[(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]],
    rx: Math.abs(b[0] - a[0]) / 2,
    ry: Math.abs(b[1] - a[1]) / 2,
    angle: 0,
  };
}

export function clampPoint([x, y], width, height) {
  return [Math.min(Math.max(x, 0), width), Math.min(Math.max(y, 0), height)];
}

/** Within (-180, 180], as Python stores it. */
export function normalizeAngle(degrees) {
  let a = degrees % 360;
  if (a <= -180) a += 360;
  else if (a > 180) a -= 360;
  return a === 0 ? 0 : a; // no -0
}
