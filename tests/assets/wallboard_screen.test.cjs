// The screen beat's pure choices (assets/33s_screen.js, loaded as a node module): the screen's
// id and name, when its report is due, the operators' control turned into local deadlines, and
// when a reload is asked for. Run by node's own test runner (tests/assets/test_wallboard_js.py
// runs it under pytest).
"use strict";

const assert = require("node:assert/strict");
const path = require("node:path");
const test = require("node:test");

const screen = require(path.join(__dirname, "..", "..", "assets", "33s_screen.js"));
const {
  newScreenId, screenName, clip, reportDue, beatDelay, serverDown, localControl, liveBroadcasts,
  reloadDue,
} = screen;

test("under node only the pure choices are offered", () => {
  assert.deepEqual(Object.keys(screen).sort(), [
    "beatDelay", "clip", "liveBroadcasts", "localControl", "newScreenId", "reloadDue",
    "reportDue", "screenName", "serverDown",
  ]);
});

test("a new screen id is one of 64 characters per random byte", () => {
  assert.equal(newScreenId(new Uint8Array([0, 25, 26, 51, 52, 61, 62, 63])), "AZaz09-_");
  assert.equal(newScreenId(new Uint8Array([64, 255])), "A_"); // the low 6 bits
  const id = newScreenId(require("node:crypto").getRandomValues(new Uint8Array(22)));
  assert.match(id, /^[A-Za-z0-9_-]{22}$/);
});

test("the name comes from ?screen= when it is a valid name, else none", () => {
  assert.equal(screenName("?kiosk=1&screen=wall-a"), "wall-a");
  assert.equal(screenName("?screen=lobby.1_b"), "lobby.1_b");
  assert.equal(screenName("?screen=" + "a".repeat(64)), "a".repeat(64));
  assert.equal(screenName("?screen=" + "a".repeat(65)), null);
  assert.equal(screenName("?screen=-lead"), null); // must start with a letter or digit
  assert.equal(screenName("?screen=%3Cb%3E"), null); // <b>
  assert.equal(screenName("?screen=a%20b"), null);
  assert.equal(screenName("?screen="), null);
  assert.equal(screenName("?kiosk=1"), null);
  assert.equal(screenName(""), null);
});

test("clip cuts at code points, never inside an emoji", () => {
  assert.equal(clip("abc", 5), "abc");
  assert.equal(clip("abcdef", 3), "abc");
  assert.equal(clip("\ud83d\udccc\ud83d\udccc\ud83d\udccc", 2), "\ud83d\udccc\ud83d\udccc");
  assert.equal(clip(42, 5), "42");
});

test("the report is due first, when it changed, and every report_every_ms", () => {
  const last = { json: '{"scene":"/fx"}', at: 10000 };
  assert.equal(reportDue(null, '{"scene":"/fx"}', 10000, 20000), true);
  assert.equal(reportDue(last, '{"scene":"/fx"}', 29999, 20000), false);
  assert.equal(reportDue(last, '{"scene":"/fx"}', 30000, 20000), true);
  assert.equal(reportDue(last, '{"scene":"/rates"}', 10001, 20000), true);
});

test("the beat's interval is the server's, within 250 ms to 10 s", () => {
  assert.equal(beatDelay(1500), 1500);
  assert.equal(beatDelay(10), 250);
  assert.equal(beatDelay(60000), 10000);
  assert.equal(beatDelay(undefined), 1000);
  assert.equal(beatDelay(NaN), 1000);
  assert.equal(beatDelay("500"), 1000);
});

test("only a gateway's 502, 503 or 504 means the server is down; any other answer is the app's",
  () => {
    assert.deepEqual([200, 204, 400, 404, 413, 429, 500].map(serverDown),
      [false, false, false, false, false, false, false]);
    assert.deepEqual([502, 503, 504].map(serverDown), [true, true, true]);
  });

const CONTROL = {
  broadcasts: [
    { id: "b7", text: "Fire drill at 11:00", severity: "warning", remaining_ms: 60000 },
    { id: "b8", text: "<img src=x onerror=alert(1)>", severity: "critical", remaining_ms: 4000 },
  ],
  pin: { scene: "rates", path: "/rates", remaining_ms: 600000 },
  scenes: [
    { name: "overview", path: "/overview", dwell_ms: 20000, hours: null },
    { name: "rates", path: "/rates", dwell_ms: 5000, hours: null },
  ],
  reload: "r3",
};

test("the control's remaining times become deadlines on this screen's clock", () => {
  const local = localControl(CONTROL, 1000000);
  assert.deepEqual(local.broadcasts, [
    { id: "b7", text: "Fire drill at 11:00", severity: "warning", until: 1060000 },
    { id: "b8", text: "<img src=x onerror=alert(1)>", severity: "critical", until: 1004000 },
  ]);
  assert.deepEqual(local.pin, { scene: "rates", path: "/rates", until: 1600000 });
  assert.deepEqual(local.scenes, CONTROL.scenes);
  assert.equal(local.reload, "r3");
});

test("nothing, or anything malformed, in the control asks for nothing", () => {
  const none = { broadcasts: [], pin: null, scenes: null, reload: null };
  assert.deepEqual(localControl(undefined, 0), none);
  assert.deepEqual(localControl("x", 0), none);
  assert.deepEqual(localControl({ broadcasts: null, pin: null, scenes: null, reload: null }, 0),
    none);
  const bad = localControl({
    broadcasts: [
      { id: "1", text: 7, severity: "info", remaining_ms: 1000 }, //  not text
      { id: "2", text: "gone", severity: "info", remaining_ms: 0 }, // already over
      { id: "3", text: "odd", severity: "<b>", remaining_ms: 1000 }, // unknown severity: info
      null,
    ],
    pin: { scene: "x", path: "javascript:alert(1)", remaining_ms: 1000 },
    scenes: [
      { name: "fx", path: "/fx", dwell_ms: 1 },
      { name: "away", path: "//evil.example/", dwell_ms: 1 }, // another host: never
      { name: "fx" },
      null,
    ],
    reload: 5,
  }, 0);
  assert.deepEqual(bad.broadcasts, [{ id: "3", text: "odd", severity: "info", until: 1000 }]);
  assert.equal(bad.pin, null);
  assert.deepEqual(bad.scenes, [{ name: "fx", path: "/fx", dwell_ms: 1 }]);
  assert.equal(bad.reload, null);
});

test("an empty rotation (every scene skipped) is kept as one, not as none", () => {
  assert.deepEqual(localControl({ scenes: [] }, 0).scenes, []);
});

test("a broadcast is up until its deadline, then gone", () => {
  const { broadcasts } = localControl(CONTROL, 0);
  assert.deepEqual(liveBroadcasts(broadcasts, 3999).map((b) => b.id), ["b7", "b8"]);
  assert.deepEqual(liveBroadcasts(broadcasts, 4000).map((b) => b.id), ["b7"]);
  assert.deepEqual(liveBroadcasts(broadcasts, 60000).map((b) => b.id), []);
});

test("a reload is asked by an id newer than the first answer's", () => {
  assert.equal(reloadDue(undefined, "r3"), false); // the first answer: older than the page
  assert.equal(reloadDue(undefined, null), false);
  assert.equal(reloadDue("r3", "r3"), false);
  assert.equal(reloadDue("r3", "r4"), true);
  assert.equal(reloadDue(null, "r1"), true); // none at load, one since
  assert.equal(reloadDue("r3", null), false); // it expired: nothing asked
});
