"""What a gunicorn instance's logs say (services.AppInstance): the errors and tracebacks
in its error log (the app's JSON lines and gunicorn's own), and the statuses of its access log
(deploy/gunicorn.conf.py writes one JSON object per request)."""

from __future__ import annotations

import json
from collections import Counter

from tests.support.services import AppInstance


def _read(path, since: int = 0) -> str:
    if not path.exists():
        return ""
    with path.open("rb") as log:
        log.seek(since)
        return log.read().decode(errors="replace")


def server_errors(instance: AppInstance, limit: int = 5, since: int = 0) -> list[str]:
    """The first distinct ERROR lines of the instance's log (the app's JSON lines, gunicorn's)
    from byte `since` on."""
    found: list[str] = []
    for line in _read(instance.error_log, since).splitlines():
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("level") not in ("ERROR", "CRITICAL"):
                continue
            exc = str(entry.get("exc_info", "")).splitlines()
            text = f"{entry.get('message', '')}" + (f": {exc[0]}" if exc else "")
        elif "[ERROR]" in line or "[CRITICAL]" in line:
            text = line.split("] ", 3)[-1]
        else:
            continue
        if text not in found:
            found.append(text)
        if len(found) >= limit:
            break
    return found


def tracebacks(instance: AppInstance, since: int = 0) -> list[str]:
    """Every exception logged with its traceback in the error log (a JSON line's exc_info, or
    a plain-text traceback), each as one line."""
    found = []
    lines = _read(instance.error_log, since).splitlines()
    for i, line in enumerate(lines):
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            # The app logs an exception as its type and message (web/logs.py).
            exc = str(entry.get("exc_info") or "").strip()
            if exc:
                found.append(f"{entry.get('message', '')}: {exc.splitlines()[-1]}")
        elif line.startswith("Traceback"):
            rest = [ln for ln in lines[i + 1 :] if ln and not ln.startswith((" ", "\t"))]
            found.append(rest[0] if rest else line)
    return found


def _access_entries(instance: AppInstance):
    """The access log's JSON entries (gunicorn.access), in order."""
    for line in _read(instance.access_log).splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("logger") == "gunicorn.access":
            yield entry


def access_statuses(instance: AppInstance) -> Counter:
    """How many requests the access log shows per HTTP status."""
    return Counter(entry.get("status") for entry in _access_entries(instance))


def server_failures(instance: AppInstance, limit: int = 5) -> list[str]:
    """The first 5xx answers of the access log, as "status method path"."""
    found = []
    for entry in _access_entries(instance):
        status = entry.get("status")
        if isinstance(status, int) and status >= 500:
            found.append(f"{status} {entry.get('method')} {entry.get('path')}")
            if len(found) >= limit:
                break
    return found
