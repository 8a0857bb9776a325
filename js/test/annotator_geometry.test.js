import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  area,
  boxCorners,
  boxFromCorners,
  bounds,
  dragHandle,
  ellipseFromCorners,
  handles,
  hitHandle,
  hitTest,
  insertVertex,
  nearestEdge,
  normalizeAngle,
  pickShape,
  pointInPolygon,
  removeVertex,
  rotate,
  rotatedBoxFromPoints,
} from "../src/annotator/geometry.js";

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);
const closePoint = (p, q, eps = 1e-9) => {
  close(p[0], q[0], eps);
  close(p[1], q[1], eps);
};
const box = (l, t, r, b, angle = 0) => ({ type: "box", points: [[l, t], [r, b]], angle });

describe("rotation and corners", () => {
  it("turns clockwise on screen, like the Python Box", () => {
    closePoint(rotate([1, 0], [0, 0], 90), [0, 1]);
    closePoint(rotate([10, 5], [10, 5], 33), [10, 5]);
  });

  it("gives a rotated box's corners about its centre", () => {
    const corners = boxCorners(box(0, 0, 20, 10, 90));
    closePoint(corners[0], [15, -5]); // top-left went to the top right
    closePoint(corners[2], [5, 15]);
    assert.deepEqual(bounds(box(0, 0, 20, 10)), [0, 0, 20, 10]);
  });

  it("builds a rotated box from an edge and a point on the far side", () => {
    const g = rotatedBoxFromPoints([0, 0], [10, 10], [0, 10]);
    close(g.angle, 45);
    close(g.points[1][0] - g.points[0][0], Math.hypot(10, 10));
    close(g.points[1][1] - g.points[0][1], Math.hypot(5, 5));
    closePoint(boxCorners(g)[0], [0, 0]);
    closePoint(boxCorners(g)[1], [10, 10]);
    // the far side on the other side of the edge flips it instead of giving a negative height
    const flipped = rotatedBoxFromPoints([0, 0], [10, 0], [5, -4]);
    close(flipped.points[1][1] - flipped.points[0][1], 4);
    close(Math.abs(flipped.angle), 180);
  });

  it("keeps angles within (-180, 180]", () => {
    assert.equal(normalizeAngle(190), -170);
    assert.equal(normalizeAngle(-180), 180);
    assert.equal(normalizeAngle(-0), 0);
    assert.ok(!Object.is(normalizeAngle(-360), -0));
  });
});

describe("hit testing", () => {
  const square = { type: "segment", points: [[0, 0], [10, 0], [10, 10], [0, 10]] };

  it("tells the outline from the inside and the outside", () => {
    assert.equal(hitTest(square, [5, 0.5], 1), "edge");
    assert.equal(hitTest(square, [5, 5], 1), "inside");
    assert.equal(hitTest(square, [15, 5], 1), null);
    assert.equal(hitTest({ type: "polyline", points: [[0, 0], [10, 0]] }, [5, 5], 1), null);
    assert.equal(hitTest({ type: "point", points: [[3, 3]] }, [4, 3], 1), "edge");
    assert.ok(pointInPolygon([5, 5], square.points) && !pointInPolygon([11, 5], square.points));
  });

  it("picks an outline before an inside, and the smaller of two containing shapes", () => {
    const shapes = [
      { key: "big", geometry: box(0, 0, 100, 100) },
      { key: "small", geometry: box(40, 40, 60, 60) },
      { key: "line", geometry: { type: "polyline", points: [[0, 80], [100, 80]] } },
    ];
    assert.equal(pickShape(shapes, [50, 50], 2), "small");
    assert.equal(pickShape(shapes, [20, 20], 2), "big");
    assert.equal(pickShape(shapes, [20, 80.5], 2), "line");
    assert.equal(pickShape(shapes, [200, 200], 2), null);
  });

  it("finds the nearest edge, closing the ring for polygons only", () => {
    const open = { type: "polyline", points: [[0, 0], [10, 0], [10, 10]] };
    assert.equal(nearestEdge(open.points, [5, 1], false).index, 0);
    assert.equal(nearestEdge(square.points, [0, 5], true).index, 3);
    assert.equal(nearestEdge(open.points, [0, 5], false).index, 0);
  });

  it("measures areas", () => {
    assert.equal(area(square), 100);
    assert.equal(area(box(0, 0, 4, 5)), 20);
    close(area(ellipseFromCorners([0, 0], [4, 2])), Math.PI * 2);
  });
});

describe("handles", () => {
  it("gives a box eight handles and a rotation handle only when rotated", () => {
    assert.equal(handles(box(0, 0, 10, 10), 1).length, 8);
    const rotated = handles(box(0, 0, 10, 10, 30), 2);
    const rot = rotated.find((h) => h.kind === "rotate");
    assert.ok(rot);
    // 24 screen pixels above the top edge's centre at scale 2 is 12 image pixels
    closePoint(rot.point, rotate([5, -12], [5, 5], 30));
  });

  it("gives paths a handle per vertex and one per edge midpoint", () => {
    const polygon = { type: "segment", points: [[0, 0], [10, 0], [10, 10]] };
    assert.equal(handles(polygon, 1).filter((h) => h.kind === "mid").length, 3);
    const line = { type: "polyline", points: [[0, 0], [10, 0], [10, 10]] };
    assert.equal(handles(line, 1).filter((h) => h.kind === "mid").length, 2);
  });

  it("prefers a vertex to an edge midpoint under the pointer", () => {
    const list = [{ kind: "mid", index: 0, point: [5, 0] }, { kind: "vertex", index: 1, point: [6, 0] }];
    assert.equal(hitHandle(list, [5.4, 0], 2).kind, "vertex");
    assert.equal(hitHandle(list, [50, 0], 2), null);
  });
});

describe("dragging handles", () => {
  it("moves a box corner while the opposite corner stays", () => {
    const g = dragHandle(box(0, 0, 10, 10), { kind: "corner", sx: 1, sy: 1 }, [10, 10], [20, 15]);
    assert.deepEqual(g.points, [[0, 0], [20, 15]]);
    const flipped = dragHandle(box(0, 0, 10, 10), { kind: "corner", sx: 1, sy: 1 }, [10, 10], [-5, 5]);
    assert.deepEqual(flipped.points, [[-5, 0], [0, 5]]);
  });

  it("moves one side only", () => {
    const g = dragHandle(box(0, 0, 10, 10), { kind: "side", sx: 0, sy: -1 }, [5, 0], [7, -4]);
    assert.deepEqual(g.points, [[0, -4], [10, 10]]);
  });

  it("resizes a rotated box in its own frame", () => {
    const start = box(0, 0, 20, 10, 90);
    const corners = boxCorners(start);
    const g = dragHandle(start, { kind: "corner", sx: 1, sy: 1 }, corners[2], [corners[2][0] - 5, corners[2][1] + 2]);
    closePoint(boxCorners(g)[0], corners[0], 1e-9); // the opposite corner stayed
    assert.equal(g.angle, 90);
  });

  it("rotates about the centre and snaps to 15 degrees with shift", () => {
    const start = box(0, 0, 10, 10, 10);
    close(dragHandle(start, { kind: "rotate" }, [5, -10], [20, 5]).angle, 90);
    assert.equal(dragHandle(start, { kind: "rotate" }, [5, -10], [20, 9], { snap: true }).angle, 105);
  });

  it("moves vertices, inserts one from an edge midpoint, and translates", () => {
    const polygon = { type: "segment", points: [[0, 0], [10, 0], [10, 10]] };
    assert.deepEqual(dragHandle(polygon, { kind: "vertex", index: 1 }, [10, 0], [12, 1]).points[1], [12, 1]);
    const inserted = dragHandle(polygon, { kind: "mid", index: 0 }, [5, 0], [5, -3]);
    assert.deepEqual(inserted.points, [[0, 0], [5, -3], [10, 0], [10, 10]]);
    assert.deepEqual(dragHandle(polygon, { kind: "move" }, [1, 1], [3, 4]).points[2], [12, 13]);
    assert.deepEqual(insertVertex(polygon, 3, [0, 10]).points.length, 4);
  });

  it("changes an ellipse's radii from its axis handles", () => {
    const ellipse = ellipseFromCorners([0, 0], [20, 10]);
    assert.equal(dragHandle(ellipse, { kind: "rx" }, [20, 5], [25, 9]).rx, 15);
    assert.equal(dragHandle(ellipse, { kind: "ry" }, [10, 10], [3, 1]).ry, 4);
  });

  it("refuses to take a path below its minimum vertex count", () => {
    const polygon = { type: "segment", points: [[0, 0], [10, 0], [10, 10], [0, 10]] };
    assert.equal(removeVertex(polygon, 0).points.length, 3);
    assert.equal(removeVertex(removeVertex(polygon, 0), 0), null);
    assert.equal(removeVertex(box(0, 0, 1, 1), 0), null);
    assert.deepEqual(boxFromCorners([5, 1], [2, 4]).points, [[2, 1], [5, 4]]);
  });
});
