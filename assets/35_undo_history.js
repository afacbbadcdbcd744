/* Trims Dash's undo history, which otherwise grows for as long as a kiosk runs.
 *
 * Dash's renderer keeps every input change that no callback made (each interval tick, a few a
 * second on a wall screen) in its undo history and never drops any (plotly/dash#727): the soak
 * (bench/soak.py) measured it growing without end. Without the undo buttons only the last
 * entry is ever used (a failed callback reverts to it): keep the last 10, every 10 s.
 * This reaches into the renderer's internals (window.store, its Redux store, and the state's
 * history.past); where they are missing it does nothing, and the soak checks it still works.
 */
(function (wb) {
  "use strict";

  const KEEP = 10;

  function trim() {
    const store = window.store;
    const history = store && store.getState ? store.getState().history : null;
    if (history && history.past && history.past.length > KEEP) {
      history.past.splice(0, history.past.length - KEEP);
    }
  }
  setInterval(trim, 10000);

  wb.undoHistory = { keep: KEEP, trim: trim };
})(window.wallboard);
