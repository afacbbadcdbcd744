// The carousel's pure choices (assets/32_carousel.js, loaded as a node module): scene hours in
// a time zone, across midnight and daylight saving, which scene comes next, and what an
// operators' pin asks. Run by node's own test runner (tests/assets/test_wallboard_js.py runs it
// under pytest).
"use strict";

const assert = require("node:assert/strict");
const path = require("node:path");
const test = require("node:test");

const carousel = require(path.join(__dirname, "..", "..", "assets", "32_carousel.js"));
const { hhmm, minutesIn, withinHours, showable, neighbour, pinTurn } = carousel;

// An instant given as its UTC wall time on 15 January 2026 (or `month`, 0-based).
function utc(hour, minute, month = 0, day = 15) {
  return new Date(Date.UTC(2026, month, day, hour, minute));
}

test("under node only the pure choices are offered", () => {
  assert.deepEqual(
    Object.keys(carousel).sort(),
    ["hhmm", "indexOfPath", "minutesIn", "neighbour", "pinTurn", "showable", "withinHours"],
  );
});

test("hhmm reads a configured time as minutes since midnight", () => {
  assert.equal(hhmm("00:00"), 0);
  assert.equal(hhmm("09:30"), 570);
  assert.equal(hhmm("23:59"), 1439);
});

test("minutesIn reads the wall clock of the scene's time zone, not the screen's", () => {
  assert.equal(minutesIn("UTC", utc(13, 5)), 13 * 60 + 5);
  assert.equal(minutesIn("Asia/Hong_Kong", utc(16, 30)), 30); // 00:30 the next day
  assert.equal(minutesIn("Asia/Kolkata", utc(0, 0)), 5 * 60 + 30);
  // New York: UTC-5 in January, UTC-4 in July.
  assert.equal(minutesIn("America/New_York", utc(13, 0)), 8 * 60);
  assert.equal(minutesIn("America/New_York", utc(13, 0, 6)), 9 * 60);
});

test("a scene without hours is always in them", () => {
  assert.equal(withinHours({ name: "fx" }, utc(3, 0)), true);
  assert.equal(withinHours({ name: "fx", hours: null }, utc(3, 0)), true);
});

test("hours within a day: the start is in, the end is out", () => {
  // README's example: Asia/Hong_Kong 00:00-09:00, i.e. 16:00-01:00 UTC.
  const scene = { name: "asia", hours: { start: "00:00", end: "09:00", tz: "Asia/Hong_Kong" } };
  assert.equal(withinHours(scene, utc(15, 59)), false); // 23:59 in Hong Kong
  assert.equal(withinHours(scene, utc(16, 0)), true); //   00:00
  assert.equal(withinHours(scene, utc(0, 59)), true); //   08:59
  assert.equal(withinHours(scene, utc(1, 0)), false); //   09:00
  assert.equal(withinHours(scene, utc(8, 0)), false); //   16:00
});

test("hours across midnight, in a time zone ahead of UTC", () => {
  const scene = { name: "night", hours: { start: "21:00", end: "03:00", tz: "Asia/Tokyo" } };
  assert.equal(withinHours(scene, utc(11, 59)), false); // 20:59 in Tokyo
  assert.equal(withinHours(scene, utc(12, 0)), true); //   21:00
  assert.equal(withinHours(scene, utc(15, 0)), true); //   00:00, the next day there
  assert.equal(withinHours(scene, utc(17, 59)), true); //  02:59
  assert.equal(withinHours(scene, utc(18, 0)), false); //  03:00
});

test("hours across midnight follow daylight saving", () => {
  const scene = { name: "us", hours: { start: "20:00", end: "04:00", tz: "America/New_York" } };
  // 00:30 UTC is 19:30 in New York in January (out) but 20:30 in July (in).
  assert.equal(withinHours(scene, utc(0, 30, 0)), false);
  assert.equal(withinHours(scene, utc(0, 30, 6)), true);
});

const SCENES = ["a", "b", "c", "d"].map((name) => ({ name, path: `/${name}`, dwell_ms: 1000 }));
const NOON = utc(12, 0);

test("a scene is shown unless the server says it has no data or it is out of its hours", () => {
  assert.equal(showable(SCENES[0], {}, NOON), true);
  assert.equal(showable(SCENES[0], { a: true }, NOON), true);
  assert.equal(showable(SCENES[0], { a: false }, NOON), false);
  const closed = { ...SCENES[0], hours: { start: "00:00", end: "09:00", tz: "UTC" } };
  assert.equal(showable(closed, {}, NOON), false);
});

test("the next scene follows the order and wraps around, both ways", () => {
  const next = (from, step) => neighbour(SCENES, {}, from, step, NOON).name;
  assert.equal(next("/a", 1), "b");
  assert.equal(next("/c", 1), "d");
  assert.equal(next("/d", 1), "a");
  assert.equal(next("/b", -1), "a");
  assert.equal(next("/a", -1), "d");
});

test("the next scene skips scenes without data and scenes outside their hours", () => {
  const scenes = SCENES.map((scene) => (scene.name === "c"
    ? { ...scene, hours: { start: "22:00", end: "06:00", tz: "Europe/London" } }
    : scene));
  const health = { b: false };
  assert.equal(neighbour(scenes, health, "/a", 1, NOON).name, "d"); // b: no data, c: hours
  assert.equal(neighbour(scenes, health, "/d", -1, NOON).name, "a");
  assert.equal(neighbour(scenes, health, "/d", 1, NOON).name, "a"); // wraps past the end
  // At 23:00 in London, c is in its hours again.
  assert.equal(neighbour(scenes, health, "/a", 1, utc(23, 0)).name, "c");
});

test("when only the current scene may be shown it is the answer; when none, null", () => {
  const health = { a: false, c: false, d: false };
  assert.equal(neighbour(SCENES, health, "/b", 1, NOON).name, "b");
  assert.equal(neighbour(SCENES, { ...health, b: false }, "/b", 1, NOON), null);
  assert.equal(neighbour([], {}, "/b", 1, NOON), null);
});

test("from a page outside the rotation, the first scene that may be shown comes next", () => {
  assert.equal(neighbour(SCENES, {}, "/status", 1, NOON).name, "a");
  assert.equal(neighbour(SCENES, { a: false }, "/status", 1, NOON).name, "b");
});

test("a pin moves a screen to its scene and holds it there until its deadline", () => {
  const pin = { scene: "rates", path: "/rates", until: 50000 };
  assert.deepEqual(pinTurn(pin, "/fx", 10000), { go: "/rates" });
  assert.deepEqual(pinTurn(pin, "/rates", 10000), { stay: true });
  assert.deepEqual(pinTurn(pin, "/rates", 49999), { stay: true });
  assert.equal(pinTurn(pin, "/rates", 50000), null); // ran out: rotation resumes
  assert.equal(pinTurn(pin, "/fx", 60000), null);
  assert.equal(pinTurn(null, "/fx", 0), null);
});
