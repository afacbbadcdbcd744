/* The technicals scene for analysts (pages/technicals.py registers the two callbacks).
 *
 * Its functions live in window.wallboard.technicals; 39_clientside.js hands them to Dash, as it
 * does every callback.
 *
 * - technicalsUrl: a symbol button's choice (the frame's query store) goes into the URL through the shell's location
 *   (wb-nav, refresh "callback-nav"): a history entry, so Back returns to the symbol before and
 *   a copied URL opens the same chart. The page is then rendered from that URL, like any link.
 * - technicalsFit: the time axis moved (zoom, pan, reset, autoscale): fit the price axis to the
 *   candles in view and the MACD axis to its values in view, with the margin the server used
 *   for the first view (layout.meta.fitPad; components/technicals_view.py). Plotly's own
 *   autorange would fit every trace, and a 200-day average far off squashes a month of candles.
 */
(function (wb) {
  "use strict";

  // A time on the chart's axis as ms: "2025-03-05", "2025-03-05 14:30:00.5" or
  // "2025-03-05T14:30:00" are UTC (the server writes naive UTC times and dates).
  function toMs(value) {
    if (typeof value === "number") { return value; }
    let text = String(value).trim().replace(" ", "T");
    if (text.length === 10) { text += "T00:00:00"; }
    if (!/(Z|[+-]\d\d:?\d\d)$/.test(text)) { text += "Z"; }
    return Date.parse(text);
  }

  // [low, high] holding the finite values, `pad` of their span above and below (1 % of the
  // level when flat): the same rule as technicals_view.fit. Null when there is none.
  function fit(values, pad) {
    let low = Infinity;
    let high = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === "number" && isFinite(v)) {
        low = Math.min(low, v);
        high = Math.max(high, v);
      }
    }
    if (low === Infinity) { return null; }
    const span = (high - low) || Math.abs(high) * 0.01 || 1;
    return [low - pad * span, high + pad * span];
  }

  // The values of `arrays` (parallel to `xs`) at the times within [fromMs, toMs].
  function within(xs, arrays, fromMs, untilMs) {
    const out = [];
    for (let i = 0; i < xs.length; i++) {
      const t = toMs(xs[i]);
      if (t >= fromMs && t <= untilMs) {
        for (let k = 0; k < arrays.length; k++) { out.push(arrays[k][i]); }
      }
    }
    return out;
  }

  // The axis ranges to set for the time range [x0, x1] of a plotted figure (gd.data, meta).
  function ranges(data, pad, x0, x1) {
    const from = toMs(x0);
    const until = toMs(x1);
    const update = {};
    const macd = [];
    for (let i = 0; i < data.length; i++) {
      const trace = data[i];
      if (trace.type === "candlestick") {
        const price = fit(within(trace.x, [trace.low, trace.high], from, until), pad);
        if (price) { update["yaxis.range"] = price; }
      } else if (trace.yaxis === "y3") {
        Array.prototype.push.apply(macd, within(trace.x, [trace.y], from, until));
      }
    }
    const macdRange = fit(macd, pad);
    if (macdRange) { update["yaxis3.range"] = macdRange; }
    return update;
  }

  const callbacks = {};

  // Input: the frame's query store (technicals), which the picker's callback writes after a
  // click. Output: wb-nav.href, the URL with that symbol (nothing when it is already there).
  callbacks.technicalsUrl = function (query) {
    const noUpdate = window.dash_clientside.no_update;
    if (!query || typeof query.symbol !== "string") { return noUpdate; }
    const params = new URLSearchParams(window.location.search);
    if (params.get("symbol") === query.symbol) { return noUpdate; }
    params.set("symbol", query.symbol);
    return window.location.pathname + "?" + params.toString();
  };

  // Input: the chart's relayoutData. No output: it relayouts the plot itself; its own relayout
  // comes back here without a time range and is left alone.
  callbacks.technicalsFit = function (relayout) {
    if (!relayout) { return; }
    const moved = Object.keys(relayout).some(function (key) {
      return key.indexOf("xaxis.range") === 0 || key === "xaxis.autorange";
    });
    const root = document.getElementById("technicals-graph");
    const gd = root && root.querySelector(".js-plotly-plot");
    if (!moved || !gd || !gd._fullLayout || !window.Plotly) { return; }
    const meta = gd.layout.meta || {};
    const pad = typeof meta.fitPad === "number" ? meta.fitPad : 0;
    const shown = gd._fullLayout.xaxis.range;
    const update = ranges(gd.data, pad, shown[0], shown[1]);
    if (Object.keys(update).length) { window.Plotly.relayout(gd, update); }
  };

  wb.technicals = {
    toMs: toMs,
    fit: fit,
    ranges: ranges,
    url: callbacks.technicalsUrl,
    fitChart: callbacks.technicalsFit,
  };
})(window.wallboard);
