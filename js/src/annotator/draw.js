// Drawing on the live layer: the selected shape and its handles, shapes not yet stored, the
// shape being drawn. Committed shapes are drawn by Python (ipycanvas) in the same style:
// 2 px outlines in the label's colour, closed shapes filled at 15 % opacity, 4 px points.

import { ellipsePoints, isClosed, outline } from "./geometry.js";
import { toScreen } from "./viewport.js";

export const STYLE = { width: 2, selectedWidth: 3, fillAlpha: 0.15, pointRadius: 4, handle: 8 };

function tracePath(ctx, view, points, closed) {
  ctx.beginPath();
  points.forEach((p, i) => {
    const [x, y] = toScreen(view, p);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  if (closed) ctx.closePath();
}

export function drawShape(ctx, view, g, { color, selected = false, dashed = false, fill = true }) {
  if (!g || !g.points) return;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = selected ? STYLE.selectedWidth : STYLE.width;
  ctx.setLineDash(dashed ? [6, 4] : []);
  if (g.type === "point") {
    const [x, y] = toScreen(view, g.points[0]);
    ctx.beginPath();
    ctx.arc(x, y, STYLE.pointRadius + (selected ? 1 : 0), 0, 2 * Math.PI);
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#ffffff";
    ctx.stroke();
  } else {
    const closed = isClosed(g);
    tracePath(ctx, view, g.type === "ellipse" ? ellipsePoints(g, 72) : outline(g), closed);
    if (closed && fill) {
      ctx.globalAlpha = STYLE.fillAlpha;
      ctx.fill();
      ctx.globalAlpha = 1;
    }
    ctx.stroke();
  }
  ctx.restore();
}

export function drawHandles(ctx, view, list, { color, activeVertex = null }) {
  const size = STYLE.handle;
  ctx.save();
  ctx.lineWidth = 1.5;
  for (const handle of list) {
    const [x, y] = toScreen(view, handle.point);
    ctx.beginPath();
    if (handle.kind === "mid") {
      ctx.arc(x, y, size / 3, 0, 2 * Math.PI);
      ctx.fillStyle = color;
      ctx.globalAlpha = 0.7;
      ctx.fill();
      ctx.globalAlpha = 1;
      continue;
    }
    if (handle.kind === "rotate" || handle.kind === "vertex") ctx.arc(x, y, size / 2, 0, 2 * Math.PI);
    else ctx.rect(x - size / 2, y - size / 2, size, size);
    const active = handle.kind === "vertex" && handle.index === activeVertex;
    ctx.fillStyle = active ? color : "#ffffff";
    ctx.strokeStyle = active ? "#ffffff" : color;
    ctx.fill();
    ctx.stroke();
  }
  ctx.restore();
}

/** A polygon or polyline being clicked in: its edges, the edge to the cursor, and the closing edge. */
export function drawPathDraft(ctx, view, points, cursor, { color, closed }) {
  if (!points.length) return;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = STYLE.width;
  tracePath(ctx, view, cursor ? [...points, cursor] : points, false);
  ctx.stroke();
  if (closed && cursor && points.length >= 2) {
    ctx.setLineDash([4, 4]);
    tracePath(ctx, view, [cursor, points[0]], false);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.fillStyle = color;
  for (const p of points) {
    const [x, y] = toScreen(view, p);
    ctx.fillRect(x - 3, y - 3, 6, 6);
  }
  ctx.restore();
}

export function drawLine(ctx, view, a, b, { color }) {
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = STYLE.width;
  tracePath(ctx, view, [a, b], false);
  ctx.stroke();
  ctx.restore();
}

/** The label above a shape's top-left corner, as Python captions committed shapes. */
export function drawCaption(ctx, view, g, text, { color }) {
  if (!g || !g.points || !text) return;
  const pts = g.type === "ellipse" ? ellipsePoints(g, 36) : outline(g);
  const [x, y] = toScreen(view, [Math.min(...pts.map((p) => p[0])), Math.min(...pts.map((p) => p[1]))]);
  ctx.save();
  ctx.font = "11px sans-serif";
  ctx.textBaseline = "top";
  const top = Math.max(y - 14, 0);
  ctx.fillStyle = color;
  ctx.fillRect(x, top, ctx.measureText(text).width + 6, 14);
  ctx.fillStyle = "#ffffff";
  ctx.fillText(text, x + 3, top + 1.5);
  ctx.restore();
}
