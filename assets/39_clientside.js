/* The Dash clientside callbacks: window.dash_clientside.wallboard, where components/shell.py
 * finds them (ClientsideFunction(namespace="wallboard", function_name="carousel" / "date" /
 * ...)). The market clocks keep their own time (37c_clocks.js).
 *
 * Last in the load order (39): it only turns Dash's inputs into the other files' calls and
 * their answers into Dash's outputs, in the order shell.py declares them. The code lives in a
 * file, covered by the CSP's 'self', rather than as inline code strings in Python, which the
 * policy would have to allow by hash (providers/security.py).
 */
(function (wb) {
  "use strict";

  const shownDate = { text: null }; // the header's date as last written

  // The progress bar grows by a transform, which the compositor animates: a transition of its
  // width had the main thread lay out and paint the page on every frame of every second (62 ms
  // a second on an idle kiosk here).
  function progressStyle(percent) {
    return { transform: "scaleX(" + (percent / 100).toFixed(4) + ")" };
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    wallboard: {
      formatAge: wb.ages.formatAge, // the age rule, for anyone checking it in the page
      openClicked: wb.links.openClicked, // a linked graph's click (37l_links.js)
      copyLink: wb.links.copyLink, // the navbar's "Copy link" (37l_links.js)
      screenId: wb.search.screenId, // State instrument-screen.data (38_search_keys.js)
      technicalsUrl: wb.technicals.url, // the picked symbol into the URL (38t_technicals.js)
      technicalsFit: wb.technicals.fitChart, // the price axis fitted after a zoom (38t)

      // Input wb-second.n_intervals; State wb-scenes, wb-health, wb-idle-ms.
      // Outputs: wb-nav.href, wb-progress.hidden, wb-progress-bar.style, wb-paused.hidden,
      // wb-paused.children.
      carousel: function (_tick, scenes, health, idleMs) {
        const noUpdate = window.dash_clientside.no_update;
        const turn = wb.carousel.tick(scenes, health, idleMs);
        if (!turn.rotating) {
          return [noUpdate, true, noUpdate, true, ""];
        }
        if (turn.paused) {
          return [noUpdate, false, noUpdate, false, "\u23f8 " + turn.paused];
        }
        if (turn.pinned) { // held by the operators (33s_screen.js): the note, no progress
          return [noUpdate, true, noUpdate, false, "\ud83d\udccc " + turn.pinned];
        }
        if (turn.href) {
          return [turn.href, false, progressStyle(0), true, ""];
        }
        return [noUpdate, false, progressStyle(turn.progress), true, ""];
      },

      // Input wb-second.n_intervals. Output: wb-date.children, the wall's weekday and date in
      // its time zone (36_dates.js), so a screen left running turns the date at midnight.
      // Sent only when it changes: once a day, not once a second.
      date: function () {
        const text = wb.dates.headerDate();
        if (text === null || text === shownDate.text) {
          return window.dash_clientside.no_update;
        }
        shownDate.text = text;
        return text;
      },
    },
  });
})(window.wallboard);
