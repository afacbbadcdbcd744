// The tape's drawing (assets/37t_tape.js, loaded as a node module), with a createElement that
// records what React would be asked for: the entries components/shell.py sends (text, status,
// title, href) as the two runs of spans or links the page shows. tests/e2e/test_links.py and
// test_kiosk_inert.py see a browser draw them.
"use strict";

const assert = require("node:assert/strict");
const path = require("node:path");
const test = require("node:test");

const tape = require(path.join(__dirname, "..", "..", "assets", "37t_tape.js"));

// React.createElement's shape, as plain data: {type, props (without key), key, children}.
function h(type, props, children) {
  const { key, ...rest } = props;
  return { type: type, key: key, props: rest, children: children };
}

const QUOTE = { text: "Bitcoin 97,000 ▲ +1.2%", status: "ok", title: "Bitcoin: demo", href: "/instrument/btc" };
const WIRE = { text: "Wire: <b>Rates</b> hold", status: "ok", title: "Wire · Mon", href: null };
const STALE = { text: "Gold 2,400 ⚠ stale", status: "stale", title: "Gold: stale", href: null };

test("under node only the pure drawing is offered", () => {
  assert.deepEqual(Object.keys(tape), ["runs"]);
});

test("the tape is drawn twice over, the copy hidden from screen readers", () => {
  const [run, copy] = tape.runs(h, [QUOTE, WIRE]);
  assert.deepEqual([run.type, run.props], ["div", { className: "wb-ticker__run" }]);
  assert.deepEqual(copy.props, { className: "wb-ticker__run", "aria-hidden": "true" });
  assert.notEqual(run.key, copy.key);
  assert.equal(run.children.length, 2);
  assert.deepEqual(
    copy.children.map((c) => c.children),
    run.children.map((c) => c.children),
  );
});

test("a quote with a page is a link the page follows; in the copy it is out of the tab order", () => {
  const [run, copy] = tape.runs(h, [QUOTE]);
  assert.deepEqual(run.children[0], {
    type: "a",
    key: 0,
    props: {
      className: "wb-ticker__item wb-ticker__item--ok wb-ticker__link",
      title: "Bitcoin: demo",
      "data-status": "ok",
      href: "/instrument/btc",
      "data-nav": "page",
    },
    children: "Bitcoin 97,000 ▲ +1.2%",
  });
  assert.equal(copy.children[0].props.tabIndex, "-1");
  assert.equal(copy.children[0].props.href, "/instrument/btc");
});

test("without a page an item is plain text, its status a class and data-status", () => {
  const [run] = tape.runs(h, [WIRE, STALE]);
  assert.deepEqual(run.children.map((c) => c.type), ["span", "span"]);
  assert.deepEqual(run.children[1].props, {
    className: "wb-ticker__item wb-ticker__item--stale",
    title: "Gold: stale",
    "data-status": "stale",
  });
  // The text is handed to React as text, which it escapes: markup in a headline stays text.
  assert.equal(run.children[0].children, "Wire: <b>Rates</b> hold");
});

test("no items, or anything but a list, draws two empty runs", () => {
  for (const items of [[], null, undefined, "text", { 0: QUOTE }]) {
    const [run, copy] = tape.runs(h, items);
    assert.deepEqual([run.children, copy.children], [[], []]);
  }
});
