// A shown-only part's drawing (assets/37h_static.js, loaded as a node module), with a
// createElement that records what React would be asked for: the trees components/static.py
// makes (tests/components/test_static.py) as the elements the page shows, and nothing a tree
// should not hold.
"use strict";

const assert = require("node:assert/strict");
const path = require("node:path");
const test = require("node:test");

const drawing = require(path.join(__dirname, "..", "..", "assets", "37h_static.js"));

const FRAGMENT = "Fragment";

// React.createElement's shape, as plain data: {type, props (without key), key, children}.
function h(type, props, ...children) {
  const { key, ...rest } = props;
  return { type: type, key: key, props: rest, children: children };
}

function draw(tree) {
  return drawing.draw(h, FRAGMENT, tree, undefined);
}

const SESSION = ["div", { className: "wb-overview__session", title: "XNYS: open", "data-market": "XNYS" },
  ["span", { className: "wb-overview__state" }, ["span", { "aria-hidden": "true" }, "●"], " Open"],
  ["span", { className: "wb-overview__clock" }, "New York 10:00"]];

test("under node only the pure drawing is offered", () => {
  assert.deepEqual(Object.keys(drawing), ["draw"]);
});

test("a tree is drawn as the same elements, props and text", () => {
  const shown = draw(SESSION);
  assert.deepEqual([shown.type, shown.props], ["div", {
    className: "wb-overview__session",
    title: "XNYS: open",
    "data-market": "XNYS",
  }]);
  const [state, clock] = shown.children;
  assert.deepEqual(state.children[0], {
    type: "span", key: 0, props: { "aria-hidden": "true" }, children: ["●"],
  });
  assert.equal(state.children[1], " Open");
  assert.deepEqual([clock.key, clock.children], [1, ["New York 10:00"]]);
});

test("a table keeps its structure, spans, scope and a style object", () => {
  const shown = draw(["table", { className: "wb-table" },
    ["thead", {}, ["tr", {}, ["th", { scope: "col", colSpan: 2 }, "Tenor"]]],
    ["tbody", {}, ["tr", { "data-status": "stale" }, ["td", { style: { left: "16%" } }, 4.25]]]]);
  const th = shown.children[0].children[0].children[0];
  assert.deepEqual(th.props, { scope: "col", colSpan: "2" });
  const td = shown.children[1].children[0].children[0];
  assert.deepEqual([td.props, td.children], [{ style: { left: "16%" } }, ["4.25"]]);
});

test("a list of nodes is a fragment", () => {
  const shown = draw(["", {}, ["p", {}, "one"], "two"]);
  assert.equal(shown.type, FRAGMENT);
  assert.deepEqual(shown.children.map((c) => c.type || c), ["p", "two"]);
});

test("markup stays text, and what a tree must not hold is not drawn", () => {
  assert.equal(draw("<img src=x onerror=alert(1)>"), "<img src=x onerror=alert(1)>");
  assert.equal(draw(["script", {}, "alert(1)"]), null);
  assert.equal(draw(["a", { href: "javascript:alert(1)" }, "x"]), null);
  const shown = draw(["div", {
    onClick: "alert(1)", href: "/x", id: "x", dangerouslySetInnerHTML: { __html: "<b>" },
    style: "color: red", className: "kept",
  }, ["iframe", {}], { not: "a node" }, null, NaN]);
  assert.deepEqual(shown.props, { className: "kept" });
  assert.deepEqual(shown.children, [null, null, null, null]);
});

test("nothing, or anything but a node, draws nothing", () => {
  for (const tree of [null, undefined, {}, [], [1, {}], true]) {
    assert.equal(draw(tree), null, JSON.stringify(tree));
  }
});
