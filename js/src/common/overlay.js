// Annotation shapes drawn as SVG over a thumbnail.
//
// A shape is {k, l, p} in image pixels (see dl_jupyter/frames/overlays.py): k is "rect"
// (x0, y0, x1, y1), "poly" or "line" (x, y, x, y, ...), "point" (x, y), "ellipse" (cx, cy, rx,
// ry, degrees) or "tag" (a whole-image label, drawn as a chip, not here). Labels are set with
// textContent, never parsed as markup.

const SVG = "http://www.w3.org/2000/svg";
const FALLBACK = "#3f8fd2";

function el(name, attrs) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

function colorOf(colors, label) {
  const c = colors[label];
  return typeof c === "string" && /^#[0-9a-fA-F]{6}$/.test(c) ? c : FALLBACK;
}

/** Where a shape's label goes: its top-left corner. */
export function anchorOf(shape) {
  const p = shape.p;
  switch (shape.k) {
    case "rect":
      return [p[0], p[1]];
    case "poly":
    case "line": {
      let x = Infinity, y = Infinity;
      for (let i = 0; i + 1 < p.length; i += 2) {
        x = Math.min(x, p[i]);
        y = Math.min(y, p[i + 1]);
      }
      return [x, y];
    }
    case "point":
      return [p[0], p[1]];
    case "ellipse":
      return [p[0] - p[2], p[1] - p[3]];
    default:
      return null;
  }
}

function shapeNode(shape, width, height) {
  const p = shape.p;
  const r = Math.max(width, height) / 120;
  switch (shape.k) {
    case "rect":
      return p.length === 4 ? el("rect", { x: p[0], y: p[1], width: p[2] - p[0], height: p[3] - p[1] }) : null;
    case "poly":
    case "line": {
      const points = [];
      for (let i = 0; i + 1 < p.length; i += 2) points.push(`${p[i]},${p[i + 1]}`);
      return el(shape.k === "poly" ? "polygon" : "polyline", { points: points.join(" ") });
    }
    case "point":
      return el("circle", { cx: p[0], cy: p[1], r });
    case "ellipse":
      return el("ellipse", { cx: p[0], cy: p[1], rx: p[2], ry: p[3], transform: `rotate(${p[4]} ${p[0]} ${p[1]})` });
    default:
      return null;
  }
}

/**
 * Fill `svg` with the shapes of an image of width x height.
 * options: colors {label: "#rrggbb"}, hidden (Set of labels), showLabels, opacity (0..1),
 * pixelSize (image pixels per screen pixel, to keep text and points readable at any size).
 */
export function drawOverlay(svg, shapes, width, height, options = {}) {
  const { colors = {}, hidden = new Set(), showLabels = true, opacity = 1, pixelSize = 1 } = options;
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.style.opacity = String(opacity);
  for (const shape of shapes) {
    if (shape.k === "tag" || hidden.has(shape.l)) continue;
    const node = shapeNode(shape, width, height);
    if (!node) continue;
    const color = colorOf(colors, shape.l);
    node.setAttribute("stroke", color);
    node.setAttribute("stroke-width", "2");
    node.setAttribute("vector-effect", "non-scaling-stroke");
    node.setAttribute("fill", shape.k === "line" ? "none" : color);
    node.setAttribute("fill-opacity", shape.k === "point" ? "0.9" : "0.15");
    const title = document.createElementNS(SVG, "title");
    title.textContent = shape.l ?? "";
    node.appendChild(title);
    svg.appendChild(node);
    const at = anchorOf(shape);
    if (showLabels && at && shape.l) {
      const size = 11 * pixelSize;
      const text = el("text", {
        x: at[0] + 2 * pixelSize, y: Math.max(at[1] - 3 * pixelSize, size),
        "font-size": size, fill: color, stroke: "rgba(0,0,0,0.6)", "stroke-width": 3 * pixelSize,
        "paint-order": "stroke", "font-family": "sans-serif",
      });
      text.textContent = shape.l;
      svg.appendChild(text);
    }
  }
}

/** Whole-image labels (classifications) as chips, for a container over the image. */
export function drawTags(container, shapes, colors = {}, hidden = new Set()) {
  container.replaceChildren();
  for (const shape of shapes) {
    if (shape.k !== "tag" || hidden.has(shape.l)) continue;
    const chip = document.createElement("span");
    chip.className = "dl-tag";
    chip.style.borderLeftColor = colorOf(colors, shape.l);
    chip.textContent = shape.l ?? "";
    container.appendChild(chip);
  }
}
