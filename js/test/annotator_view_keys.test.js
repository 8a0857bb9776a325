import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { actionFor, buildLookup, comboOf, describe as describeCombo, labelKeyOf } from "../src/annotator/keymap.js";
import {
  actualSizeView,
  fitView,
  MAX_SCALE,
  panBy,
  relativeTransform,
  toImage,
  toScreen,
  wheelFactor,
  zoomAt,
} from "../src/annotator/viewport.js";

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

describe("views", () => {
  it("fits an image centred in the stage", () => {
    const view = fitView(800, 600, 400, 400);
    close(view.scale, 0.5);
    assert.deepEqual(toScreen(view, [0, 0]), [0, 50]);
    assert.deepEqual(toScreen(view, [800, 600]), [400, 350]);
    assert.deepEqual(fitView(0, 0, 400, 400), { scale: 1, x: 0, y: 0 });
  });

  it("maps screen and image pixels both ways", () => {
    const view = { scale: 2.5, x: 10, y: -4 };
    const p = toImage(view, toScreen(view, [123.25, 77]));
    close(p[0], 123.25);
    close(p[1], 77);
  });

  it("zooms about the pointer, which keeps showing the same image point", () => {
    const view = { scale: 1, x: 0, y: 0 };
    const zoomed = zoomAt(view, [100, 50], 4);
    assert.equal(zoomed.scale, 4);
    const [x, y] = toScreen(zoomed, toImage(view, [100, 50]));
    close(x, 100);
    close(y, 50);
    assert.equal(zoomAt(view, [0, 0], 1e9).scale, MAX_SCALE);
    close(actualSizeView({ scale: 0.5, x: 0, y: 0 }, 200, 100).scale, 1);
  });

  it("pans the picture with the pointer", () => {
    assert.deepEqual(panBy({ scale: 2, x: 10, y: 10 }, 20, -10), { scale: 2, x: 0, y: 15 });
  });

  it("lines a frame rendered for one view up under another", () => {
    const from = { scale: 1, x: 0, y: 0 };
    const to = zoomAt(from, [100, 100], 2);
    const t = relativeTransform(from, to);
    // frame pixel (100, 100) shows image (100, 100): it must land where `to` shows that point
    const [sx, sy] = toScreen(to, [100, 100]);
    close(t.dx + 100 * t.k, sx);
    close(t.dy + 100 * t.k, sy);
  });

  it("turns wheel deltas into zoom factors", () => {
    assert.ok(wheelFactor(-100) > 1 && wheelFactor(100) < 1);
    close(wheelFactor(-100) * wheelFactor(100), 1);
    assert.equal(wheelFactor(-3, 1), wheelFactor(-48));
    close(wheelFactor(-1e6), wheelFactor(-400));
  });
});

const key = (k, extra = {}) => ({ key: k, code: "", ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...extra });

describe("keys", () => {
  it("names key combos the way Python writes them", () => {
    assert.equal(comboOf(key("z", { ctrlKey: true })), "Ctrl+z");
    assert.equal(comboOf(key("Z", { ctrlKey: true, shiftKey: true })), "Ctrl+Shift+z");
    assert.equal(comboOf(key("z", { metaKey: true })), "Ctrl+z");
    assert.equal(comboOf(key("?", { shiftKey: true })), "?");
    assert.equal(comboOf(key("Tab", { shiftKey: true })), "Shift+Tab");
    assert.equal(comboOf(key(" ")), "Space");
    assert.equal(comboOf(key("D")), "d");
  });

  it("looks actions up, and nothing for keys it does not bind", () => {
    const table = buildLookup({ undo: ["Ctrl+z"], next: ["ArrowRight", "n"] });
    assert.equal(actionFor(table, key("z", { ctrlKey: true })), "undo");
    assert.equal(actionFor(table, key("ArrowRight")), "next");
    assert.equal(actionFor(table, key("n")), "next");
    assert.equal(actionFor(table, key("d")), null);
  });

  it("picks labels by digit, classifies with Shift, and knows the physical key", () => {
    const keys = ["1", "2", "3"];
    assert.deepEqual(labelKeyOf(keys, key("2", { code: "Digit2" })), { index: 1, classify: false });
    assert.deepEqual(labelKeyOf(keys, key("@", { code: "Digit2", shiftKey: true })), { index: 1, classify: true });
    // a layout where digits need Shift still picks the label
    assert.deepEqual(labelKeyOf(keys, key("3", { code: "Digit3", shiftKey: true })), { index: 2, classify: false });
    assert.deepEqual(labelKeyOf(keys, key("é", { code: "Digit2" })), { index: 1, classify: false });
    assert.equal(labelKeyOf(keys, key("1", { ctrlKey: true, code: "Digit1" })), null);
    assert.equal(labelKeyOf(keys, key("4", { code: "Digit4" })), null);
  });

  it("shows combos readably in the help", () => {
    assert.equal(describeCombo("Ctrl+Shift+z"), "Ctrl+Shift+Z");
    assert.equal(describeCombo("ArrowRight"), "Right");
    assert.equal(describeCombo("+"), "+");
  });
});
