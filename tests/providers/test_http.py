"""The shared HTTP client against a loopback fake upstream: every failure becomes our error."""

from __future__ import annotations

import time

import pytest

from providers.errors import BadPayload, EmptyResult, NotConfigured, RateLimited, Unavailable
from providers.http import HttpClient, retry_after_seconds


def client(upstream, **kwargs) -> HttpClient:
    return HttpClient("test", upstream.url, timeout_s=kwargs.pop("timeout_s", 1.0), **kwargs)


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


def test_429_carries_retry_after_in_seconds_or_as_a_date(upstream):
    upstream.route("/x", status=429, headers={"Retry-After": "17"})
    with pytest.raises(RateLimited) as caught:
        client(upstream).get("/x")
    assert caught.value.retry_after_s == 17
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


def test_oversized_and_truncated_bodies_are_rejected(upstream):
    upstream.route("/big", body=b"x" * 300_000)
    with pytest.raises(BadPayload, match="over the limit"):
        client(upstream, max_bytes=100_000).get("/big")
    upstream.route("/cut", body=b"y" * 200_000, truncate=True)
    with pytest.raises(Unavailable, match="cut off"):
        client(upstream).get("/cut")


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
