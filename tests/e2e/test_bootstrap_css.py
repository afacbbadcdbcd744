"""The board's trimmed Bootstrap (assets/00_bootstrap.min.css, built by deploy/bootstrap/purge.js)
styles every page as all of Bootstrap would: on each scene (normal and kiosk), a Data view, an
instrument's page and the operators' console, no rule of Bootstrap's own bootstrap.min.css (npm)
that applies to an element of the page is missing from the trimmed one.

"Applies" is taken widely: a rule counts when its selector matches an element of the page with
its state pseudo-classes (:hover, :focus, :checked, :disabled...) and pseudo-elements left out,
so a rule for a button's hover or an input's placeholder counts as soon as the button or input
is on the page. Each selector of a list counts on its own (purgecss drops them one by one).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app import create_app
from tests.support.browser import sign_in_to_console, wait_scene_shown
from tests.support.paths import NODE_MODULES, ROOT
from tests.test_app import SCENES

pytestmark = pytest.mark.browser
FULL = Path(os.environ.get("BOOTSTRAP_CSS", NODE_MODULES / "bootstrap/dist/css/bootstrap.min.css"))
TRIMMED = ROOT / "assets" / "00_bootstrap.min.css"

# Both sheets parsed by the page's own CSS engine (so selectors compare as it writes them), and
# each of Bootstrap's selectors that the trimmed sheet lacks tried on the page, states left out.
MISSING_RULES_JS = r"""
const [fullText, trimmedText] = arguments;
function parse(text) {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(text.replace(/^@charset[^;]*;/, ""));
  return sheet;
}
// A selector list split at its own commas (not those inside :not(...), :is(...)).
function split(list) {
  const out = [];
  let depth = 0, start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === "(" || c === "[") { depth++; }
    else if (c === ")" || c === "]") { depth--; }
    else if (c === "," && depth === 0) { out.push(list.slice(start, i).trim()); start = i + 1; }
  }
  out.push(list.slice(start).trim());
  return out;
}
function selectors(sheet) {
  const out = [];
  (function walk(rules) {
    for (const rule of rules) {
      if (rule.selectorText !== undefined) { out.push(...split(rule.selectorText)); }
      if (rule.cssRules) { walk(rule.cssRules); }
    }
  })(sheet.cssRules);
  return out;
}
const STATES = new RegExp(
  ":(?:hover|focus-visible|focus-within|focus|active|visited|link|checked|disabled|enabled"
  + "|indeterminate|valid|invalid|placeholder-shown|autofill|read-only|read-write|empty"
  + "|-webkit-[\\w-]+|-moz-[\\w-]+)(?![\\w-])", "g");
function stateless(selector) {
  return selector
    .replace(/::[\w-]+(\([^()]*\))?/g, "")
    .replace(STATES, "")
    .replace(/:not\(\s*\)/g, "")
    .trim();
}
const kept = new Set(selectors(parse(trimmedText)));
const all = selectors(parse(fullText));
const missing = [];
for (const selector of all) {
  if (kept.has(selector)) { continue; }
  const bare = stateless(selector);
  if (!bare || /[>+~]$/.test(bare)) { continue; }
  try {
    if (document.querySelector(bare)) { missing.push(selector); }
  } catch (e) { /* a selector this engine cannot query (a vendor's) */ }
}
const loaded = [...document.styleSheets].some(s => (s.href || "").includes("00_bootstrap"));
return {missing: missing, checked: all.length, kept: kept.size, loaded: loaded};
"""


@pytest.fixture(scope="module")
def sheets() -> tuple[str, str]:
    if not FULL.exists():
        pytest.fail(f"{FULL} is missing: the README's test command installs bootstrap from npm")
    return FULL.read_text(encoding="utf-8"), TRIMMED.read_text(encoding="utf-8")


def missing_rules(driver, sheets: tuple[str, str]) -> list[str]:
    """Bootstrap's selectors that apply to the page shown and that the trimmed sheet lacks."""
    found = driver.execute_script(MISSING_RULES_JS, *sheets)
    # The check itself: all of Bootstrap parsed, the trimmed sheet a part of it, on the page.
    assert found["checked"] > 2500 and 0 < found["kept"] < found["checked"] / 3, found
    assert found["loaded"], "the page does not load assets/00_bootstrap.min.css"
    return found["missing"]


def test_every_page_keeps_every_bootstrap_rule_it_uses(dash_duo, board_app, sheets):
    dash_duo.start_server(board_app)
    driver = dash_duo.driver
    found = {}
    for scene in SCENES:
        for mode in ("", "?kiosk=1"):
            driver.get(f"{dash_duo.server_url}/{scene}{mode}")
            dash_duo.wait_for_element(f'[data-scene="{scene}"]', timeout=15)
            wait_scene_shown(driver)
            found[scene + mode] = missing_rules(driver, sheets)
    driver.get(f"{dash_duo.server_url}/commodities?view=data")
    dash_duo.wait_for_element('[data-view="data"] .ag-row', timeout=15)
    found["data view"] = missing_rules(driver, sheets)
    driver.get(f"{dash_duo.server_url}/instrument/spx?overlays=sma50,rsi,macd")
    dash_duo.wait_for_element("#instrument-chart .js-plotly-plot", timeout=15)
    found["instrument"] = missing_rules(driver, sheets)
    assert {page: rules for page, rules in found.items() if rules} == {}
    assert dash_duo.get_logs() == []


def test_the_operators_console_keeps_every_bootstrap_rule_it_uses(
    dash_duo, make_settings, sheets, monkeypatch
):
    monkeypatch.setenv("WALLBOARD_ADMIN_TOKEN", "console-css-admin-token-01")
    monkeypatch.setenv("WALLBOARD_SECRET_KEY", "console-css-secret-key-01")
    dash_duo.start_server(create_app(make_settings("demo"), start_refresher=False))
    driver = dash_duo.driver
    driver.get(f"{dash_duo.server_url}/admin")
    assert missing_rules(driver, sheets) == [], "sign-in page"
    sign_in_to_console(dash_duo, "console-css-admin-token-01")
    assert missing_rules(driver, sheets) == [], "signed in"
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
