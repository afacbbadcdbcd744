/* Kiosk input: what people at the screen do to the rotation.
 *
 * A click, touch, key or real mouse move pauses the rotation until carousel.idle_resume_s
 * (state.idleMs) passes with no interaction, so someone reading a scene is not cut off; space
 * holds the rotation until space again; the arrow keys step to the previous or next scene.
 * Keys count only while rotating, and typing in a form field only pauses.
 */
(function (wb) {
  "use strict";

  const state = wb.state;

  function interacted() {
    state.idleUntil = Date.now() + state.idleMs;
  }

  ["click", "pointerdown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, interacted, { passive: true });
  });

  let lastMove = null;
  document.addEventListener("mousemove", function (event) {
    // Some kiosks report a synthetic move when the page changes; only a real move counts.
    const here = event.screenX + "," + event.screenY;
    if (lastMove !== null && here !== lastMove) { interacted(); }
    lastMove = here;
  }, { passive: true });

  document.addEventListener("keydown", function (event) {
    if (!wb.mode.rotating()) { return; }
    const tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { interacted(); return; }
    if (event.key === " " || event.code === "Space") {
      state.held = !state.held;
      state.idleUntil = 0;
      event.preventDefault();
    } else if (event.key === "ArrowRight") {
      interacted();
      wb.carousel.navigate(1);
    } else if (event.key === "ArrowLeft") {
      interacted();
      wb.carousel.navigate(-1);
    } else {
      interacted();
    }
  });

  wb.input = { interacted: interacted };
})(window.wallboard);
