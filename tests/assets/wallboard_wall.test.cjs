// The wall's pure choices (assets/38w_wall.js, loaded as a node module): which headlines fit
// whole in the news list's box, how the status scene's sections are cut into pages that fit
// the screen, which page shows at a moment of the scene's dwell, the news footer's count, and
// whose turn it is in the alert band.
// Run by node's own test runner (tests/assets/test_wallboard_js.py runs it under pytest).
"use strict";

const assert = require("node:assert/strict");
const path = require("node:path");
const test = require("node:test");

const wall = require(path.join(__dirname, "..", "..", "assets", "38w_wall.js"));
const { fitCount, paginate, pageAt, countText, alertTurn } = wall;

const BOX = { top: 100, left: 0, bottom: 500, right: 800 };

// A headline's box in a two-column list: `column` 0 or 1, rows of 100 px from the box's top.
function item(column, row, height = 90) {
  const left = column * 410;
  const top = BOX.top + row * 100;
  return { top, left, bottom: top + height, right: left + 390 };
}

test("under node only the pure choices are offered", () => {
  assert.deepEqual(Object.keys(wall).sort(), ["alertTurn", "countText", "fitCount", "pageAt", "paginate"]);
});

test("every headline inside the box is kept", () => {
  const rects = [0, 1, 2, 3].map((row) => item(0, row));
  assert.equal(fitCount(rects, BOX), 4);
  assert.equal(fitCount([], BOX), 0);
});

test("a headline cut by the box's bottom is not kept, nor any after it", () => {
  // The fourth ends 10 px below the box (its bottom at 510); the fifth would fit a column on.
  const rects = [item(0, 0), item(0, 1), item(0, 2), item(0, 3, 110), item(1, 0)];
  assert.equal(fitCount(rects, BOX), 3);
});

test("the second column counts while it is inside the box; a third column is outside", () => {
  const two = [0, 1, 2, 3].flatMap((column) => [0, 1, 2, 3].map((row) => item(column, row)));
  // Columns 0 and 1 are inside (right edge 800); column 2 starts at 820.
  assert.equal(fitCount(two, BOX), 8);
});

test("a pixel of rounding past the box's edge still fits", () => {
  const rects = [{ top: 99.5, left: -0.5, bottom: 500.8, right: 800.6 }];
  assert.equal(fitCount(rects, BOX), 1);
  assert.equal(fitCount([{ top: 100, left: 0, bottom: 502, right: 800 }], BOX), 0);
});

test("sections are cut into pages of at most the room, in order", () => {
  assert.deepEqual(paginate([300, 300, 300], 1000), [[0, 1, 2]]);
  assert.deepEqual(paginate([300, 300, 300, 300], 1000), [[0, 1, 2], [3]]);
  assert.deepEqual(paginate([600, 500, 100, 900, 50], 1000), [[0], [1, 2], [3, 4]]);
  assert.deepEqual(paginate([], 1000), []);
});

test("a table cut over pages counts its head again on each page its rows continue on", () => {
  // A table of four rows of 300 (its head, 100, counted with the first row), then a section.
  const heights = [400, 300, 300, 300, 200];
  const heads = [0, 100, 100, 100, 0];
  assert.deepEqual(paginate(heights, 1000, heads), [[0, 1, 2], [3, 4]]);
  // Rows of 320: with its head repeated a page holds two rows, not the three it would without.
  const rows = [420, 320, 320, 320, 320, 320];
  assert.deepEqual(paginate(rows, 1000, [0, 100, 100, 100, 100, 100]), [[0, 1], [2, 3], [4, 5]]);
  assert.deepEqual(paginate(rows, 1000), [[0, 1], [2, 3, 4], [5]]);
});

test("a section taller than the room has a page of its own", () => {
  assert.deepEqual(paginate([200, 1500, 200], 1000), [[0], [1], [2]]);
});

test("each page shows for an equal share of the dwell, the last one held past it", () => {
  const at = (ms) => pageAt(ms, 9000, 3);
  assert.deepEqual([0, 2999, 3000, 5999, 6000, 8999, 9000, 20000].map(at), [0, 0, 1, 1, 2, 2, 2, 2]);
  assert.equal(pageAt(5000, 10000, 1), 0);
  assert.equal(pageAt(5000, 0, 3), 0); // no dwell known yet: the first page
  assert.equal(pageAt(-5, 9000, 3), 0);
});

test("the footer counts the headlines shown only when some are left out", () => {
  assert.equal(countText(9, 23), "9 newest of 23. ");
  assert.equal(countText(12, 12), "");
  assert.equal(countText(0, 4), "0 newest of 4. ");
});

test("several alerts take turns in the band, each for its turn, then the first again", () => {
  const at = (ms) => alertTurn(ms, 6000, 3);
  assert.deepEqual([0, 5999, 6000, 11999, 12000, 17999, 18000].map(at), [0, 0, 1, 1, 2, 2, 0]);
  // By the clock's epoch time, not by when the screen loaded: every screen shows the same one.
  assert.equal(alertTurn(1796635392000, 6000, 2), 0);
  assert.equal(alertTurn(1796635398000, 6000, 2), 1);
});

test("one alert, or none, always has the band", () => {
  assert.equal(alertTurn(123456789, 6000, 1), 0);
  assert.equal(alertTurn(123456789, 6000, 0), 0);
  assert.equal(alertTurn(123456789, 0, 4), 0); // no turn length: the newest
});
