/* Market Wallboard in the browser: the kiosk carousel, market clocks and the offline watch.
 *
 * Modes come from the URL and survive every rotation and reload, because the carousel keeps
 * the query string: ?kiosk=1 rotates with navigation and cursor hidden; ?rotate=1 rotates for
 * analysts; without either, people navigate themselves and nothing rotates.
 * A click, key or mouse move pauses rotation until `idle_resume_s` passes with no interaction;
 * space pauses or resumes; the arrow keys go to the previous or next scene.
 * Scenes the server reports as having no data are skipped, and so are scenes outside their
 * configured hours. Staleness is never decided here: badges come from server timestamps.
 */
(function () {
  "use strict";

  // -- Ages, as text ---------------------------------------------------------------------------
  // The one rule of components/format.py format_age, kept identical and tested against the
  // same table (tests/components/age_cases.json, by pytest and by node --test): whole units
  // elapsed, truncated, never rounded up; the unit changes exactly at 60 s, 60 min and 24 h;
  // data timed ahead of the clock (skew) reads "0 s".
  function formatAge(seconds) {
    if (seconds === null || seconds === undefined || isNaN(seconds)) { return "no data"; }
    var whole = Math.max(0, Math.floor(seconds));
    if (whole < 60) { return whole + " s"; }
    if (whole < 3600) { return Math.floor(whole / 60) + " min"; }
    if (whole < 86400) { return Math.floor(whole / 3600) + " h"; }
    return Math.floor(whole / 86400) + " d";
  }

  // Under node (the tests) this file is a module offering the pure helpers, and stops here:
  // everything below needs a browser.
  if (typeof module === "object" && module && module.exports) {
    module.exports = { formatAge: formatAge };
  }
  if (typeof window === "undefined" || typeof document === "undefined") { return; }

  var state = {
    path: null,          // the scene path the dwell is being counted for
    shownMs: 0,          // how long it has been shown while rotating and not paused
    lastTick: null,
    idleUntil: 0,        // interaction pause ends at this time (ms)
    held: false,         // paused with the space bar until space again
    offline: false,
    failures: 0,
    scenes: [],
    health: {},
  };

  function params() {
    return new URLSearchParams(window.location.search);
  }

  function kiosk() {
    return params().get("kiosk") === "1";
  }

  function rotating() {
    return kiosk() || params().get("rotate") === "1";
  }

  function minutesIn(tz, now) {
    var parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(now);
    var h = 0, m = 0;
    parts.forEach(function (p) {
      if (p.type === "hour") { h = parseInt(p.value, 10); }
      if (p.type === "minute") { m = parseInt(p.value, 10); }
    });
    return h * 60 + m;
  }

  function hhmm(text) {
    var bits = text.split(":");
    return parseInt(bits[0], 10) * 60 + parseInt(bits[1], 10);
  }

  function withinHours(scene, now) {
    if (!scene.hours) { return true; }
    var t = minutesIn(scene.hours.tz, now);
    var start = hhmm(scene.hours.start), end = hhmm(scene.hours.end);
    return start <= end ? (t >= start && t < end) : (t >= start || t < end);
  }

  function showable(scene, now) {
    return state.health[scene.name] !== false && withinHours(scene, now);
  }

  function indexOfPath(path) {
    for (var i = 0; i < state.scenes.length; i++) {
      if (state.scenes[i].path === path) { return i; }
    }
    return -1;
  }

  function neighbour(step, now) {
    var n = state.scenes.length;
    var at = indexOfPath(window.location.pathname);
    for (var k = 1; k <= n; k++) {
      var candidate = state.scenes[(((at + step * k) % n) + n) % n];
      if (showable(candidate, now)) { return candidate; }
    }
    return null;
  }

  function go(scene) {
    state.path = scene.path;
    state.shownMs = 0;
    return scene.path + window.location.search;
  }

  function navigate(step) {
    var next = neighbour(step, new Date());
    if (next && window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props("wb-nav", { href: go(next) });
    }
  }

  function paused(nowMs) {
    return state.held || nowMs < state.idleUntil;
  }

  // -- people -------------------------------------------------------------------------------
  var idleMs = 60000;

  function interacted() {
    state.idleUntil = Date.now() + idleMs;
  }

  ["click", "pointerdown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, interacted, { passive: true });
  });
  var lastMove = null;
  document.addEventListener("mousemove", function (event) {
    // Some kiosks report a synthetic move when the page changes; only a real move counts.
    var here = event.screenX + "," + event.screenY;
    if (lastMove !== null && here !== lastMove) { interacted(); }
    lastMove = here;
  }, { passive: true });
  document.addEventListener("keydown", function (event) {
    if (!rotating()) { return; }
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { interacted(); return; }
    if (event.key === " " || event.code === "Space") {
      state.held = !state.held;
      state.idleUntil = 0;
      event.preventDefault();
    } else if (event.key === "ArrowRight") {
      interacted();
      navigate(1);
    } else if (event.key === "ArrowLeft") {
      interacted();
      navigate(-1);
    } else {
      interacted();
    }
  });

  // -- the server going away ------------------------------------------------------------------
  function setOffline(offline) {
    var banner = document.getElementById("wb-offline");
    if (banner) { banner.hidden = !offline; }
    document.body.classList.toggle("wb-is-offline", offline);
  }

  function watchServer() {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) { controller.abort(); } }, 4000);
    fetch("/healthz", { cache: "no-store", signal: controller ? controller.signal : undefined })
      .then(function (response) {
        clearTimeout(timer);
        if (!response.ok) { throw new Error("status " + response.status); }
        state.failures = 0;
        if (state.offline) {
          // Back: reload the same URL, so kiosk mode, scene and query all carry on.
          window.location.reload();
        }
      })
      .catch(function () {
        clearTimeout(timer);
        state.failures += 1;
        if (state.failures >= 2 && !state.offline) {
          state.offline = true;
          setOffline(true);
        }
      });
  }
  setInterval(watchServer, 3000);

  // -- Ages ------------------------------------------------------------------------------------
  // Badges say how old their data is ("12 s"). The server renders the age; between refreshes
  // the browser counts it on, from the server's clock (data-server-now on the scene) rather than
  // the screen's own, so an idle screen needs nothing from the server. Status (stale or not) is
  // still decided by the server. The text follows formatAge, the rule format_age follows.
  var ages = { offsetMs: 0, serverNow: null };

  function countAges() {
    var scene = document.querySelector(".wb-scene[data-server-now]");
    var stamp = scene ? scene.getAttribute("data-server-now") : null;
    if (stamp && stamp !== ages.serverNow) {
      var server = Date.parse(stamp);
      if (!isNaN(server)) {
        ages.serverNow = stamp;
        ages.offsetMs = server - Date.now();
      }
    }
    var now = Date.now() + ages.offsetMs;
    var nodes = document.querySelectorAll("[data-age-of]");
    for (var i = 0; i < nodes.length; i++) {
      var of = Date.parse(nodes[i].getAttribute("data-age-of"));
      if (isNaN(of)) { continue; }
      var text = formatAge((now - of) / 1000)
        + (nodes[i].getAttribute("data-age-suffix") || "");
      if (nodes[i].textContent !== text) { nodes[i].textContent = text; }
    }
  }
  setInterval(countAges, 1000);

  // -- Dash's undo history ----------------------------------------------------------------------
  // Dash's renderer keeps every input change that no callback made (each interval tick, a few
  // a second on a wall screen) in its undo history and never drops any (plotly/dash#727): the
  // soak (bench/soak.py) measured it growing for as long as the kiosk runs. Without the undo
  // buttons only the last entry is ever used (a failed callback reverts to it): keep a few.
  var HISTORY_KEEP = 10;

  function trimHistory() {
    var store = window.store;
    var history = store && store.getState ? store.getState().history : null;
    if (history && history.past && history.past.length > HISTORY_KEEP) {
      history.past.splice(0, history.past.length - HISTORY_KEEP);
    }
  }
  setInterval(trimHistory, 10000);

  // -- Dash clientside callbacks --------------------------------------------------------------
  var clockFormats = {};

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    wallboard: {
      formatAge: formatAge,  // the age rule, for anyone checking it in the page

      carousel: function (_tick, scenes, health, idle) {
        var noUpdate = window.dash_clientside.no_update;
        var now = new Date(), nowMs = now.getTime();
        state.scenes = scenes || [];
        state.health = health || {};
        idleMs = idle || idleMs;
        document.body.classList.toggle("wb-kiosk", kiosk());
        var elapsed = state.lastTick === null ? 0 : nowMs - state.lastTick;
        state.lastTick = nowMs;
        if (window.location.pathname !== state.path) {
          state.path = window.location.pathname;
          state.shownMs = 0;
        }
        if (!rotating() || state.offline || !state.scenes.length) {
          return [noUpdate, true, noUpdate, true, ""];
        }
        var at = indexOfPath(window.location.pathname);
        var dwell = at >= 0 ? state.scenes[at].dwell_ms : 0;
        if (paused(nowMs)) {
          var note = state.held ? "Paused. Press space to resume."
            : "Paused. Rotation resumes " + Math.ceil((state.idleUntil - nowMs) / 1000)
              + " s after the last interaction.";
          return [noUpdate, false, noUpdate, false, "\u23f8 " + note];
        }
        state.shownMs += elapsed;
        var current = at >= 0 ? state.scenes[at] : null;
        // The tick is about a second: move on at the tick nearest the dwell, not the one after
        // it (a 1 s dwell would otherwise show each scene for 2 s whenever a tick came early).
        if (current === null || state.shownMs + elapsed / 2 >= dwell || !showable(current, now)) {
          var next = neighbour(1, now);
          if (next && (current === null || next.path !== current.path)) {
            return [go(next), false, { width: "0%" }, true, ""];
          }
          state.shownMs = 0;
        }
        var done = dwell ? Math.min(100, (100 * state.shownMs) / dwell) : 0;
        return [noUpdate, false, { width: done.toFixed(1) + "%" }, true, ""];
      },

      clocks: function () {
        var now = new Date();
        var nodes = document.querySelectorAll(".wb-clock");
        var out = [];
        for (var i = 0; i < nodes.length; i++) {
          var tz = nodes[i].getAttribute("data-tz");
          if (!clockFormats[tz]) {
            clockFormats[tz] = new Intl.DateTimeFormat("en-GB", {
              timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
            });
          }
          out.push(clockFormats[tz].format(now));
        }
        return out;
      },
    },
  });
})();
