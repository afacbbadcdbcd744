"""Measuring a scene on a wall in the browser: the viewport set to a screen's size, how much of
it the scene's content covers, what is cut off or scrolls, and how large every character a
viewer reads is against the viewport's height (tests/e2e/test_wall_fit.py, the README's
numbers).

The page is measured by one script (MEASURE_JS) that returns plain numbers, so the test's
assertions and a report read the same values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# name -> (width, height) in CSS px: the two landscape walls, a portrait lobby screen and a
# cheap 1366x768 television.
VIEWPORTS = {
    "1920x1080": (1920, 1080),
    "3840x2160": (3840, 2160),
    "1080x1920": (1080, 1920),
    "1366x768": (1366, 768),
}
LANDSCAPE = ("1920x1080", "3840x2160")
TYPE_VIEWPORTS = LANDSCAPE  # where the type rule is asserted

READ_VH = 0.025  # what a viewer reads: at least 2.5 % of the viewport's height
FOOTNOTE_VH = 0.018  # footnotes and captions: at least 1.8 %

# Footnotes and captions, by the classes their markup already has (the markup of tiles, the
# shell and the chart scenes belongs to other pages and components): where a value comes from
# and how old it is, next to the value; the demo label's second line; the chart scenes' keys
# and their "as of" lines; the news scene's list of sources. Everything else is read.
FOOTNOTES = (
    ".wb-tile__source",  # "yahoo · 3 min": the value's provenance, under the value
    ".wb-demo__note",  # "synthetic prices — not market data": under DEMO DATA, which is read
    ".wb-fx__caption",
    ".rates-caption",
    ".vol-caption",
    ".sectors-caption",
    ".wb-technicals__caption",
    ".wb-cal__legend",
    ".wb-cal__tracked",
    ".wb-headlines__feeds",
    ".rates-path__note",
    ".rates-path__split",
    ".wb-footnote",
)

# Text the type rule cannot hold to, counted apart (the JSON report gives how much): Plotly
# shrinks a treemap box's label until it fits the box, so the smallest sectors' labels come out
# below 2.5 % of the height whatever the zoom (the size on screen is the box's, not the font's).
# The ranking beside the treemap gives every sector at full size. Only the sectors page
# (pages/sectors.py, its figure) can change this, e.g. with shorter labels in small boxes.
EXEMPT = (".sectors-treemap__graph .slicetext",)

# One script for the whole measure. Visible: laid out, not hidden, not transparent, and (for
# text) inside the viewport. A text's size on screen: for HTML, its computed font size times
# the zoom in force (currentCSSZoom); for SVG text (Plotly's labels), its font size times how
# much its user space is scaled on screen (its screen box against its getBBox, which also
# counts the CSS zoom of the chart and any SVG transform).
MEASURE_JS = r"""
const footnotes = arguments[0], exempt = arguments[3];
const W = window.innerWidth, H = window.innerHeight;
const tape = document.querySelector('.wb-ticker');
const tapeTop = tape && tape.getBoundingClientRect().height > 0
  ? tape.getBoundingClientRect().top : H;
function shown(el) {
  for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
    if (e.hidden) { return false; }
    const s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden' || parseFloat(s.opacity) === 0) {
      return false;
    }
  }
  return true;
}
function paints(el) {
  if (/^(CANVAS|IMG|svg)$/.test(el.tagName) && el.closest('.wb-scene')) { return true; }
  const s = getComputedStyle(el);
  if (s.backgroundColor !== 'rgba(0, 0, 0, 0)' && s.backgroundColor !== 'transparent') {
    return true;
  }
  if (parseFloat(s.borderTopWidth) > 0 || parseFloat(s.borderBottomWidth) > 0) { return true; }
  for (const n of el.childNodes) {
    if (n.nodeType === 3 && n.textContent.trim()) { return true; }
  }
  return false;
}
// The nearest box around `el` that paints a panel (a background or a border).
function panelOf(el) {
  for (let e = el; e && !e.classList.contains('wb-scene'); e = e.parentElement) {
    if (e.closest('svg')) { continue; }
    const s = getComputedStyle(e);
    if (s.display === 'contents') { continue; }
    if ((s.backgroundColor !== 'rgba(0, 0, 0, 0)' && s.backgroundColor !== 'transparent')
        || (parseFloat(s.borderTopWidth) > 0 && parseFloat(s.borderLeftWidth) > 0)) {
      return e;
    }
  }
  return null;
}
const scene = document.querySelector('.wb-scene');
const cut = [];
// The header: every part of it on screen.
for (const el of document.querySelectorAll('.wb-nav *')) {
  const r = el.getBoundingClientRect();
  if (r.width < 1 || !shown(el)) { continue; }
  if (r.right > W + 1 || r.left < -1 || r.bottom > (document.querySelector('.wb-nav')
      .getBoundingClientRect().bottom + 1)) {
    cut.push('header cut: ' + el.className + ' ' + (el.textContent || '').trim().slice(0, 30)
      + ' at ' + Math.round(r.left) + '-' + Math.round(r.right) + ' x ' + Math.round(r.top)
      + '-' + Math.round(r.bottom));
  }
}
const box = {top: H, left: W, bottom: 0, right: 0};
if (scene) {
  const all = [scene, ...scene.querySelectorAll('*')];
  for (const el of all) {
    if (el.closest('svg') && el.tagName !== 'svg') { continue; }
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2 || !paints(el) || !shown(el)) { continue; }
    if (el.closest('.visually-hidden')) { continue; }
    box.top = Math.min(box.top, r.top); box.left = Math.min(box.left, r.left);
    box.bottom = Math.max(box.bottom, r.bottom); box.right = Math.max(box.right, r.right);
    const what = (el.className && el.className.baseVal === undefined ? el.className : el.tagName)
      + ' ' + (el.textContent || '').trim().slice(0, 40);
    if (r.right > W + 1 || r.left < -1) { cut.push('outside sideways: ' + what); }
    else if (r.bottom > tapeTop + 1) { cut.push('under the tape or below: ' + what); }
    const panel = el.parentElement && el.parentElement.closest('.wb-scene *')
      ? panelOf(el.parentElement) : null;
    if (panel) {
      const p = panel.getBoundingClientRect();
      if (r.right > p.right + 2 || r.bottom > p.bottom + 2 || r.left < p.left - 2) {
        cut.push('outside its panel (' + panel.className + '): ' + what);
      }
    }
    const s = getComputedStyle(el);
    const clips = /(hidden|clip)/.test(s.overflowX + s.overflowY);
    if (clips && !el.closest('.js-plotly-plot')
        && (el.scrollHeight > el.clientHeight + 2 || el.scrollWidth > el.clientWidth + 2)) {
      cut.push('clipped inside: ' + what);
    }
  }
}
// Text over text: two boxes of text in the scene (outside charts) that overlap, neither inside
// the other.
if (scene) {
  const boxes = [];
  for (const el of scene.querySelectorAll('*')) {
    if (el.closest('svg') || el.closest('.visually-hidden') || !shown(el)) { continue; }
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) { continue; }
    const range = document.createRange();
    range.selectNodeContents(el);
    for (const r of range.getClientRects()) {
      if (r.width >= 2 && r.height >= 2) { boxes.push([el, r]); }
    }
  }
  for (let i = 0; i < boxes.length && cut.length < 40; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i], [b, rb] = boxes[j];
      if (a === b || a.contains(b) || b.contains(a)) { continue; }
      const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      // A line's box is its font's ascent and descent, taller than a tight line height: a
      // big value's box may graze the line above without its glyphs touching.
      if (x > 2 && y > Math.max(3, 0.2 * Math.min(ra.height, rb.height))) {
        cut.push('text over text: ' + (a.textContent || '').trim().slice(0, 30) + ' / '
          + (b.textContent || '').trim().slice(0, 30));
      }
    }
  }
}
const texts = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const small = [];
let chars = 0, below = 0, belowFoot = 0, excused = 0;
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const text = n.textContent.replace(/\s+/g, '');
  if (!text) { continue; }
  const el = n.parentElement;
  if (!el || el.closest('script,style,noscript,title,.visually-hidden,[aria-hidden="true"] svg')) {
    continue;
  }
  const range = document.createRange();
  range.selectNodeContents(n);
  const r = range.getBoundingClientRect();
  if (r.width < 1 || r.height < 1) { continue; }
  if (r.right <= 0 || r.left >= W || r.bottom <= 0 || r.top >= H) { continue; }
  if (!shown(el)) { continue; }
  let px;
  const s = getComputedStyle(el);
  if (el.closest('svg')) {
    const t = el.closest('text') || el;
    let bb;
    try { bb = t.getBBox(); } catch (e) { continue; }
    const tr = t.getBoundingClientRect();
    if (!bb || bb.width * bb.height === 0) { continue; }
    const scale = Math.sqrt((tr.width * tr.height) / (bb.width * bb.height));
    px = parseFloat(s.fontSize) * scale;
  } else {
    px = parseFloat(s.fontSize) * (el.currentCSSZoom || 1);
  }
  const foot = footnotes.some(function (sel) { return el.closest(sel); });
  const need = (foot ? arguments[2] : arguments[1]) * H;
  chars += text.length;
  if (px < arguments[1] * H - 0.01) { below += text.length; }
  if (px < need - 0.01 && exempt.some(function (sel) { return el.closest(sel); })) {
    excused += text.length;
  } else if (px < need - 0.01) {
    belowFoot += text.length;
    if (small.length < 40) {
      small.push([Math.round(px * 10) / 10, (el.className && el.className.baseVal === undefined
        ? el.className : el.tagName) + '', text.slice(0, 30)]);
    }
  }
}
const doc = document.documentElement;
return {
  width: W, height: H, dpr: window.devicePixelRatio,
  scene: scene ? scene.getAttribute('data-scene') : null,
  box: box, tapeTop: tapeTop,
  scrollWidth: Math.max(doc.scrollWidth, document.body.scrollWidth),
  scrollHeight: Math.max(doc.scrollHeight, document.body.scrollHeight),
  cut: cut.slice(0, 20),
  chars: chars, below: below, failing: belowFoot, exempt: excused, small: small,
};
"""


@dataclass
class Measure:
    """One scene at one viewport, as MEASURE_JS saw it."""

    viewport: str
    scene: str
    raw: dict = field(repr=False)

    @property
    def height_share(self) -> float:
        """How far down the viewport the scene's content reaches (its lowest painted box)."""
        return self.raw["box"]["bottom"] / self.raw["height"]

    @property
    def width_share(self) -> float:
        """How much of the viewport's width the scene's content spans."""
        box = self.raw["box"]
        return max(0.0, box["right"] - box["left"]) / self.raw["width"]

    @property
    def scrolls(self) -> bool:
        """Whether the page is larger than the viewport either way."""
        raw = self.raw
        return raw["scrollWidth"] > raw["width"] or raw["scrollHeight"] > raw["height"]

    @property
    def overflows_sideways(self) -> bool:
        """Whether the page is wider than the viewport."""
        return self.raw["scrollWidth"] > self.raw["width"]

    @property
    def small_share(self) -> float:
        """The share of the characters shown that are smaller than READ_VH of the height."""
        return self.raw["below"] / self.raw["chars"] if self.raw["chars"] else 0.0


def set_viewport(driver, width: int, height: int) -> tuple[int, int]:
    """Make the page's viewport `width` x `height` CSS px (device scale 1): the window size
    first, then, when the window's chrome leaves the viewport another size, CDP's device
    metrics override. Returns the viewport the page then reports."""
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.set_window_size(width, height)
    inner = tuple(driver.execute_script("return [window.innerWidth, window.innerHeight]"))
    if inner != (width, height):
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        inner = tuple(driver.execute_script("return [window.innerWidth, window.innerHeight]"))
    return inner


def measure(driver, viewport: str, scene: str) -> Measure:
    """The scene showing now, measured."""
    raw = driver.execute_script(MEASURE_JS, list(FOOTNOTES), READ_VH, FOOTNOTE_VH, list(EXEMPT))
    return Measure(viewport, scene, raw)
