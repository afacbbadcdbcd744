/* The screen's beat: what this screen tells the server about itself, and what the operators
 * tell it back (issue 19; the console at /admin, the API at /api/*).
 *
 * Every screens.beat_ms (1 s until the server says otherwise) the page POSTs
 * /api/screens/beat {"id", "seen", "report"?}: its id (random, kept in localStorage), the
 * control version it last applied, and its report (name from ?screen=, kiosk or not, scene,
 * release, load time, viewport, user agent, console errors, offline episodes) only when it is
 * due: on the first beat, when it changed, and at least every report_every_ms. A 204 means
 * nothing changed; a 200 carries the control for this screen, which the page applies:
 * broadcasts into the #wb-broadcast banner (as text only), the operators' rotation and pin for
 * the carousel (state.rotation, state.pin: 32_carousel.js), and a reload.
 *
 * The same request is the offline watch's probe (33_offline.js), so a screen makes one request
 * per beat. One beat at a time: the next is timed from the end of the last (4 s timeout).
 *
 * The choices (is a report due, the control turned into local deadlines, which broadcasts are
 * still up, is a reload asked for) are pure functions, loaded by node's tests
 * (tests/assets/wallboard_screen.test.cjs) as 32_carousel.js's are.
 */
(function (wb) {
  "use strict";

  const ID_KEY = "wallboard.screen";
  const SCREEN_ID = /^[A-Za-z0-9_-]{16,64}$/;
  const SCREEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
  const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const ID_LENGTH = 22; // 132 random bits
  const SEVERITIES = ["info", "warning", "critical"];
  // A scene's path: one segment on this server (never "//host", which would leave it).
  const SCENE_PATH = /^\/[A-Za-z0-9_-]{0,100}$/;
  const BEAT_MS = { first: 1000, min: 250, max: 10000 };
  const REPORT_EVERY_MS = 20000; // the server's default, until its first answer says
  const TIMEOUT_MS = 4000;
  const TEXT_MAX = 300;

  // -- Pure choices ------------------------------------------------------------------------------
  // A new screen id from random bytes: one character of [A-Za-z0-9_-] per byte (64 of them, so
  // every character is equally likely).
  function newScreenId(bytes) {
    let id = "";
    for (let i = 0; i < bytes.length; i++) { id += ID_ALPHABET[bytes[i] & 63]; }
    return id;
  }

  // The screen's name from the query string (?screen=lobby-1), or null when absent or invalid.
  function screenName(search) {
    const name = new URLSearchParams(search || "").get("screen");
    return name !== null && SCREEN_NAME.test(name) ? name : null;
  }

  // `text` cut to `max` characters, counted as the server counts them (code points, so a cut
  // never splits an emoji into half a surrogate pair).
  function clip(text, max) {
    const chars = Array.from(String(text));
    return chars.length > max ? chars.slice(0, max).join("") : String(text);
  }

  // Is the report due: never sent, changed since (`json` is its JSON now), or sent `everyMs` ago.
  function reportDue(last, json, nowMs, everyMs) {
    return last === null || last.json !== json || nowMs - last.at >= everyMs;
  }

  // The beat's interval as the server asks it, kept within what the config allows.
  function beatDelay(ms) {
    if (typeof ms !== "number" || !isFinite(ms)) { return BEAT_MS.first; }
    return Math.min(BEAT_MS.max, Math.max(BEAT_MS.min, Math.round(ms)));
  }

  // Is the server down, from a beat's HTTP status: only a gateway's 502, 503 or 504 (nginx with
  // no app behind it) says so. Any other answer came from the app, a 500 too: a failing beat
  // must not blank every screen under an "Offline" banner while the board is up.
  function serverDown(status) {
    return status === 502 || status === 503 || status === 504;
  }

  function positive(ms) {
    return typeof ms === "number" && isFinite(ms) && ms > 0;
  }

  // The answer's control with its remaining_ms turned into local deadlines (ms on this screen's
  // clock, from `receivedMs`, so the server's clock never matters) and anything malformed left
  // out: {broadcasts: [{id, text, severity, until}], pin: {scene, path, until} | null,
  // scenes: [...] | null (null: keep the wb-scenes store's), reload: id | null}.
  function localControl(control, receivedMs) {
    const given = control && typeof control === "object" ? control : {};
    const broadcasts = (Array.isArray(given.broadcasts) ? given.broadcasts : [])
      .filter(function (b) { return b && typeof b.text === "string" && positive(b.remaining_ms); })
      .map(function (b) {
        return {
          id: String(b.id),
          text: b.text,
          severity: SEVERITIES.indexOf(b.severity) >= 0 ? b.severity : "info",
          until: receivedMs + b.remaining_ms,
        };
      });
    const p = given.pin;
    const pin = p && SCENE_PATH.test(p.path) && positive(p.remaining_ms)
      ? { scene: String(p.scene), path: p.path, until: receivedMs + p.remaining_ms }
      : null;
    const scenes = Array.isArray(given.scenes)
      ? given.scenes.filter(function (s) {
        return s && typeof s.name === "string" && SCENE_PATH.test(s.path)
          && typeof s.dwell_ms === "number";
      })
      : null;
    const reload = typeof given.reload === "string" ? given.reload : null;
    return { broadcasts: broadcasts, pin: pin, scenes: scenes, reload: reload };
  }

  // The broadcasts still up at `nowMs`.
  function liveBroadcasts(broadcasts, nowMs) {
    return broadcasts.filter(function (b) { return b.until > nowMs; });
  }

  // Should the page reload: `first` is the reload id of the first answer (undefined before
  // one), `current` the latest answer's. A reload older than the page is not for it; a new one
  // is. A reload that expired (null) asks nothing.
  function reloadDue(first, current) {
    return first !== undefined && current !== null && current !== first;
  }

  const pure = {
    newScreenId: newScreenId,
    screenName: screenName,
    clip: clip,
    reportDue: reportDue,
    beatDelay: beatDelay,
    serverDown: serverDown,
    localControl: localControl,
    liveBroadcasts: liveBroadcasts,
    reloadDue: reloadDue,
  };
  if (typeof module === "object" && module && module.exports) { module.exports = pure; }
  if (!wb) { return; } // under node: the pure choices only

  // -- In the browser ----------------------------------------------------------------------------
  const state = wb.state;
  const loadedAt = new Date().toISOString();
  const loadedMs = Date.now();
  const errors = { count: 0, last: null };
  const beat = {
    id: null, //          this screen's id (from localStorage at the first beat)
    seen: "", //          the control version last applied
    delayMs: BEAT_MS.first,
    reportEveryMs: REPORT_EVERY_MS,
    lastReport: null, //  {json, at}: the report the server last received
    firstReload: undefined, // the reload id of the first answer
    broadcasts: [], //    as localControl gives them
    shown: null, //       what the banner shows (a key of its broadcasts)
    expiry: null, //      the timer taking the next broadcast down at its deadline
  };

  // -- Console errors since load -----------------------------------------------------------------
  function describe(value) {
    try {
      return value instanceof Error ? value.name + ": " + value.message : String(value);
    } catch {
      return "(unprintable)"; // e.g. an object without a prototype
    }
  }

  function noteError(message) {
    errors.count += 1;
    errors.last = clip(message, TEXT_MAX);
  }

  if (window.addEventListener) {
    window.addEventListener("error", function (event) {
      noteError(event.message || describe(event.error));
    });
    window.addEventListener("unhandledrejection", function (event) {
      noteError("Unhandled rejection: " + describe(event.reason));
    });
  }
  if (window.console && window.console.error) {
    const consoleError = window.console.error;
    window.console.error = function () {
      noteError(Array.prototype.map.call(arguments, describe).join(" "));
      return consoleError.apply(this, arguments);
    };
  }

  // -- What the screen reports -------------------------------------------------------------------
  function screenId() {
    let id = null;
    try {
      id = window.localStorage.getItem(ID_KEY);
    } catch {
      id = null; // no storage: a new id for each load, which is all such a browser allows
    }
    if (id && SCREEN_ID.test(id)) { return id; }
    id = newScreenId(window.crypto.getRandomValues(new Uint8Array(ID_LENGTH)));
    try {
      window.localStorage.setItem(ID_KEY, id);
    } catch {
      // kept for this load only
    }
    return id;
  }

  function banner() {
    return document.getElementById("wb-broadcast");
  }

  function report() {
    const shell = banner();
    return {
      name: screenName(window.location.search),
      kiosk: wb.mode.kiosk(),
      scene: clip(window.location.pathname, 200),
      release: clip((shell && shell.getAttribute("data-release")) || "", 64),
      loaded_at: loadedAt,
      viewport: Math.round(window.innerWidth) + "x" + Math.round(window.innerHeight),
      user_agent: clip((window.navigator && window.navigator.userAgent) || "", TEXT_MAX),
      errors: errors.count,
      last_error: errors.last,
      offline_episodes: wb.offline.episodes(),
    };
  }

  // -- The broadcast banner ----------------------------------------------------------------------
  const SEVERITY_SHOWN = {
    info: ["\u2139", "Info"],
    warning: ["\u26a0", "Warning"],
    critical: ["\u203c", "Critical"],
  };

  function span(className, text) {
    const node = document.createElement("span");
    node.className = className;
    node.textContent = text; // never markup: an operator's text shows as typed
    return node;
  }

  function broadcastItem(b) {
    const item = document.createElement("div");
    item.className = "wb-broadcast__item wb-broadcast__item--" + b.severity;
    item.setAttribute("data-broadcast", b.id);
    item.setAttribute("data-severity", b.severity);
    const icon = span("wb-broadcast__icon", SEVERITY_SHOWN[b.severity][0]);
    icon.setAttribute("aria-hidden", "true");
    item.appendChild(icon);
    item.appendChild(span("wb-broadcast__severity", SEVERITY_SHOWN[b.severity][1]));
    item.appendChild(span("wb-broadcast__text", b.text));
    return item;
  }

  // Show the broadcasts still up (the banner is rebuilt only when they change), and take the
  // next one down at its deadline even if no answer comes meanwhile.
  function showBroadcasts() {
    const nowMs = Date.now();
    beat.broadcasts = liveBroadcasts(beat.broadcasts, nowMs);
    const node = banner();
    const key = JSON.stringify(beat.broadcasts.map(function (b) {
      return [b.id, b.severity, b.text];
    }));
    if (node && key !== beat.shown) {
      while (node.firstChild) { node.removeChild(node.firstChild); }
      if (beat.broadcasts.length) {
        const list = document.createElement("div");
        list.className = "wb-broadcast__list";
        beat.broadcasts.forEach(function (b) { list.appendChild(broadcastItem(b)); });
        node.appendChild(list);
      }
      node.hidden = beat.broadcasts.length === 0;
      beat.shown = key;
    }
    clearTimeout(beat.expiry);
    beat.expiry = null;
    if (beat.broadcasts.length) {
      const next = Math.min.apply(null, beat.broadcasts.map(function (b) { return b.until; }));
      beat.expiry = setTimeout(showBroadcasts, Math.max(0, next - nowMs) + 20);
    }
  }

  // -- The control -------------------------------------------------------------------------------
  function apply(answer, receivedMs) {
    if (!answer || typeof answer !== "object") { return; }
    beat.delayMs = beatDelay(answer.beat_ms);
    if (positive(answer.report_every_ms)) { beat.reportEveryMs = answer.report_every_ms; }
    const control = localControl(answer.control, receivedMs);
    if (reloadDue(beat.firstReload, control.reload)) {
      window.location.reload(); // the same URL: kiosk mode, name and scene carry on
      return;
    }
    if (beat.firstReload === undefined) { beat.firstReload = control.reload; }
    beat.broadcasts = control.broadcasts;
    showBroadcasts();
    state.rotation = control.scenes;
    state.pin = control.pin;
    beat.seen = typeof answer.version === "string" ? answer.version : "";
  }

  // -- The beat ----------------------------------------------------------------------------------
  function send(body) {
    const controller = window.AbortController ? new AbortController() : null;
    const timer = setTimeout(function () { if (controller) { controller.abort(); } }, TIMEOUT_MS);
    return fetch("/api/screens/beat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
      signal: controller ? controller.signal : undefined,
    }).then(function (response) {
      clearTimeout(timer);
      return response;
    }, function (error) {
      clearTimeout(timer);
      throw error;
    });
  }

  // One beat; resolves once its answer is applied (the next is scheduled then).
  function beatOnce() {
    showBroadcasts(); // a banner drawn by Dash after the answer came gets it now
    if (!banner() && Date.now() - loadedMs < 3000) {
      // Dash has not drawn the shell yet (it carries the release): wait, rather than send a
      // report that changes a moment later.
      schedule();
      return Promise.resolve();
    }
    beat.id = beat.id || screenId();
    const nowMs = Date.now();
    const now = report();
    const json = JSON.stringify(now);
    const due = reportDue(beat.lastReport, json, nowMs, beat.reportEveryMs);
    const body = { id: beat.id, seen: beat.seen };
    if (due) { body.report = now; }
    return send(body)
      .then(function (response) {
        if (serverDown(response.status)) {
          wb.offline.failed();
          return null;
        }
        wb.offline.answered();
        if (due) { beat.lastReport = { json: json, at: nowMs }; }
        // A 200 that is not JSON (not our server) is no control: nothing to apply.
        return response.status === 200 ? response.json().catch(function () { return null; }) : null;
      }, function () {
        wb.offline.failed();
        return null;
      })
      .then(function (answer) {
        if (answer) { apply(answer, Date.now()); }
      })
      .catch(function (error) {
        window.console.error("wallboard: the beat's answer could not be applied:", error);
      })
      .then(schedule);
  }

  function schedule() {
    setTimeout(beatOnce, beat.delayMs);
  }

  schedule();

  wb.screen = {
    beat: beatOnce,
    report: report,
    errors: function () { return { count: errors.count, last: errors.last }; },
  };
})(typeof window === "object" ? window.wallboard : null);
