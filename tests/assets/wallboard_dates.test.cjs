// The browser's date rule (formatWallDate, assets/36_dates.js) against the table the server's
// format_wall_date is tested with (tests/components/date_cases.json). Run by node's own test
// runner: `node --test tests/assets/wallboard_dates.test.cjs` (tests/assets/test_wallboard_js.py
// runs it under pytest). The header's callback turning the date at midnight on a running page is
// tested in wallboard_page.test.cjs.
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const test = require("node:test");

const root = path.join(__dirname, "..", "..");
const { formatWallDate } = require(path.join(root, "assets", "36_dates.js"));
const table = JSON.parse(
  fs.readFileSync(path.join(root, "tests", "components", "date_cases.json"), "utf8"),
);

test("the table has cases", () => {
  assert.ok(table.cases.length >= 20);
});

for (const [instant, tz, expected] of table.cases) {
  test(`formatWallDate(${instant}, ${tz}) is ${JSON.stringify(expected)}`, () => {
    assert.equal(formatWallDate(Date.parse(instant), tz), expected);
  });
}

test("every day of a leap year reads its own weekday, in order, at noon UTC", () => {
  const names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  const start = Date.UTC(2024, 0, 1, 12); // a Monday
  for (let day = 0; day < 366; day++) {
    const text = formatWallDate(start + day * 86400000, "UTC");
    assert.equal(text.slice(0, 3), names[day % 7], text);
    assert.match(text, /^[A-Z][a-z]{2} \d\d [A-Z][a-z]{2} 2024$/);
  }
});

test("a millisecond before and at local midnight, in a zone ahead of UTC and one behind", () => {
  const tokyoMidnight = Date.parse("2025-03-05T15:00:00Z");
  assert.equal(formatWallDate(tokyoMidnight - 1, "Asia/Tokyo"), "Wed 05 Mar 2025");
  assert.equal(formatWallDate(tokyoMidnight, "Asia/Tokyo"), "Thu 06 Mar 2025");
  const newYorkMidnight = Date.parse("2025-03-06T05:00:00Z");
  assert.equal(formatWallDate(newYorkMidnight - 1, "America/New_York"), "Wed 05 Mar 2025");
  assert.equal(formatWallDate(newYorkMidnight, "America/New_York"), "Thu 06 Mar 2025");
});
