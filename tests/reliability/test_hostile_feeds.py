"""Hostile feeds (issue 9): nothing a feed carries runs in the browser, entity bombs and 50 MB
feeds are refused with a clear error while memory stays bounded, broken encodings become text
or a clear refusal, and the other feeds are still merged.

Every planted payload, if it ran, would add its case to `window.__pwned` and request
/canary/<case> from the fake upstream (tests/support/hostile_feeds.py). The browser test
first plants the same payloads as live HTML, to show both signals fire when markup does run.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cachelib import SimpleCache

from app import create_app
from config.schema import Instrument, RecordKind, Settings
from engine.refresher import Refresher
from engine.store import SnapshotStore
from pages import news
from providers.base import Request
from providers.errors import BadPayload
from providers.models import Status
from providers.rss import RssProvider
from tests.support import hostile_feeds as hf
from tests.support.services import wait_until

NOW = datetime(2018, 2, 1, tzinfo=UTC)  # the hostile items are dated 31 January 2018
ENTITIES_REFUSED = "feed declares XML entities; refused"
MB = 1024 * 1024
# Payloads that fire in Chromium as soon as they are parsed as HTML (the rest need a click, a
# submit, or a browser old enough to run CSS expression() / url(javascript:)).
FIRE_WHEN_RENDERED = (
    "script",
    "img-onerror",
    "svg-onload",
    "svg-script",
    "style-expression",
    "css-url",
    "iframe",
    "object",
    "mxss",
)
# Markup no headline may bring into the page, and attributes that would run or load something.
DOM_AUDIT = """
const found = [];
const tags = 'iframe,object,embed,svg,math,form,base,frame,frameset,noscript';
for (const el of document.querySelectorAll(tags + ',meta[http-equiv=refresh i]')) {
  found.push(el.tagName.toLowerCase());
}
const scene = document.querySelector('[data-scene="news"]');
for (const el of scene.querySelectorAll('script,img,style,link,button,input,textarea')) {
  found.push('scene ' + el.tagName.toLowerCase());
}
for (const el of scene.querySelectorAll('a[href],area[href]')) {  // links: http(s) only
  if (!/^https?:$/.test(el.protocol)) found.push('scene link ' + el.protocol);
}
for (const el of document.querySelectorAll('*')) {
  for (const attr of el.attributes) {
    const value = attr.value.replace(/[\\s\\x00-\\x1f]/g, '').toLowerCase();
    if (attr.name.startsWith('on')) found.push(el.tagName + ' ' + attr.name);
    if (/^(javascript|vbscript|data):/.test(value)) found.push(el.tagName + ' ' + attr.name);
    if (attr.name === 'style' && /expression|url\\(/.test(value)) found.push(el.tagName + ' style');
  }
}
return found;
"""


def with_feeds(settings: Settings, urls: dict[str, str]) -> Settings:
    """The settings with the news dataset reading exactly these feeds (instrument id -> URL)."""
    news_set = settings.datasets["news"]
    feeds = [Instrument(id=key, name=key, symbols={"rss": url}) for key, url in urls.items()]
    news_set = news_set.model_copy(update={"instruments": feeds})
    return settings.model_copy(update={"datasets": {**settings.datasets, "news": news_set}})


def open_settings(make_settings, deadline_s: float = 5) -> Settings:
    """The open edition, one attempt per refresh, the RSS provider unthrottled on loopback."""
    return make_settings(
        "open",
        refresh={"attempts": 1, "backoff_s": 0, "deadline_s": deadline_s},
        providers={"rss": {"requests_per_second": 50}},
    )


def canary_hits(upstream, prefix: str = "/canary/") -> dict[str, int]:
    """Requests the fake upstream saw for canary URLs, by path."""
    return {path: n for path, n in dict(upstream.hits).items() if path.startswith(prefix)}


def vm_kib(field: str) -> int:
    """A VmRSS / VmHWM line of /proc/self/status, in KiB."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.M).group(1))


def peak_growth_mb(action: Callable[[], object]) -> tuple[object, float]:
    """Run `action`; its result and how far this process's peak resident memory rose, in MB."""
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) restarts from now (Linux)
    before = vm_kib("VmRSS")
    result = action()
    return result, (vm_kib("VmHWM") - before) / 1024


def is_plain_text(title: str) -> bool:
    """No tag-like text, no control, format or surrogate characters, and valid as UTF-8."""
    if re.search(r"<[a-z!/?]", title, re.I):
        return False
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in title):
        return False
    title.encode("utf-8")  # raises on a lone surrogate
    return True


def load(provider: RssProvider, urls: dict[str, str]):
    """One RssProvider.load of the given feeds (instrument id -> URL)."""
    insts = tuple(Instrument(id=key, name=key, symbols={"rss": url}) for key, url in urls.items())
    return provider.load(
        Request(dataset="news", kind=RecordKind.HEADLINE, instruments=insts, now=NOW)
    )


# --- in the browser ---------------------------------------------------------------------------

# The news scene shows the 15 newest headlines: the feeds come in rounds that each fit. The
# first feed of a round carries good items beside its hostile ones.
ROUNDS: dict[str, Callable[[str], list[bytes]]] = {
    "markup-and-bombs": lambda canary: [
        hf.hostile_rss(canary),  # 13 payloads + the 2 good items
        hf.billion_laughs(),
        hf.quadratic_blowup(),
        hf.external_entity(),
        hf.parameter_entity(canary),
    ],
    "escaped-cdata-atom": lambda canary: [hf.escaped_rss(canary), hf.hostile_atom(canary)],
    "encodings": lambda canary: list(hf.bad_encodings().values()),
}
SLOTS = max(len(make("x")) for make in ROUNDS.values())
READABLE = [f"Still readable ({case})" for case in hf.bad_encodings() if case != "utf16-odd"]
ROUND_TITLES = {
    "markup-and-bombs": [*hf.GOOD_TITLES, *(f"Hostile {case}" for case in hf.markup_payloads("x"))],
    "escaped-cdata-atom": [
        *hf.GOOD_TITLES,
        "Hostile entity-escaped",
        "Hostile cdata",
        "Hostile xhtml atom",
        *(f"Hostile {case} atom" for case in hf.ATOM_CASES),
    ],
    "encodings": [*READABLE, "Half \ufffd past \ufffd end", "Hostile", "Nul in title", "Rates"],
}
ROUND_PROBLEMS = {
    "markup-and-bombs": [f"feed{i}: {ENTITIES_REFUSED}" for i in (1, 2, 3, 4)],
    "escaped-cdata-atom": [],
    "encodings": [
        f"feed{SLOTS - 1}: not an RSS or Atom feed",  # the odd-length UTF-16 one
        *(hf.malformed_note(f"feed{list(hf.bad_encodings()).index(c)}", c) for c in hf.MALFORMED),
    ],
}


@pytest.mark.browser
def test_no_planted_payload_runs_in_the_browser_and_the_good_headlines_show(
    dash_duo, upstream, make_settings
):
    urls = {f"feed{i}": f"{upstream.url}/feeds/{i}.xml" for i in range(SLOTS)}
    app = create_app(with_feeds(open_settings(make_settings), urls), start_refresher=False)
    board = app.server.extensions["wallboard"]
    dash_duo.start_server(app)
    scene = '[data-scene="news"]'

    # Positive control: a bare page (no sanitiser, no CSP) serving the same payloads as HTML.
    # They fire in this browser, and both signals see it.
    control = hf.markup_payloads(f"{upstream.url}/control")
    page = "<!DOCTYPE html><title>control</title><body>" + "".join(control.values())
    upstream.route("/control.html", body=page.encode(), headers={"Content-Type": "text/html"})
    dash_duo.driver.get(f"{upstream.url}/control.html")

    def fired() -> set[str]:
        pwned = set(dash_duo.driver.execute_script("return window.__pwned || []"))
        hit = {c for c in control for p in canary_hits(upstream, "/control/canary/") if c in p}
        return pwned | hit

    assert wait_until(lambda: fired() >= set(FIRE_WHEN_RENDERED), 10), sorted(
        set(FIRE_WHEN_RENDERED) - fired()
    )
    dash_duo.reset_log_timestamp()  # the control's 404s are not the board's errors

    for name, make in ROUNDS.items():
        bodies = make(upstream.url)
        for i in range(SLOTS):  # slots a round leaves free repeat its first feed (deduplicated)
            upstream.route(f"/feeds/{i}.xml", body=bodies[i] if i < len(bodies) else bodies[0])
        snapshot = board.refresher.refresh("news")
        assert snapshot.status is Status.OK, (name, snapshot.error)
        assert snapshot.error == ("; ".join(ROUND_PROBLEMS[name]) or None), name
        expected = [h.title for h in news.latest(snapshot)]
        assert set(ROUND_TITLES[name]) <= set(expected), (name, expected)
        assert all(map(is_plain_text, expected)), (name, expected)

        dash_duo.driver.get(f"{dash_duo.server_url}/news")
        dash_duo.wait_for_contains_text(scene, expected[0], timeout=10)
        time.sleep(1)  # time for anything planted to load or fire (the control took well under)
        shown = [el.text for el in dash_duo.find_elements(f"{scene} .wb-headlines__title")]
        assert shown == expected, name  # every headline, hostile ones included, shown as text
        for problem in ROUND_PROBLEMS[name]:
            assert problem in dash_duo.find_element(f"{scene} .wb-section__reason").text
        assert dash_duo.driver.execute_script("return window.__pwned") is None, name
        assert canary_hits(upstream) == {}, name
        assert dash_duo.driver.execute_script(DOM_AUDIT) == [], name
        page = dash_duo.driver.execute_script("return document.documentElement.outerHTML")
        assert "__pwned" not in page and "/canary/" not in page, name
    assert dash_duo.get_logs() == []


# --- bounds -----------------------------------------------------------------------------------


@pytest.mark.parametrize("length", ["unknown", "declared"])
def test_a_50_mb_feed_is_refused_by_size_in_bounded_memory_and_the_last_good_headlines_stay(
    upstream, make_settings, length
):
    good = hf.rss(hf.good_items())
    streamed = hf.StreamedFeed(first=good).start()  # no Content-Length: counted as it comes
    upstream.route("/feed.xml", body=good)
    url = streamed.url if length == "unknown" else f"{upstream.url}/feed.xml"
    settings = with_feeds(open_settings(make_settings, deadline_s=10), {"huge": url})
    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=None)
    refresher = Refresher(settings, {"rss": RssProvider(settings)}, store)
    try:
        before = refresher.refresh("news")
        assert before.status is Status.OK, before.error
        assert sorted(h.title for h in before.records) == sorted(hf.GOOD_TITLES)
        huge = b'<?xml version="1.0"?><rss version="2.0"><channel>' + b" " * 50_000_000
        upstream.route("/feed.xml", body=huge)  # with its length: refused before reading
        started = time.monotonic()
        after, growth = peak_growth_mb(lambda: refresher.refresh("news"))
        elapsed = time.monotonic() - started
    finally:
        streamed.stop()
    assert after.status is Status.STALE and after.records == before.records
    assert after.fetched_at == before.fetched_at
    why = "answer is over 8192 KiB" if length == "unknown" else "answer is 48828 KiB, over"
    assert after.error.startswith("rss: huge: 127.0.0.1:") and why in after.error, after.error
    # Read whole, 50 MB would cost at least 50 MB of memory (100 with the join).
    assert growth < 30, f"peak memory rose {growth:.0f} MB"
    assert streamed.sent < 30 * MB, f"{streamed.sent / MB:.0f} MB sent before the hang-up"
    assert elapsed < 5


BOMBS = {
    "billion-laughs": lambda canary: hf.billion_laughs(),
    "quadratic-blowup": lambda canary: hf.quadratic_blowup(),
    "external-entity": lambda canary: hf.external_entity(),
    "remote-dtd": hf.parameter_entity,
    "billion-laughs-utf16": lambda canary: (
        hf.billion_laughs()
        .decode()
        .replace('encoding="utf-8"', 'encoding="utf-16"')
        .encode("utf-16")
    ),
    "billion-laughs-utf7": lambda canary: (
        hf.billion_laughs().decode().replace('encoding="utf-8"', 'encoding="utf-7"').encode("utf-7")
    ),
}


@pytest.mark.parametrize("case", sorted(BOMBS))
def test_entity_bombs_are_refused_fast_with_a_clear_error_in_bounded_memory(
    upstream, make_settings, case
):
    upstream.route("/good.xml", body=hf.rss(hf.good_items()))
    upstream.route("/bomb.xml", body=BOMBS[case](upstream.url))
    provider = RssProvider(open_settings(make_settings))
    urls = {"good": f"{upstream.url}/good.xml", "bomb": f"{upstream.url}/bomb.xml"}
    started = time.monotonic()
    batch, growth = peak_growth_mb(lambda: load(provider, urls))
    assert time.monotonic() - started < 2
    assert batch.problems == [f"bomb: {ENTITIES_REFUSED}"]
    assert [h.title for h in batch.records] == list(reversed(hf.GOOD_TITLES))
    assert growth < 30, f"peak memory rose {growth:.0f} MB"
    assert canary_hits(upstream) == {}  # the remote DTD was never fetched


def test_invalid_encodings_become_plain_text_or_a_clear_refusal_and_the_rest_merges(
    upstream, make_settings
):
    upstream.route("/good.xml", body=hf.rss(hf.good_items()))
    urls = {"good": f"{upstream.url}/good.xml"}
    for case, body in hf.bad_encodings().items():
        upstream.route(f"/{case}.xml", body=body)
        urls[case] = f"{upstream.url}/{case}.xml"
    batch = load(RssProvider(open_settings(make_settings)), urls)

    assert batch.problems == [
        "utf16-odd: not an RSS or Atom feed",  # not a parser crash
        *(hf.malformed_note(case, case) for case in hf.MALFORMED),  # shown, and said so
    ]
    titles = {h.source: [] for h in batch.records}
    for h in batch.records:
        titles[h.source].append(h.title)
    assert all(is_plain_text(t) for ts in titles.values() for t in ts), titles
    assert sorted(titles["good"]) == sorted(hf.GOOD_TITLES)
    for case in set(hf.bad_encodings()) - {"utf16-odd"}:  # the feed's plain item survives
        assert f"Still readable ({case})" in titles[case], case
    assert titles["bad-charrefs"][0] == "Half \ufffd past \ufffd end"  # one bad ref lost all
    cafe = titles["invalid-utf8"][0]  # read as Windows-1252, feedparser's fallback: mojibake
    assert cafe.startswith("Caf") and cafe.endswith(" rates")
    assert "<" not in titles["overlong-utf8"][0]  # C0 BC is not "<"
    assert titles["utf7-markup"][0] == "Hostile"  # the decoded <script> went, content and all
    assert titles["nul-bytes"][0] == "Nul in title"
    assert titles["unknown-encoding"][0] == "Rates"
    with pytest.raises(BadPayload, match="not an RSS or Atom feed"):
        load(RssProvider(open_settings(make_settings)), {"utf16-odd": urls["utf16-odd"]})
