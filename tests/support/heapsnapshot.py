"""What a browser page's JS heap is made of: a V8 heap snapshot taken over the DevTools
protocol, summed by kind.

Chromium's `JSHeapUsedSize` (Performance.getMetrics) counts V8's own compiled code with the
page's objects. On a kiosk the code part grows for a while after every scene has been seen
once, as V8 optimises the functions that run on every tick (a snapshot of the endurance run
after 11 and 120 changes: +1.7 MB of code, +0.2 MB of everything else), then levels off. That is
not the page holding on to anything, so bench/endurance.py reports the two apart.

A snapshot streams in chunks (`HeapProfiler.addHeapSnapshotChunk` events), which Selenium's
`execute_cdp_cmd` cannot receive, so `take` opens its own DevTools connection to the page.
"""

from __future__ import annotations

import json
from collections import Counter

import requests

# V8's node types (the snapshot's meta.node_types[0]) by what they hold.
CODE = "compiled code"  # bytecode, optimised code, feedback vectors, inline caches
STRINGS = "strings"
OBJECTS = "objects"  # objects, arrays, closures, their shapes, numbers
NATIVE = "DOM and native"  # Blink's objects (the DOM, styles, timings): outside JSHeapUsedSize
KINDS = (OBJECTS, STRINGS, CODE, NATIVE)
_KIND_OF = {
    "code": CODE,
    "string": STRINGS,
    "concatenated string": STRINGS,
    "sliced string": STRINGS,
    "native": NATIVE,
}
TIMEOUT_S = 60


def composition(snapshot: dict) -> dict[str, int]:
    """Bytes (self sizes) by kind (KINDS) of a parsed .heapsnapshot. Node types not named in
    _KIND_OF are objects (the snapshot's synthetic roots have no size)."""
    meta = snapshot["snapshot"]["meta"]
    fields = meta["node_fields"]
    width = len(fields)
    types = meta["node_types"][0]
    at_type, at_size = fields.index("type"), fields.index("self_size")
    nodes = snapshot["nodes"]
    sizes: Counter[str] = Counter({kind: 0 for kind in KINDS})
    for i in range(0, len(nodes), width):
        sizes[_KIND_OF.get(types[nodes[i + at_type]], OBJECTS)] += nodes[i + at_size]
    return dict(sizes)


def page_socket(driver) -> str:
    """The DevTools WebSocket address of the page a ChromeDriver session drives."""
    address = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
    targets = requests.get(f"http://{address}/json", timeout=TIMEOUT_S).json()
    pages = [t for t in targets if t.get("type") == "page"]
    if len(pages) != 1:
        raise RuntimeError(f"expected one page in the browser, found {len(pages)}")
    return pages[0]["webSocketDebuggerUrl"]


def take(driver) -> dict:
    """A heap snapshot of the driver's page, parsed, after two garbage collections."""
    from websockets.sync.client import connect

    chunks: list[str] = []
    with connect(page_socket(driver), max_size=None, open_timeout=TIMEOUT_S) as socket:
        methods = [
            "HeapProfiler.enable",
            "HeapProfiler.collectGarbage",
            "HeapProfiler.collectGarbage",
            "HeapProfiler.takeHeapSnapshot",
        ]
        for number, method in enumerate(methods, 1):
            socket.send(json.dumps({"id": number, "method": method}))
        while True:
            message = json.loads(socket.recv(timeout=TIMEOUT_S))
            if message.get("method") == "HeapProfiler.addHeapSnapshotChunk":
                chunks.append(message["params"]["chunk"])
            elif message.get("id") == len(methods):
                if "error" in message:
                    raise RuntimeError(f"heap snapshot failed: {message['error']}")
                break
    return json.loads("".join(chunks))
