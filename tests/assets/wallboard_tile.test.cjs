// A quote tile's drawing (assets/37q_tile.js, loaded as a node module), with a createElement
// that records what React would be asked for: the props components/tiles.py sends as the
// elements the page shows, in the DOM the html components made (classes, data- attributes,
// the link, the canvas, the counted age). tests/e2e (links, kiosk, refresh, tick to glass,
// wall fit) see a browser draw them.
"use strict";

const assert = require("node:assert/strict");
const path = require("node:path");
const test = require("node:test");

const drawing = require(path.join(__dirname, "..", "..", "assets", "37q_tile.js"));

// React.createElement's shape, as plain data: {type, props (without key), key, children}.
function h(type, props, ...children) {
  const { key, ...rest } = props;
  return { type: type, key: key, props: rest, children: children };
}

const LIVE = {
  id: "overview~b1_0_1_0",
  className: "wb-tile wb-tile--ok wb-tile--link",
  "data-instrument": "spx",
  "data-status": "ok",
  "data-source": "yahoo",
  "data-as-of": "2026-12-07T21:00:00+00:00",
  name: "S&P 500",
  href: "/instrument/spx",
  badge: "● Live",
  label: "Live",
  price: "6,000.00",
  change: "+12.00 (+0.20%)",
  move: "up",
  spark: "0,80 1,40 2,10",
  sparkColour: "#2ca02c",
  source: { text: "yahoo · ", age: "3 min", suffix: "", ageOf: null },
  setProps: function () {}, // Dash's own props are not drawn
};

const MISSING = {
  className: "wb-tile wb-tile--missing",
  title: "no source gave a value for Ether",
  "data-instrument": "eth",
  "data-status": "error",
  name: "Ether",
  badge: "✕ Unavailable",
  label: "Unavailable",
  price: "—",
  reason: "no data",
};

function byClass(element, name) {
  return element.children.find((c) => c && c.props && c.props.className.split(" ").includes(name));
}

test("under node only the pure drawing is offered", () => {
  assert.deepEqual(Object.keys(drawing), ["tile"]);
});

test("the tile's element takes its id, class, tooltip and data- attributes as they are", () => {
  const shown = drawing.tile(h, LIVE, []);
  assert.equal(shown.type, "div");
  assert.deepEqual(shown.props, {
    id: "overview~b1_0_1_0",
    className: "wb-tile wb-tile--ok wb-tile--link",
    "data-instrument": "spx",
    "data-status": "ok",
    "data-source": "yahoo",
    "data-as-of": "2026-12-07T21:00:00+00:00",
  });
  assert.equal(drawing.tile(h, MISSING, []).props.title, "no source gave a value for Ether");
});

test("the parts are drawn in order: head, price, change, sparkline, source", () => {
  const shown = drawing.tile(h, LIVE, []);
  assert.deepEqual(
    shown.children.map((c) => c.props.className),
    ["wb-tile__head", "wb-tile__price", "wb-tile__change wb-up", "wb-tile__spark", "wb-tile__source"],
  );
  assert.deepEqual(byClass(shown, "wb-tile__price").children, ["6,000.00"]);
  assert.deepEqual(byClass(shown, "wb-tile__change").children, ["+12.00 (+0.20%)"]);
});

test("on an analyst's screen the name is the tile's one link, followed in the page", () => {
  const [name, badge] = byClass(drawing.tile(h, LIVE, []), "wb-tile__head").children;
  assert.deepEqual(name, {
    type: "a",
    key: "name",
    props: {
      className: "wb-tile__name wb-tile__link",
      href: "/instrument/spx",
      "data-nav": "page",
    },
    children: ["S&P 500"], // its whole text: the link's accessible name
  });
  assert.deepEqual(badge.props, { className: "wb-tile__badge wb-badge--ok", title: "Live" });
  assert.deepEqual(badge.children, ["● Live"]);
});

test("without an href (a kiosk) the name is plain text and nothing is a link", () => {
  const { href, ...kiosk } = LIVE;
  assert.ok(href);
  const shown = drawing.tile(h, kiosk, []);
  const [name] = byClass(shown, "wb-tile__head").children;
  assert.deepEqual([name.type, name.props], ["span", { className: "wb-tile__name" }]);
  const links = JSON.stringify(shown).match(/"type":"a"|href/g);
  assert.equal(links, null);
});

test("the sparkline is a decorative canvas the sparkline script draws from its points", () => {
  const canvas = byClass(drawing.tile(h, LIVE, []), "wb-tile__spark");
  assert.deepEqual([canvas.type, canvas.props], ["canvas", {
    className: "wb-tile__spark",
    "data-spark": "0,80 1,40 2,10",
    "data-colour": "#2ca02c",
    "aria-hidden": "true",
  }]);
  const { spark, ...flat } = LIVE;
  assert.ok(spark);
  assert.equal(byClass(drawing.tile(h, flat, []), "wb-tile__spark"), undefined);
});

test("the age counts from the tile's time, or from the line's own when it differs", () => {
  const [text, age] = byClass(drawing.tile(h, LIVE, []), "wb-tile__source").children;
  assert.equal(text, "yahoo · ");
  assert.deepEqual(age.props, { className: "wb-age", "data-age-suffix": "" });
  assert.deepEqual(age.children, ["3 min"]);
  const stale = { ...LIVE, source: { text: "stooq · ", age: "2 d old", suffix: " old", ageOf: "2026-12-05T21:00:00.000+00:00" } };
  const [, own] = byClass(drawing.tile(h, stale, []), "wb-tile__source").children;
  assert.deepEqual(own.props, {
    className: "wb-age",
    "data-age-suffix": " old",
    "data-age-of": "2026-12-05T21:00:00.000+00:00",
  });
});

test("a missing instrument: its head, a dash for the price and why", () => {
  const shown = drawing.tile(h, MISSING, []);
  assert.deepEqual(
    shown.children.map((c) => c.props.className),
    ["wb-tile__head", "wb-tile__price", "wb-tile__reason"],
  );
  assert.deepEqual(byClass(shown, "wb-tile__price").children, ["—"]);
  assert.deepEqual(byClass(shown, "wb-tile__reason").children, ["no data"]);
});

test("the lines a scene adds come last, as Dash rendered them", () => {
  const session = { type: "div", props: { className: "wb-overview__session" }, children: [] };
  const shown = drawing.tile(h, { ...LIVE, reason: "last good value" }, [session]);
  assert.deepEqual(shown.children.slice(-2).map((c) => c.props.className), [
    "wb-tile__reason",
    "wb-overview__session",
  ]);
  assert.equal(drawing.tile(h, LIVE, session).children.at(-1), session); // one child, not a list
});

test("markup in a name or price stays text, and missing parts draw empty, not 'undefined'", () => {
  const shown = drawing.tile(h, { ...MISSING, name: "<b>Ether</b>", price: null }, undefined);
  const [name] = byClass(shown, "wb-tile__head").children;
  assert.deepEqual(name.children, ["<b>Ether</b>"]);
  assert.deepEqual(byClass(shown, "wb-tile__price").children, [""]);
  assert.doesNotMatch(JSON.stringify(drawing.tile(h, {}, null)), /undefined|null/);
});
