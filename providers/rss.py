"""News headlines from RSS and Atom feeds; every feed is treated as hostile.

`feed_request` checks a feed URL (pure); `RssProvider._fetch` is the only I/O (the HttpClient:
timeout, size cap); `read_feed` turns the bytes into Headlines and says what was wrong with a
malformed feed that still gave some (pure). Feed URLs are absolute, so
`providers.rss.base_url` has no effect (max_bytes and requests_per_second do apply).
"""

from __future__ import annotations

import calendar
import contextlib
import html
import io
import re
import time
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from threading import Lock, Thread
from typing import NamedTuple
from urllib.parse import urlsplit

import defusedxml.ElementTree as DefusedET
import feedparser
import nh3
from defusedxml import DefusedXmlException
from feedparser.encodings import convert_to_utf8
from pydantic import HttpUrl, TypeAdapter

from config.schema import Instrument, RecordKind, Settings
from providers.base import Batch, HttpProvider, Request, most_telling
from providers.errors import (
    BadPayload,
    DeadlineExceeded,
    EmptyResult,
    NotConfigured,
    ProviderError,
    Unavailable,
)
from providers.models import Headline

NAME = "rss"
DEFAULT_BASE_URL = "https://example.invalid"  # never used: every feed URL is absolute
TITLE_LIMIT = 200
PARSE_ERROR_LIMIT = 120  # the parser's complaint about a malformed feed, in a problem line
PER_FEED = 30
OVERALL = 50
MAX_FUTURE = timedelta(minutes=5)
# Feeds load side by side until this share of the deadline: a hung one costs only itself.
FEED_BUDGET_SHARE = 0.8
_MAX_ROUNDS = 6  # clean/unescape rounds: enough for triple-escaped markup
_MAX_RAW_TITLE = 64 * 1024  # bounds nh3's work on a hostile multi-megabyte "title"
# Block tags nh3 keeps (bare, no attributes) so they can become spaces: "a</p><p>b" is "a b".
_BLOCK_TAGS = {"br", "p", "div", "li", "dd", "dt", "tr", "td", "th", "h1", "h2", "h3", "h4", "hr"}
_TAG_IN_CLEAN = re.compile(r"<[^>]*>")  # after nh3, a literal "<" only starts a kept tag
_DECLARATION = re.compile(rb"<!\s*(ENTITY|DOCTYPE[^>\[]*\[)", re.IGNORECASE)  # or a DTD subset
_CHARREF = re.compile(rb"&#(x[0-9a-f]+|[0-9]+);", re.IGNORECASE)
_HTTP_URL = TypeAdapter(HttpUrl)


def feed_request(url: str) -> tuple[str, dict[str, str]]:
    """The URL and (no) query parameters of one feed; only absolute http(s) URLs are fetched."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotConfigured("rss: feed URL must be an absolute http(s) URL")
    return url, {}


def _drop_controls(text: str) -> str:
    """Whitespace becomes a space; controls, format marks (bidi, zero-width), surrogates go."""
    return "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if (space := cut.rfind(" ")) > limit // 2:  # a word boundary near the end, else a hard cut
        cut = cut[:space]
    return cut.rstrip(" ,;:-\u2013\u2014") + "…"


def clean_text(raw: str, limit: int) -> str:
    """Plain text from feed markup: no tags, controls or runs of spaces, at most `limit` chars.

    Markup is stripped and entities decoded until the text is stable, so `&lt;script&gt;` cannot
    come back as a tag; text still changing after several rounds is dropped (returns "").
    """
    text = _drop_controls(raw[:_MAX_RAW_TITLE])
    for _ in range(_MAX_ROUNDS):
        kept = nh3.clean(text, tags=_BLOCK_TAGS, attributes={})  # bare block tags at most
        if (plain := html.unescape(_TAG_IN_CLEAN.sub(" ", kept))) == text:
            break
        text = plain
    else:
        return ""
    return _shorten(" ".join(_drop_controls(text).split()), limit)


def safe_link(raw: object) -> str | None:
    """The link if it is an absolute http(s) URL with a host and no credentials, else None."""
    link = raw.strip() if isinstance(raw, str) else ""
    if not 0 < len(link) <= 2000 or any(unicodedata.category(ch)[0] in "CZ" for ch in link):
        return None  # empty, huge, or holding spaces or control characters
    try:
        parts = urlsplit(link)
        _HTTP_URL.validate_python(link)  # pydantic's ValidationError is a ValueError
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return None
    # user:pass@ hides the real host from a reader ("https://bank.com@evil.example/").
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    return link


def refuse_entities(data: bytes) -> bytes:
    """The feed as UTF-8 bytes, or BadPayload when it declares entities or a DTD subset.

    Scanned as received, without NULs (UTF-16/32) and as feedparser decodes it (any declared
    encoding), then by defusedxml, which sees what expat sees. Ill-formed feeds pass on.
    """
    utf8 = convert_to_utf8({}, data, {})
    for text in (data, data.replace(b"\0", b""), utf8):
        if _DECLARATION.search(text):
            raise BadPayload("feed declares XML entities; refused")
    try:
        DefusedET.fromstring(utf8, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise BadPayload("feed declares XML entities; refused") from None
    except DefusedET.ParseError:
        pass  # not well-formed: feedparser's loose parser decides what is usable
    return utf8


def _valid_charref(match: re.Match[bytes]) -> bytes:
    ref = match.group(1).lower()
    digits = ref.removeprefix(b"x").lstrip(b"0") or b"0"
    if len(digits) <= 7:  # U+10FFFF is 7 digits either way; more are past it
        code = int(digits, 16 if ref.startswith(b"x") else 10)
        if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return b"&#%d;" % code  # without leading zeros: int() refuses 4,300+ digits
    return b"&#xFFFD;"


def defuse_charrefs(data: bytes) -> bytes:
    """Character references to no character (surrogates, past U+10FFFF) become U+FFFD.

    feedparser's loose parser turns each into a character with int(), chr() and encode(),
    which raise on these: one bad reference would lose every item of the feed.
    """
    return _CHARREF.sub(_valid_charref, data)


def _date(item: dict) -> datetime | None:
    """An entry's or a feed's published (else updated) time; feedparser parsed it to UTC."""
    for key in ("published_parsed", "updated_parsed"):
        with contextlib.suppress(TypeError, ValueError, OverflowError, OSError):  # None, nonsense
            return datetime.fromtimestamp(calendar.timegm(item.get(key)), UTC)  # type: ignore[arg-type]
    return None


def newest_unique(headlines: Iterable[Headline], limit: int) -> list[Headline]:
    """Newest first, without repeats of a title (case and spacing aside) or of a link."""
    seen: set[str] = set()
    kept: list[Headline] = []
    for item in sorted(headlines, key=lambda h: h.published, reverse=True):
        keys = {"t:" + " ".join(item.title.casefold().split()), f"l:{item.link or ''}"} - {"l:"}
        if len(kept) < limit and not keys & seen:
            kept.append(item)
            seen |= keys
    return kept


class Feed(NamedTuple):
    """What a feed gave: its headlines, and the parse error of a malformed one (else None)."""

    headlines: list[Headline]
    malformed: str | None = None


def parse_error(exc: object) -> str:
    """feedparser's `bozo_exception` as one short line: what is wrong, and where."""
    if callable(getmessage := getattr(exc, "getMessage", None)):  # SAX: the message alone
        text, line = str(getmessage()), getattr(exc, "getLineNumber", lambda: None)()
        text += f" at line {line}" if isinstance(line, int) and line > 0 else ""
    else:
        text = str(exc) or type(exc).__name__
    return clean_text(text, PARSE_ERROR_LIMIT) or type(exc).__name__


def parse_feed(data: bytes, *, source: str, now: datetime, limit: int = PER_FEED) -> list[Headline]:
    """Headlines from an RSS or Atom document, newest first, at most `limit` of them."""
    return read_feed(data, source=source, now=now, limit=limit).headlines


def read_feed(data: bytes, *, source: str, now: datetime, limit: int = PER_FEED) -> Feed:
    """Headlines from an RSS or Atom document, newest first, at most `limit` of them, and for
    a malformed document (feedparser's `bozo`) that still gave some, what is wrong with it."""
    utf8 = defuse_charrefs(refuse_entities(data))
    # A BytesIO: feedparser opens a str or bytes argument as a URL or a local file name. Our
    # sanitiser does the work: feedparser's regex sanitiser and URI resolver only touch
    # content we never show, and have backtracked pathologically on such content.
    parsed = feedparser.parse(io.BytesIO(utf8), sanitize_html=False, resolve_relative_uris=False)
    if not (entries := parsed.get("entries")):
        if parsed.get("bozo") or not parsed.get("version"):
            raise BadPayload("not an RSS or Atom feed")
        raise EmptyResult("feed has no entries")
    feed_time = _date(parsed["feed"])
    headlines, future = [], 0
    for entry in entries:
        title = clean_text(str(entry.get("title") or ""), TITLE_LIMIT)
        published = _date(entry) or feed_time
        if not title or published is None:  # no fetch-time stand-in: old news would look new
            continue
        if published > now + MAX_FUTURE:
            future += 1
            continue
        link = safe_link(entry.get("link"))
        headlines.append(Headline(title=title, source=source, link=link, published=published))
    if not headlines:
        if future:
            raise BadPayload("every entry is dated in the future")
        raise EmptyResult("no entry has both a title and a date")
    malformed = parse_error(parsed.get("bozo_exception")) if parsed.get("bozo") else None
    return Feed(newest_unique(headlines, limit), malformed)


class RssProvider(HttpProvider):
    """Headlines from each configured feed, merged newest first."""

    name = NAME
    kinds = frozenset({RecordKind.HEADLINE})
    default_base_url = DEFAULT_BASE_URL

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._lock = Lock()
        self._running: set[str] = set()  # feed URLs being fetched, maybe by an abandoned thread

    def _fetch(self, inst: Instrument, url: str, now: datetime) -> Feed:
        path, params = feed_request(url)
        answer = self.http.get(path, params, accept="application/rss+xml, application/atom+xml")
        # The configured name is the source: the feed's own title is attacker-controlled.
        return read_feed(answer.content, source=inst.name, now=now)

    def _start(self, inst: Instrument, url: str, now: datetime, out: dict) -> Thread | None:
        """Fetch one feed into `out` in a daemon thread (a slow feed must not block exit)."""
        with self._lock:  # at most one fetch per feed, however long a stuck one lingers
            if url in self._running:
                out[inst.id] = Unavailable(f"{inst.id}: an earlier fetch is still running")
                return None
            self._running.add(url)

        def run() -> None:
            try:
                out[inst.id] = self._fetch(inst, url, now)
            except ProviderError as exc:  # the same error (and retry hint), naming the feed
                exc.args = (f"{inst.id}: {exc}",)
                out[inst.id] = exc
            except Exception as exc:  # a parser bug on a hostile feed must not sink the others
                out[inst.id] = BadPayload(f"{inst.id}: unreadable feed ({type(exc).__name__})")
            finally:
                with self._lock:
                    self._running.discard(url)

        thread = Thread(target=run, name=f"rss:{inst.id}", daemon=True)
        thread.start()
        return thread

    def load(self, request: Request) -> Batch:
        """Fetch every feed side by side; a failing or slow feed becomes a problem line."""
        pairs = self.mapped(request)
        budget = self.settings.deadline_s(request.dataset) * FEED_BUDGET_SHARE
        end = time.monotonic() + budget
        out: dict[str, Feed | ProviderError] = {}
        threads = [self._start(inst, url, request.now, out) for inst, url in pairs]
        for thread in filter(None, threads):
            thread.join(max(0.0, end - time.monotonic()))
        # Problems name the instrument id, not the URL, which may carry a query string.
        late = {i.id: DeadlineExceeded(f"{i.id}: no answer within {budget:g} s") for i, _ in pairs}
        got = [out.get(inst.id, late[inst.id]) for inst, _ in pairs]  # late threads: ignored
        errors = [g for g in got if isinstance(g, ProviderError)]
        feeds = [(inst, g) for (inst, _), g in zip(pairs, got, strict=True) if isinstance(g, Feed)]
        headlines = [h for _, feed in feeds for h in feed.headlines]
        if not headlines and errors:
            raise most_telling(errors)
        # A malformed feed's items are shown, but not as if the feed were fine.
        malformed = [
            f"{inst.id}: malformed feed ({feed.malformed}); "
            f"{len(feed.headlines)} item(s) read from it are shown"
            for inst, feed in feeds
            if feed.malformed
        ]
        problems = [str(e) for e in errors] + malformed
        return Batch(records=newest_unique(headlines, OVERALL), problems=problems)
