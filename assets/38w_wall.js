/* The wall (kiosk mode): what CSS alone cannot do to fill a screen without hiding anything.
 *
 * - The kiosk's class (body.wb-kiosk, which 28_wall.css sizes everything by) is set as soon as
 *   the page is parsed, not at the carousel's first tick a second later, so the first scene is
 *   laid out once, for the wall.
 * - News: the server sends more headlines than any screen holds (pages/news.py); here the
 *   list keeps, newest first, those that fit whole in its box and hides the rest, and the
 *   footer says how many show ("9 newest of 23").
 * - Status: its sections (a table or list longer than a screen between its rows) are cut
 *   into pages that each fit the screen, and the pages turn on the scene's dwell (each shows
 *   dwell / pages), counted by the carousel, so a paused wall holds its page.
 * - Alerts: their band is one line over the scene's title (28_wall.css), so when several are
 *   up they take turns in it, each for ALERT_TURN_MS, marked "1/3"; every screen of a wall
 *   shows the same one at the same moment (the turn is the clock's, not the screen's).
 *
 * Both run again whenever Dash changes the scene (a MutationObserver: a part drawn anew, or a
 * text or attribute set in place on a changed tick) or the window changes size. Which items
 * fit and how the sections are paged are pure functions of the boxes' sizes, so node loads
 * this file as a module and tests them (tests/assets/wallboard_wall.test.cjs).
 * Nothing runs before the page is parsed (DOMContentLoaded), and nothing at all off a kiosk.
 */
(function (wb) {
  "use strict";

  const SLACK = 1; // px of rounding a box may exceed its room by

  // -- Pure ---------------------------------------------------------------------------------
  // How many of `rects` (in order, newest first) lie whole inside `box`: the count of the
  // leading ones that do (an item past one that does not is not shown either, so the list
  // never skips a headline).
  function fitCount(rects, box) {
    let n = 0;
    for (; n < rects.length; n++) {
      const r = rects[n];
      if (r.top < box.top - SLACK || r.left < box.left - SLACK
          || r.bottom > box.bottom + SLACK || r.right > box.right + SLACK) {
        break;
      }
    }
    return n;
  }

  // Sections of `heights` (each with the gap after it included) cut into pages of at most
  // `room`, in order: a list of pages, each a list of section indexes. A section taller than
  // the room has a page of its own. `heads` (optional): what a section adds when it opens a
  // page (a table's caption and head, repeated over the rest of its rows).
  function paginate(heights, room, heads) {
    const pages = [];
    let page = [], used = 0;
    heights.forEach(function (h, i) {
      if (page.length && used + h > room + SLACK) {
        pages.push(page);
        page = [];
        used = (heads && heads[i]) || 0;
      }
      page.push(i);
      used += h;
    });
    if (page.length) { pages.push(page); }
    return pages;
  }

  // Which of `count` pages shows once `shownMs` of a `dwellMs` dwell have passed: each page an
  // equal share of the dwell, the last one held past it.
  function pageAt(shownMs, dwellMs, count) {
    if (count <= 1 || !(dwellMs > 0)) { return 0; }
    return Math.min(count - 1, Math.max(0, Math.floor((shownMs * count) / dwellMs)));
  }

  // The footer's count: "9 newest of 23. " when some are left out, else nothing.
  function countText(shown, total) {
    return shown < total ? shown + " newest of " + total + ". " : "";
  }

  // Which of `count` alerts has the band at `nowMs` (epoch ms) when each has it for `turnMs`.
  function alertTurn(nowMs, turnMs, count) {
    if (count <= 1 || !(turnMs > 0)) { return 0; }
    return Math.floor(nowMs / turnMs) % count;
  }

  const pure = {
    fitCount: fitCount, paginate: paginate, pageAt: pageAt, countText: countText,
    alertTurn: alertTurn,
  };
  if (typeof module === "object" && module && module.exports) { module.exports = pure; }
  if (!wb) { return; } // under node: the pure parts only

  // -- In the browser -------------------------------------------------------------------------
  const PAGE_MS = 250; // how often the status pager looks at the dwell
  const ALERT_TURN_MS = 6000; // how long each of several alerts has the band
  const ALERT_LOOK_MS = 500; // how often the band looks whose turn it is
  let queued = false;
  let paging = false;

  function rect(el) {
    const r = el.getBoundingClientRect();
    return { top: r.top, left: r.left, bottom: r.bottom, right: r.right };
  }

  // News: show the headlines that fit whole in the list's box, hide the others.
  function fitHeadlines() {
    const list = document.querySelector(".wb-headlines");
    if (!list) { return; }
    const items = Array.prototype.slice.call(list.querySelectorAll(".wb-headlines__item"));
    items.forEach(function (item) { item.hidden = false; });
    const shown = fitCount(items.map(rect), rect(list));
    items.forEach(function (item, i) { item.hidden = i >= shown; });
    const count = document.querySelector(".wb-headlines__count");
    if (count) {
      const total = parseInt(count.getAttribute("data-total"), 10) || items.length;
      const text = countText(shown, total);
      if (count.textContent !== text) { count.textContent = text; }
    }
  }

  // Status: the body's sections as pages that fit, the one due shown; how many pages.
  function statusSections() {
    const body = document.querySelector('.wb-scene[data-scene="status"] .wb-scene__body');
    return body ? { body: body, parts: Array.prototype.slice.call(body.children) } : null;
  }

  // The rows a part may be cut between: a table's, or a list's (the dark screens, the failures).
  const ROWS = ":scope > tbody > tr, :scope > ul > li";

  function rowsOf(part) {
    return Array.prototype.slice.call(part.querySelectorAll(ROWS));
  }

  // What the pager cuts: each part of the body, except that a part with rows is cut between
  // them (a board's every dataset may not fit one screen), the rest of the part (a caption, a
  // table's head, a title) counted with its first row and again on each page it continues on.
  function units(parts, gap) {
    const out = [];
    parts.forEach(function (part) {
      const style = window.getComputedStyle(part);
      const outer = part.getBoundingClientRect().height + gap
        + parseFloat(style.marginTop || 0) + parseFloat(style.marginBottom || 0);
      const rows = rowsOf(part);
      if (!rows.length) {
        out.push({ part: part, row: null, h: outer, head: 0 });
        return;
      }
      const heights = rows.map(function (row) { return row.getBoundingClientRect().height; });
      const head = outer - heights.reduce(function (a, b) { return a + b; }, 0);
      rows.forEach(function (row, i) {
        out.push({ part: part, row: row, h: heights[i] + (i ? 0 : head), head: head });
      });
    });
    return out;
  }

  // The status body as last measured (its parts cut into pages), kept until Dash changes the
  // scene or the window its size: turning a page then only hides and shows, without laying the
  // whole scene out again four times a second.
  let measured = null;

  function measureStatus() {
    const found = statusSections();
    if (!found) { measured = null; return null; }
    const parts = found.parts;
    // Measured as they are: all shown, none stretched to the page's end (data-last).
    parts.forEach(function (part) {
      part.hidden = false;
      part.removeAttribute("data-last");
      rowsOf(part).forEach(function (row) { row.hidden = false; });
    });
    const gap = parseFloat(window.getComputedStyle(found.body).rowGap) || 0;
    const cut = units(parts, gap);
    // The room has one more gap than the parts; a little kept spare for rounding.
    const pages = paginate(
      cut.map(function (u) { return u.h; }),
      found.body.clientHeight + gap - 2 * SLACK,
      cut.map(function (u) { return u.head; })
    );
    measured = { body: found.body, parts: parts, cut: cut, pages: pages, shown: -1 };
    return measured;
  }

  // The page due on the dwell shown (nothing written while it is the one showing); how many.
  function showStatusPage(m) {
    const at = wb.carousel.indexOfPath(wb.state.scenes, window.location.pathname);
    const dwell = at >= 0 ? wb.state.scenes[at].dwell_ms : 0;
    const due = pageAt(wb.state.shownMs, dwell, m.pages.length);
    if (due === m.shown) { return m.pages.length; }
    const shown = (m.pages[due] || []).map(function (i) { return m.cut[i]; });
    m.cut.forEach(function (u) {
      if (u.row) { u.row.hidden = shown.indexOf(u) < 0; }
    });
    const last = shown.length ? shown[shown.length - 1].part : null;
    m.parts.forEach(function (part) {
      part.hidden = !shown.some(function (u) { return u.part === part; });
      part.toggleAttribute("data-last", part === last);
    });
    m.body.setAttribute("data-page", (due + 1) + " of " + m.pages.length);
    m.shown = due;
    return m.pages.length;
  }

  function pageStatus() {
    const m = measureStatus();
    return m ? showStatusPage(m) : 0;
  }

  // While the status scene has pages, look at the dwell a few times a second to turn them.
  function turnPages() {
    if (paging) { return; }
    paging = true;
    window.setTimeout(function turn() {
      const m = measured && measured.body.isConnected ? measured : measureStatus();
      if (!m || showStatusPage(m) < 2) { paging = false; return; }
      window.setTimeout(turn, PAGE_MS);
    }, PAGE_MS);
  }

  // Alerts: the one whose turn it is shown, the others hidden, each marked "2/3" (CSS shows
  // the mark); nothing written while the shown one stays.
  function turnAlerts() {
    const band = document.getElementById("wb-alerts");
    if (!band) { return; }
    const alerts = Array.prototype.slice.call(band.querySelectorAll(":scope > .wb-alert"));
    const due = alertTurn(Date.now(), ALERT_TURN_MS, alerts.length);
    alerts.forEach(function (alert, i) {
      if (alert.hidden !== (i !== due)) { alert.hidden = i !== due; }
      const mark = alerts.length > 1 ? (i + 1) + "/" + alerts.length : null;
      if (alert.getAttribute("data-turn") !== mark) {
        if (mark === null) { alert.removeAttribute("data-turn"); }
        else { alert.setAttribute("data-turn", mark); }
      }
    });
  }

  // Before the next paint after Dash draws (or the window changes size): a redrawn status
  // part is put on its page before it can show on another, and a new alert waits its turn.
  function fit() {
    queued = false;
    fitHeadlines();
    turnAlerts();
    if (pageStatus() > 1) { turnPages(); }
  }

  // Once per frame at most, after Dash has drawn.
  function schedule() {
    if (queued) { return; }
    queued = true;
    window.requestAnimationFrame(fit);
  }

  // Attributes this file and the price flash set: a change of theirs is not Dash's.
  const OWN_ATTRIBUTES = ["hidden", "data-last", "data-page", "data-flash", "data-turn"];

  // Whether a mutation is Dash's: a part drawn anywhere (a new scene too), or a text or
  // attribute set in place in the scene's body; not our own hiding, paging and counting, nor
  // an age counting on.
  function dashChanged(record) {
    if (record.type === "attributes" && OWN_ATTRIBUTES.indexOf(record.attributeName) >= 0) {
      return false;
    }
    const node = record.target.nodeType === 1 ? record.target : record.target.parentElement;
    if (!node || node.closest(".wb-headlines__count, .wb-age")) { return false; }
    return record.type === "childList" || !!node.closest(".wb-scene__body");
  }

  function start() {
    if (!wb.mode.kiosk()) { return; }
    document.body.classList.toggle("wb-kiosk", true);
    new MutationObserver(function (records) {
      if (records.some(dashChanged)) { schedule(); }
    }).observe(document.body, {
      childList: true, subtree: true, characterData: true, attributes: true,
    });
    window.addEventListener("resize", schedule);
    window.setInterval(turnAlerts, ALERT_LOOK_MS);
    schedule();
  }

  document.addEventListener("DOMContentLoaded", start);
  wb.wall = Object.assign({ fit: fit }, pure);
})(typeof window === "object" ? window.wallboard : null);
