"""A fake upstream on loopback: serves recorded payloads, or misbehaves on request.

    upstream.route("/path", body=b"...", status=200, headers={...}, delay_s=0, hang=False)
    upstream.route("/v8/finance/chart/*", ...)   # every path under a prefix
    upstream.route("/q/d/l/?s=%5Espx*", ...)     # a path and the start of its query
    upstream.route("/x", body=lambda: make_bytes())  # a body built afresh for each request
    upstream.route("/y*", body=PerRequest(answer))   # answer(raw path with query) -> bytes
    upstream.on_request = seen                        # seen(raw path, client address)

Counts hits per path, honours If-None-Match for routes given an ETag (answers 304), and stops
hanging requests when the server shuts down.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True)
class PerRequest:
    """A body built from each request: `build` gets the raw path with its query (an answer
    that depends on what was asked, as a chart's symbol and interval do)."""

    build: Callable[[str], bytes]


@dataclass
class Route:
    body: bytes | Callable[[], bytes] | PerRequest = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    hang: bool = False
    truncate: bool = False  # declare the full length, send half, close
    drip_s: float = 0.0  # send the body one 1 KiB piece at a time, this far apart


class FakeUpstream:
    """A threaded HTTP server on 127.0.0.1 with scripted routes."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}  # by path
        self.query_hits: dict[str, int] = {}  # by path and query
        self.request_headers: dict[str, dict[str, str]] = {}
        # Called with (raw path with query, client address) as each request arrives, while its
        # connection is open: e.g. to find which process is calling.
        self.on_request: Callable[[str, tuple], None] | None = None
        self._closing = threading.Event()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                upstream.hits[path] = upstream.hits.get(path, 0) + 1
                upstream.query_hits[self.path] = upstream.query_hits.get(self.path, 0) + 1
                upstream.request_headers[path] = dict(self.headers)
                if upstream.on_request is not None:
                    upstream.on_request(self.path, self.client_address)
                route = upstream.find(self.path) or upstream.find(path)
                if route is None:
                    self.send_error(404)
                    return
                if route.hang:
                    upstream._closing.wait(60)
                    return
                if route.delay_s:
                    time.sleep(route.delay_s)
                etag = route.headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                if isinstance(route.body, PerRequest):
                    full = route.body.build(self.path)
                else:
                    full = route.body() if callable(route.body) else route.body
                self.send_response(route.status)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(full)))
                self.end_headers()
                body = full[: len(full) // 2] if route.truncate else full
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    if route.drip_s:
                        for start in range(0, len(body), 1024):
                            if upstream._closing.wait(route.drip_s):
                                return
                            self.wfile.write(body[start : start + 1024])
                            self.wfile.flush()
                    else:
                        self.wfile.write(body)
                if route.truncate:
                    self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def find(self, path: str) -> Route | None:
        """The route for a path: exact, else the longest "prefix*" route that matches."""
        if path in self.routes:
            return self.routes[path]
        prefixes = [p for p in self.routes if p.endswith("*") and path.startswith(p[:-1])]
        return self.routes[max(prefixes, key=len)] if prefixes else None

    def route(self, path: str, **behaviour) -> Route:
        """Set what `path` answers; a path ending in "*" answers every path it prefixes."""
        self.routes[path] = Route(**behaviour)
        return self.routes[path]

    def start(self) -> FakeUpstream:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()
