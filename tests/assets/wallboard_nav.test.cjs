// The scenes' links (assets/37n_nav.js, loaded as a node module), with a createElement that
// records what React would be asked for: the DOM dash-bootstrap-components drew (navbar-nav,
// nav-item, nav-link, active on the scene shown). tests/e2e (wall fit, kiosk, links) see a
// browser draw them and follow a click.
"use strict";

const assert = require("node:assert/strict");
const path = require("node:path");
const test = require("node:test");

const drawing = require(path.join(__dirname, "..", "..", "assets", "37n_nav.js"));

// React.createElement's shape, as plain data: {type, props (without key), key, children}.
function h(type, props, ...children) {
  const { key, ...rest } = props;
  return { type: type, key: key, props: rest, children: children };
}

const LINKS = [
  { title: "World indices", href: "/overview" },
  { title: "FX", href: "/fx" },
];

test("under node only the pure drawing is offered", () => {
  assert.deepEqual(Object.keys(drawing), ["nav"]);
});

test("the links are the navbar's items, the scene shown active and current", () => {
  const shown = drawing.nav(h, { links: LINKS, className: "flex-wrap wb-nav__links", id: "n" }, "/fx");
  assert.deepEqual([shown.type, shown.props], ["div", {
    className: "flex-wrap wb-nav__links navbar-nav",
    id: "n",
  }]);
  assert.deepEqual(shown.children.map((item) => [item.type, item.props, item.key]), [
    ["div", { className: "nav-item" }, 0],
    ["div", { className: "nav-item" }, 1],
  ]);
  const [overview, fx] = shown.children.map((item) => item.children[0]);
  assert.deepEqual(overview, {
    type: "a",
    key: undefined,
    props: { className: "nav-link", href: "/overview", "data-nav": "page" },
    children: ["World indices"],
  });
  assert.deepEqual(fx.props, {
    className: "nav-link active",
    href: "/fx",
    "data-nav": "page",
    "aria-current": "page",
  });
});

test("only an exact path is active: none at the root, none on an instrument's page", () => {
  for (const where of ["/", "/instrument/spx", "/fx/extra", "/FX"]) {
    const shown = drawing.nav(h, { links: LINKS }, where);
    const active = shown.children.filter((item) => item.children[0].props.className.includes("active"));
    assert.deepEqual(active, [], where);
  }
});

test("titles stay text, and no links or damaged ones draw what they can", () => {
  const shown = drawing.nav(h, { links: [{ title: "<b>FX</b>", href: "/fx" }, null, {}] }, "");
  assert.deepEqual(shown.children[0].children[0].children, ["<b>FX</b>"]);
  assert.equal(shown.children.length, 3);
  assert.deepEqual(shown.children[1].children[0].props.href, "");
  for (const links of [undefined, null, "x", {}]) {
    assert.deepEqual(drawing.nav(h, { links: links }, "/fx").children, []);
  }
});
