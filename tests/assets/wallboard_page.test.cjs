// Every assets/*.js file, loaded in Dash's order into a bare fake page (node:vm): the files find
// each other through window.wallboard, add no other global than that and the clientside
// callbacks components/shell.py names, and the callbacks, keys, offline watch, age counter and
// undo-history trim do what the browser tests see them do. Quicker and more exact than a
// browser, which tests/e2e still covers. Run by node's own test runner (and by pytest:
// tests/assets/test_wallboard_js.py).
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const test = require("node:test");
const vm = require("node:vm");

const ASSETS = path.join(__dirname, "..", "..", "assets");
const NO_UPDATE = "<no_update>"; // Dash's marker object, here a string that survives plain()

// A value made in the page's realm (its own Array and Object) as plain data of this one, so
// assert.deepEqual compares the values only.
function plain(value) {
  return JSON.parse(JSON.stringify(value));
}

// Dash links the files whose names end in "js" in sorted order (Dash._walk_assets_directory).
function dashOrder() {
  return fs.readdirSync(ASSETS).filter((name) => name.endsWith("js")).sort();
}

// A page at `url` with just what the files use, and handles to drive it.
function page(url) {
  const where = new URL(url);
  const listeners = {};
  const intervals = {};
  const bodyClasses = new Set();
  const selected = {}; // selector -> nodes, for querySelector(All)
  const offlineBanner = { hidden: true };
  const calls = { reload: 0, setProps: [], fetch: 0 };
  const observers = []; // MutationObserver callbacks, to call as the DOM would
  const global = {
    MutationObserver: class {
      constructor(callback) { observers.push(callback); }
      observe() {}
    },
    URLSearchParams,
    AbortController,
    location: {
      pathname: where.pathname,
      search: where.search,
      reload() { calls.reload += 1; },
    },
    document: {
      body: {
        classList: {
          toggle(name, on) { bodyClasses[on ? "add" : "delete"](name); },
        },
      },
      addEventListener(type, listener) {
        (listeners[type] = listeners[type] || []).push(listener);
      },
      getElementById(id) { return id === "wb-offline" ? offlineBanner : null; },
      querySelector(selector) { return (selected[selector] || [])[0] || null; },
      querySelectorAll(selector) { return selected[selector] || []; },
    },
    setInterval(fn, ms) { intervals[ms] = fn; return ms; },
    setTimeout() { return 0; },
    clearTimeout() {},
    fetch() { calls.fetch += 1; return global.answer(); },
    answer() { return Promise.resolve({ ok: true, status: 200 }); },
  };
  global.window = global;
  vm.createContext(global);
  const before = new Set(Object.keys(global));
  for (const name of dashOrder()) {
    vm.runInContext(fs.readFileSync(path.join(ASSETS, name), "utf8"), global, { filename: name });
  }
  const added = Object.keys(global).filter((key) => !before.has(key)).sort();
  // What Dash's renderer adds to window.dash_clientside once it starts.
  global.dash_clientside.no_update = NO_UPDATE;
  global.dash_clientside.set_props = (id, props) => calls.setProps.push([id, plain(props)]);
  const press = (key) => listeners.keydown.forEach((listener) => listener({
    key, code: key === " " ? "Space" : key, target: { tagName: "BODY" }, preventDefault() {},
  }));
  return {
    global, added, listeners, intervals, bodyClasses, selected, offlineBanner, calls, press,
    observers,
  };
}

const SCENES = [
  { name: "a", path: "/a", dwell_ms: 0 },
  { name: "b", path: "/b", dwell_ms: 60000 },
  { name: "c", path: "/c", dwell_ms: 60000 },
];
const IDLE_MS = 30000;

function carousel(board, health = {}) {
  return plain(board.global.dash_clientside.wallboard.carousel(1, SCENES, health, IDLE_MS));
}

test("in Dash's order each file finds what it needs: core first, callbacks last", () => {
  const order = dashOrder();
  assert.ok(order.length >= 2, order.join(", "));
  assert.match(order[0], /core/);
  assert.match(order[order.length - 1], /clientside/);
  page("http://board/a"); // throws if a file needs one loaded after it
});

test("the only globals are window.wallboard, Dash's clientside namespace and the grid's", () => {
  const board = page("http://board/a");
  // dashAgGridFunctions: where dash-ag-grid looks up functions a column names (38d_data_view.js)
  assert.deepEqual(board.added, ["dashAgGridFunctions", "dash_clientside", "wallboard"]);
  assert.deepEqual(
    Object.keys(board.global.dash_clientside.wallboard).sort(),
    [
      "carousel", "clocks", "copyLink", "date", "formatAge", "openClicked", "screenId",
      "technicalsFit", "technicalsUrl",
    ],
  );
  assert.equal(board.global.dash_clientside.wallboard.formatAge(150), "2 min");
});

test("the callbacks already in dash_clientside are kept", () => {
  const global = { URLSearchParams, dash_clientside: { other: { f() {} } } };
  global.window = global;
  global.document = { addEventListener() {} };
  global.setInterval = () => 0;
  vm.createContext(global);
  for (const name of dashOrder()) {
    vm.runInContext(fs.readFileSync(path.join(ASSETS, name), "utf8"), global, { filename: name });
  }
  assert.deepEqual(Object.keys(global.dash_clientside).sort(), ["other", "wallboard"]);
});

test("without ?kiosk=1 or ?rotate=1 nothing rotates and the progress bar is hidden", () => {
  const board = page("http://board/a");
  assert.deepEqual(carousel(board), [NO_UPDATE, true, NO_UPDATE, true, ""]);
  assert.equal(board.bodyClasses.has("wb-kiosk"), false);
});

test("in the kiosk a scene past its dwell moves on, keeping the query string", () => {
  const board = page("http://board/a?kiosk=1");
  assert.deepEqual(carousel(board), ["/b?kiosk=1", false, { width: "0%" }, true, ""]);
  assert.equal(board.bodyClasses.has("wb-kiosk"), true);
});

test("a scene within its dwell stays, with the share of the dwell shown", () => {
  const board = page("http://board/b?rotate=1");
  assert.deepEqual(carousel(board), [NO_UPDATE, false, { width: "0.0%" }, true, ""]);
  assert.equal(board.bodyClasses.has("wb-kiosk"), false);
});

test("a scene without data is skipped", () => {
  const board = page("http://board/a?kiosk=1");
  assert.equal(carousel(board, { b: false })[0], "/c?kiosk=1");
});

test("space holds and resumes; an arrow steps and pauses until the idle time passes", () => {
  const board = page("http://board/a?kiosk=1");
  carousel(board); // the server's scenes and idle time reach the page
  board.press(" ");
  assert.deepEqual(
    carousel(board),
    [NO_UPDATE, false, NO_UPDATE, false, "\u23f8 Paused. Press space to resume."],
  );
  board.press(" ");
  board.press("ArrowLeft");
  assert.deepEqual(board.calls.setProps, [["wb-nav", { href: "/c?kiosk=1" }]]);
  const paused = carousel(board);
  assert.deepEqual(paused.slice(0, 4), [NO_UPDATE, false, NO_UPDATE, false]);
  assert.match(paused[4], /^\u23f8 Paused\. Rotation resumes (30|29) s after the last interaction/);
});

test("keys do nothing to a page that does not rotate", () => {
  const board = page("http://board/a");
  carousel(board);
  board.press("ArrowRight");
  assert.deepEqual(board.calls.setProps, []);
});

test("two failed health checks: offline banner, no rotation; back: reload", async () => {
  const board = page("http://board/a?kiosk=1");
  const watch = board.intervals[3000];
  board.global.answer = () => Promise.reject(new Error("connection refused"));
  await watch();
  await new Promise(setImmediate);
  assert.equal(board.offlineBanner.hidden, true, "one failure is not offline");
  await watch();
  await new Promise(setImmediate);
  assert.equal(board.offlineBanner.hidden, false);
  assert.equal(board.bodyClasses.has("wb-is-offline"), true);
  assert.deepEqual(carousel(board), [NO_UPDATE, true, NO_UPDATE, true, ""]);
  assert.equal(board.calls.reload, 0);
  board.global.answer = () => Promise.resolve({ ok: true, status: 200 });
  await watch();
  await new Promise(setImmediate);
  assert.equal(board.calls.reload, 1);
});

test("ages count on from the server's clock, not the screen's", () => {
  const board = page("http://board/a");
  const badge = {
    textContent: "0 s",
    getAttribute(name) {
      return { "data-age-of": "2020-01-01T00:00:00Z", "data-age-suffix": " ago" }[name] || null;
    },
  };
  board.selected[".wb-scene[data-server-now]"] = [
    { getAttribute: (name) => (name === "data-server-now" ? "2020-01-01T00:02:30Z" : null) },
  ];
  board.selected["[data-age-of]"] = [badge];
  board.intervals[1000]();
  assert.equal(badge.textContent, "2 min ago");
});

test("Dash's undo history is trimmed to its last 10 entries", () => {
  const board = page("http://board/a");
  const past = Array.from({ length: 25 }, (_, i) => i);
  board.global.store = { getState: () => ({ history: { past } }) };
  board.intervals[10000]();
  assert.deepEqual(past, [15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  delete board.global.store;
  board.intervals[10000](); // no renderer store: nothing to do, and no error
});

test("the market clocks read HH:MM in each clock's time zone", () => {
  const board = page("http://board/a");
  const clock = (tz) => ({ getAttribute: (name) => (name === "data-tz" ? tz : null) });
  board.selected[".wb-clock"] = [clock("Asia/Tokyo"), clock("America/New_York")];
  const times = plain(board.global.dash_clientside.wallboard.clocks());
  const at = (tz) => new Intl.DateTimeFormat("en-GB", {
    timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).format(new Date());
  assert.equal(times.length, 2);
  times.forEach((time) => assert.match(time, /^\d\d:\d\d$/));
  assert.deepEqual(times, [at("Asia/Tokyo"), at("America/New_York")]);
});

test("the header's date is the wall's, and turns at its midnight on a page left running", () => {
  const board = page("http://board/a?kiosk=1");
  const RealDate = Date;
  let now = RealDate.parse("2025-03-05T14:59:58Z"); // 23:59:58 in Tokyo
  board.global.Date = class extends RealDate {
    static now() { return now; }
  };
  board.selected[".wb-date[data-tz]"] = [
    { getAttribute: (name) => (name === "data-tz" ? "Asia/Tokyo" : null) },
  ];
  const date = () => board.global.dash_clientside.wallboard.date(1);
  assert.equal(date(), "Wed 05 Mar 2025");
  now += 1000;
  assert.equal(date(), NO_UPDATE, "unchanged: nothing sent");
  now += 1000; // 00:00:00 in Tokyo
  assert.equal(date(), "Thu 06 Mar 2025");
  now += 3 * 86400000; // days later, the screen still running
  assert.equal(date(), "Sun 09 Mar 2025");
});

test("without a date in the header the callback changes nothing", () => {
  const board = page("http://board/a");
  assert.equal(board.global.dash_clientside.wallboard.date(1), NO_UPDATE);
});

// A tile's price text node as assets/37_price_flash.js reads it: its text, its tile's
// instrument, and the data-flash attribute it sets.
function priceNode(instrument, text) {
  const tile = { getAttribute: (name) => (name === "data-instrument" ? instrument : null) };
  const node = {
    nodeType: 1,
    textContent: text,
    attributes: {},
    closest(selector) {
      if (selector === "[data-instrument]") { return tile; }
      return selector === ".wb-tile__price" ? node : null;
    },
    querySelectorAll() { return []; },
    setAttribute(name, value) { node.attributes[name] = value; },
    removeAttribute(name) { delete node.attributes[name]; },
  };
  return node;
}

test("a streamed price flashes up or down with the move, per instrument, never at first sight", () => {
  const board = page("http://board/crypto");
  const btc = priceNode("btc", "16,800.00");
  const changed = (node, text) => {
    node.textContent = text;
    board.observers.forEach((callback) => callback([{ target: node }]));
  };
  assert.equal(board.observers.length, 1);
  changed(btc, "16,800.00");
  assert.equal(btc.attributes["data-flash"], undefined); // the first value seen: no move
  changed(btc, "16,810.50");
  assert.equal(btc.attributes["data-flash"], "up");
  changed(btc, "16,799.75");
  assert.equal(btc.attributes["data-flash"], "down");
  // A tile drawn anew (a scene re-rendered) still compares with its instrument's last price.
  const again = priceNode("btc", "16,799.75");
  changed(again, "16,700.00");
  assert.equal(again.attributes["data-flash"], "down");
  const eth = priceNode("eth", "1,200.00");
  changed(eth, "1,200.00");
  assert.equal(eth.attributes["data-flash"], undefined);
});
