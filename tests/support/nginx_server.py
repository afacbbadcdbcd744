"""Run nginx with the repository's deploy/nginx files on loopback, for tests.

The site, upstream and map files are pasted into a throwaway nginx.conf as they are, with two
substitutions: `listen 80;` becomes a free loopback port and the upstream's servers become the
given host:port list. Each substitution must happen exactly once, so a change to the files that
would make the tests run a different configuration than production fails here instead.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.support.paths import ROOT
from tests.support.services import free_port

NGINX_DIR = ROOT / "deploy" / "nginx"
SITE = NGINX_DIR / "wallboard.conf"
UPSTREAM = NGINX_DIR / "upstream.conf"
MAPS = NGINX_DIR / "maps.conf"

# The run of `server host:port params;` lines in upstream.conf, replaced as one block.
_SERVERS = re.compile(r"(?m)^([ \t]*)server[ \t]+\S+([^;\n]*);\n(?:[ \t]*server[ \t]+[^\n]*\n)*")
_LISTEN = re.compile(r"(?m)^([ \t]*)listen 80;$")


def nginx_binary() -> str | None:
    """The nginx executable (Debian installs it in /usr/sbin, often not on a user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def _substitute(pattern: re.Pattern[str], replace, text: str, what: str) -> str:
    result, count = pattern.subn(replace, text)
    if count != 1:
        raise AssertionError(
            f"{what}: expected exactly one match of {pattern.pattern!r}, got {count}"
        )
    return result


def render_config(upstreams: list[str], port: int, workdir: Path) -> str:
    """A complete nginx.conf: the deploy files with the test port and upstream servers.

    The files come in the order nginx's Docker image reads conf.d/*.conf (the site mounted as
    default.conf, then maps, then upstream), so the site uses both before they are defined.
    """
    if not upstreams:
        raise ValueError("at least one upstream host:port is needed")

    def servers(match: re.Match[str]) -> str:
        indent, params = match.group(1), match.group(2)
        return "".join(f"{indent}server {hostport}{params};\n" for hostport in upstreams)

    upstream = _substitute(_SERVERS, servers, UPSTREAM.read_text(), str(UPSTREAM))
    site = _substitute(
        _LISTEN, lambda m: f"{m.group(1)}listen 127.0.0.1:{port};", SITE.read_text(), str(SITE)
    )
    temp = workdir / "temp"
    # As root the workers would switch to nobody, who cannot write pytest's 0700 tmp dirs.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log info;
events {{
    worker_connections 256;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {workdir}/access.log;
    client_body_temp_path {temp}/client_body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;

# ---- {SITE.name}
{site}
# ---- {MAPS.name}
{MAPS.read_text()}
# ---- {UPSTREAM.name}
{upstream}
}}
"""


class NginxServer:
    """nginx in the foreground on a free loopback port, proxying to `upstreams` (host:port)."""

    def __init__(self, upstreams: list[str], workdir: Path) -> None:
        self.upstreams = list(upstreams)
        self.workdir = Path(workdir)
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def error_log(self) -> Path:
        return self.workdir / "error.log"

    def _command(self) -> list[str]:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed")
        conf = self.workdir / "nginx.conf"
        # -e: the error log used before the configuration is read (default /var/log/nginx).
        return [binary, "-p", f"{self.workdir}/", "-c", str(conf), "-e", str(self.error_log)]

    def _log_tail(self, chars: int = 3000) -> str:
        text = self.error_log.read_text() if self.error_log.exists() else "(no error log)"
        return text[-chars:]

    def start(self, timeout: float = 10) -> NginxServer:
        """Write the configuration, check it with `nginx -t`, start nginx, wait for the port."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.workdir / "temp" / name).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        conf = self.workdir / "nginx.conf"
        conf.write_text(render_config(self.upstreams, self.port, self.workdir))
        check = subprocess.run(
            [*self._command(), "-t", "-q"], capture_output=True, text=True, timeout=30
        )
        if check.returncode != 0:
            raise RuntimeError(
                f"nginx -t rejected {conf}:\n{check.stderr}{check.stdout}\n{self._log_tail()}"
            )
        output = open(self.workdir / "nginx.out", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [*self._command(), "-g", "daemon off;"],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stop() can then end the workers with the master
        )
        self._output = output
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (code := self.process.poll()) is not None:
                self.process = None
                self._output.close()
                raise RuntimeError(f"nginx exited with {code}:\n{self._log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"nginx did not listen on {self.port} within {timeout} s:\n{self._log_tail()}"
        )

    def stop(self, timeout: float = 10) -> None:
        """Graceful shutdown (SIGQUIT); the whole process group is killed if it hangs."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGQUIT)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=timeout)
        self._output.close()

    def __enter__(self) -> NginxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
