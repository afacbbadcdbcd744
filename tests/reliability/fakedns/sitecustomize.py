"""Test-only name resolution for the app's processes, loaded through PYTHONPATH by
tests/reliability: names ending in ".test" resolve from the JSON file named by
WALLBOARD_TEST_HOSTS ({"name": "127.0.0.1"}); a name missing from it fails as a DNS lookup
does (EAI_NONAME). Other names resolve as usual. The file is read at every lookup, so a test
can take a name away and give it back while the app runs."""

import json
import os
import socket

_HOSTS = os.environ.get("WALLBOARD_TEST_HOSTS")

if _HOSTS:
    _real_getaddrinfo = socket.getaddrinfo

    def _getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and name.endswith(".test"):
            try:
                with open(_HOSTS, encoding="utf-8") as handle:
                    table = json.load(handle)
            except (OSError, ValueError):
                table = {}
            if name not in table:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            host = table[name]
        return _real_getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = _getaddrinfo
