// The view: which part of the image the stage shows, and how large.
//
// A view is {scale, x, y}: `scale` CSS pixels per image pixel, and (x, y) the image point at the
// stage's top-left corner. Every geometry is kept in image pixels; only drawing and hit-testing
// go through a view.

export const MIN_SCALE = 1 / 64;
export const MAX_SCALE = 64;

export function toScreen(view, [x, y]) {
  return [(x - view.x) * view.scale, (y - view.y) * view.scale];
}

export function toImage(view, [sx, sy]) {
  return [view.x + sx / view.scale, view.y + sy / view.scale];
}

/** The view showing the whole image centred in a stage of width x height CSS pixels. */
export function fitView(imageWidth, imageHeight, width, height) {
  if (!(imageWidth > 0 && imageHeight > 0 && width > 0 && height > 0)) return { scale: 1, x: 0, y: 0 };
  const scale = clampScale(Math.min(width / imageWidth, height / imageHeight));
  return {
    scale,
    x: (imageWidth - width / scale) / 2,
    y: (imageHeight - height / scale) / 2,
  };
}

/** One image pixel per CSS pixel, keeping the stage's centre where it is. */
export function actualSizeView(view, width, height) {
  return zoomAt(view, [width / 2, height / 2], 1 / view.scale);
}

/** Zoom by `factor` about the screen point `at`, which keeps showing the same image point. */
export function zoomAt(view, at, factor) {
  const scale = clampScale(view.scale * factor);
  const [ix, iy] = toImage(view, at);
  return { scale, x: ix - at[0] / scale, y: iy - at[1] / scale };
}

/** Move the picture by (dx, dy) screen pixels (a drag to the right shows more of the left). */
export function panBy(view, dx, dy) {
  return { scale: view.scale, x: view.x - dx / view.scale, y: view.y - dy / view.scale };
}

/** The zoom factor of one wheel event (trackpads send small deltas, mice large ones). */
export function wheelFactor(deltaY, deltaMode = 0) {
  const pixels = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(-Math.max(-400, Math.min(400, pixels)) * 0.002);
}

/**
 * How to draw a picture rendered for view `from` so that it lines up under view `to`:
 * drawImage(picture, dx, dy, width * k, height * k) in the same pixel units.
 */
export function relativeTransform(from, to) {
  const k = to.scale / from.scale;
  return { k, dx: (from.x - to.x) * to.scale, dy: (from.y - to.y) * to.scale };
}

export function sameView(a, b, epsilon = 1e-9) {
  return (
    !!a && !!b &&
    Math.abs(a.scale - b.scale) <= epsilon * Math.max(1, a.scale) &&
    Math.abs(a.x - b.x) <= epsilon * Math.max(1, Math.abs(a.x)) + 1e-6 &&
    Math.abs(a.y - b.y) <= epsilon * Math.max(1, Math.abs(a.y)) + 1e-6
  );
}

function clampScale(scale) {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}
