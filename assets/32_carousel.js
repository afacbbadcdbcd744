/* The carousel: which scene comes next, and when the kiosk moves to it.
 *
 * Scenes the server reports as having no data are skipped, and so are scenes outside their
 * configured hours (scenes.<name>.hours: start and end "HH:MM" in a time zone; an end before
 * the start runs across midnight). Those choices are pure functions of the scene list, the
 * health map, the path and the time, so node loads this file as a module and tests them
 * (tests/assets/wallboard_carousel.test.cjs). In the browser, tick() runs once a second (the
 * wb-second interval, through the clientside callback in 39_clientside.js) and decides: not
 * rotating, paused, pinned, go to a scene, or carry on counting the dwell.
 *
 * The operators steer it through the screen's beat (33s_screen.js): once a beat has answered,
 * their rotation (state.rotation: dwell, order and skips as set in the console) replaces the
 * wb-scenes store's, and a pin (state.pin) holds a rotating screen on one scene until it runs
 * out. A person at the screen still comes first: while paused, a pin waits.
 */
(function (wb) {
  "use strict";

  // -- Scene hours -------------------------------------------------------------------------------
  // Minutes since midnight, on the wall clock of time zone `tz`, at the instant `now`.
  function minutesIn(tz, now) {
    const parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(now);
    let h = 0, m = 0;
    parts.forEach(function (p) {
      if (p.type === "hour") { h = parseInt(p.value, 10); }
      if (p.type === "minute") { m = parseInt(p.value, 10); }
    });
    return h * 60 + m;
  }

  // "HH:MM" as minutes since midnight.
  function hhmm(text) {
    const bits = text.split(":");
    return parseInt(bits[0], 10) * 60 + parseInt(bits[1], 10);
  }

  // Is the scene in its hours at `now`? The start is in, the end is out; no hours: always.
  function withinHours(scene, now) {
    if (!scene.hours) { return true; }
    const t = minutesIn(scene.hours.tz, now);
    const start = hhmm(scene.hours.start), end = hhmm(scene.hours.end);
    return start <= end ? (t >= start && t < end) : (t >= start || t < end);
  }

  // -- Next scene -----------------------------------------------------------------------------
  // May the scene be shown: it has data (health is false only for a scene without any) and it
  // is in its hours.
  function showable(scene, health, now) {
    return health[scene.name] !== false && withinHours(scene, now);
  }

  function indexOfPath(scenes, path) {
    for (let i = 0; i < scenes.length; i++) {
      if (scenes[i].path === path) { return i; }
    }
    return -1;
  }

  // The first showable scene `step` (1 or -1) at a time away from `path`, wrapping around; the
  // scene at `path` itself comes last, and null when none may be shown.
  function neighbour(scenes, health, path, step, now) {
    const n = scenes.length;
    const at = indexOfPath(scenes, path);
    for (let k = 1; k <= n; k++) {
      const candidate = scenes[(((at + step * k) % n) + n) % n];
      if (showable(candidate, health, now)) { return candidate; }
    }
    return null;
  }

  // -- Pin ------------------------------------------------------------------------------------
  // What an operators' pin asks of a rotating screen at `path` at `nowMs`: null (no pin, or it
  // ran out), {stay: true} (on the pinned scene), or {go: path} (move to it).
  function pinTurn(pin, path, nowMs) {
    if (!pin || nowMs >= pin.until) { return null; }
    return path === pin.path ? { stay: true } : { go: pin.path };
  }

  const pure = {
    minutesIn: minutesIn,
    hhmm: hhmm,
    withinHours: withinHours,
    showable: showable,
    indexOfPath: indexOfPath,
    neighbour: neighbour,
    pinTurn: pinTurn,
  };
  if (typeof module === "object" && module && module.exports) { module.exports = pure; }
  if (!wb) { return; } // under node: the pure choices only

  // -- In the browser -------------------------------------------------------------------------
  const state = wb.state;

  // The scene showing fades out as soon as the kiosk moves on (28_wall.css; a cut with reduced
  // motion), so it is not left up, unchanged, while the next one is fetched; Dash then
  // replaces it by the next, which fades in as it is drawn. Should the next never come (the
  // server gone), the old one shows again.
  const LEAVE_MS = 3000;
  function leave() {
    const scene = document.querySelector(".wb-scene");
    if (!scene || !scene.classList) { return; }
    scene.classList.add("wb-scene--leaving");
    window.setTimeout(function () { scene.classList.remove("wb-scene--leaving"); }, LEAVE_MS);
  }

  // Start counting the dwell of `scene`; its URL keeps the query string, and so the mode.
  function go(scene) {
    leave();
    state.path = scene.path;
    state.shownMs = 0;
    return scene.path + window.location.search;
  }

  // Step to the previous (-1) or next (1) scene now (the arrow keys, 34_kiosk_input.js).
  function navigate(step) {
    const next = neighbour(state.scenes, state.health, window.location.pathname, step, new Date());
    if (next && window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props("wb-nav", { href: go(next) });
    }
  }

  function paused(nowMs) {
    return state.held || nowMs < state.idleUntil;
  }

  const PINNED = "Pinned by the operator";

  // One tick: `scenes`, `health` and `idleMs` as the server gives them (the operators' rotation
  // replaces `scenes` once the beat has brought it). Returns what to show: {rotating: false};
  // {rotating: true, paused: note}; {rotating: true, pinned: note} held on a pinned scene;
  // {rotating: true, href} to move on; or {rotating: true, progress} with the share of the
  // dwell shown, in per cent.
  function tick(scenes, health, idleMs) {
    const now = new Date(), nowMs = now.getTime();
    state.scenes = state.rotation || scenes || [];
    state.health = health || {};
    state.idleMs = idleMs || state.idleMs;
    document.body.classList.toggle("wb-kiosk", wb.mode.kiosk());
    const elapsed = state.lastTick === null ? 0 : nowMs - state.lastTick;
    state.lastTick = nowMs;
    if (window.location.pathname !== state.path) {
      state.path = window.location.pathname;
      state.shownMs = 0;
    }
    if (!wb.mode.rotating() || state.offline || !state.scenes.length) {
      return { rotating: false };
    }
    const at = indexOfPath(state.scenes, window.location.pathname);
    const dwell = at >= 0 ? state.scenes[at].dwell_ms : 0;
    if (paused(nowMs)) {
      const note = state.held ? "Paused. Press space to resume."
        : "Paused. Rotation resumes " + Math.ceil((state.idleUntil - nowMs) / 1000)
          + " s after the last interaction.";
      return { rotating: true, paused: note };
    }
    const pinned = pinTurn(state.pin, window.location.pathname, nowMs);
    if (pinned) {
      // Held: the dwell starts when the pin runs out, so the scene then shows a full one.
      state.shownMs = 0;
      return pinned.go ? { rotating: true, href: go({ path: pinned.go }) }
        : { rotating: true, pinned: PINNED };
    }
    state.shownMs += elapsed;
    const current = at >= 0 ? state.scenes[at] : null;
    // The tick is about a second: move on at the tick nearest the dwell, not the one after it
    // (a 1 s dwell would otherwise show each scene for 2 s whenever a tick came early).
    if (current === null || state.shownMs + elapsed / 2 >= dwell
        || !showable(current, state.health, now)) {
      const next = neighbour(state.scenes, state.health, window.location.pathname, 1, now);
      if (next && (current === null || next.path !== current.path)) {
        return { rotating: true, href: go(next) };
      }
      state.shownMs = 0;
    }
    return { rotating: true, progress: dwell ? Math.min(100, (100 * state.shownMs) / dwell) : 0 };
  }

  wb.carousel = Object.assign({ navigate: navigate, tick: tick }, pure);
})(typeof window === "object" ? window.wallboard : null);
