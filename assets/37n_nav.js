/* The header's links to every scene as one React component, wallboard.NavLinks
 * (components/nav_links.py declares it to Dash), where they were a Nav, and a NavItem and a
 * NavLink per scene: 23 Dash components that the renderer checked on each of its store updates.
 *
 * The DOM is what dash-bootstrap-components drew: the navbar's div of nav-item divs, each an
 * <a class="nav-link"> with `active` on the scene shown (its path exactly, as NavLink's
 * active="exact"), now also aria-current="page". The page's path is followed as Dash follows
 * it: history's popstate, and the `_dashprivate_pushstate` event that dcc.Link, dcc.Location
 * and 37l_links.js send when they open a page. A click opens the scene in the page
 * (37l_links.js follows data-nav="page").
 *
 * The drawing is pure, given React's createElement, so node loads this file and tests it
 * (tests/assets/wallboard_nav.test.cjs).
 */
(function (wb) {
  "use strict";

  // The links' container and its items, as elements made by `h` (React.createElement), the
  // one whose href is `path` active.
  function nav(h, props, path) {
    const items = Array.isArray(props.links) ? props.links : [];
    const links = items.map(function (entry, index) {
      const href = String(entry && entry.href || "");
      const here = href !== "" && href === path;
      const link = {
        className: "nav-link" + (here ? " active" : ""),
        href: href,
        "data-nav": "page",
      };
      if (here) { link["aria-current"] = "page"; }
      return h("div", { key: index, className: "nav-item" },
        h("a", link, String(entry && entry.title || "")));
    });
    const own = { className: (props.className ? props.className + " " : "") + "navbar-nav" };
    if (props.id) { own.id = String(props.id); }
    return h.apply(null, ["div", own].concat(links));
  }

  const pure = { nav: nav };
  if (typeof module === "object" && module && module.exports) { module.exports = pure; }
  if (!wb) {
    return;
  }

  const EVENTS = ["popstate", "_dashprivate_pushstate"];

  // Dash renders it with the props components/nav_links.py sends (id, links, className).
  wb.NavLinks = function NavLinks(props) {
    const React = window.React;
    const [path, setPath] = React.useState(window.location.pathname);
    React.useEffect(function () {
      function follow() { setPath(window.location.pathname); }
      EVENTS.forEach(function (name) { window.addEventListener(name, follow); });
      follow(); // a page opened between the first drawing and now
      return function () {
        EVENTS.forEach(function (name) { window.removeEventListener(name, follow); });
      };
    }, []);
    return nav(React.createElement, props, path);
  };
})(typeof window === "object" ? window.wallboard : null);
