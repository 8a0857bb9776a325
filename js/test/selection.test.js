import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { clickSelect, selectPage, union } from "../src/common/selection.js";

const PAGE = ["a", "b", "c", "d", "e"];
const none = { selected: [], anchor: null };

describe("clickSelect", () => {
  it("a click selects only the tile and makes it the anchor", () => {
    assert.deepEqual(clickSelect({ selected: ["x", "b"], anchor: 0 }, PAGE, 2), {
      selected: ["c"],
      anchor: 2,
    });
  });

  it("ctrl-click adds and removes without touching the rest", () => {
    let state = clickSelect(none, PAGE, 1);
    state = clickSelect(state, PAGE, 3, { ctrl: true });
    assert.deepEqual(state, { selected: ["b", "d"], anchor: 3 });
    state = clickSelect(state, PAGE, 1, { ctrl: true });
    assert.deepEqual(state, { selected: ["d"], anchor: 1 });
  });

  it("shift-click selects the range from the anchor, either way", () => {
    const anchored = clickSelect(none, PAGE, 3);
    assert.deepEqual(clickSelect(anchored, PAGE, 1, { shift: true }), {
      selected: ["b", "c", "d"],
      anchor: 3,
    });
    assert.deepEqual(clickSelect(anchored, PAGE, 4, { shift: true }).selected, ["d", "e"]);
  });

  it("ctrl+shift adds the range; ids from other pages stay selected", () => {
    const state = { selected: ["other-page", "a"], anchor: 1 };
    assert.deepEqual(clickSelect(state, PAGE, 3, { shift: true, ctrl: true }).selected, [
      "other-page",
      "a",
      "b",
      "c",
      "d",
    ]);
  });

  it("shift without an anchor (a new page) acts as a click; outside the page nothing changes", () => {
    assert.deepEqual(clickSelect({ selected: ["z"], anchor: 9 }, PAGE, 2, { shift: true }), {
      selected: ["c"],
      anchor: 2,
    });
    assert.equal(clickSelect(none, PAGE, 7), none);
  });

  it("union and selectPage keep order and drop duplicates", () => {
    assert.deepEqual(union(["a", "x"], ["x", "b"]), ["a", "x", "b"]);
    assert.deepEqual(selectPage(["q"], PAGE.slice(0, 2)), ["q", "a", "b"]);
  });
});
