/* The offline watch: the server going away, and coming back.
 *
 * Every 3 s the page asks /healthz (4 s timeout). After two failures in a row it shows the
 * "Offline" banner (#wb-offline) and stops the carousel (state.offline), keeping the last
 * render on screen; at the first answer after that it reloads the same URL, so kiosk mode,
 * scene and query all carry on with no one at the screen.
 */
(function (wb) {
  "use strict";

  const state = wb.state;
  let failures = 0;

  function setOffline(offline) {
    const banner = document.getElementById("wb-offline");
    if (banner) { banner.hidden = !offline; }
    document.body.classList.toggle("wb-is-offline", offline);
  }

  function watchServer() {
    const controller = window.AbortController ? new AbortController() : null;
    const timer = setTimeout(function () { if (controller) { controller.abort(); } }, 4000);
    fetch("/healthz", { cache: "no-store", signal: controller ? controller.signal : undefined })
      .then(function (response) {
        clearTimeout(timer);
        if (!response.ok) { throw new Error("status " + response.status); }
        failures = 0;
        if (state.offline) {
          // Back: reload the same URL, so kiosk mode, scene and query all carry on.
          window.location.reload();
        }
      })
      .catch(function () {
        clearTimeout(timer);
        failures += 1;
        if (failures >= 2 && !state.offline) {
          state.offline = true;
          setOffline(true);
        }
      });
  }
  setInterval(watchServer, 3000);

  wb.offline = { watchServer: watchServer };
})(window.wallboard);
