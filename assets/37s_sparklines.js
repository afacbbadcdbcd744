/* The tiles' sparklines: each is a <canvas data-spark="x,y x,y ..." data-colour="#..."> that
 * this file draws, not an image (components/tiles.py). A data: SVG image per value made every
 * price move a new image resource, and they filled Chromium's image cache on a kiosk (issue 20).
 *
 * The points are components/figures.py's sparkline_points: x is the point's index, y runs 0
 * (top) to 100 (bottom), and the box is stretched over the canvas as the SVG's viewBox was
 * (preserveAspectRatio none), with a 2 px stroke that does not scale. Reading the points into
 * canvas coordinates is pure, so node loads this file as a module and tests it
 * (tests/assets/wallboard_sparklines.test.cjs). In the browser a canvas is drawn when it
 * appears, when its points or colour change (a tick sets the attributes), and when its size
 * changes, in device pixels so the line is sharp on a 4K wall.
 *
 * Drawing never reads the layout: each canvas's size comes from its ResizeObserver entry,
 * which is reported after layout, and is kept for the next change of its points. Reading
 * clientWidth right after a tick set the attributes forced a layout for every canvas, and
 * setting a canvas's bitmap size dirtied it again for the next one (Lighthouse's forced
 * reflows on fx and rates).
 */
(function (wb) {
  "use strict";

  const BOX_HEIGHT = 100; // the height of the points' box (figures.py: 0 top, 100 bottom)
  const STROKE_PX = 2; // CSS pixels, whatever the canvas's size (was vector-effect non-scaling)

  // The "x,y x,y ..." text as [[x, y], ...]; pairs that are not two finite numbers are left
  // out, so a damaged attribute draws what it can rather than throwing.
  function parsePoints(text) {
    const points = [];
    String(text || "").trim().split(/\s+/).forEach(function (pair) {
      const bits = pair.split(",");
      if (bits.length !== 2) { return; }
      const x = Number(bits[0]), y = Number(bits[1]);
      if (bits[0] !== "" && bits[1] !== "" && isFinite(x) && isFinite(y)) { points.push([x, y]); }
    });
    return points;
  }

  // The points of `text` in the coordinates of a `width` × `height` canvas: the box from x 0
  // to the largest x, and y 0 to 100, fills it. Fewer than two points: nothing to draw ([]).
  function polyline(text, width, height) {
    const points = parsePoints(text);
    if (points.length < 2) { return []; }
    const right = Math.max.apply(null, points.map(function (p) { return p[0]; })) || 1;
    return points.map(function (p) {
      return [(p[0] * width) / right, (p[1] * height) / BOX_HEIGHT];
    });
  }

  // The bitmap size, in device pixels, of the canvas a ResizeObserver `entry` reports: its
  // device-pixel content box where the browser gives one (exact, so the line is not blurred by
  // rounding), else its content box at the screen's pixel `ratio`.
  function bitmapSize(entry, ratio) {
    const device = entry.devicePixelContentBoxSize && entry.devicePixelContentBoxSize[0];
    if (device) { return { width: device.inlineSize, height: device.blockSize }; }
    return {
      width: Math.round(entry.contentRect.width * ratio),
      height: Math.round(entry.contentRect.height * ratio),
    };
  }

  const pure = { bitmapSize: bitmapSize, parsePoints: parsePoints, polyline: polyline };
  if (typeof module === "object" && module && module.exports) { module.exports = pure; }
  // Drawing needs both observers; a page without them (node's fake page) gets the pure part.
  if (!wb || typeof MutationObserver !== "function" || typeof ResizeObserver !== "function") {
    return;
  }

  const SELECTOR = "canvas[data-spark]";

  const sizeOf = new WeakMap(); // canvas → its last reported bitmap size

  // Size the canvas's bitmap and draw its line. A canvas with no size yet (not reported, or
  // not laid out) is left: the resize observer draws it once it has one.
  function draw(canvas) {
    const size = sizeOf.get(canvas);
    if (!size || !size.width || !size.height) { return; }
    const width = size.width, height = size.height;
    if (canvas.width !== width) { canvas.width = width; } // setting either clears the bitmap
    if (canvas.height !== height) { canvas.height = height; }
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, width, height);
    const line = polyline(canvas.getAttribute("data-spark"), width, height);
    if (!line.length) { return; }
    context.strokeStyle = canvas.getAttribute("data-colour") || "currentColor";
    context.lineWidth = STROKE_PX * (window.devicePixelRatio || 1);
    context.beginPath();
    line.forEach(function (p, i) {
      if (i === 0) { context.moveTo(p[0], p[1]); } else { context.lineTo(p[0], p[1]); }
    });
    context.stroke();
  }

  // The sparkline canvases at or under `node` (an element added to or removed from the page).
  function canvasesIn(node) {
    if (node.nodeType !== 1) { return []; }
    const found = Array.prototype.slice.call(node.querySelectorAll(SELECTOR));
    if (node.matches(SELECTOR)) { found.push(node); }
    return found;
  }

  // ResizeObserver reports each canvas once when observed, so that is its first drawing too.
  const sizes = new ResizeObserver(function (entries) {
    const ratio = window.devicePixelRatio || 1;
    entries.forEach(function (entry) {
      sizeOf.set(entry.target, bitmapSize(entry, ratio));
      draw(entry.target);
    });
  });
  function observe(canvas) {
    try {
      sizes.observe(canvas, { box: "device-pixel-content-box" });
    } catch {
      sizes.observe(canvas); // a browser without device-pixel boxes: the content box × ratio
    }
  }

  function changed(mutations) {
    mutations.forEach(function (mutation) {
      if (mutation.type === "attributes") {
        if (mutation.target.matches(SELECTOR)) { draw(mutation.target); }
        return;
      }
      // Removed canvases are let go: an observed element is kept alive by its observer, and a
      // kiosk changes scene a thousand times a day.
      mutation.removedNodes.forEach(function (node) {
        canvasesIn(node).forEach(function (canvas) { sizes.unobserve(canvas); });
      });
      mutation.addedNodes.forEach(function (node) {
        canvasesIn(node).forEach(observe);
      });
    });
  }

  function start() {
    document.querySelectorAll(SELECTOR).forEach(observe);
    new MutationObserver(changed).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["data-spark", "data-colour"],
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})(typeof window === "object" ? window.wallboard : null);
