"""A loopback HTTP server standing in for a Slack-compatible alert webhook: it keeps every JSON
body posted to it, in order, and answers 200."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    """Collects the webhook posts of the processes under test (`url` goes in the variable)."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                with receiver._lock:
                    receiver.posts.append(body)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args) -> None:
                """Quiet: the test reads `posts`."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/B000"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> WebhookReceiver:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port."""
        self.server.shutdown()
        self.server.server_close()

    def alert_lines(self) -> list[str]:
        """Every alert line posted so far (one section block per alert), in order."""
        with self._lock:
            posts = list(self.posts)
        return [
            block["text"]["text"]
            for post in posts
            for block in post.get("blocks", [])
            if block.get("type") == "section"
        ]

    def count_for(self, name: str) -> int:
        """How many posted alert lines are about `name` (an instrument's display name)."""
        return sum(
            1 for line in self.alert_lines() if line.removeprefix("[DEMO] ").startswith(f"{name} ")
        )
