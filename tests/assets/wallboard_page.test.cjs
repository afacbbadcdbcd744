// Every assets/*.js file, loaded in Dash's order into a bare fake page (node:vm): the files find
// each other through window.wallboard, add no other global than that and the clientside
// callbacks components/shell.py names, and the callbacks, keys, the screen's beat (with the
// offline watch and the operators' control it brings), age counter and undo-history trim do
// what the browser tests see them do. Quicker and more exact than a
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

// Just enough of a DOM element for the broadcast banner: children, text, attributes.
class Element {
  constructor(tag) {
    this.tagName = tag.toUpperCase();
    this.children = [];
    this.attributes = {};
    this.className = "";
    this.hidden = false;
    this.ownText = "";
  }
  get firstChild() { return this.children[0] || null; }
  appendChild(child) { this.children.push(child); return child; }
  removeChild(child) { this.children.splice(this.children.indexOf(child), 1); return child; }
  setAttribute(name, value) { this.attributes[name] = String(value); }
  getAttribute(name) { return name in this.attributes ? this.attributes[name] : null; }
  set textContent(text) { this.children = []; this.ownText = String(text); }
  get textContent() { return this.ownText + this.children.map((c) => c.textContent).join(""); }
  // Every element below this one, depth first.
  all() { return this.children.flatMap((child) => [child, ...child.all()]); }
}

// A Storage (localStorage, sessionStorage) over a Map.
function storage(map = new Map()) {
  return {
    map,
    getItem: (key) => (map.has(key) ? map.get(key) : null),
    setItem: (key, value) => map.set(key, String(value)),
  };
}

// A page at `url` with just what the files use, and handles to drive it. `session`: the tab's
// sessionStorage, to carry it across a reload.
function page(url, { session = new Map() } = {}) {
  const where = new URL(url);
  const listeners = {};
  const windowListeners = {};
  const intervals = {};
  const timers = []; // {fn, ms} for each setTimeout, in order
  const bodyClasses = new Set();
  const selected = {}; // selector -> nodes, for querySelector(All)
  const offlineBanner = { hidden: true };
  const broadcastBanner = new Element("div");
  broadcastBanner.hidden = true;
  broadcastBanner.setAttribute("data-release", "0.9.0+3f2a9c1d");
  const calls = { reload: 0, setProps: [], fetch: 0, beats: [], consoleErrors: [] };
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
      getElementById(id) {
        return { "wb-offline": offlineBanner, "wb-broadcast": broadcastBanner }[id] || null;
      },
      querySelector(selector) { return (selected[selector] || [])[0] || null; },
      querySelectorAll(selector) { return selected[selector] || []; },
      createElement(tag) { return new Element(tag); },
    },
    addEventListener(type, listener) {
      (windowListeners[type] = windowListeners[type] || []).push(listener);
    },
    console: { error(...args) { calls.consoleErrors.push(args); } },
    localStorage: storage(),
    sessionStorage: storage(session),
    crypto: require("node:crypto").webcrypto,
    innerWidth: 1920,
    innerHeight: 1080,
    navigator: { userAgent: "Mozilla/5.0 (node test)" },
    setInterval(fn, ms) { intervals[ms] = fn; return ms; },
    setTimeout(fn, ms) { timers.push({ fn, ms }); return timers.length; },
    clearTimeout() {},
    fetch(url, options) {
      calls.fetch += 1;
      calls.beats.push({ url, method: options.method, headers: options.headers,
        body: JSON.parse(options.body) });
      return global.answer();
    },
    answer() { return Promise.resolve({ ok: true, status: 204 }); },
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
  const beat = async (answer) => {
    if (answer) { global.answer = answer; }
    await global.wallboard.screen.beat();
  };
  return {
    global, added, listeners, windowListeners, intervals, timers, bodyClasses, selected,
    offlineBanner, broadcastBanner, calls, press, observers, beat, session,
  };
}

// A beat's answer: 200 with this JSON body.
function answering(body) {
  return () => Promise.resolve({ ok: true, status: 200, json: () => Promise.resolve(body) });
}

// A clock the page reads (Date.now() and new Date()), moved by the test.
function fakeClock(board, startMs) {
  const RealDate = Date;
  const clock = { now: startMs };
  board.global.Date = class extends RealDate {
    constructor(...args) {
      if (args.length) { super(...args); } else { super(clock.now); }
    }
    static now() { return clock.now; }
  };
  return clock;
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
      "carousel", "copyLink", "date", "formatAge", "openClicked", "screenId",
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
  global.setTimeout = () => 0;
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
  assert.deepEqual(carousel(board), ["/b?kiosk=1", false, { transform: "scaleX(0.0000)" }, true, ""]);
  assert.equal(board.bodyClasses.has("wb-kiosk"), true);
});

test("the scene showing fades out as the kiosk moves on, and back in if no scene replaces it", () => {
  const board = page("http://board/a?kiosk=1");
  const classes = new Set(["wb-scene"]);
  const scene = { classList: { add: (name) => classes.add(name), remove: (name) => classes.delete(name) } };
  board.selected[".wb-scene"] = [scene];
  assert.equal(carousel(board)[0], "/b?kiosk=1");
  assert.ok(classes.has("wb-scene--leaving"));
  const back = board.timers[board.timers.length - 1];
  assert.equal(back.ms, 3000);
  back.fn(); // Dash never drew the next scene (the server gone): the old one shows again
  assert.equal(classes.has("wb-scene--leaving"), false);
});

test("the wall's class is set once the page is parsed, on a kiosk only", () => {
  const kiosk = page("http://board/a?kiosk=1");
  const analyst = page("http://board/a");
  for (const board of [kiosk, analyst]) {
    board.global.requestAnimationFrame = () => 0;
    board.global.document.body.querySelector = () => null;
    board.listeners.DOMContentLoaded.forEach((listener) => listener());
  }
  assert.equal(kiosk.bodyClasses.has("wb-kiosk"), true);
  assert.equal(analyst.bodyClasses.has("wb-kiosk"), false);
  assert.equal(analyst.observers.length, kiosk.observers.length - 1); // the wall's fitter
});

test("a scene within its dwell stays, with the share of the dwell shown", () => {
  const board = page("http://board/b?rotate=1");
  assert.deepEqual(carousel(board), [NO_UPDATE, false, { transform: "scaleX(0.0000)" }, true, ""]);
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

test("the beat is the offline watch: two failures, banner and no rotation; back: reload", async () => {
  const board = page("http://board/a?kiosk=1");
  assert.deepEqual(Object.keys(board.intervals).map(Number).sort(), [1000, 10000],
    "no poll of its own beside the beat");
  board.global.answer = () => Promise.reject(new Error("connection refused"));
  await board.beat();
  assert.equal(board.offlineBanner.hidden, true, "one failure is not offline");
  await board.beat();
  assert.equal(board.offlineBanner.hidden, false);
  assert.equal(board.bodyClasses.has("wb-is-offline"), true);
  assert.deepEqual(carousel(board), [NO_UPDATE, true, NO_UPDATE, true, ""]);
  assert.equal(board.calls.reload, 0);
  await board.beat(() => Promise.resolve({ ok: false, status: 502 })); // the proxy, app gone
  assert.equal(board.calls.reload, 0);
  await board.beat(() => Promise.resolve({ ok: true, status: 204 }));
  assert.equal(board.calls.reload, 1);
  assert.equal(board.calls.fetch, 4, "one request per beat");
  assert.equal(board.session.get("wallboard.offline"), "1", "the episode outlives the reload");
  const reloaded = page("http://board/a?kiosk=1", { session: board.session });
  await reloaded.beat();
  assert.equal(reloaded.calls.beats[0].body.report.offline_episodes, 1);
});

test("an answer from the app, even a refusal or its own error, is not offline", async () => {
  const board = page("http://board/a?kiosk=1");
  for (const status of [400, 404, 429, 500, 500]) {
    await board.beat(() => Promise.resolve({ ok: false, status }));
  }
  assert.equal(board.offlineBanner.hidden, true);
  assert.equal(board.global.wallboard.state.offline, false);
});

test("the beat posts the screen's id and version, and its report only when due", async () => {
  const board = page("http://board/a?kiosk=1&screen=wall-a");
  // The next beat is timed from the end of the last, at the server's beat_ms.
  assert.deepEqual(board.timers.map((t) => t.ms), [1000]);
  await board.beat(answering({ version: "v1", report_every_ms: 20000, beat_ms: 1500,
    control: {} }));
  const first = board.calls.beats[0];
  assert.equal(first.url, "/api/screens/beat");
  assert.equal(first.method, "POST");
  assert.deepEqual(plain(first.headers), { "Content-Type": "application/json" });
  assert.match(first.body.id, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(board.global.localStorage.getItem("wallboard.screen"), first.body.id);
  assert.equal(first.body.seen, "");
  const { loaded_at: loadedAt, ...report } = first.body.report;
  assert.ok(Math.abs(Date.parse(loadedAt) - Date.now()) < 60000, loadedAt);
  assert.match(loadedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(report, {
    name: "wall-a", kiosk: true, scene: "/a", release: "0.9.0+3f2a9c1d",
    viewport: "1920x1080", user_agent: "Mozilla/5.0 (node test)", errors: 0,
    last_error: null, offline_episodes: 0,
  });
  assert.equal(board.timers[board.timers.length - 1].ms, 1500, "the server's beat_ms");

  await board.beat(() => Promise.resolve({ ok: true, status: 204 }));
  assert.deepEqual(Object.keys(board.calls.beats[1].body).sort(), ["id", "seen"]);
  assert.equal(board.calls.beats[1].body.seen, "v1");
  assert.equal(board.calls.beats[1].body.id, first.body.id, "the same id on every beat");

  board.global.location.pathname = "/b"; // the carousel moved on: a changed report
  board.global.console.error("Callback error", new Error("x".repeat(400)));
  await board.beat();
  const changed = board.calls.beats[2].body.report;
  assert.equal(changed.scene, "/b");
  assert.equal(changed.errors, 1);
  assert.equal(changed.last_error, ("Callback error Error: " + "x".repeat(400)).slice(0, 300));
  assert.equal(board.calls.consoleErrors.length, 1, "the console still gets it");
  board.windowListeners.error.forEach((l) => l({ message: "Uncaught TypeError: boom" }));
  board.windowListeners.unhandledrejection.forEach((l) => l({ reason: new Error("lost") }));
  await board.beat();
  const errors = board.calls.beats[3].body.report;
  assert.equal(errors.errors, 3);
  assert.equal(errors.last_error, "Unhandled rejection: Error: lost");
});

test("a stored id is kept; a malformed one is replaced", async () => {
  const board = page("http://board/a");
  board.global.localStorage.setItem("wallboard.screen", "abcdefghijklmnop_-42");
  await board.beat();
  assert.equal(board.calls.beats[0].body.id, "abcdefghijklmnop_-42");
  assert.equal(board.calls.beats[0].body.report.kiosk, false);
  assert.equal(board.calls.beats[0].body.report.name, null);
  const other = page("http://board/a?screen=%3Cb%3E");
  other.global.localStorage.setItem("wallboard.screen", "<b>short</b>");
  await other.beat();
  assert.match(other.calls.beats[0].body.id, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(other.calls.beats[0].body.report.name, null, "an invalid name is ignored");
});

test("broadcasts show as text, each until its own deadline, without another answer", async () => {
  const board = page("http://board/fx");
  const clock = fakeClock(board, 1000000);
  await board.beat(answering({ version: "v2", control: { broadcasts: [
    { id: "b1", text: "Fire drill at 11:00", severity: "warning", remaining_ms: 60000 },
    { id: "b2", text: "<img src=x onerror=alert(1)>", severity: "critical", remaining_ms: 4000 },
  ] } }));
  const banner = board.broadcastBanner;
  assert.equal(banner.hidden, false);
  const items = banner.all().filter((node) => node.getAttribute("data-broadcast"));
  assert.deepEqual(items.map((i) => i.className), [
    "wb-broadcast__item wb-broadcast__item--warning",
    "wb-broadcast__item wb-broadcast__item--critical",
  ]);
  const texts = banner.all().filter((node) => node.className === "wb-broadcast__text");
  assert.deepEqual(texts.map((t) => t.textContent),
    ["Fire drill at 11:00", "<img src=x onerror=alert(1)>"]);
  assert.ok(banner.all().every((node) => node.tagName === "DIV" || node.tagName === "SPAN"),
    "no element but the banner's own");
  assert.match(banner.textContent, /^\u26a0Warning.*Fire drill at 11:00\u203cCritical<img/);

  // Taken down by its own timer, at its deadline.
  const expiry = board.timers.filter((t) => t.ms === 4020).pop();
  assert.ok(expiry, board.timers.map((t) => t.ms).join(", "));
  clock.now += 4020;
  expiry.fn();
  assert.deepEqual(banner.all().filter((n) => n.getAttribute("data-broadcast"))
    .map((n) => n.getAttribute("data-broadcast")), ["b1"]);
  clock.now += 60000;
  board.timers[board.timers.length - 1].fn();
  assert.equal(banner.hidden, true);
  assert.deepEqual(banner.children, []);
});

test("the operators' rotation replaces the page's; a pin holds a rotating screen", async () => {
  const board = page("http://board/a?kiosk=1");
  const clock = fakeClock(board, 5000000);
  assert.equal(carousel(board)[0], "/b?kiosk=1", "the page's own rotation, before an answer");
  board.global.wallboard.state.path = null;
  await board.beat(answering({ version: "v3", control: { scenes: [
    { name: "a", path: "/a", dwell_ms: 0 },
    { name: "c", path: "/c", dwell_ms: 60000 },
    { name: "b", path: "/b", dwell_ms: 60000 },
  ] } }));
  assert.equal(carousel(board)[0], "/c?kiosk=1", "reordered by the operators");

  await board.beat(answering({ version: "v4", control: {
    pin: { scene: "b", path: "/b", remaining_ms: 30000 },
    scenes: [{ name: "a", path: "/a", dwell_ms: 3000 }, { name: "b", path: "/b", dwell_ms: 3000 }],
  } }));
  assert.equal(board.calls.beats[1].body.seen, "v3");
  assert.deepEqual(carousel(board), ["/b?kiosk=1", false, { transform: "scaleX(0.0000)" }, true, ""]);
  board.global.location.pathname = "/b";
  for (let i = 0; i < 29; i++) { // held past many dwells
    clock.now += 1000;
    assert.deepEqual(carousel(board),
      [NO_UPDATE, true, NO_UPDATE, false, "\ud83d\udccc Pinned by the operator"]);
  }
  clock.now += 1000; // the pin ran out: rotation resumes, the scene gets its whole dwell
  assert.deepEqual(carousel(board), [NO_UPDATE, false, { transform: "scaleX(0.3333)" }, true, ""]);
  clock.now += 1000;
  assert.deepEqual(carousel(board), [NO_UPDATE, false, { transform: "scaleX(0.6667)" }, true, ""]);
  clock.now += 1000;
  assert.equal(carousel(board)[0], "/a?kiosk=1");
});

test("a person at the screen comes before a pin; a screen that does not rotate ignores it",
  async () => {
    const pinned = answering({ version: "v1", control: {
      pin: { scene: "c", path: "/c", remaining_ms: 30000 },
    } });
    const kiosk = page("http://board/a?kiosk=1");
    await kiosk.beat(pinned);
    kiosk.press(" ");
    assert.deepEqual(carousel(kiosk)[4], "\u23f8 Paused. Press space to resume.");
    kiosk.press(" ");
    assert.equal(carousel(kiosk)[0], "/c?kiosk=1");
    const analyst = page("http://board/a");
    await analyst.beat(pinned);
    assert.deepEqual(carousel(analyst), [NO_UPDATE, true, NO_UPDATE, true, ""]);
  });

test("a reload newer than the page reloads it; the one it loaded after does not", async () => {
  const board = page("http://board/a?kiosk=1&screen=wall-b");
  const reload = (id, version) => answering({ version, control: { reload: id } });
  await board.beat(reload("r1", "v1"));
  await board.beat(reload("r1", "v2"));
  assert.equal(board.calls.reload, 0);
  await board.beat(reload("r2", "v3"));
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
  // In a tile, an age carries no time: it counts from the tile's data-as-of.
  const tile = { getAttribute: (name) => (name === "data-as-of" ? "2020-01-01T00:01:00.123456+00:00" : null) };
  const inTile = {
    textContent: "0 s",
    getAttribute: (name) => (name === "data-age-suffix" ? "" : null),
    closest: (selector) => (selector === "[data-as-of]" ? tile : null),
  };
  board.selected["[data-age-of], [data-as-of] .wb-age"] = [badge, inTile];
  board.intervals[1000]();
  assert.equal(badge.textContent, "2 min ago");
  assert.equal(inTile.textContent, "1 min");
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
