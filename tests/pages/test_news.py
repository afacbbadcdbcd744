"""News scene: newest first, at most 15, source and age from view.now, times that carry their
date once a weekday would not do, a footer naming only the sources shown, empty and stale data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from dash import html

from components.scene import SceneView
from config.schema import Edition
from pages import news
from providers.base import Request
from providers.demo import DemoProvider
from providers.models import Headline, Snapshot, Status
from providers.rss import parse_feed
from tests.support import paths
from tests.support.pages import text_of, walk, with_class

WED = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
GUARDIAN = paths.FIXTURES / "rss" / "news"
GUARDIAN_FEED = GUARDIAN / "guardian_us_2018-01-31.rss"


def snapshot(records=(), status=Status.OK, error=None) -> Snapshot:
    newest = max((h.published for h in records), default=None)
    return Snapshot(
        dataset="news",
        records=tuple(records),
        as_of=newest,
        fetched_at=WED if records else None,
        source="rss" if records else None,
        status=status,
        error=error,
    )


def view(settings, snap: Snapshot, now=WED, query=None) -> SceneView:
    board = SimpleNamespace(settings=settings)
    return SceneView(
        board=board, scene="news", snapshots={"news": snap}, now=now, query=query or {}
    )


def headline(minutes_ago: float, title: str = "Title", source: str = "Federal Reserve"):
    when = WED - timedelta(minutes=minutes_ago)
    return Headline(title=title, source=source, published=when, link="https://example.org/a")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-120, "just now"),  # a feed clock ahead of ours
        (0, "just now"),
        (59, "just now"),
        (60, "1 min ago"),
        (12 * 60 + 30, "12 min ago"),
        (3599, "59 min ago"),
        (3600, "1 h ago"),
        (47 * 3600, "47 h ago"),
        (48 * 3600, "2 d ago"),
        (10 * 86400, "10 d ago"),
    ],
)
def test_age_text(seconds, text):
    assert news.age_text(WED - timedelta(seconds=seconds), WED) == text


def test_newest_first_at_most_fifteen_with_source_and_age(settings):
    items = [headline(m, title=f"Story {m}") for m in (30, 5, 200, *range(300, 1500, 60))]
    body = news.render(view(settings, snapshot(items)))
    titles = [p.children for p in with_class(body, "wb-headlines__title")]
    assert len(items) == 23 and len(titles) == news.MAX_HEADLINES == 15
    assert titles[:4] == ["Story 5", "Story 30", "Story 200", "Story 300"]
    metas = [text_of(p) for p in with_class(body, "wb-headlines__meta")]
    assert metas[0] == "Federal Reserve · 5 min ago · Wed 14:55 UTC"
    assert metas[2] == "Federal Reserve · 3 h ago · Wed 11:40 UTC"
    text = text_of(body)
    assert "15 newest of 23. Sources: Federal Reserve." in text
    assert "European Central Bank" not in text  # configured, but nothing shown came from it
    # a wall is read, not clicked: no links at all
    assert not [n for n in walk(body) if isinstance(n, html.A)]


def test_a_wall_is_sent_more_than_it_holds_and_the_count_is_its_browsers(settings):
    # A kiosk: up to WALL_HEADLINES, which the browser (assets/38w_wall.js) fits to the screen,
    # rewriting the count it is given in its own span, with the total beside it.
    items = [headline(m, title=f"Story {m}") for m in range(0, 50 * 7, 7)]
    body = news.render(view(settings, snapshot(items), query={"kiosk": "1"}))
    titles = [p.children for p in with_class(body, "wb-headlines__title")]
    assert len(items) == 50 and len(titles) == news.WALL_HEADLINES == 40
    assert titles[0] == "Story 0" and titles[-1] == "Story 273"  # the newest 40
    (count,) = with_class(body, "wb-headlines__count")
    assert (
        count.children == "40 newest of 50. "
        and count.to_plotly_json()["props"]["data-total"] == "50"
    )
    (footer,) = with_class(body, "wb-headlines__feeds")
    assert text_of(footer) == "40 newest of 50. Sources: Federal Reserve."
    # All of them fit the limit: the count is empty, the total still there for the browser.
    few = news.render(view(settings, snapshot(items[:3]), query={"kiosk": "1"}))
    (count,) = with_class(few, "wb-headlines__count")
    assert count.children == "" and count.to_plotly_json()["props"]["data-total"] == "3"


def test_titles_are_plain_text_children(settings):
    title = "<script>alert(1)</script> & <b>bold</b>"
    body = news.render(view(settings, snapshot([headline(1, title=title)])))
    assert with_class(body, "wb-headlines__title")[0].children == title  # React escapes it


def test_demo_headlines(settings):
    request = Request("news", settings.datasets["news"].kind, (), WED)
    records = DemoProvider(settings).load(request).records
    body = news.render(view(settings, snapshot(records)))
    titles = [p.children for p in with_class(body, "wb-headlines__title")]
    assert len(titles) == len(records) == 12
    assert all(t.startswith("DEMO: ") for t in titles)
    assert "Demo wire · " in text_of(body)
    # attributed to the demo wire only: not to the Fed and ECB feeds the config names
    (footer,) = with_class(body, "wb-headlines__feeds")
    assert text_of(footer) == "Sources: Demo wire."
    for feed in ("Federal Reserve", "European Central Bank"):
        assert feed not in text_of(body)


def test_the_footer_names_each_source_shown_once_newest_first(settings):
    items = [
        headline(5, source="European Central Bank"),
        headline(9, source="Federal Reserve"),
        headline(20, source="European Central Bank"),
    ]
    body = news.render(view(settings, snapshot(items)))
    (footer,) = with_class(body, "wb-headlines__feeds")
    assert text_of(footer) == "Sources: European Central Bank · Federal Reserve."
    assert news.sources(items) == ["European Central Bank", "Federal Reserve"]


def test_an_empty_demo_board_names_no_feed(settings):
    demo = settings.model_copy(update={"edition": Edition.DEMO})
    body = news.render(view(demo, snapshot()))
    assert "News: no headlines" in text_of(body)
    assert not with_class(body, "wb-headlines__feeds")


@pytest.mark.parametrize(
    ("published", "text"),
    [
        (WED - timedelta(minutes=5), "Wed 14:55 UTC"),
        (datetime(2025, 2, 27, 0, 1, tzinfo=UTC), "Thu 00:01 UTC"),  # six days before
        (datetime(2025, 2, 26, 23, 59, tzinfo=UTC), "26 Feb 2025 23:59 UTC"),  # last Wednesday
        (datetime(2018, 1, 31, 14, 55, tzinfo=UTC), "31 Jan 2018 14:55 UTC"),
        (WED + timedelta(days=1), "06 Mar 2025 15:00 UTC"),  # a feed dated tomorrow
    ],
)
def test_times_carry_the_date_when_a_weekday_would_mislead(published, text):
    assert news.time_text(published, WED, ZoneInfo("UTC")) == text


def test_times_are_on_the_walls_clock(settings):
    tokyo = settings.model_copy(update={"wall_tz": "Asia/Tokyo"})
    body = news.render(view(tokyo, snapshot([headline(5)])))
    # 14:55 UTC is 23:55 in Tokyo, still Wednesday there
    assert text_of(with_class(body, "wb-headlines__meta")[0]).endswith("· Wed 23:55 JST")


def test_years_old_headlines_say_their_date_and_age(settings):
    old = Headline(
        title="Old story", source="The Guardian", published=datetime(2022, 6, 6, 9, tzinfo=UTC)
    )
    body = news.render(view(settings, snapshot([old])))
    meta = text_of(with_class(body, "wb-headlines__meta")[0])
    assert meta == "The Guardian · 1,003 d ago · 06 Jun 2022 09:00 UTC"


def test_recorded_feed(settings):
    now = datetime(2018, 2, 1, tzinfo=UTC)
    records = parse_feed(GUARDIAN_FEED.read_bytes(), source="The Guardian", now=now)
    body = news.render(view(settings, snapshot(records), now=now))
    items = with_class(body, "wb-headlines__item")
    assert 0 < len(items) <= 15
    published = sorted((h.published for h in records), reverse=True)[: len(items)]
    ages = [p.children for p in with_class(body, "wb-headlines__age")]
    assert ages == [news.age_text(t, now) for t in published]


def test_error_without_records_says_no_data_and_why(settings):
    snap = snapshot(status=Status.ERROR, error="fed: HTTP 503; ecb: timed out")
    body = news.render(view(settings, snap))
    text = text_of(body)
    assert "News: no data" in text and "fed: HTTP 503; ecb: timed out" in text
    # nothing shown: the footer names the feeds followed, so the reason can be read against it
    assert "Feeds: Federal Reserve · European Central Bank." in text
    assert not with_class(body, "wb-headlines")


def test_stale_and_partial_keep_the_headlines_and_show_the_reason(settings):
    snap = snapshot([headline(90, source="Federal Reserve")], Status.STALE, "ecb: HTTP 500")
    body = news.render(view(settings, snap, now=WED + timedelta(hours=2)))
    text = text_of(body)
    assert "ecb: HTTP 500" in text and "Federal Reserve · 3 h ago" in text
    scene = with_class(body, "wb-headlines__scene")[0]
    assert scene.to_plotly_json()["props"]["data-status"] == "stale"
