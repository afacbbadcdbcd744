"""Structured logs: one JSON object per line, with every secret redacted.

Secrets are the configured keys and tokens (FRED key, admin token, webhook URL, Redis URL
password) plus anything that looks like `api_key=...` / `apikey=...` / `token=...` in a message,
so a URL copied into a log line by a library cannot leak its key.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

from pythonjsonlogger.json import JsonFormatter

_KEYLIKE = re.compile(r"(?i)((?:api_?key|apikey|token|password|secret)=)[^&\s\"']+")
REDACTED = "***"


def redact(text: str, secrets: Iterable[str]) -> str:
    """The text with every secret and every key-like query value replaced."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return _KEYLIKE.sub(lambda m: m.group(1) + REDACTED, text)


class RedactingFilter(logging.Filter):
    """Renders the message once, redacted, so no formatter can print a secret."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage(), self.secrets)
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks carry exception text too: keep the type and the redacted message.
            error = record.exc_info[1]
            record.exc_text = redact(f"{type(error).__name__}: {error}", self.secrets)
            record.exc_info = None
        return True


def configure_json_logging(secrets: Iterable[str], level: int = logging.INFO) -> None:
    """JSON lines on stderr for the whole process (replaces earlier handlers)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
