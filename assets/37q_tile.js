/* A quote tile as one React component, wallboard.Tile (components/tile.py declares it to
 * Dash): its parts are data, and this draws them, where a tile was about fourteen Dash
 * components. Dash's renderer checks every component it holds on each of its store updates,
 * fifteen-odd for every callback, so on a tile scene the tiles' parts were most of that work.
 *
 * The DOM is what the html components made: the tile's element takes its className, title and
 * data- props as they are; then the head (the name, a link to the instrument's page on an
 * analyst's screen, followed in the page by 37l_links.js; the status badge), the price, the
 * change, the sparkline's canvas (drawn by 37s_sparklines.js), the source line with its age
 * (counted on by 31_ages.js), the reason, and the lines a scene adds (children, Dash's own).
 * Every text is React's text, never HTML.
 *
 * The drawing is pure, given React's createElement, so node loads this file and tests it
 * (tests/assets/wallboard_tile.test.cjs).
 */
(function (wb) {
  "use strict";

  function text(value) {
    return value === null || value === undefined ? "" : String(value);
  }

  function given(value) {
    return value !== null && value !== undefined;
  }

  function name(h, props) {
    if (!props.href) {
      return h("span", { key: "name", className: "wb-tile__name" }, text(props.name));
    }
    return h("a", {
      key: "name",
      className: "wb-tile__name wb-tile__link",
      href: String(props.href),
      "data-nav": "page",
    }, text(props.name));
  }

  function head(h, props) {
    const status = text(props["data-status"]);
    return h("div", { key: "head", className: "wb-tile__head" },
      name(h, props),
      h("span", {
        key: "badge",
        className: "wb-tile__badge wb-badge--" + status,
        title: text(props.label),
      }, text(props.badge)));
  }

  // "yahoo · 3 min": the text, then the age the browser counts on, from the tile's data-as-of
  // unless the line carries its own time (ageOf).
  function sourceLine(h, line) {
    const parts = [text(line.text)];
    if (given(line.age)) {
      const age = { key: "age", className: "wb-age", "data-age-suffix": text(line.suffix) };
      if (given(line.ageOf)) { age["data-age-of"] = String(line.ageOf); }
      parts.push(h("span", age, text(line.age)));
    }
    return h.apply(null, ["div", { key: "source", className: "wb-tile__source" }].concat(parts));
  }

  // The tile's element and its parts, as elements made by `h` (React.createElement); `extra`
  // is what Dash rendered of its children.
  function tile(h, props, extra) {
    const own = { className: text(props.className) };
    if (given(props.id)) { own.id = String(props.id); }
    if (given(props.title)) { own.title = String(props.title); }
    Object.keys(props).forEach(function (key) {
      if (key.indexOf("data-") === 0 && given(props[key])) { own[key] = String(props[key]); }
    });
    const parts = [head(h, props),
      h("div", { key: "price", className: "wb-tile__price" }, text(props.price))];
    if (given(props.change)) {
      parts.push(h("div", {
        key: "change",
        className: "wb-tile__change wb-" + text(props.move || "flat"),
      }, text(props.change)));
    }
    if (props.spark) {
      parts.push(h("canvas", {
        key: "spark",
        className: "wb-tile__spark",
        "data-spark": String(props.spark),
        "data-colour": text(props.sparkColour),
        "aria-hidden": "true", // decorative: the price and change beside it are the text
      }));
    }
    if (props.source && typeof props.source === "object") {
      parts.push(sourceLine(h, props.source));
    }
    if (given(props.reason)) {
      parts.push(h("div", { key: "reason", className: "wb-tile__reason" }, text(props.reason)));
    }
    const lines = Array.isArray(extra) ? extra : given(extra) ? [extra] : [];
    return h.apply(null, ["div", own].concat(parts, lines));
  }

  const pure = { tile: tile };
  if (typeof module === "object" && module && module.exports) { module.exports = pure; }
  if (!wb) {
    return;
  }

  // Dash renders it with the props components/tiles.py sends and its own (setProps).
  wb.Tile = function Tile(props) {
    const React = window.React;
    return tile(React.createElement, props, props.children);
  };
})(typeof window === "object" ? window.wallboard : null);
