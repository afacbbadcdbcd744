/* A brief flash on a tile's price when a new value arrives: green and ▲ up, red and ▼ down.
 *
 * Streamed prices change a few times a second; the flash says which way the last one went, so
 * a glance from across the room catches a move. The direction is in the shape (▲/▼) as well as
 * the colour, for readers who cannot tell the colours apart. It is on for FLASH_MS and then
 * off, with no fade (assets/21_quotes.css says why), so it is no motion either. Prices are
 * compared per instrument (data-instrument), so a tile re-rendered whole flashes as one patched
 * in place.
 */
(function (wb) {
  "use strict";
  if (!wb || typeof MutationObserver !== "function") { return; }

  const FLASH_MS = 800;
  const last = new Map(); // instrument id -> the last price shown
  const timers = new WeakMap();

  function priceOf(node) {
    const value = parseFloat((node.textContent || "").replace(/[^0-9.+-]/g, ""));
    return isNaN(value) ? null : value;
  }

  function flash(node, direction) {
    node.setAttribute("data-flash", direction);
    clearTimeout(timers.get(node));
    timers.set(node, setTimeout(function () { node.removeAttribute("data-flash"); }, FLASH_MS));
  }

  function look(node) {
    const tile = node.closest("[data-instrument]");
    if (!tile) { return; }
    const id = tile.getAttribute("data-instrument");
    const price = priceOf(node);
    if (price === null) { return; }
    const before = last.get(id);
    last.set(id, price);
    if (before === undefined || before === price) { return; }
    flash(node, price > before ? "up" : "down");
  }

  function prices(mutation) {
    const target = mutation.target.nodeType === 1 ? mutation.target : mutation.target.parentElement;
    if (!target) { return []; }
    const own = target.closest(".wb-tile__price");
    if (own) { return [own]; }
    return Array.prototype.slice.call(target.querySelectorAll(".wb-tile__price"));
  }

  function start() {
    document.querySelectorAll(".wb-tile__price").forEach(look);
    new MutationObserver(function (mutations) {
      const seen = new Set();
      mutations.forEach(function (mutation) {
        prices(mutation).forEach(function (node) { seen.add(node); });
      });
      seen.forEach(look);
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})(typeof window === "object" ? window.wallboard : null);
