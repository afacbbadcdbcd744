/* The search box's keys, and the instrument page's screen id.
 *
 * Keys (analysts only; a kiosk has no search box and takes no keys here):
 * - "/" focuses the navbar's search box (components/search.py), unless someone is typing in a
 *   field, where "/" is a character like any other;
 * - Esc leaves the search box (or the compare box) when typing there, and otherwise, on an
 *   instrument page, goes back to where the analyst came from (history.back()).
 *
 * screenId is the clientside callback of pages/instrument.py: the id this browser asks for
 * lookups under (the board caps ad-hoc symbols per screen), kept in localStorage by a
 * dcc.Store; a new random one when there is none or it is not one the board accepts. It lives
 * in window.wallboard.search; 39_clientside.js hands it to Dash, as it does every callback.
 */
(function (wb) {
  "use strict";

  const SCREEN = /^[A-Za-z0-9_-]{1,64}$/; // engine.lookups.SCREEN
  const SEARCH_ID = "wb-search"; // components.search.IDS["input"]
  const INSTRUMENT_PATH = "/instrument/"; // pages.instrument.PATH

  function typing(target) {
    if (!target) { return false; }
    const tag = target.tagName || "";
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function randomId() {
    const bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    let text = "s";
    for (let i = 0; i < bytes.length; i++) {
      text += bytes[i].toString(16).padStart(2, "0");
    }
    return text;
  }

  function screenId(_state, current) {
    return typeof current === "string" && SCREEN.test(current) ? current : randomId();
  }

  function onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (wb.mode.kiosk()) { return; }
    const target = event.target;
    if (event.key === "/" && !typing(target)) {
      const box = document.getElementById(SEARCH_ID);
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
    } else if (event.key === "Escape") {
      if (typing(target)) {
        target.blur();
        return;
      }
      if (window.location.pathname.indexOf(INSTRUMENT_PATH) === 0) {
        event.preventDefault();
        window.history.back();
      }
    }
  }

  document.addEventListener("keydown", onKey);

  wb.search = { screenId: screenId, randomId: randomId };
})(window.wallboard);
