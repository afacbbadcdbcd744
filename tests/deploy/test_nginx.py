"""deploy/nginx in front of the board under gunicorn: headers, caching, gzip, callbacks, retries.

One demo board under gunicorn and one nginx in front of it serve the whole module. The retry and
header-forwarding tests put nginx in front of small echo servers instead, which can say what
nginx sent them and fail on purpose.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import yaml

from tests.support.configs import shipped_config
from tests.support.dashreq import scene_refresh_body, version_of
from tests.support.nginx_server import NginxServer, free_port, nginx_binary
from tests.support.services import AppInstance

pytestmark = pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
# The app sends these two only where they mean something (web/security.py): the permissions
# policy on pages, the referrer policy on pages and stylesheets.
PAGE_ONLY = {"Referrer-Policy": ("text/html", "text/css"), "Permissions-Policy": ("text/html",)}
# What nginx itself sends on answers that came without one: its own error pages.
NGINX_CSP = "default-src 'none'; frame-ancestors 'self'"
YEAR_S = 31_536_000
# Dash's fingerprint: the second dotted part of the file name is v<version>m<mtime>.
FINGERPRINTED = re.compile(r"^/_dash-component-suites/.+/[^/.]+\.v[\w-]+m[0-9a-fA-F]+\.[^/]+$")
FINGERPRINT = re.compile(r"\.v[\w-]+m[0-9a-fA-F]+\.")
CALLBACK = "/_dash-update-component"


@pytest.fixture(scope="module")
def board(tmp_path_factory) -> Iterator[str]:
    """The demo board under gunicorn (deploy/gunicorn.conf.py) with two workers; its URL."""
    tmp = tmp_path_factory.mktemp("board")
    config = shipped_config()
    config.update(edition="demo", state_dir=str(tmp / "state"))
    config["cache"]["dir"] = str(tmp / "cache")
    path = tmp / "wallboard.yaml"
    path.write_text(yaml.safe_dump(config))
    app = AppInstance("board", path, tmp / "app", workers=2).start()
    try:
        app.wait_healthy()
        yield app.url
    finally:
        app.stop()


@pytest.fixture(scope="module")
def proxy(board, tmp_path_factory) -> Iterator[str]:
    """nginx with the deploy configuration in front of the board; its URL."""
    with NginxServer([board.removeprefix("http://")], tmp_path_factory.mktemp("nginx")) as nginx:
        yield nginx.url


@pytest.fixture(scope="module")
def scene_html(proxy) -> str:
    """The /overview page as served through nginx."""
    response = requests.get(f"{proxy}/overview", timeout=10)
    assert response.status_code == 200
    return response.text


def assert_security_headers(response: requests.Response, csp: str | None = None) -> None:
    """Each security header present exactly once with its configured value where it means
    something (every one on nginx's own pages: `csp` given); the Content-Security-Policy is the
    app's unless given: on a page, Dash's script hashes and the frame ancestors; on anything
    else, nothing allowed but the frame ancestors."""
    kind = response.headers.get("Content-Type", "").split(";")[0]
    for name, value in SECURITY_HEADERS.items():
        meant = csp is not None or kind in PAGE_ONLY.get(name, (kind,))
        expected = [value] if meant else []
        assert response.raw.headers.getlist(name) == expected, (response.url, name)
    policies = response.raw.headers.getlist("Content-Security-Policy")
    assert len(policies) == 1, (response.url, policies)
    if csp is not None:
        assert policies == [csp], response.url
    elif response.headers.get("Content-Type", "").startswith("text/html"):
        assert "script-src 'self' 'sha256-" in policies[0], response.url
        assert "frame-ancestors 'self'" in policies[0], response.url
    else:
        assert policies == [NGINX_CSP], response.url  # the same as nginx's own pages


def max_age(response: requests.Response) -> int | None:
    """The one Cache-Control header's max-age (None without one); fails on two headers."""
    values = response.raw.headers.getlist("Cache-Control")
    assert len(values) <= 1, f"{response.url}: several Cache-Control headers {values}"
    found = re.search(r"max-age=(\d+)", values[0]) if values else None
    return int(found.group(1)) if found else None


def test_scene_page_is_proxied_with_security_headers_and_no_long_cache(proxy):
    response = requests.get(f"{proxy}/overview", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert '<html lang="en"' in response.text
    assert_security_headers(response)
    assert max_age(response) is None
    assert "Expires" not in response.headers
    assert response.headers["Server"] == "nginx"  # server_tokens off: no version


def test_root_redirects_to_the_first_scene_keeping_the_kiosk_query(proxy):
    response = requests.get(f"{proxy}/?kiosk=1", timeout=10, allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "/overview?kiosk=1"


def test_healthz_is_proxied(proxy):
    response = requests.get(f"{proxy}/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert_security_headers(response)


def test_the_apps_security_headers_pass_through_unchanged(proxy, board, scene_html):
    names = [*SECURITY_HEADERS, "Content-Security-Policy"]
    stylesheet = re.search(r'href="(/assets/[^"]+\.css[^"]*)"', scene_html).group(1)
    for path in ("/overview", "/api/status", stylesheet):
        direct = requests.get(board + path, timeout=10)
        proxied = requests.get(proxy + path, timeout=10)
        assert {n: direct.headers.get(n) for n in names} == {
            n: proxied.headers.get(n) for n in names
        }
        assert_security_headers(proxied)


def test_an_idle_tick_is_headers_only_and_carries_no_page_headers(proxy):
    """Every screen ticks once or twice a second, and an idle tick (204) is only headers:
    nothing that means nothing on it, and nginx adds none."""
    dependencies = requests.get(f"{proxy}/_dash-dependencies", timeout=10).json()
    with requests.Session() as session:
        changed = session.post(proxy + CALLBACK, json=scene_refresh_body(dependencies, "news"))
        assert changed.status_code == 200
        body = scene_refresh_body(
            dependencies, "news", tick=2, shown_version=version_of(changed.json())
        )
        idle = session.post(proxy + CALLBACK, json=body)
    assert idle.status_code == 204 and idle.content == b""
    assert "Content-Type" not in idle.headers
    assert_security_headers(idle)
    connection = {"Server", "Date", "Connection"}
    security = {"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"}
    assert set(idle.headers) == connection | security


def test_nginx_error_pages_carry_the_security_headers_too(tmp_path):
    dead = f"127.0.0.1:{free_port()}"
    with NginxServer([dead], tmp_path) as nginx:
        response = requests.get(f"{nginx.url}/overview", timeout=10)
    assert response.status_code == 502
    assert_security_headers(response, csp=NGINX_CSP)


def test_fingerprinted_component_bundle_is_cached_a_year_gzipped_with_security_headers(
    proxy, board, scene_html
):
    scripts = re.findall(r'<script src="([^"]+)"', scene_html)
    bundles = [src for src in scripts if FINGERPRINTED.match(src)]
    assert bundles, f"no fingerprinted component suite among {scripts}"
    response = requests.get(proxy + bundles[0], headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert response.status_code == 200
    age = max_age(response)
    assert age is not None and age >= YEAR_S
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert_security_headers(response)
    assert response.content == requests.get(board + bundles[0], timeout=10).content

    # The same bundle without the fingerprint is not the immutable one: no long cache.
    plain = requests.get(proxy + FINGERPRINT.sub(".", bundles[0], count=1), timeout=10)
    assert plain.status_code == 200
    assert max_age(plain) is None
    assert "ETag" in plain.headers


def test_assets_are_long_cached_only_with_the_mtime_argument(proxy, scene_html):
    links = re.findall(r'(?:href|src)="(/assets/[^"?]+\?m=[0-9.]+)"', scene_html)
    assert links, "the scene page links no /assets/ file with ?m="
    busted = requests.get(proxy + links[0], timeout=10)
    assert busted.status_code == 200
    age = max_age(busted)
    assert age is not None and age >= YEAR_S
    assert_security_headers(busted)

    for url in (links[0].split("?")[0], links[0].split("?")[0] + "?m=not-a-time"):
        plain = requests.get(proxy + url, timeout=10)
        assert plain.status_code == 200
        assert plain.raw.headers.getlist("Cache-Control") == ["no-cache"], url
        assert_security_headers(plain)


def test_the_plotly_bundle_the_page_names_is_cached_a_year_and_gzipped(proxy, board, scene_html):
    # dcc.Graph loads it from the page's config (web/plotly_bundle.py), not from a <script>.
    config = json.loads(re.search(r'id="_dash-config"[^>]*>(.*?)</script>', scene_html).group(1))
    url = config["plotlyjs_url"]
    response = requests.get(
        proxy + url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10
    )
    assert response.status_code == 200
    age = max_age(response)
    assert age is not None and age >= YEAR_S
    assert response.headers["Content-Encoding"] == "gzip"
    sent = response.raw.read()  # the bytes on the wire, still compressed
    served = requests.get(board + url, timeout=10).content
    assert gzip.decompress(sent) == served and len(sent) < len(served) / 2


def test_scene_callback_post_is_proxied(proxy):
    dependencies = requests.get(f"{proxy}/_dash-dependencies", timeout=10).json()
    body = scene_refresh_body(dependencies, "overview")
    response = requests.post(proxy + CALLBACK, json=body, timeout=10)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"] == "application/json"
    answer = response.json()
    assert answer["multi"] is True
    assert '{"scene":"overview","type":"scene-badges"}' in answer["response"]
    assert max_age(response) is None
    assert_security_headers(response)


def test_unknown_scene_is_a_proxied_json_404(proxy):
    response = requests.get(f"{proxy}/no-such-scene", timeout=10)
    assert response.status_code == 404
    assert response.json()["error"] == "unknown scene"
    assert response.headers["Server"] == "nginx"
    assert_security_headers(response)  # `always`: error answers carry them too


def test_a_websocket_upgrade_request_is_answered_as_plain_http(proxy):
    response = requests.get(
        f"{proxy}/healthz",
        headers={
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert "Upgrade" not in response.headers


# ---- nginx in front of echo servers: what it forwards, when it retries.


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with `status` and a JSON account of what it received."""

    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        server: EchoServer = self.server  # type: ignore[assignment]
        server.hits.append(f"{self.command} {self.path}")
        body = json.dumps(
            {"version": self.request_version, "headers": dict(self.headers.items())}
        ).encode()
        self.send_response(server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


class EchoServer(ThreadingHTTPServer):
    """A loopback upstream answering `status`; `hits` lists the requests it received."""

    daemon_threads = True

    def __init__(self, status: int) -> None:
        super().__init__(("127.0.0.1", 0), _Echo)
        self.status = status
        self.hits: list[str] = []

    @property
    def hostport(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


@contextmanager
def echo_servers(*statuses: int) -> Iterator[list[EchoServer]]:
    """One running EchoServer per status, shut down on exit."""
    servers = [EchoServer(status) for status in statuses]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    try:
        yield servers
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def test_a_tick_sized_json_answer_is_gzipped(tmp_path):
    """A changed tick's few hundred bytes of JSON come compressed (about half)."""
    with echo_servers(200) as (echo,), NginxServer([echo.hostport], tmp_path) as nginx:
        headers = {"Accept-Encoding": "gzip", "X-Pad": "x" * 200}
        response = requests.post(
            nginx.url + CALLBACK, json={}, headers=headers, stream=True, timeout=10
        )
        sent = response.raw.read()  # the bytes on the wire, still compressed
    assert response.headers.get("Content-Encoding") == "gzip", len(sent)
    body = gzip.decompress(sent)
    assert 256 < len(body) < 1024, len(body)
    assert len(sent) < len(body)


def test_forwarded_headers_and_no_upgrade_reach_the_app(tmp_path):
    with echo_servers(200) as (echo,), NginxServer([echo.hostport], tmp_path) as nginx:
        response = requests.get(
            f"{nginx.url}/api/status",
            headers={
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "X-Forwarded-For": "10.9.8.7",
            },
            timeout=10,
        )
    assert response.status_code == 200
    assert "Upgrade" not in response.headers
    seen = response.json()
    headers = seen["headers"]
    assert seen["version"] == "HTTP/1.1"
    assert "Upgrade" not in headers
    assert "Connection" not in headers  # Connection "": upstream keepalive, never "upgrade"
    assert headers["X-Forwarded-For"] == "10.9.8.7, 127.0.0.1"
    assert headers["X-Real-IP"] == "127.0.0.1"
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Forwarded-Host"] == f"127.0.0.1:{nginx.port}"
    assert headers["Host"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("method", "path", "tries"),
    [
        ("POST", CALLBACK, 2),  # read-only callbacks: retried on the other instance
        ("GET", "/overview", 2),
        ("POST", "/admin/refresh/fx", 1),  # other POSTs are never repeated
    ],
)
def test_a_503_is_retried_once_on_the_other_instance(tmp_path, method, path, tries):
    with (
        echo_servers(503, 503) as echoes,
        NginxServer([e.hostport for e in echoes], tmp_path) as nginx,
    ):
        response = requests.request(method, nginx.url + path, json={}, timeout=10)
    assert response.status_code == 503
    assert sum(len(e.hits) for e in echoes) == tries


def test_a_dead_instance_costs_a_retry_not_an_error(tmp_path):
    dead = f"127.0.0.1:{free_port()}"
    with echo_servers(200) as (echo,), NginxServer([dead, echo.hostport], tmp_path) as nginx:
        answers = [requests.post(nginx.url + CALLBACK, json={}, timeout=10) for _ in range(3)]
        answers += [requests.get(f"{nginx.url}/overview", timeout=10) for _ in range(3)]
    assert [a.status_code for a in answers] == [200] * 6
    assert len(echo.hits) == 6
