/* Links to an instrument's page, and the navbar's "Copy link" button.
 *
 * A concern among 31-38: it adds wb.links; 39_clientside.js hands openClicked and copyLink to
 * Dash. Three ways an analyst opens `/instrument/<id>`, all in the page (no reload,
 * as dcc.Link does it: pushState, then Dash's own `_dashprivate_pushstate` event, which its
 * pages router and every dcc.Location follow):
 * - a tile: its name is an <a data-nav="page"> (assets/37q_tile.js), followed by the click
 *   listener below;
 * - a treemap box or heatmap cell (a "linked graph", components.tiles.linked_graph_id): its
 *   Plotly click (the clickData) reaches openClicked (one callback in components/shell.py),
 *   which reads the cell's instrument id at customdata[1] (components.tiles.cell_custom),
 *   from the graph's figure for a heatmap (see cellCustom);
 * - a tape item: an <a data-nav="page"> (assets/37t_tape.js), followed by the same listener.
 *   Both are drawn by the board's own React components, where a dcc.Link would be a Dash
 *   component of its own; and the tape's second, aria-hidden copy must keep its links out of
 *   the tab order (tabindex -1), which dcc.Link cannot say.
 * The header's links to the scenes (assets/37n_nav.js) are <a data-nav="page"> too, and the
 * same listener opens them. A kiosk (?kiosk=1) renders none of these as links, or hides them;
 * the checks below are the second guard.
 */
(function (wb) {
  "use strict";

  const LINK_FIELD = 1; // components.tiles.LINK_FIELD
  const NOTE_MS = 1200; // how long "Copied" shows

  // The kiosk's class from the first moment, not from the carousel's first tick a second
  // later: the kiosk's CSS (no cursor, no navigation, no copy button) applies at once. (Dash
  // links this file after the page's body, so it is there.)
  if (document.body) { document.body.classList.toggle("wb-kiosk", wb.mode.kiosk()); }

  // Open a path in the page, as dcc.Link does.
  function go(href) {
    window.history.pushState({}, "", href);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
    window.scrollTo(0, 0);
  }

  function instrumentHref(id) {
    return "/instrument/" + encodeURIComponent(id);
  }

  // A heatmap cell's customdata. dcc.Graph leaves it out of clickData (it keeps a point's
  // scalar fields, and picks customdata only by a numeric pointNumber, which a 2D trace has
  // not), so it is read from the graph's own figure at the clicked cell's x and y.
  function cellCustom(graphId, point) {
    const holder = document.getElementById(graphId);
    const gd = holder && (holder.classList.contains("js-plotly-plot")
      ? holder : holder.querySelector(".js-plotly-plot"));
    const trace = gd && gd.data && gd.data[point.curveNumber || 0];
    if (!trace || !trace.customdata || !trace.x || !trace.y) { return null; }
    const row = Array.prototype.indexOf.call(trace.y, point.y);
    const col = Array.prototype.indexOf.call(trace.x, point.x);
    return row >= 0 && col >= 0 && trace.customdata[row] ? trace.customdata[row][col] : null;
  }

  // The instrument id a Plotly click on graph `graphId` carries, or null (the diagonal, a click
  // elsewhere).
  function clickedInstrument(clickData, graphId) {
    const point = clickData && clickData.points && clickData.points[0];
    if (!point) { return null; }
    const custom = Array.isArray(point.customdata) ? point.customdata : cellCustom(graphId, point);
    const id = Array.isArray(custom) ? custom[LINK_FIELD] : null;
    return typeof id === "string" && id ? id : null;
  }

  document.addEventListener("click", function (event) {
    const link = event.target && event.target.closest && event.target.closest("a[data-nav=page]");
    if (!link) { return; }
    if (wb.mode.kiosk()) { event.preventDefault(); return; }
    // A new tab or window (a modifier, the middle button) is the browser's to open.
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    go(link.getAttribute("href"));
  });

  function fallbackCopy(text) {
    // Where navigator.clipboard is missing (plain http to another host is no secure context).
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let done = false;
    try {
      done = document.execCommand("copy");
    } finally {
      document.body.removeChild(area);
    }
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  let clearing = null;
  function note(text) {
    window.dash_clientside.set_props("wb-copy-note", { children: text });
    window.clearTimeout(clearing);
    clearing = window.setTimeout(function () {
      window.dash_clientside.set_props("wb-copy-note", { children: "" });
    }, NOTE_MS);
  }

  wb.links = {
    go: go,
    instrumentHref: instrumentHref,
    clickedInstrument: clickedInstrument,

    // Input: every linked graph's clickData (a pattern id: a list). No output: it navigates.
    openClicked: function () {
      const triggered = window.dash_clientside.callback_context.triggered;
      const first = triggered && triggered.length ? triggered[0] : null;
      // prop_id is "<the graph's id as the DOM has it>.clickData"
      const id = first
        ? clickedInstrument(first.value, first.prop_id.slice(0, -".clickData".length)) : null;
      if (id && !wb.mode.kiosk()) { go(instrumentHref(id)); }
    },

    // Input wb-copy-link.n_clicks. Output wb-copy-note.children, written when the copy is done.
    copyLink: function () {
      const url = window.location.href;
      copyText(url).then(
        function () { note("Copied"); },
        function () { note("Copy failed: select the address bar"); }
      );
      return window.dash_clientside.no_update;
    },
  };
})(window.wallboard);
