import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";

import { Interaction } from "../src/annotator/tools.js";

// The host the stage gives the state machine: a view at scale 2 shifted by (10, 20) image pixels,
// a 400 x 300 image, and the events it emits collected in order.
function setup({ tool = "box", shapes = [], selected = null } = {}) {
  const state = { tool, shapes, selected, events: [] };
  const interaction = new Interaction({
    view: () => ({ scale: 2, x: 10, y: 20 }),
    image: () => ({ width: 400, height: 300 }),
    shapes: () => state.shapes,
    selected: () => state.selected,
    tool: () => state.tool,
    emit: (event) => {
      state.events.push(event);
      if (event.type === "select") state.selected = event.key;
    },
  });
  return { state, interaction };
}

// screen pixel of image pixel (x, y) under that view
const at = (x, y) => [(x - 10) * 2, (y - 20) * 2];

function drag(interaction, from, to, options = {}) {
  interaction.down(at(...from), options);
  interaction.move(at((from[0] + to[0]) / 2, (from[1] + to[1]) / 2), options);
  interaction.move(at(...to), options);
  interaction.up(at(...to), options);
}

const BOX = { key: "b", geometry: { type: "box", points: [[100, 100], [200, 150]], angle: 0 } };
const POLYGON = { key: "p", geometry: { type: "segment", points: [[300, 100], [350, 100], [350, 150], [300, 150]] } };

describe("drawing", () => {
  let s;
  beforeEach(() => {
    s = setup();
  });

  it("draws a box in image pixels, clamped to the image", () => {
    drag(s.interaction, [50, 60], [450, 90]);
    assert.deepEqual(s.state.events, [{ type: "create", geometry: { type: "box", points: [[50, 60], [400, 90]], angle: 0 } }]);
    assert.equal(s.interaction.busy, false);
  });

  it("shows the rubber band while dragging, and sends nothing before the release", () => {
    s.interaction.down(at(50, 60));
    s.interaction.move(at(70, 80));
    assert.deepEqual(s.interaction.draft.geometry.points, [[50, 60], [70, 80]]);
    assert.deepEqual(s.state.events, []);
  });

  it("takes a click without a drag as a selection, not a box", () => {
    s.state.shapes = [BOX];
    drag(s.interaction, [150, 120], [150.5, 120]);
    assert.deepEqual(s.state.events, [{ type: "select", key: "b" }]);
  });

  it("draws an ellipse in the dragged rectangle", () => {
    s.state.tool = "ellipse";
    drag(s.interaction, [100, 100], [140, 120]);
    assert.deepEqual(s.state.events[0].geometry, { type: "ellipse", points: [[120, 110]], rx: 20, ry: 10, angle: 0 });
  });

  it("draws a rotated box from an edge and a click on the far side", () => {
    s.state.tool = "rotated_box";
    drag(s.interaction, [100, 100], [140, 140]);
    assert.deepEqual(s.state.events, []);
    s.interaction.move(at(100, 140));
    assert.ok(s.interaction.draft.geometry);
    s.interaction.down(at(100, 140));
    const [{ geometry }] = s.state.events;
    assert.equal(geometry.type, "box");
    assert.ok(Math.abs(geometry.angle - 45) < 1e-9);
  });

  it("drops a point on press", () => {
    s.state.tool = "point";
    s.interaction.down(at(33, 44));
    assert.deepEqual(s.state.events, [{ type: "create", geometry: { type: "point", points: [[33, 44]] } }]);
  });

  it("closes a polygon on its first vertex", () => {
    s.state.tool = "polygon";
    for (const p of [[100, 100], [200, 100], [150, 180]]) s.interaction.down(at(...p));
    assert.equal(s.interaction.draft.path.length, 3);
    s.interaction.down(at(101, 101));
    assert.deepEqual(s.state.events, [{ type: "create", geometry: { type: "segment", points: [[100, 100], [200, 100], [150, 180]] } }]);
  });

  it("ends a polyline with Enter, takes back a vertex with Backspace, cancels with Esc", () => {
    s.state.tool = "polyline";
    for (const p of [[10, 20], [60, 20], [60, 90]]) s.interaction.down(at(...p));
    assert.equal(s.interaction.undoVertex(), true);
    assert.equal(s.interaction.finish(), true);
    assert.deepEqual(s.state.events, [{ type: "create", geometry: { type: "polyline", points: [[10, 20], [60, 20]] } }]);
    s.interaction.down(at(10, 20));
    assert.equal(s.interaction.cancel(), true);
    assert.equal(s.interaction.busy, false);
    assert.equal(s.interaction.finish(), false);
  });

  it("does not store a polygon with too few vertices", () => {
    s.state.tool = "polygon";
    s.interaction.down(at(10, 20));
    s.interaction.down(at(60, 20));
    s.interaction.finish();
    assert.deepEqual(s.state.events, []);
  });
});

describe("editing the selected shape", () => {
  it("selects and moves a shape with the select tool, in one update on release", () => {
    const s = setup({ tool: "select", shapes: [BOX, POLYGON] });
    drag(s.interaction, [150, 120], [160, 130]);
    assert.deepEqual(s.state.events, [
      { type: "select", key: "b" },
      { type: "update", key: "b", geometry: { type: "box", points: [[110, 110], [210, 160]], angle: 0 } },
    ]);
  });

  it("only selects when the pointer did not move", () => {
    const s = setup({ tool: "select", shapes: [BOX] });
    drag(s.interaction, [150, 120], [150, 120]);
    assert.deepEqual(s.state.events, [{ type: "select", key: "b" }]);
    drag(s.interaction, [390, 290], [390, 290]);
    assert.deepEqual(s.state.events.at(-1), { type: "select", key: null });
  });

  it("resizes with a corner handle in any tool", () => {
    const s = setup({ tool: "box", shapes: [BOX], selected: "b" });
    drag(s.interaction, [200, 150], [220, 170]);
    assert.deepEqual(s.state.events, [{ type: "update", key: "b", geometry: { type: "box", points: [[100, 100], [220, 170]], angle: 0 } }]);
  });

  it("drags a vertex, deletes one with Alt+click or Delete, inserts one on double click", () => {
    const s = setup({ tool: "select", shapes: [POLYGON], selected: "p" });
    drag(s.interaction, [350, 100], [360, 90]);
    assert.deepEqual(s.state.events[0].geometry.points[1], [360, 90]);
    s.interaction.down(at(300, 150), { alt: true });
    assert.equal(s.state.events[1].geometry.points.length, 3);
    s.interaction.up(at(300, 150));
    s.interaction.down(at(350, 150));
    s.interaction.up(at(350, 150));
    assert.equal(s.interaction.deleteVertex(), true);
    assert.deepEqual(s.state.events[2].geometry.points, [[300, 100], [350, 100], [300, 150]]);
    s.interaction.doubleClick(at(325, 100.5));
    assert.deepEqual(s.state.events[3].geometry.points[1], [325, 100]);
  });

  it("inserts a vertex by dragging an edge's midpoint", () => {
    const s = setup({ tool: "select", shapes: [POLYGON], selected: "p" });
    drag(s.interaction, [325, 100], [325, 80]);
    assert.deepEqual(s.state.events[0].geometry.points, [[300, 100], [325, 80], [350, 100], [350, 150], [300, 150]]);
  });
});

describe("hover", () => {
  it("names the selected shape's handle under the pointer, else the shape (select tool only)", () => {
    const s = setup({ tool: "select", shapes: [BOX, POLYGON], selected: "b" });
    s.interaction.move(at(200, 150));
    assert.equal(s.interaction.hover.handle.kind, "corner");
    s.interaction.move(at(320, 120));
    assert.deepEqual(s.interaction.hover, { key: "p", handle: null });
    s.state.tool = "box";
    s.interaction.move(at(320, 120));
    assert.equal(s.interaction.hover, null);
    assert.deepEqual(s.state.events, [], "hovering sends nothing");
  });
});
