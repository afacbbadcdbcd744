"""One HTTP client per provider: timeouts, a real User-Agent, conditional requests, a per-host
rate limit, a size cap, and upstream errors mapped to the project's error types.

- Conditional requests: CacheControl keeps the last answer with its ETag / Last-Modified and
  revalidates it, so an unchanged feed costs a 304 and no parsing of a new body.
- Rate limit: pyrate-limiter, per host, blocking for at most the request's timeout, so a board
  with many instruments never trips a 429. A 429 that comes anyway carries its Retry-After.
- Size cap: the body is streamed and abandoned past `max_bytes` (a 50 MB "feed" is an error,
  not a memory spike).
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import requests
from cachecontrol import CacheControl
from pyrate_limiter import Duration, Limiter, Rate

from providers.errors import (
    BadPayload,
    EmptyResult,
    NotConfigured,
    ProviderError,
    RateLimited,
    Unavailable,
)

USER_AGENT = "MarketWallboard/0.1 (+https://github.com/market-wallboard; wall-screen market board)"
DEFAULT_MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    """A successful answer: the body bytes and the headers a parser may need."""

    url: str
    status: int
    content: bytes
    content_type: str
    from_cache: bool = False


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


class HttpClient:
    """GET with every safeguard; the only network code providers need."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        timeout_s: float,
        requests_per_second: float = 2.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        session: requests.Session | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        raw = session or requests.Session()
        raw.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"})
        self.session = CacheControl(raw)
        # At most N requests a second to one host; a burst of N is allowed.
        per_second = max(1, round(requests_per_second))
        self._limiter = Limiter(Rate(per_second, Duration.SECOND))

    def url(self, path: str) -> str:
        """An absolute URL for a path relative to the base URL (absolute URLs pass through)."""
        return urljoin(self.base_url, path.lstrip("/")) if "://" not in path else path

    def get(self, path: str, params: dict | None = None, *, accept: str | None = None) -> Answer:
        """GET and return the body; raise Unavailable, RateLimited, EmptyResult, BadPayload..."""
        url = self.url(path)
        host = urlsplit(url).netloc
        if not self._limiter.try_acquire(host, blocking=True, timeout=self.timeout_s):
            raise RateLimited(f"{self.name}: local rate limit for {host} reached")
        headers = {"Accept": accept} if accept else {}
        try:
            response = self.session.get(
                url, params=params, headers=headers, timeout=self.timeout_s, stream=True
            )
        except requests.Timeout:
            raise Unavailable(f"no answer from {host} within {self.timeout_s:g} s") from None
        except requests.ConnectionError:
            raise Unavailable(f"could not connect to {host}") from None
        except requests.RequestException as exc:
            raise Unavailable(f"request to {host} failed ({type(exc).__name__})") from None
        with response:
            self._check_status(response, host)
            content = self._read_capped(response, host)
        return Answer(
            url=url,
            status=response.status_code,
            content=content,
            content_type=response.headers.get("Content-Type", ""),
            from_cache=bool(getattr(response, "from_cache", False)),
        )

    def _check_status(self, response: requests.Response, host: str) -> None:
        status = response.status_code
        if status >= 400:
            error = self._status_error(response, host)
            error.status = status  # for providers whose API gives a status its own meaning
            raise error

    def _status_error(self, response: requests.Response, host: str) -> ProviderError:
        status = response.status_code
        delay = retry_after_seconds(response.headers.get("Retry-After"))
        if status in (418, 429):  # 418: Binance's "IP banned for a while", a harder 429
            return RateLimited(f"{host} answered {status} (rate limited)", delay)
        if status == 404:
            return EmptyResult(f"{host} answered 404 (not found)")
        if status in (401, 403):
            return NotConfigured(f"{host} refused the request (HTTP {status}: not authorised)")
        if status >= 500:
            if status == 503 and delay:
                return RateLimited(f"{host} answered 503 (unavailable)", delay)
            return Unavailable(f"{host} answered HTTP {status}")
        # Some APIs explain a client error in the body (Binance's {"code": -1121}); keep the
        # start of it on the error for the provider to read, never for display.
        error = BadPayload(f"{host} answered HTTP {status}")
        error.body = next(response.iter_content(chunk_size=4096), b"")[:4096]
        error.retry_after_s = delay
        return error

    def _read_capped(self, response: requests.Response, host: str) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise BadPayload(f"{host} answer is {int(declared) // 1024} KiB, over the limit")
        chunks: list[bytes] = []
        size = 0
        # The timeout bounds each read; this bounds the whole body (a byte every few seconds
        # must not hold a refresh thread for minutes).
        give_up = time.monotonic() + self.timeout_s
        try:
            # Small reads, so a slow body is noticed within a few KiB, not at 64 KiB.
            for chunk in response.iter_content(chunk_size=4096):
                if time.monotonic() > give_up:
                    raise Unavailable(f"{host} answer too slow (over {self.timeout_s:g} s)")
                size += len(chunk)
                if size > self.max_bytes:
                    raise BadPayload(f"{host} answer is over {self.max_bytes // 1024} KiB")
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise Unavailable(f"{host} answer cut off ({type(exc).__name__})") from None
        # urllib3 does not always notice a connection closed early; the declared length does
        # (when the body is not compressed, where it counts the compressed bytes).
        encoding = response.headers.get("Content-Encoding", "identity").lower()
        if declared and declared.isdigit() and encoding == "identity" and size != int(declared):
            raise Unavailable(f"{host} answer cut off ({size} of {declared} bytes)")
        return b"".join(chunks)


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP/RSS date (RFC 2822) as aware UTC, or None."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
