import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { anchorOf } from "../src/common/overlay.js";
import { formatCell } from "../src/table/index.js";

describe("anchorOf: where a shape's label goes", () => {
  it("is the top-left of each kind of shape", () => {
    assert.deepEqual(anchorOf({ k: "rect", p: [10, 20, 30, 40] }), [10, 20]);
    assert.deepEqual(anchorOf({ k: "poly", p: [5, 9, 1, 7, 3, 2] }), [1, 2]);
    assert.deepEqual(anchorOf({ k: "line", p: [4, 4, 8, 0] }), [4, 0]);
    assert.deepEqual(anchorOf({ k: "point", p: [6, 7] }), [6, 7]);
    assert.deepEqual(anchorOf({ k: "ellipse", p: [50, 40, 10, 5, 30] }), [40, 35]);
  });

  it("is nothing for whole-image labels", () => {
    assert.equal(anchorOf({ k: "tag", p: [] }), null);
  });
});

describe("formatCell: how a table cell reads", () => {
  it("shows missing values as empty and objects as JSON", () => {
    assert.equal(formatCell(null, "string"), "");
    assert.equal(formatCell(["a", 1], "object"), '["a",1]');
    assert.equal(formatCell({ id: 7 }, "object"), '{"id":7}');
  });

  it("shortens times and long decimals, keeps the rest", () => {
    assert.equal(formatCell("2024-01-31T12:00:00.123+00:00", "time"), "2024-01-31 12:00:00");
    assert.equal(formatCell(0.123456789, "number"), "0.1235");
    assert.equal(formatCell(42, "number"), "42");
    assert.equal(formatCell(false, "boolean"), "false");
  });
});
