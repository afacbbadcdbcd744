/* The offline watch: the server going away, and coming back.
 *
 * It asks nothing itself: the screen's beat (33s_screen.js, every screens.beat_ms, 4 s timeout)
 * is the probe, so a screen makes one request per beat, not two. The beat tells it each
 * outcome: `failed()` (no answer, a timeout, or a proxy's 502/503/504: its app is gone) and
 * `answered()` (any other HTTP answer: the server is up). After two failures in a row it shows
 * the "Offline" banner (#wb-offline) and stops the carousel (state.offline), keeping the last
 * render on screen; at the first answer after that it reloads the same URL, so kiosk mode,
 * scene and query all carry on with no one at the screen.
 *
 * The episodes are counted in sessionStorage: the recovery reloads the page, and a count that
 * started again at each load would always reach the server as 0. So it counts since the
 * browser tab opened.
 */
(function (wb) {
  "use strict";

  const EPISODES_KEY = "wallboard.offline";
  const state = wb.state;
  let failures = 0;

  function storedEpisodes() {
    try {
      const stored = parseInt(window.sessionStorage.getItem(EPISODES_KEY) || "0", 10);
      return stored >= 0 ? stored : 0;
    } catch {
      return 0; // no storage (a locked-down browser): counted from this load only
    }
  }

  let episodes = storedEpisodes();

  function setOffline(offline) {
    const banner = document.getElementById("wb-offline");
    if (banner) { banner.hidden = !offline; }
    document.body.classList.toggle("wb-is-offline", offline);
  }

  // The beat got no answer.
  function failed() {
    failures += 1;
    if (failures >= 2 && !state.offline) {
      state.offline = true;
      episodes += 1;
      try {
        window.sessionStorage.setItem(EPISODES_KEY, String(episodes));
      } catch {
        // kept in memory only
      }
      setOffline(true);
    }
  }

  // The beat got an answer.
  function answered() {
    failures = 0;
    if (state.offline) {
      // Back: reload the same URL, so kiosk mode, scene and query all carry on.
      window.location.reload();
    }
  }

  wb.offline = {
    failed: failed,
    answered: answered,
    episodes: function () { return episodes; },
  };
})(window.wallboard);
