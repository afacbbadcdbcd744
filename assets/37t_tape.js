/* The ticker tape as one React component, wallboard.Tape (components/tape.py declares it to
 * Dash): its items are data, and this draws them, where the tape was seventy-odd Dash
 * components. Dash's renderer checks every component it holds on each of its store updates,
 * fifteen-odd for every callback (a poll, the carousel's second), so the tape's spans were a
 * fifth to a third of that work on every page, and a new tape remounted them all.
 *
 * An item is {text, status, title, href}: the text as React's text (never HTML), the status as
 * a class and data-status, the tooltip, and on an analyst's screen the instrument's page that
 * a click opens in the page (37l_links.js follows data-nav="page"). The tape is drawn twice
 * over so its scroll loops without a gap; the copy is hidden from screen readers, and its
 * links are kept out of the tab order.
 *
 * The drawing is pure, given React's createElement, so node loads this file and tests it
 * (tests/assets/wallboard_tape.test.cjs).
 */
(function (wb) {
  "use strict";

  function item(h, entry, index, copy) {
    const props = {
      key: index,
      className: "wb-ticker__item wb-ticker__item--" + entry.status,
      title: entry.title,
      "data-status": entry.status,
    };
    if (!entry.href) {
      return h("span", props, entry.text);
    }
    props.className += " wb-ticker__link";
    props.href = entry.href;
    props["data-nav"] = "page";
    if (copy) {
      props.tabIndex = "-1";
    }
    return h("a", props, entry.text);
  }

  function run(h, items, copy) {
    const props = { key: copy ? "copy" : "run", className: "wb-ticker__run" };
    if (copy) {
      props["aria-hidden"] = "true";
    }
    return h("div", props, items.map(function (entry, index) {
      return item(h, entry, index, copy);
    }));
  }

  // The tape's two runs, as elements made by `h` (React.createElement).
  function runs(h, items) {
    const list = Array.isArray(items) ? items : [];
    return [run(h, list, false), run(h, list, true)];
  }

  const pure = { runs: runs };
  if (typeof module === "object" && module && module.exports) { module.exports = pure; }
  if (!wb) {
    return;
  }

  // Dash renders it with the props components/tape.py sends (id, items) and its own (setProps).
  wb.Tape = function Tape(props) {
    const React = window.React;
    return React.createElement(React.Fragment, null, runs(React.createElement, props.items));
  };
})(typeof window === "object" ? window.wallboard : null);
