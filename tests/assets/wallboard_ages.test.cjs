// The browser's age rule (formatAge, assets/31_ages.js) against the table the server's
// format_age is tested with (tests/components/age_cases.json). Run by node's own test runner:
// `node --test tests/assets/wallboard_ages.test.cjs` (tests/assets/test_wallboard_js.py runs it
// under pytest).
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const test = require("node:test");

const root = path.join(__dirname, "..", "..");
const { formatAge } = require(path.join(root, "assets", "31_ages.js"));
const table = JSON.parse(
  fs.readFileSync(path.join(root, "tests", "components", "age_cases.json"), "utf8"),
);

test("the table has cases", () => {
  assert.ok(table.cases.length >= 10);
});

for (const [seconds, expected] of table.cases) {
  test(`formatAge(${seconds}) is ${JSON.stringify(expected)}`, () => {
    assert.equal(formatAge(seconds), expected);
  });
}

test("an age counted in milliseconds, as the page counts it, follows the same table", () => {
  // countAges divides a millisecond difference by 1000: whole seconds stay exact.
  for (const [seconds, expected] of table.cases) {
    if (seconds === null || !Number.isInteger(seconds)) { continue; }
    const asOf = Date.UTC(2026, 10, 20, 15, 0, 0);
    assert.equal(formatAge((asOf + seconds * 1000 - asOf) / 1000), expected, String(seconds));
  }
});
