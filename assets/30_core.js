/* The wallboard's one browser namespace, window.wallboard: the mode the URL asks for and the
 * state the other files share. Nothing else of ours is global (ESLint's no-implicit-globals
 * checks it), apart from the clientside callbacks Dash looks up in window.dash_clientside.
 *
 * Load order. Dash links every .js file in assets/ in name order (Dash._walk_assets_directory
 * sorts them), all before its renderer, so the numeric prefix is the order: this file (30)
 * first, as every other file adds its part to window.wallboard; then the concerns, 31 ages,
 * 32 carousel, 33 offline watch and the screen's beat (33s, after the watch it reports to),
 * 34 kiosk input, 35 undo history, 36 the header's date, 37 price flash, the board's React
 * components for the market clocks (37c), shown-only parts (37h), links (37l), the scenes'
 * links (37n), the quote tile (37q), the tiles' sparklines (37s) and the ticker tape (37t), 38
 * search keys, the Data view's grid functions (38d) and technicals (38t); and 39 last, which
 * hands the clientside callbacks to Dash. The pure parts (ages, carousel, screen, dates,
 * sparkline points, the clocks and the drawing of shown-only parts, scene links, tiles and the
 * tape) also load under node alone.
 *
 * Modes come from the URL and survive every rotation and reload, because the carousel keeps
 * the query string: ?kiosk=1 rotates with navigation and cursor hidden; ?rotate=1 rotates for
 * analysts; without either, people navigate themselves and nothing rotates.
 */
(function () {
  "use strict";

  function params() {
    return new URLSearchParams(window.location.search);
  }

  function kiosk() {
    return params().get("kiosk") === "1";
  }

  function rotating() {
    return kiosk() || params().get("rotate") === "1";
  }

  window.wallboard = {
    mode: { kiosk: kiosk, rotating: rotating },
    // Shared between the files; each field is written by the file named beside it.
    state: {
      path: null, //      carousel: the scene path the dwell is being counted for
      shownMs: 0, //      carousel: how long it has been shown while rotating and not paused
      lastTick: null, //  carousel: time of the last tick (ms)
      scenes: [], //      carousel: the rotation, from the server (wb-scenes)
      health: {}, //      carousel: scene name -> false when it has no data (wb-health)
      idleMs: 60000, //   carousel, from the server's carousel.idle_resume_s
      idleUntil: 0, //    kiosk input: the interaction pause ends at this time (ms)
      held: false, //     kiosk input: paused with the space bar until space again
      offline: false, //  offline watch: the server stopped answering
      rotation: null, //  screen beat: the operators' rotation (replaces wb-scenes once answered)
      pin: null, //       screen beat: {path, until (ms)}, the scene the operators pinned
    },
  };
})();
