"""The shared HTTP client against a loopback fake upstream: every failure becomes our error.

The safeguards are checked with both sessions the client runs on: requests (every source) and
curl_cffi (Yahoo, through the session yfinance builds).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest
from curl_cffi import requests as curl

from providers.errors import (
    BadPayload,
    EmptyResult,
    NotConfigured,
    ProviderError,
    RateLimited,
    Unavailable,
)
from providers.http import MAX_RETRY_AFTER_S, HttpClient, retry_after_seconds


class EndlessBody:
    """A loopback server whose one answer has no Content-Length and goes on for `total` bytes
    (the body ends when it closes); `sent` counts what left before the client hung up."""

    def __init__(self, total: int = 60 * 1024 * 1024) -> None:
        self.total, self.sent = total, 0
        self._stopping = False
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        conn, _ = self._sock.accept()
        with conn, contextlib.suppress(OSError):  # the client hanging up is the point
            if self._stopping:
                return
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            conn.sendall(b"Connection: close\r\n\r\n")
            block = b" " * 65536
            while self.sent < self.total:
                conn.sendall(block)
                self.sent += len(block)

    def __enter__(self) -> EndlessBody:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopping = True
        if self._thread.is_alive():  # never asked, or still sending: wake or wait for it
            with contextlib.suppress(OSError):
                socket.create_connection(self._sock.getsockname(), timeout=2).close()
            self._thread.join(10)
        self._sock.close()


def client(upstream, **kwargs) -> HttpClient:
    return HttpClient("test", upstream.url, timeout_s=kwargs.pop("timeout_s", 1.0), **kwargs)


@pytest.fixture(params=["requests", "curl_cffi"])
def session_kind(request) -> str:
    return request.param


def any_client(kind: str, upstream, **kwargs) -> HttpClient:
    """A client on a requests session, or on a curl_cffi one as Yahoo's (its own User-Agent)."""
    if kind == "requests":
        return client(upstream, **kwargs)
    return client(upstream, session=curl.Session(impersonate="chrome"), user_agent=None, **kwargs)


def test_answer_body_and_a_real_user_agent(upstream):
    upstream.route("/data.csv", body=b"a,b\n1,2\n", headers={"Content-Type": "text/csv"})
    answer = client(upstream).get("/data.csv")
    assert (answer.status, answer.content, answer.content_type) == (200, b"a,b\n1,2\n", "text/csv")
    assert upstream.request_headers["/data.csv"]["User-Agent"].startswith("MarketWallboard/")


def test_conditional_request_revalidates_with_etag(upstream):
    upstream.route("/feed", body=b"<rss/>", headers={"ETag": '"v1"', "Cache-Control": "no-cache"})
    http = client(upstream)
    first, second = http.get("/feed"), http.get("/feed")
    assert first.content == second.content == b"<rss/>"
    assert upstream.request_headers["/feed"].get("If-None-Match") == '"v1"'
    assert second.from_cache and not first.from_cache


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (500, Unavailable, "answered HTTP 500"),
        (502, Unavailable, "answered HTTP 502"),
        (404, EmptyResult, "404"),
        (401, NotConfigured, "not authorised"),
        (400, BadPayload, "HTTP 400"),
    ],
)
def test_http_errors_are_mapped(upstream, status, error, words):
    upstream.route("/x", status=status, body=b"nope")
    with pytest.raises(error, match=words):
        client(upstream).get("/x")


@pytest.mark.parametrize("status", [500, 503, 404, 403, 429, 418, 400, 422])
def test_every_http_error_carries_its_status_and_a_client_errors_body(upstream, status):
    upstream.route("/x", status=status, body=b"nope")
    with pytest.raises(ProviderError) as caught:
        client(upstream).get("/x")
    body = b"nope" if isinstance(caught.value, BadPayload) else None
    assert (caught.value.status, caught.value.body) == (status, body)


def test_an_error_not_made_from_an_answer_has_no_status_or_body():
    with pytest.raises(Unavailable) as caught:
        HttpClient("t", "http://127.0.0.1:9", timeout_s=1).get("/x")
    assert (caught.value.status, caught.value.body, caught.value.retry_after_s) == (None,) * 3


def test_429_carries_retry_after_in_seconds_or_as_a_date(upstream):
    upstream.route("/x", status=429, headers={"Retry-After": "17"})
    http = client(upstream)
    for _ in range(2):  # by default the refresher waits it out, not the client
        with pytest.raises(RateLimited, match="answered 429") as caught:
            http.get("/x")
        assert caught.value.retry_after_s == 17
    assert upstream.hits["/x"] == 2
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("soon") is None


def test_a_hung_upstream_times_out(upstream):
    upstream.route("/hang", hang=True)
    started = time.monotonic()
    with pytest.raises(Unavailable, match=r"no answer from .* within 0\.5 s"):
        client(upstream, timeout_s=0.5).get("/hang")
    assert time.monotonic() - started < 3


def test_a_closed_port_is_unavailable():
    with pytest.raises(Unavailable, match="could not connect"):
        HttpClient("test", "http://127.0.0.1:9", timeout_s=1).get("/x")


def test_oversized_and_truncated_bodies_are_rejected(upstream, session_kind):
    upstream.route("/big", body=b"x" * 300_000)
    with pytest.raises(BadPayload, match=r"answer is 292 KiB, over the 97 KiB cap"):
        any_client(session_kind, upstream, max_bytes=100_000).get("/big")
    upstream.route("/cut", body=b"y" * 200_000, truncate=True)
    with pytest.raises(Unavailable, match="answer truncated: cut off"):
        any_client(session_kind, upstream).get("/cut")


def test_per_host_rate_limit_spaces_requests(upstream):
    upstream.route("/q", body=b"ok")
    http = client(upstream, requests_per_second=2, timeout_s=5)
    started = time.monotonic()
    for _ in range(5):
        http.get("/q")
    # 2 a second with a burst of 2: the 5th request cannot go before ~2 s.
    assert time.monotonic() - started >= 1.5
    assert upstream.hits["/q"] == 5
    # Waiting longer than the request's own timeout is not done: it fails at once instead.
    impatient = client(upstream, requests_per_second=1, timeout_s=0.2)
    impatient.get("/q")
    with pytest.raises(RateLimited, match="local rate limit"):
        impatient.get("/q")


def test_client_errors_keep_the_start_of_the_body_for_the_provider(upstream):
    upstream.route("/x", status=400, body=b'{"code":-1121,"msg":"Invalid symbol."}')
    with pytest.raises(BadPayload) as caught:
        client(upstream).get("/x")
    assert caught.value.status == 400
    assert b"-1121" in caught.value.body
    assert "-1121" not in str(caught.value)  # the body is for parsing, not for screens
    upstream.route("/ban", status=418, headers={"Retry-After": "120"})
    with pytest.raises(RateLimited) as banned:
        client(upstream).get("/ban")
    assert banned.value.retry_after_s == 120


def test_a_body_that_drips_in_is_abandoned_at_the_timeout(upstream):
    upstream.route("/drip", body=b"z" * 20_000, drip_s=0.1)  # ~2 s for the whole body
    started = time.monotonic()
    with pytest.raises(Unavailable, match="too slow"):
        client(upstream, timeout_s=0.5).get("/drip")
    assert time.monotonic() - started < 1.5


def test_a_curl_cffi_session_keeps_its_own_user_agent_and_maps_errors(upstream):
    upstream.route("/data.json", body=b'{"a":1}', headers={"Content-Type": "application/json"})
    answer = any_client("curl_cffi", upstream).get("/data.json", {"q": "1"})
    assert (answer.status, answer.content) == (200, b'{"a":1}')
    assert "Chrome/" in upstream.request_headers["/data.json"]["User-Agent"]  # the imitation
    upstream.route("/x", status=400, body=b'{"code":-1121}')
    with pytest.raises(BadPayload) as caught:
        any_client("curl_cffi", upstream).get("/x")
    assert (caught.value.status, caught.value.body) == (400, b'{"code":-1121}')
    upstream.route("/hang", hang=True)
    with pytest.raises(Unavailable, match="no answer from"):
        any_client("curl_cffi", upstream, timeout_s=0.5).get("/hang")
    with pytest.raises(Unavailable, match="could not connect"):
        HttpClient("t", "http://127.0.0.1:9", timeout_s=1, session=curl.Session()).get("/x")
    with pytest.raises(TypeError):
        HttpClient("t", upstream.url, timeout_s=1, session=object())


def test_a_streamed_body_without_length_is_abandoned_at_the_cap(session_kind):
    with EndlessBody() as server:
        session = curl.Session() if session_kind == "curl_cffi" else None
        http = HttpClient("t", server.url, timeout_s=5, max_bytes=1024 * 1024, session=session)
        started = time.monotonic()
        with pytest.raises(BadPayload, match=r"answer is over 1024 KiB, the cap: abandoned"):
            http.get("/big")
        assert time.monotonic() - started < 3
    assert server.sent < 20 * 1024 * 1024, f"{server.sent} bytes sent before the hang-up"


def test_retry_after_is_honoured_per_host_without_a_request(upstream, session_kind):
    upstream.route("/x", status=429, headers={"Retry-After": "1"})
    http = any_client(session_kind, upstream, timeout_s=2, hold_on_retry_after=True)
    with pytest.raises(RateLimited, match="answered 429"):
        http.get("/x")
    upstream.route("/x", body=b"ok")
    for _ in range(5):
        with pytest.raises(RateLimited, match=r"asked to wait, 1 s left") as caught:
            http.get("/x")
        assert 0 < caught.value.retry_after_s <= 1
    assert upstream.hits["/x"] == 1  # nothing left this process while the host said wait
    # Another host (the same server by another name) is not held back.
    other = upstream.url.replace("127.0.0.1", "localhost")
    assert http.get(f"{other}/x").content == b"ok"
    time.sleep(1.05)
    assert http.get("/x").content == b"ok"
    assert upstream.hits["/x"] == 3


def test_a_retry_after_far_ahead_is_capped_and_a_503_with_one_is_kept(upstream):
    upstream.route("/x", status=429, headers={"Retry-After": "999999"})
    http = client(upstream, hold_on_retry_after=True)
    with pytest.raises(RateLimited) as caught:
        http.get("/x")
    assert caught.value.retry_after_s == 999999  # the host's own hint, for the refresher
    with pytest.raises(RateLimited) as held:
        http.get("/x")
    assert MAX_RETRY_AFTER_S - 5 < held.value.retry_after_s <= MAX_RETRY_AFTER_S
    upstream.route("/y", status=503, headers={"Retry-After": "30"})
    http = client(upstream, hold_on_retry_after=True)
    with pytest.raises(RateLimited, match="503"):
        http.get("/y")
    with pytest.raises(RateLimited, match="asked to wait"):
        http.get("/y")
    assert upstream.hits["/y"] == 1


def test_a_call_can_have_a_shorter_timeout_than_the_client(upstream):
    upstream.route("/hang", hang=True)
    started = time.monotonic()
    with pytest.raises(Unavailable, match=r"within 0\.5 s"):
        client(upstream, timeout_s=30).get("/hang", timeout_s=0.5)
    assert time.monotonic() - started < 3
