/* Ages, as text ("12 s"), and the counter that keeps them going between refreshes.
 *
 * formatAge is the one rule of components/format.py format_age, kept identical and tested
 * against the same table (tests/components/age_cases.json, by pytest and by node --test, which
 * loads this file as a module). The counter exists so an idle screen needs nothing from the
 * server to keep its badges' ages true; it counts from the server's clock, never deciding
 * staleness, which the server's timestamps alone decide.
 */
(function (wb) {
  "use strict";

  // Whole units elapsed, truncated, never rounded up; the unit changes exactly at 60 s, 60 min
  // and 24 h; data timed ahead of the clock (skew) reads "0 s".
  function formatAge(seconds) {
    if (seconds === null || seconds === undefined || isNaN(seconds)) { return "no data"; }
    const whole = Math.max(0, Math.floor(seconds));
    if (whole < 60) { return whole + " s"; }
    if (whole < 3600) { return Math.floor(whole / 60) + " min"; }
    if (whole < 86400) { return Math.floor(whole / 3600) + " h"; }
    return Math.floor(whole / 86400) + " d";
  }

  const ages = { formatAge: formatAge };
  if (typeof module === "object" && module && module.exports) { module.exports = ages; }
  if (!wb) { return; } // under node: the pure rule only

  // The badges' ages ([data-age-of]) counted on from the server's clock: data-server-now on the
  // scene gives the offset to the screen's own, renewed whenever the server renders a scene.
  // An age in a tile carries no time of its own: it counts from the tile's data-as-of
  // (components/badges.py age_span), so a new price sends its time once.
  const TIMED = "[data-age-of], [data-as-of] .wb-age";

  function timeOf(node) {
    const own = node.getAttribute("data-age-of");
    if (own !== null) { return own; }
    const tile = node.closest("[data-as-of]");
    return tile ? tile.getAttribute("data-as-of") : null;
  }

  const clock = { offsetMs: 0, serverNow: null };

  function countAges() {
    const scene = document.querySelector(".wb-scene[data-server-now]");
    const stamp = scene ? scene.getAttribute("data-server-now") : null;
    if (stamp && stamp !== clock.serverNow) {
      const server = Date.parse(stamp);
      if (!isNaN(server)) {
        clock.serverNow = stamp;
        clock.offsetMs = server - Date.now();
      }
    }
    const now = Date.now() + clock.offsetMs;
    const nodes = document.querySelectorAll(TIMED);
    for (let i = 0; i < nodes.length; i++) {
      const of = Date.parse(timeOf(nodes[i]));
      if (isNaN(of)) { continue; }
      const text = formatAge((now - of) / 1000)
        + (nodes[i].getAttribute("data-age-suffix") || "");
      if (nodes[i].textContent !== text) { nodes[i].textContent = text; }
    }
  }
  setInterval(countAges, 1000);

  wb.ages = ages;
})(typeof window === "object" ? window.wallboard : null);
