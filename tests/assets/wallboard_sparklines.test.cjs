// The sparklines' pure part (assets/37s_sparklines.js, loaded as a node module): the points a
// tile carries (components/figures.py sparkline_points) read into canvas coordinates, the box
// stretched over the canvas as the SVG's viewBox was. Run by node's own test runner
// (tests/assets/test_wallboard_js.py runs it under pytest); tests/e2e/test_refresh.py sees a
// browser draw them.
"use strict";

const assert = require("node:assert/strict");
const path = require("node:path");
const test = require("node:test");

const sparklines = require(path.join(__dirname, "..", "..", "assets", "37s_sparklines.js"));
const { bitmapSize, parsePoints, polyline } = sparklines;

// figures.sparkline_points([10.0, 12.0, 11.0]): the low at the bottom pad, the high at the top.
const THREE = "0,95 1,5 2,50";

test("under node only the pure functions are offered", () => {
  assert.deepEqual(Object.keys(sparklines).sort(), ["bitmapSize", "parsePoints", "polyline"]);
});

test("the points text is read as pairs of numbers, in order", () => {
  assert.deepEqual(parsePoints(THREE), [[0, 95], [1, 5], [2, 50]]);
  assert.deepEqual(parsePoints("  0,10\n1,20  "), [[0, 10], [1, 20]]);
});

test("pairs that are not two numbers are left out, and nothing is not an error", () => {
  assert.deepEqual(parsePoints("0,10 1, ,3 x,4 2,30 3,4,5 4,NaN"), [[0, 10], [2, 30]]);
  assert.deepEqual(parsePoints(""), []);
  assert.deepEqual(parsePoints(null), []);
});

test("the box from x 0 to the last index and y 0 to 100 fills the canvas", () => {
  assert.deepEqual(polyline(THREE, 200, 40), [[0, 38], [100, 2], [200, 20]]);
  // Another size stretches the same line: the ends stay at the canvas's edges.
  assert.deepEqual(polyline(THREE, 600, 200), [[0, 190], [300, 10], [600, 100]]);
});

test("a flat line is drawn along the bottom pad, where figures.py puts an unmoving price", () => {
  // sparkline_points([5.0, 5.0]): no span, so every value sits on the low pad line.
  assert.deepEqual(polyline("0,95 1,95", 300, 100), [[0, 95], [300, 95]]);
});

test("fewer than two points draw nothing", () => {
  assert.deepEqual(polyline("0,50", 100, 100), []);
  assert.deepEqual(polyline("", 100, 100), []);
  assert.deepEqual(polyline("garbage", 100, 100), []);
});

test("the bitmap is the device-pixel box the resize observer reports, exactly", () => {
  const entry = {
    devicePixelContentBoxSize: [{ inlineSize: 301, blockSize: 75 }],
    contentRect: { width: 150.4, height: 37.6 },
  };
  assert.deepEqual(bitmapSize(entry, 2), { width: 301, height: 75 });
});

test("without a device-pixel box, the content box at the screen's pixel ratio, rounded", () => {
  assert.deepEqual(bitmapSize({ contentRect: { width: 150.4, height: 37.6 } }, 2),
    { width: 301, height: 75 });
  assert.deepEqual(bitmapSize({ devicePixelContentBoxSize: [], contentRect: { width: 0, height: 10 } }, 1),
    { width: 0, height: 10 });
});
