"""Finding links: in a component tree (page and widget tests) and in the browser (kiosk and link
tests)."""

from __future__ import annotations

from dash import dcc, html

from components.tile import Tile
from tests.support.pages import walk


def hrefs(tree) -> list[str]:
    """Every link's target in a component tree (dcc.Link, <a>, and a tile's name, which the
    browser draws as a link when the tile has an href), in order."""
    return [
        n.href
        for n in walk(tree)
        if isinstance(n, dcc.Link | html.A) or (isinstance(n, Tile) and getattr(n, "href", None))
    ]


# What on a page a person could click, tab to or see a pointer over, inside `roots` (CSS
# selectors, arguments[0]): links, form controls, anything with a tabindex of 0 or more or
# editable, and (unless arguments[1] is false) any element whose computed cursor is not 'none'.
# Each as "tag.class [why]", at most 20.
REACHABLE_JS = """
const roots = arguments[0], cursors = arguments[1] !== false;
const found = [];
function describe(el, why) {
  const cls = (el.getAttribute("class") || "").split(/\\s+/).filter(Boolean).slice(0, 3);
  return el.tagName.toLowerCase() + (cls.length ? "." + cls.join(".") : "") + " [" + why + "]";
}
roots.forEach(function (selector) {
  document.querySelectorAll(selector).forEach(function (root) {
    [root].concat(Array.from(root.querySelectorAll("*"))).forEach(function (el) {
      const tag = el.tagName.toLowerCase();
      const tabindex = el.getAttribute("tabindex");
      let why = null;
      if (tag === "a" && el.hasAttribute("href")) { why = "link"; }
      else if (["button", "input", "select", "textarea"].indexOf(tag) >= 0) { why = tag; }
      else if (tabindex !== null && parseInt(tabindex, 10) >= 0) { why = "tabindex " + tabindex; }
      else if (el.isContentEditable || el.hasAttribute("contenteditable")) { why = "editable"; }
      else if (cursors) {
        const cursor = window.getComputedStyle(el).cursor;
        if (cursor !== "none") { why = "cursor " + cursor; }
      }
      if (why && found.length < 20) { found.push(describe(el, why)); }
    });
  });
});
return found;
"""

# Where focus is: "body", or the focused element as "tag.class" with whether it lies inside
# one of `roots` (CSS selectors).
FOCUS_JS = """
const roots = arguments[0];
const el = document.activeElement;
if (!el || el === document.body) { return ["body", false]; }
const inside = roots.some(function (s) { return el.closest(s) !== null; });
return [el.tagName.toLowerCase() + "." + (el.getAttribute("class") || ""), inside];
"""
