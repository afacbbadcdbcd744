/* A part of a page that only shows things, as one React component, wallboard.Static
 * (components/static.py declares it to Dash and makes its tree from html components): a
 * table, a list, a tile's session line, where each element was a Dash component of its own.
 * Dash's renderer checks every component it holds on each of its store updates, fifteen-odd
 * for every callback, so a status table's cells cost every tick as much as anything live.
 *
 * The tree is [tag, props, ...children], a child being text or another node ("" as the tag:
 * a list of nodes). Only the elements and props components/static.py allows are drawn (the
 * same lists, checked again here: a tree is data from the server, and this is the second
 * guard), and text is React's text, never HTML.
 *
 * The drawing is pure, given React's createElement and Fragment, so node loads this file and
 * tests it (tests/assets/wallboard_static.test.cjs).
 */
(function (wb) {
  "use strict";

  // components/static.py TAGS, PROPS and PREFIXES.
  const TAGS = new Set(("div span p ul ol li strong em small table caption thead tbody tr th td "
    + "section header figure figcaption dl dt dd h2 h3").split(" "));
  const PROPS = new Set(["className", "title", "style", "role", "hidden", "scope", "colSpan",
    "rowSpan"]);

  function allowed(name) {
    return PROPS.has(name) || name.indexOf("data-") === 0 || name.indexOf("aria-") === 0;
  }

  // A node as elements made by `h` (React.createElement); `fragment` is React.Fragment.
  // Anything else than text or a node of an allowed tag draws nothing.
  function draw(h, fragment, node, key) {
    if (typeof node === "string") { return node; }
    if (typeof node === "number" && isFinite(node)) { return String(node); }
    if (!Array.isArray(node) || typeof node[0] !== "string") { return null; }
    const tag = node[0];
    if (tag !== "" && !TAGS.has(tag)) { return null; }
    const given = node[1] && typeof node[1] === "object" && !Array.isArray(node[1]) ? node[1] : {};
    const props = { key: key };
    Object.keys(given).forEach(function (name) {
      const value = given[name];
      if (!allowed(name) || value === null || value === undefined) { return; }
      if (name === "style") {
        if (typeof value === "object" && !Array.isArray(value)) { props.style = value; }
        return;
      }
      props[name] = typeof value === "boolean" ? value : String(value);
    });
    const children = node.slice(2).map(function (child, index) {
      return draw(h, fragment, child, index);
    });
    if (tag === "") { return h.apply(null, [fragment, { key: key }].concat(children)); }
    return h.apply(null, [tag, props].concat(children));
  }

  const pure = { draw: draw };
  if (typeof module === "object" && module && module.exports) { module.exports = pure; }
  if (!wb) {
    return;
  }

  // Dash renders it with the props components/static.py sends (id, tree) and its own.
  wb.Static = function Static(props) {
    const React = window.React;
    return draw(React.createElement, React.Fragment, props.tree, undefined);
  };
})(typeof window === "object" ? window.wallboard : null);
