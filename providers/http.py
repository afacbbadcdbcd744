"""One HTTP client per provider: timeouts, a real User-Agent, conditional requests, a per-host
rate limit, a size cap, and upstream errors mapped to the project's error types.

- Conditional requests: CacheControl keeps the last answer with its ETag / Last-Modified and
  revalidates it, so an unchanged feed costs a 304 and no parsing of a new body.
- Rate limit: pyrate-limiter, per host, blocking for at most the request's timeout, so a board
  with many instruments never trips a 429. A 429 that comes anyway carries its Retry-After.
- Retry-After honoured: a 429 (or 418, or 503 with Retry-After) raises RateLimited with the
  delay, which the refresher waits out. With `hold_on_retry_after`, the client itself also sends
  nothing more to that host until the delay has passed: each call meanwhile fails at once with
  RateLimited and the seconds left (for a source where every dataset shares one host and one
  limit, like Yahoo; a 429 there ends the round for every symbol).
- Size cap: the body is streamed and abandoned past `max_bytes` (a 50 MB "feed" is an error,
  not a memory spike); a body shorter than its Content-Length is reported as truncated.

The session is `requests` (with CacheControl) unless a provider brings a curl_cffi session: Yahoo
accepts only a browser's TLS handshake, which yfinance's session imitates. The same rules then
apply, except conditional requests (CacheControl works with `requests` only) and the User-Agent
(kept as the session's own, when `user_agent` is None, so it matches the imitated browser).
"""

from __future__ import annotations

import contextlib
import email.utils
import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
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
# A Retry-After beyond this is more likely a wrong date than a wish: wait this long at most.
MAX_RETRY_AFTER_S = 3600.0


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
        session: Any = None,
        user_agent: str | None = USER_AGENT,
        hold_on_retry_after: bool = False,
    ) -> None:
        """`session`: a requests or curl_cffi Session (default: a new requests one);
        `user_agent=None` keeps the session's own User-Agent."""
        self.name = name
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        raw = requests.Session() if session is None else session
        if isinstance(raw, requests.Session):
            raw.headers.update({"Accept-Encoding": "gzip, deflate"})
            self.session = CacheControl(raw)
            self._errors = (requests.Timeout, requests.ConnectionError, requests.RequestException)
            self._chunks = {"chunk_size": 4096}  # small reads: a slow body is noticed early
            self._one_at_a_time = None
        else:
            from curl_cffi import requests as curl  # only ever here when given one of its sessions

            if not isinstance(raw, curl.Session):
                raise TypeError(f"{name}: a requests or curl_cffi Session, not {type(raw)}")
            self.session = raw
            errors = curl.exceptions
            self._errors = (errors.Timeout, errors.ConnectionError, errors.RequestException)
            self._chunks = {}  # curl_cffi hands over what curl received; it takes no chunk size
            # A curl handle must not be used by two threads at once (each request starts by
            # copying the session's handle), and loads of several datasets run in parallel.
            self._one_at_a_time = threading.Lock()
        if user_agent:
            raw.headers.update({"User-Agent": user_agent})
        # At most N requests a second to one host; a burst of N is allowed.
        per_second = max(1, round(requests_per_second))
        self._limiter = Limiter(Rate(per_second, Duration.SECOND))
        self.hold_on_retry_after = hold_on_retry_after
        self._not_before: dict[str, float] = {}  # host -> monotonic time its Retry-After ends

    def url(self, path: str) -> str:
        """An absolute URL for a path relative to the base URL (absolute URLs pass through)."""
        return urljoin(self.base_url, path.lstrip("/")) if "://" not in path else path

    def get(
        self,
        path: str,
        params: dict | None = None,
        *,
        accept: str | None = None,
        timeout_s: float | None = None,
    ) -> Answer:
        """GET and return the body; raise Unavailable, RateLimited, EmptyResult, BadPayload...

        `timeout_s` overrides the client's timeout for this call (a dataset's own deadline).
        """
        timeout = self.timeout_s if timeout_s is None else timeout_s
        url = self.url(path)
        host = urlsplit(url).netloc
        left = self._not_before.get(host, 0.0) - time.monotonic()
        if left > 0:  # the host's Retry-After has not passed: no request at all
            raise RateLimited(f"{self.name}: {host} asked to wait, {math.ceil(left)} s left", left)
        if not self._limiter.try_acquire(host, blocking=True, timeout=timeout):
            raise RateLimited(f"{self.name}: local rate limit for {host} reached")
        headers = {"Accept": accept} if accept else {}
        timeout_error, connection_error, request_error = self._errors
        try:
            with self._turn(host, timeout):
                response = self.session.get(
                    url, params=params, headers=headers, timeout=timeout, stream=True
                )
        except timeout_error:
            raise Unavailable(f"no answer from {host} within {timeout:g} s") from None
        except connection_error:
            raise Unavailable(f"could not connect to {host}") from None
        except request_error as exc:
            raise Unavailable(f"request to {host} failed ({type(exc).__name__})") from None
        try:
            self._check_status(response, host)
            content = self._read_capped(response, host, timeout)
        finally:
            response.close()
        return Answer(
            url=url,
            status=response.status_code,
            content=content,
            content_type=response.headers.get("Content-Type", ""),
            from_cache=bool(getattr(response, "from_cache", False)),
        )

    @contextlib.contextmanager
    def _turn(self, host: str, timeout: float):
        """This thread's turn with a session that serves one request at a time (curl_cffi)."""
        if self._one_at_a_time is None:
            yield
            return
        if not self._one_at_a_time.acquire(timeout=timeout):
            raise Unavailable(f"no turn to ask {host} within {timeout:g} s (a request hangs)")
        try:
            yield
        finally:
            self._one_at_a_time.release()

    def _check_status(self, response: requests.Response, host: str) -> None:
        if response.status_code >= 400:
            error = self._status_error(response, host)
            if self.hold_on_retry_after and isinstance(error, RateLimited) and error.retry_after_s:
                wait = min(error.retry_after_s, MAX_RETRY_AFTER_S)  # no request to it until then
                self._not_before[host] = time.monotonic() + wait
            raise error

    def _status_error(self, response: requests.Response, host: str) -> ProviderError:
        """The error of a 4xx/5xx answer, with its status (for providers whose API gives a
        status its own meaning) and, for a 4xx not mapped here (BadPayload), its body's start."""
        status = response.status_code
        delay = retry_after_seconds(response.headers.get("Retry-After"))
        if status in (418, 429):  # 418: Binance's "IP banned for a while", a harder 429
            return RateLimited(f"{host} answered {status} (rate limited)", delay, status=status)
        if status == 404:
            return EmptyResult(f"{host} answered 404 (not found)", status=status)
        if status in (401, 403):
            return NotConfigured(
                f"{host} refused the request (HTTP {status}: not authorised)", status=status
            )
        if status >= 500:
            if status == 503 and delay:
                return RateLimited(f"{host} answered 503 (unavailable)", delay, status=status)
            return Unavailable(f"{host} answered HTTP {status}", status=status)
        # Some APIs explain a client error in the body (Binance's {"code": -1121}); keep the
        # start of it on the error for the provider to read, never for display.
        return BadPayload(
            f"{host} answered HTTP {status}",
            status=status,
            body=next(response.iter_content(**self._chunks), b"")[:4096],
            retry_after_s=delay,
        )

    def _read_capped(self, response, host: str, timeout: float) -> bytes:
        cap_kib = self.max_bytes // 1024
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise BadPayload(
                f"{host} answer is {int(declared) // 1024} KiB, over the {cap_kib} KiB cap"
            )
        chunks: list[bytes] = []
        size = 0
        # The timeout bounds each read; this bounds the whole body (a byte every few seconds
        # must not hold a refresh thread for minutes).
        give_up = time.monotonic() + timeout
        timeout_error, _, request_error = self._errors
        try:
            for chunk in response.iter_content(**self._chunks):
                if time.monotonic() > give_up:
                    raise Unavailable(f"{host} answer too slow (over {timeout:g} s)")
                size += len(chunk)
                if size > self.max_bytes:
                    raise BadPayload(f"{host} answer is over {cap_kib} KiB, the cap: abandoned")
                chunks.append(chunk)
        except timeout_error:
            raise Unavailable(f"{host} answer too slow (over {timeout:g} s)") from None
        except request_error as exc:
            raise Unavailable(f"{host} answer truncated: cut off ({type(exc).__name__})") from None
        # urllib3 does not always notice a connection closed early; the declared length does
        # (when the body is not compressed, where it counts the compressed bytes).
        encoding = response.headers.get("Content-Encoding", "identity").lower()
        if declared and declared.isdigit() and encoding == "identity" and size != int(declared):
            raise Unavailable(f"{host} answer truncated: cut off at {size} of {declared} bytes")
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
