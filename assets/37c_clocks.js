/* The header's market clocks as one React component, wallboard.Clocks
 * (components/clocks.py declares it to Dash), keeping its own time: each clock's HH:MM in its
 * zone, from the screen's clock, drawn at once and turned at each minute by React state. They
 * were three Dash components a clock, written by a clientside callback on the carousel's
 * one-second tick; now the time costs no Dash callback or store update.
 *
 * The DOM is the one the html components made: div.wb-clocks of span.wb-clock[data-tz], each a
 * label and a time. The drawing is pure, given React's createElement and a way to format a
 * time in a zone, so node loads this file and tests it (tests/assets/wallboard_clocks.test.cjs).
 */
(function (wb) {
  "use strict";

  const MINUTE_MS = 60000;
  const formats = {}; // zone -> Intl.DateTimeFormat, made once

  // HH:MM (24 h) at `now` in zone `tz`; "--:--" for a zone this browser does not know.
  function timeIn(tz, now) {
    try {
      if (!formats[tz]) {
        formats[tz] = new Intl.DateTimeFormat("en-GB", {
          timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
        });
      }
      return formats[tz].format(now);
    } catch {
      return "--:--";
    }
  }

  // The clocks as elements made by `h` (React.createElement), each telling `now`.
  function clocks(h, props, now) {
    const list = Array.isArray(props.clocks) ? props.clocks : [];
    const own = { className: "wb-clocks", "aria-label": "Market clocks" };
    if (props.id) { own.id = String(props.id); }
    return h.apply(null, ["div", own].concat(list.map(function (clock, index) {
      const tz = String(clock && clock.tz || "UTC");
      return h("span", { key: index, className: "wb-clock", "data-tz": tz },
        h("span", { className: "wb-clock__label" }, String(clock && clock.label || "")),
        h("span", { className: "wb-clock__time" }, timeIn(tz, now)));
    })));
  }

  // How long from `ms` (epoch milliseconds) to the next whole minute.
  function toNextMinute(ms) {
    return MINUTE_MS - (ms % MINUTE_MS);
  }

  const pure = { clocks: clocks, timeIn: timeIn, toNextMinute: toNextMinute };
  if (typeof module === "object" && module && module.exports) { module.exports = pure; }
  if (!wb) {
    return;
  }

  // Dash renders it with the props components/clocks.py sends (id, clocks).
  wb.Clocks = function Clocks(props) {
    const React = window.React;
    const [now, setNow] = React.useState(function () { return new Date(); });
    React.useEffect(function () {
      // Turned just after each minute starts; a late timer (a busy or sleeping screen) turns
      // it as soon as it runs, and the next is aimed at the minute after.
      const timer = setTimeout(function () { setNow(new Date()); },
        toNextMinute(Date.now()) + 50);
      return function () { clearTimeout(timer); };
    }, [now]);
    return clocks(React.createElement, props, now);
  };
})(typeof window === "object" ? window.wallboard : null);
