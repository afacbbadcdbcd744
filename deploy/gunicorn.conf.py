"""gunicorn settings for Market Wallboard: `gunicorn -c deploy/gunicorn.conf.py app:server`.

- Listens on HOST:PORT (default 127.0.0.1:8050, as `python app.py`); --bind overrides.
- Workers are processes (Dash callbacks are CPU-bound Python: JSON and layout building); nginx
  buffers slow clients, so one thread per worker serves them best (measured below).
  WEB_CONCURRENCY overrides the worker count; command-line options override anything here.
- The app is loaded once in the master (preload) and forked: faster start, shared memory.
- The refresher runs once per host in its own process (engine.refresher_process), started and
  restarted by the master, never in the workers; with Redis one of the hosts' refreshers leads.
  It is started as soon as gunicorn reads this file, before the app is preloaded, so the first
  prices are fetched while the app loads: a cold start shows prices sooner.
- Access log: one JSON object per request on stdout; errors as JSON on stderr (the app's own).
- Graceful restart: SIGHUP restarts the workers and the refresher with the configuration file
  as it is now (a bad file is refused, the running configuration kept); SIGTERM drains requests
  for up to `graceful_timeout`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from gunicorn.glogging import Logger

ROOT = Path(__file__).resolve().parents[1]

# Workers only read; the refresher runs in the process this file starts (read by app.py's
# configuration at preload, before the workers fork).
os.environ["WALLBOARD_REFRESHER"] = "external"


def listen_address(env: Mapping[str, str]) -> str:
    """HOST:PORT from the environment, read as `python app.py` reads them (127.0.0.1:8050 when
    unset): behind nginx on the same host; in a container, HOST=0.0.0.0 or --bind."""
    host = env.get("HOST") or "127.0.0.1"
    port = env.get("PORT") or "8050"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(f"wallboard: PORT (environment) must be a TCP port 1-65535 (got {port!r})")
    if ":" in host and not host.startswith("["):  # an IPv6 address
        host = f"[{host}]"
    return f"{host}:{int(port)}"


bind = [listen_address(os.environ)]
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
worker_class = "gthread"  # keeps idle keep-alive connections off the workers
# One thread per process: requests are short and CPU-bound, and threads of one process only
# queue behind each other's GIL. Measured with wrk, 4 workers, 10 clients: p99 9.6 ms with one
# thread against 54.6 ms with four (bench/REPORT.md has the method).
threads = 1
preload_app = True
timeout = 30  # a worker silent this long is restarted (callbacks take milliseconds)
graceful_timeout = 20
# An idle kept-alive connection is closed after this. A client whose next request leaves just as
# that close happens gets "Remote end closed connection without response" (with 5 s, screens
# polling gunicorn directly met it a few times a minute), so it outlasts every gap between a
# screen's requests (the slowest poll is the ticker's 30 s), and nginx closes its idle upstream
# connections first (keepalive_timeout 60s in nginx/upstream.conf).
keepalive = 75
max_requests = 20_000  # recycle workers now and then, staggered, to bound memory
max_requests_jitter = 2_000
# X-Forwarded-* are trusted from FORWARDED_ALLOW_IPS (gunicorn's default: 127.0.0.1,::1, nginx
# on the same host); docker-compose sets it for its private network.
accesslog = "-"
errorlog = "-"
chdir = str(ROOT)
# gunicorn's control socket has one default path per user, so two instances on one host would
# fight over it; signals (HUP, TERM, TTIN/TTOU) do the same job.
control_socket_disable = True


class JsonAccessLogger(Logger):
    """gunicorn's logger with the access log as JSON lines (path without the query string,
    which could carry a token)."""

    def access(self, resp, req, environ, request_time) -> None:
        """One JSON object per request."""
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "logger": "gunicorn.access",
            "remote": atoms.get("h"),
            "method": atoms.get("m"),
            "path": atoms.get("U"),
            "status": int(resp.status_code) if getattr(resp, "status_code", None) else None,
            "bytes": atoms.get("B"),
            "duration_ms": round(request_time.total_seconds() * 1000, 2),
            "user_agent": atoms.get("a"),
        }
        self.access_log.info(json.dumps(entry, separators=(",", ":")))


logger_class = JsonAccessLogger


class RefresherProcess:
    """The host's refresher (`python -m engine.refresher_process`), restarted (backoff) if it dies.

    Spawned with posix_spawn, not subprocess.Popen: Popen waits on a pipe that a worker forked
    by the master at the same moment would inherit and hold open, hanging the supervisor."""

    def __init__(self) -> None:
        self.config: Path | None = None  # the accepted copy of the configuration it runs on
        self.pid: int | None = None
        self.listeners: list[int] = []  # the master's listening sockets, not for the refresher
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def spawn_early(self, config: Path) -> None:
        """Start the process now, before the app is loaded and with no listening socket yet
        to close; start() supervises it later."""
        self.config = config
        self.pid = self._spawn()

    def start(self, log) -> None:
        """Start supervising (from the master, after the app is loaded); a process spawned
        early is adopted, not started twice."""
        self.stopping.clear()
        self.thread = threading.Thread(
            target=self._supervise, args=(log,), name="refresher-supervisor", daemon=True
        )
        self.thread.start()

    def _spawn(self) -> int:
        env = dict(os.environ)
        if self.config is not None:
            env["WALLBOARD_CONFIG"] = str(self.config)
        command = [sys.executable, "-m", "engine.refresher_process"]
        # gunicorn's listening sockets are inheritable; the refresher must not keep the port.
        close = [(os.POSIX_SPAWN_CLOSE, fd) for fd in self.listeners]
        # In the master's working directory: the project (chdir above).
        return os.posix_spawn(sys.executable, command, env, file_actions=close)

    def _supervise(self, log) -> None:
        delay = 1.0
        adopted = self.pid
        while not self.stopping.is_set():
            started = time.monotonic()
            if adopted is not None:
                log.info("refresher process %s started before the app loaded", adopted)
                adopted = None
            else:
                self.pid = self._spawn()
                log.info("refresher process %s started", self.pid)
            _wait(self.pid)
            if self.stopping.is_set():
                return
            # A refresher that ran a while restarts at once; one that keeps dying backs off.
            delay = 1.0 if time.monotonic() - started > 60 else min(delay * 2, 60.0)
            log.error("refresher process %s ended; restarting in %.0f s", self.pid, delay)
            self.stopping.wait(delay)

    def stop(self) -> None:
        """Stop it and wait (SIGTERM, then SIGKILL after 15 s)."""
        self.stopping.set()
        if self.pid is not None:
            _signal(self.pid, signal.SIGTERM)
        if self.thread is not None:
            self.thread.join(timeout=15)
            if self.thread.is_alive() and self.pid is not None:
                _signal(self.pid, signal.SIGKILL)
                self.thread.join(timeout=5)
        self.pid = None


def _wait(pid: int) -> None:
    """Until the process ends (reaped here, or by the master, which reaps its children too)."""
    while True:
        try:
            os.waitpid(pid, 0)
            return
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _refresher(server) -> RefresherProcess:
    # Kept on the arbiter, not in this module: gunicorn re-executes this file on HUP, and a new
    # module-level object would not know the running process. The first time, it is the one
    # started early (below), if any.
    if not hasattr(server, "wallboard_refresher"):
        server.wallboard_refresher = EARLY_REFRESHER or RefresherProcess()
    server.wallboard_refresher.listeners = [listener.fileno() for listener in server.LISTENERS]
    return server.wallboard_refresher


def _accepted_configuration(state_dir: Path | None = None):
    """Copy the configuration file as it is now and validate the copy. A valid copy becomes the
    one the refresher runs on (so a file edited later, or left broken, cannot stop a restarted
    refresher). Returns (settings, the accepted copy); ConfigError when the file is refused.

    Without `state_dir` (before the app is loaded) only the schema is checked: the rest of the
    checks (engine.build.check_settings) import most of the app, which would delay the early
    refresher by the very time it is meant to save; the preload runs them right after."""
    from config import DEFAULT_CONFIG, ConfigError, load_settings

    source = os.environ.get("WALLBOARD_CONFIG") or DEFAULT_CONFIG
    if state_dir is None:  # the state dir the file names, relative to the project
        state_dir = ROOT / load_settings(dict(os.environ)).state_dir
        check_settings = None
    else:
        from engine.build import check_settings
    state_dir.mkdir(parents=True, exist_ok=True)
    candidate = state_dir / ".refresher-config.candidate.yaml"
    accepted = state_dir / "refresher-config.yaml"
    # shutil.copy keeps the file's permission bits: the copy holds the same keys as the file.
    shutil.copy(source, candidate)
    try:
        settings = load_settings({**os.environ, "WALLBOARD_CONFIG": str(candidate)})
        if check_settings is not None:
            check_settings(settings)
    except ConfigError:
        candidate.unlink(missing_ok=True)
        raise
    os.replace(candidate, accepted)
    return settings, accepted


def _accept_configuration(server):
    """The configuration file as it is now, for the app's state dir (see
    _accepted_configuration); None with the reason logged when it is refused."""
    from config import ConfigError
    from engine.build import resolve

    board = server.app.wsgi().extensions["wallboard"]
    try:
        settings, accepted = _accepted_configuration(resolve(board.settings.state_dir))
    except ConfigError as exc:
        server.log.error("configuration refused, keeping the running one: %s", exc)
        return None
    _refresher(server).config = accepted
    return settings


def _start_refresher_early() -> RefresherProcess | None:
    """The refresher, started while gunicorn has only read this file, so its first fetches run
    while the master loads the app (about 1.9 s here). Only in gunicorn's master reading its
    configuration (not when a test or a tool reads this file), and once: gunicorn re-reads this
    file on SIGHUP, when the running refresher is restarted by on_reload instead. Nothing is
    started for a configuration that is refused: preloading the app then stops gunicorn with
    the reason."""
    if __name__ != "__config__" or os.environ.get(EARLY_MARK):
        return None
    os.environ[EARLY_MARK] = "1"
    from config import ConfigError

    try:
        _settings, accepted = _accepted_configuration()
    except (ConfigError, OSError):
        return None
    early = RefresherProcess()
    early.spawn_early(accepted)
    return early


EARLY_MARK = "WALLBOARD_REFRESHER_SPAWNED"
EARLY_REFRESHER = _start_refresher_early()


def when_ready(server) -> None:
    """Master ready, workers not forked yet: finish start-up work, then start the refresher."""
    board = server.app.wsgi().extensions.get("wallboard")
    warming = getattr(board, "warming", None)
    if warming is not None:
        # Forking while a thread builds calendars could copy a held lock into the workers.
        warming.join(timeout=30)
    # Dash sets itself up on its first request, and a worker's first burst of requests can find
    # it half done ("dash" is not a registered library: plotly/dash#3971), leaving a kiosk
    # blank. One request here, before the fork, sets it up once for every worker.
    response = server.app.wsgi().test_client().get("/healthz")
    if response.status_code != 200:
        server.log.error("the app did not answer /healthz before the fork: %s", response.status)
    _accept_configuration(server)
    _refresher(server).start(server.log)


def on_reload(server) -> None:
    """SIGHUP, before the new workers fork: apply the configuration file as it is now to the
    preloaded app, so every new worker (and every later recycled one) starts with it, then
    restart the refresher on it. A bad file is refused: the workers and the refresher keep the
    running configuration."""
    from engine.build import check_settings
    from web.endpoints import reload_settings

    settings = _accept_configuration(server)
    if settings is None:
        return
    board = server.app.wsgi().extensions["wallboard"]
    code, body = reload_settings(board, check_settings, settings)
    if code != 200:
        server.log.error("configuration not applied: %s", body["error"])
        return
    _refresher(server).stop()
    _refresher(server).start(server.log)


def on_exit(server) -> None:
    """The master is leaving: stop the refresher with it."""
    _refresher(server).stop()
