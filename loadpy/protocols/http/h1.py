"""Sans-I/O HTTP/1.1: request serialisation and a response state machine on httptools.

No sockets here: the connection driver feeds received bytes to `ResponseParser.feed` and
reads the parsed status, headers and body off the parser when `feed` reports completion.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import httptools

__all__ = [
    "ProtocolError",
    "ResponseHead",
    "ResponseParser",
    "UrlParts",
    "canonical_header",
    "canonical_header_bytes",
    "prepare_request",
    "wire_payload",
]


# Go's Transport.MaxResponseHeaderBytes default (10 MiB): k6 fails a response whose head is longer
MAX_RESPONSE_HEAD = 10 << 20
# the presence tests lower a response's first read whole up to this size, and only its heads above it
LOWER_WHOLE_UP_TO = 1024


class ProtocolError(Exception):
    """The peer sent something that is not a valid HTTP/1.1 response (k6 error 1000)."""


class UrlParts:
    """The pieces of a validated URL that request serialisation and the pool need."""

    __slots__ = ("host", "host_header", "port", "scheme", "target", "userinfo")

    def __init__(self, scheme: str, host: str, port: int, target: str, host_header: str, userinfo: str = "") -> None:
        self.scheme = scheme  # "http" | "https"
        self.host = host  # bare host (IPv6 without brackets)
        self.port = port
        self.target = target  # origin-form request target: path[?query]
        self.host_header = host_header  # host[:port], port omitted when default
        self.userinfo = userinfo  # "user:pass" from the URL, "" when absent

    def __repr__(self) -> str:
        return f"UrlParts({self.scheme!r}, {self.host!r}, {self.port}, {self.target!r})"


_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


@lru_cache(maxsize=4096)
def canonical_header(name: str) -> str:
    """Go's textproto canonical form ("content-type" -> "Content-Type"), memoised because names repeat;
    a name with a byte that is not a token character stays as it is (Go's CanonicalMIMEHeaderKey)."""
    if not _TOKEN.issuperset(name):
        return name
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


@lru_cache(maxsize=4096)
def canonical_header_bytes(name: bytes) -> str:
    """`canonical_header` straight from the wire bytes (one cached call per response header)."""
    return canonical_header(name.decode("latin-1"))


def _check_header(name: str, value: str) -> None:
    if not name or any(c in name for c in " \t\r\n:") or "\r" in value or "\n" in value:
        raise ValueError(f"invalid header field {name!r}")


def prepare_head(
    method: str,
    url: UrlParts,
    headers: Iterable[tuple[str, str]],
    body: bytes | None,
) -> tuple[bytes, bytes]:
    """The request line and header block WITHOUT the final blank line, in two parts: the Cookie
    header (the jar's, known when sending) goes between them.

    k6/Go send only Host and User-Agent by default, plus Content-Length when there is a body;
    `headers` overrides those (a user Host or User-Agent replaces the default). Go's order: Host,
    User-Agent, the body's framing, then every other header sorted by name (Header.Write).
    """
    host = url.host_header
    agent = ""
    length = ""
    rest: list[tuple[str, str]] = []
    for name, value in headers:
        _check_header(name, value)
        lname = name.lower()
        if lname == "host":
            host = value
        elif lname == "user-agent":
            agent = f"{name}: {value}\r\n"
        elif lname == "content-length":
            length = f"{name}: {value}\r\n"
        else:
            rest.append((name, value))
    rest.sort(key=_by_name)
    before = [f"{method} {url.target} HTTP/1.1\r\nHost: {host}\r\n{agent}{length or _framing_header(method, body)}"]
    after: list[str] = []
    for name, value in rest:
        (before if name < "Cookie" else after).append(f"{name}: {value}\r\n")
    return "".join(before).encode("latin-1"), "".join(after).encode("latin-1")


def _by_name(header: tuple[str, str]) -> str:
    return header[0]


# Go's requestMethodUsuallyLacksBody: an empty body is probed and dropped for these
_BODYLESS_METHODS = frozenset(("GET", "HEAD", "DELETE", "OPTIONS", "PROPFIND", "SEARCH"))
# Go's shouldSendContentLength: "many servers expect a Content-Length for these methods"
LENGTH_REQUIRED_METHODS = frozenset(("POST", "PUT", "PATCH"))
_EMPTY_CHUNKED = b"0\r\n\r\n"


def _framing_header(method: str, body: bytes | None) -> str:
    """Go's choice for the body framing: a length for a body, `Content-Length: 0` for a POST/PUT/PATCH
    without one, and chunked for an empty (unsized) body on a method that usually carries one."""
    if body:
        return f"Content-Length: {len(body)}\r\n"
    if body is None:
        return "Content-Length: 0\r\n" if method in LENGTH_REQUIRED_METHODS else ""
    return "" if method in _BODYLESS_METHODS else "Transfer-Encoding: chunked\r\n"


def wire_payload(method: str, headers: Iterable[tuple[str, str]], body: bytes | None) -> bytes:
    """The bytes after the head: the body, or the empty chunked body `_framing_header` announced."""
    if body:
        return body
    if body is None or method in _BODYLESS_METHODS or any(n.lower() == "content-length" for n, _ in headers):
        return b""
    return _EMPTY_CHUNKED


def prepare_request(
    method: str,
    url: UrlParts,
    headers: Iterable[tuple[str, str]],
    body: bytes | None,
) -> bytes:
    """The full wire bytes of one request (computed once for constant requests)."""
    headers = list(headers)
    before, after = prepare_head(method, url, headers, body)
    return before + after + b"\r\n" + wire_payload(method, headers, body)


_NO_COOKIES: list[str] = []  # never appended to


class ResponseHead:
    """The head of one response, kept as the raw bytes the parser saw and parsed on first use.

    httptools calls back per header only when the protocol defines `on_header`; a load test
    rarely reads the headers, so that work (~1.6 µs per response) is deferred to here.
    """

    # Slots, every one set by `_set`: the parser makes one per response, and an instance of a plain
    # class made after many others gets a dict of its own for the attributes first set late (CPython
    # 3.11 shares an instance-dict layout only as far as the first instances filled it), which made
    # every response's head stores the slow, generic ones.
    # No `__init__`: `ResponseHead()` then is a type call that runs no Python (~50 ns less than
    # `object.__new__(ResponseHead)`, whose C wrapper builds and slices an argument tuple); `_set`
    # fills every slot.
    __slots__ = ("_headers", "_lower", "_reason", "_set_cookies", "framing", "heads", "proto", "rare", "raw")

    def _set(self, raw: bytes, heads: int) -> None:
        """Every slot (the parser calls this on each new instance: see `ResponseParser.feed`)."""
        self.raw = raw  # the bytes fed up to and including the final head (maybe some body too)
        self.heads = heads  # heads completed in `raw`: interim 1xx heads precede the final one
        # set by `ResponseParser.feed` when it stores the final head, so that the client reads two
        # attributes per response instead of calling a property and a method
        self.proto = "HTTP/1.1"  # the final head's protocol as k6 names it ("HTTP/1.1", "HTTP/1.0")
        self.rare = False  # `may_have_cookies_or_encoding()`: False when neither header is in the head
        self._lower = b""  # `raw` lowered (its heads only when it is long: `_lowered`), for the presence tests
        self._headers: dict[str, str] | None = None
        self._reason = ""
        self._set_cookies = _NO_COOKIES  # `_parse` makes the head's own list
        self.framing = ""  # the Transfer-Encoding header, which `headers` leaves out (as Go)

    @property
    def headers(self) -> dict[str, str]:
        """Canonical names, repeated headers joined by ", " (as k6); trailers excluded (as Go)."""
        if self._headers is None:
            return self._parse()
        return self._headers

    @property
    def reason(self) -> str:
        if self._headers is None:
            self._parse()
        return self._reason

    @property
    def set_cookies(self) -> list[str]:
        """Every Set-Cookie value, unjoined."""
        if self._headers is None:
            if not self.may_have(b"set-cookie"):
                return []  # the common case, without parsing the head
            self._parse()
        return self._set_cookies

    @property
    def version(self) -> str:
        """The final head's HTTP version ("1.1" before any head)."""
        raw = self.raw
        if self.heads == 1 and raw.startswith(b"HTTP/1.1 "):
            return "1.1"
        start = self._final_start()
        if not raw:
            return "1.1"
        return raw[start + 5 : raw.index(b" ", start)].decode("latin-1")  # llhttp checked "HTTP/d.d "

    def _final_start(self) -> int:
        """Where the final head starts in `raw` (interim 1xx heads have no body)."""
        start = 0
        for _ in range(self.heads - 1):
            start = self.raw.index(b"\r\n\r\n", start) + 4
        return start

    def may_have(self, *lowercase_names: bytes) -> bool:
        """False when no header of any of these names is in the head (True may be wrong: an interim head's,
        or body bytes of a short response). One call tests all the names a caller needs."""
        if self._headers is not None:
            return True
        lower = self._lower or self._lowered()
        for name in lowercase_names:  # noqa: SIM110  (any() of a generator costs more, per response)
            if lower.find(name) >= 0:  # (find: about half the cost of `in` on 3.11)
                return True
        return False

    def may_have_cookies_or_encoding(self) -> bool:
        """`may_have(b"set-cookie", b"content-encoding")`, as the parser found it when it stored the
        final head (`rare`)."""
        return self._headers is not None or self.rare

    def _lowered(self) -> bytes:
        """`raw` lowered for the presence tests; above `LOWER_WHOLE_UP_TO` bytes its heads only, without
        the body bytes that came in the same read: lowering and searching a body of some KB that arrived
        with its head cost more than the rest of the request (8 KB: ~14 µs instead of ~1.5), while for a
        short response finding the head's end costs more than lowering it whole."""
        raw = self.raw
        if len(raw) > LOWER_WHOLE_UP_TO:
            end = raw.find(b"\r\n\r\n", 0 if self.heads <= 1 else self._final_start())
            if end >= 0:
                raw = raw[:end]
        lower = self._lower = raw.lower()
        return lower

    def _parse(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        raw = self.raw
        if not raw:
            return headers  # no final head yet: nothing to cache
        self._headers = headers
        start = self._final_start()
        end = raw.find(b"\r\n\r\n", start)
        lines = raw[start : end if end >= 0 else len(raw)].split(b"\r\n")
        status_line = lines[0].split(b" ", 2)
        if len(status_line) > 2:
            self._reason = status_line[2].decode("latin-1")
        # llhttp validated the head already: strict CRLF, no obs-fold, token names, no trailing spaces
        set_cookies: list[str] = []
        self._set_cookies = set_cookies
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            key = canonical_header_bytes(name)
            text = value.lstrip(b" \t").decode("latin-1")
            previous = headers.get(key)
            headers[key] = text if previous is None else f"{previous}, {text}"
            if key == "Set-Cookie":
                set_cookies.append(text)
        if "Transfer-Encoding" in headers:
            self.framing = headers.pop("Transfer-Encoding")
            # Go moves Transfer-Encoding out of the header map, and a chunked body's Content-Length with it
            if "chunked" in self.framing.lower():
                headers.pop("Content-Length", None)
        return headers


# a parser's head until the final head of its response is stored: empty, so nothing read of it is kept
NO_HEAD = ResponseHead()
NO_HEAD._set(b"", 0)


class ResponseParser:
    """Incremental HTTP/1.1 response parser.

    Call `start(head=..., keep_body=...)` before each response, then `feed(data)` until it
    returns True (message complete). On connection EOF call `feed_eof()`: True when EOF
    legitimately ends a close-delimited body. Malformed input raises `ProtocolError`.
    Interim 1xx responses (100 Continue, 103 Early Hints) are skipped.
    """

    __slots__ = (
        "_head",
        "_head_stored",
        "_headers_done",
        "_heads",
        "_keep_body",
        "_lenient",
        "_parser",
        "_prefix",
        "_seen_found",
        "_seen_parse",
        "_seen_raw",
        "_seen_whole",
        "body",
        "complete",
        "head",
        "keep_alive",
        "status",
    )

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._head = False
        self._keep_body = True
        self.status = 0
        self.head = NO_HEAD  # a new one per response once its final head is stored: a Response keeps it
        self.body: list[bytes] = []
        self.complete = False
        self.keep_alive = True
        self._headers_done = False
        self._prefix = bytearray()
        self._lenient = False  # this response has both Content-Length and Transfer-Encoding
        # the last short final head stored on this connection and what `feed` found in it: the same
        # bytes again (a server's next response within the same second of its Date header) are the
        # same answers, found by one comparison instead of a lowered copy and two searches
        self._seen_raw = b""
        self._seen_found: tuple[str, bool] = ("HTTP/1.1", False)  # (proto, rare)
        # the last short response on this connection that came whole in one read (its head and exactly
        # its Content-Length body, nothing after) and what parsing it gave: the same bytes again, fed at
        # the start of a response, are the same parse, replayed without httptools and its three
        # callbacks (llhttp is back at a message's start after either). Kept when the same read was
        # parsed twice in a row, so that responses that all differ pay no check of their framing.
        self._seen_whole: bytes | None = None
        self._seen_parse: tuple[int, bool, bytes, str, bool] = (0, True, b"", "HTTP/1.1", False)
        # (the parser's own slots, not the head's: a fresh head's class defaults read slower)
        self._heads = 0  # heads completed so far in this response (`ResponseHead.heads` once stored)
        self._head_stored = False  # the final head is in `head.raw`

    def start(self, head: bool = False, keep_body: bool = True) -> None:
        """Prepare for the next response on this connection (HEAD responses carry no body)."""
        if self._head or self._lenient:  # after HEAD llhttp still expects a body; leniency is per response
            self._parser = httptools.HttpResponseParser(self)
            self._lenient = False
        self._head = head
        self._keep_body = keep_body
        self.status = 0
        self.head = NO_HEAD
        self.body = []
        self.complete = False
        self.keep_alive = True
        self._headers_done = False
        self._heads = 0
        self._head_stored = False
        if self._prefix:
            self._prefix = bytearray()

    def discard(self) -> None:
        """Drop what a failed response left buffered (up to a 10 MiB partial head, a partial body).

        The httptools parser calls back into this object, so the two form a cycle that only the
        cyclic GC frees, late and for whole generations at once: a run whose requests fail at the
        head limit otherwise kept one 10 MiB buffer per failed request alive (470 MB seen).
        """
        self._prefix = bytearray()
        self.body = []

    @property
    def started(self) -> bool:
        """True once any byte of the response was parsed."""
        return self._headers_done or bool(self._prefix)

    @property
    def in_body(self) -> bool:
        """True once the final head was parsed and before the message completed."""
        return self._headers_done and not self.complete

    @property
    def in_head(self) -> bool:
        """True while part of the status line / headers has arrived but not all of it."""
        return bool(self._prefix) and not self._headers_done

    def eof_in_head_error(self) -> str:
        """Go's error when the stream ends inside the head, by FIN or RST alike: it parses what came."""
        status, sep, rest = bytes(self._prefix).decode("latin-1").partition("\r\n")
        if not sep:  # the status line itself is cut short
            if " " not in status:
                return f'malformed HTTP response "{status}"'
            code = status.split(" ", 2)[1]
            if len(code) != 3 or not code.isdigit():
                return f'malformed HTTP status code "{code}"'
            return "unexpected EOF"
        last = rest.rsplit("\r\n", 1)[-1]
        if last and ":" not in last:
            return f'malformed MIME header: missing colon: "{last}"'
        return "unexpected EOF"

    def _remember_whole(self, raw: bytes) -> None:
        """Keep `raw` for `feed` to replay when it is one whole response as parsed now: complete, one
        head, kept alive, and the head's end plus the body is its length (so identity framing, nothing
        after it: a chunked body's framing, or a next response's bytes, would make it longer)."""
        body = self.body
        if not (self.complete and self._heads == 1 and self.status >= 200 and self._keep_body) or len(body) > 1:
            return
        if not self.keep_alive:  # (llhttp refuses any byte after it: nothing to replay)
            return
        if self._head or self._lenient:
            return
        chunk = body[0] if body else b""
        end = raw.find(b"\r\n\r\n")
        if end >= 0 and end + 4 + len(chunk) == len(raw):
            head = self.head
            self._seen_whole = raw
            self._seen_parse = (self.status, self.keep_alive, chunk, head.proto, head.rare)

    def feed(self, data: bytes | bytearray | memoryview) -> bool:
        if self.complete:
            if data:
                raise ProtocolError("unsolicited response received on idle HTTP channel")
            return True
        if (
            data == self._seen_whole
            and self.head is NO_HEAD  # no head stored yet, and no part of one buffered: a response's first bytes
            and not self._prefix
            and self._keep_body
            and not self._head
        ):
            # (what the callbacks and the head store below set for these bytes: see `_seen_whole`)
            self.status, self.keep_alive, body, proto, rare = self._seen_parse
            head = self.head = ResponseHead()
            head._set(self._seen_whole, 1)  # (bytes even when `data` is an equal bytearray)
            head.proto, head.rare = proto, rare
            self._heads = 1
            self._headers_done = self._head_stored = self.complete = True
            if body:
                self.body.append(body)
            return True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, ProtocolError):
                raise exc.__context__ from None
            raise ProtocolError(f"malformed HTTP response: {exc}") from None
        except httptools.HttpParserUpgrade:
            pass  # 101 Switching Protocols: the message is complete at the headers
        except httptools.HttpParserError as exc:
            if not self._headers_done and not self._lenient and "can't be present with" in str(exc):
                return self._feed_leniently(data)
            raise self._go_error(exc, data) from None
        if not self._headers_done:
            self._prefix += data  # kept only while the head is incomplete, to quote it in errors
            if len(self._prefix) > MAX_RESPONSE_HEAD:
                raise ProtocolError(f"net/http: server response headers exceeded {MAX_RESPONSE_HEAD} bytes; aborted")
        elif not self._head_stored:  # the final head completed in this chunk: keep it for lazy parsing
            self._head_stored = True
            if self._prefix:
                raw = bytes(self._prefix) + bytes(data)
            elif type(data) is bytes:  # (the connection hands over bytes: no `bytes()` call for them)
                raw = data
            else:
                raw = bytes(data)
            head = self.head = ResponseHead()
            head._set(raw, self._heads)
            # what the client reads of every response, found here (no call): `proto`, and `rare`
            # (one lowered copy, two finds)
            if raw == self._seen_raw:
                head.proto, head.rare = self._seen_found
                if raw is data:  # the same read parsed twice in a row: kept for `feed` to replay if it can be
                    self._remember_whole(raw)
            else:
                proto = head.proto = (
                    "HTTP/1.1" if head.heads == 1 and raw.startswith(b"HTTP/1.1 ") else f"HTTP/{head.version}"
                )
                lower = head._lower = raw.lower() if len(raw) <= LOWER_WHOLE_UP_TO else head._lowered()
                rare = head.rare = lower.find(b"set-cookie") >= 0 or lower.find(b"content-encoding") >= 0
                if len(raw) <= LOWER_WHOLE_UP_TO:
                    self._seen_raw = raw
                    self._seen_found = (proto, rare)
            if self._lenient and self.complete:
                self.keep_alive = self._go_keep_alive()
        return self.complete

    def _feed_leniently(self, data: bytes | bytearray | memoryview) -> bool:
        """Both Content-Length and Transfer-Encoding: Go reads such a response (Transfer-Encoding wins),
        llhttp refuses it. Parse the whole head again on a lenient parser (only this response pays)."""
        self._lenient = True
        self._parser = httptools.HttpResponseParser(self)
        self._parser.set_dangerous_leniencies(lenient_chunked_length=True)
        self._heads = 0
        data = bytes(self._prefix) + bytes(data)
        self._prefix = bytearray()
        return self.feed(data)

    def _go_keep_alive(self) -> bool:
        return self.version != "1.0" and "close" not in self.headers.get("Connection", "").lower()

    def _go_error(self, exc: Exception, data: bytes | bytearray | memoryview) -> ProtocolError:
        """Go's wording for the common malformations (k6 shows Go's text)."""
        if self._headers_done:
            if "chunk" in str(exc).lower():
                return ProtocolError("invalid byte in chunk length")
            return ProtocolError(f"malformed HTTP response body: {exc}")
        line = (bytes(self._prefix) + bytes(data)).split(b"\r\n", 1)[0].decode("latin-1")
        if not line.startswith("HTTP/"):
            return ProtocolError(f'malformed HTTP response "{line}"')
        fields = line.split(" ", 2)
        if len(fields) < 2 or len(fields[1]) != 3 or not fields[1].isdigit():
            return ProtocolError(f'malformed HTTP status code "{fields[1] if len(fields) > 1 else ""}"')
        for header in (bytes(self._prefix) + bytes(data)).split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
            if b":" not in header:  # Go's textproto names the offending line
                return ProtocolError(f'malformed MIME header: missing colon: "{header.decode("latin-1")}"')
        return ProtocolError(f"malformed MIME header: {exc}")

    def feed_eof(self) -> bool:
        """The peer closed: True if that completes the response (a body delimited by close)."""
        if self.complete:
            return True
        if self._headers_done and not self._head and self._reads_until_close():
            self.complete = True
            self.keep_alive = False
            return True
        return False

    def _reads_until_close(self) -> bool:
        headers = self.headers
        if "Content-Length" in headers or "chunked" in self.head.framing.lower():
            return False
        return not (self.status in (204, 304) or 100 <= self.status < 200)

    # -- the head, parsed on demand (see ResponseHead)
    @property
    def headers(self) -> dict[str, str]:
        return self.head.headers

    @property
    def reason(self) -> str:
        return self.head.reason

    @property
    def version(self) -> str:
        """ "1.1", "1.0" (read from the head: httptools' get_http_version formats a new string)."""
        return self.head.version

    @property
    def set_cookies(self) -> list[str]:
        return self.head.set_cookies

    # httptools callbacks (no on_header / on_status: ResponseHead parses the head when read)
    def on_headers_complete(self) -> None:
        self._heads += 1
        parser = self._parser
        self.status = parser.get_status_code()
        self._headers_done = True
        if self._head and self.status >= 200:
            # no body follows a HEAD response, whatever Content-Length says
            self.keep_alive = parser.should_keep_alive()
            self.complete = True

    def on_body(self, body: bytes) -> None:
        if self._head:
            raise ProtocolError("unexpected body in response to HEAD")
        if self._keep_body:
            self.body.append(body)

    def on_message_complete(self) -> None:
        if self._head:
            return
        if 100 <= self.status < 200 and self.status != 101:
            # interim response: wait for the final one
            self.status = 0
            self._headers_done = False
            return
        if self._lenient:  # llhttp never keeps such a connection alive; Go does
            if self.head.raw:  # (else feed() decides once it has stored the head)
                self.keep_alive = self._go_keep_alive()
        else:
            self.keep_alive = self._parser.should_keep_alive()
        self.complete = True
