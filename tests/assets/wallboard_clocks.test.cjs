// The market clocks (assets/37c_clocks.js, loaded as a node module), with a createElement that
// records what React would be asked for: each clock's HH:MM in its own zone at a given moment,
// in the DOM the html components made, and when the next minute is due.
"use strict";

const assert = require("node:assert/strict");
const path = require("node:path");
const test = require("node:test");

const drawing = require(path.join(__dirname, "..", "..", "assets", "37c_clocks.js"));

// React.createElement's shape, as plain data: {type, props (without key), key, children}.
function h(type, props, ...children) {
  const { key, ...rest } = props;
  return { type: type, key: key, props: rest, children: children };
}

const CLOCKS = [
  { label: "New York", tz: "America/New_York" },
  { label: "Tokyo", tz: "Asia/Tokyo" },
  { label: "Kathmandu", tz: "Asia/Kathmandu" }, // +05:45: minutes are the zone's too
];
// Tue 08 Dec 2026 23:59:30 UTC: the next day in Tokyo, the day before in New York.
const AT = new Date(Date.UTC(2026, 11, 8, 23, 59, 30));

test("under node only the pure parts are offered", () => {
  assert.deepEqual(Object.keys(drawing), ["clocks", "timeIn", "toNextMinute"]);
});

test("each clock tells the time in its own zone, in the DOM the header had", () => {
  const shown = drawing.clocks(h, { clocks: CLOCKS }, AT);
  assert.deepEqual([shown.type, shown.props], ["div", {
    className: "wb-clocks",
    "aria-label": "Market clocks",
  }]);
  assert.deepEqual(shown.children.map((clock) => [clock.props, clock.children.map((c) => [c.props.className, c.children[0]])]), [
    [{ className: "wb-clock", "data-tz": "America/New_York" }, [["wb-clock__label", "New York"], ["wb-clock__time", "18:59"]]],
    [{ className: "wb-clock", "data-tz": "Asia/Tokyo" }, [["wb-clock__label", "Tokyo"], ["wb-clock__time", "08:59"]]],
    [{ className: "wb-clock", "data-tz": "Asia/Kathmandu" }, [["wb-clock__label", "Kathmandu"], ["wb-clock__time", "05:44"]]],
  ]);
});

test("a 24-hour clock: midnight is 00, not 24", () => {
  assert.equal(drawing.timeIn("UTC", new Date(Date.UTC(2026, 11, 9, 0, 5))), "00:05");
});

test("a zone the browser does not know reads --:--, and the others still tell the time", () => {
  const shown = drawing.clocks(h, { clocks: [{ label: "Mars", tz: "Mars/Olympus" }, CLOCKS[1]] }, AT);
  assert.deepEqual(shown.children.map((c) => c.children[1].children[0]), ["--:--", "08:59"]);
});

test("the next turn is at the next whole minute", () => {
  assert.equal(drawing.toNextMinute(AT.getTime()), 30000);
  assert.equal(drawing.toNextMinute(Date.UTC(2026, 11, 9, 0, 0, 0)), 60000);
});

test("no clocks, or anything but a list, draws an empty row", () => {
  for (const clocks of [[], null, undefined, "x", {}]) {
    assert.deepEqual(drawing.clocks(h, { clocks: clocks }, AT).children, []);
  }
});
