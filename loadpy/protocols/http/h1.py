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
    "ResponseParser",
    "UrlParts",
    "canonical_header",
    "canonical_header_bytes",
    "prepare_request",
]


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


@lru_cache(maxsize=4096)
def canonical_header(name: str) -> str:
    """Go's textproto canonical form ("content-type" -> "Content-Type"), memoised because names repeat."""
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
) -> bytes:
    """The request line and header block WITHOUT the final blank line (so a Cookie header can be appended).

    k6/Go send only Host and User-Agent by default, plus Content-Length when there is a body;
    `headers` overrides those (a user Host or User-Agent replaces the default).
    """
    host = url.host_header
    extra: list[str] = []
    has_length = False
    for name, value in headers:
        _check_header(name, value)
        lname = name.lower()
        if lname == "host":
            host = value
            continue
        if lname == "content-length":
            has_length = True
        extra.append(f"{name}: {value}\r\n")
    lines = [f"{method} {url.target} HTTP/1.1\r\nHost: {host}\r\n"]
    lines.extend(extra)
    if body is not None and (body or method not in ("GET", "HEAD")) and not has_length:
        lines.append(f"Content-Length: {len(body)}\r\n")
    return "".join(lines).encode("latin-1")


def prepare_request(
    method: str,
    url: UrlParts,
    headers: Iterable[tuple[str, str]],
    body: bytes | None,
) -> bytes:
    """The full wire bytes of one request (computed once for constant requests)."""
    head = prepare_head(method, url, headers, body)
    return head + b"\r\n" + body if body else head + b"\r\n"


class ResponseParser:
    """Incremental HTTP/1.1 response parser.

    Call `start(head=..., keep_body=...)` before each response, then `feed(data)` until it
    returns True (message complete). On connection EOF call `feed_eof()`: True when EOF
    legitimately ends a close-delimited body. Malformed input raises `ProtocolError`.
    Interim 1xx responses (100 Continue, 103 Early Hints) are skipped.
    """

    __slots__ = (
        "_head",
        "_headers_done",
        "_keep_body",
        "_parser",
        "_prefix",
        "body",
        "complete",
        "headers",
        "keep_alive",
        "reason",
        "set_cookies",
        "status",
        "version",
    )

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._head = False
        self._keep_body = True
        self.status = 0
        self.reason = ""
        self.version = "1.1"
        self.headers: dict[str, str] = {}  # canonical names, repeated headers joined by ", " (as k6)
        self.set_cookies: list[str] = []  # every Set-Cookie value, unjoined
        self.body: list[bytes] = []
        self.complete = False
        self.keep_alive = True
        self._headers_done = False
        self._prefix = bytearray()

    def start(self, head: bool = False, keep_body: bool = True) -> None:
        """Prepare for the next response on this connection (HEAD responses carry no body)."""
        if self._head:  # the previous response was to HEAD: llhttp still expects its body
            self._parser = httptools.HttpResponseParser(self)
        self._head = head
        self._keep_body = keep_body
        self.status = 0
        self.reason = ""
        self.headers = {}
        if self.set_cookies:
            self.set_cookies = []
        self.body = []
        self.complete = False
        self.keep_alive = True
        self._headers_done = False
        if self._prefix:
            self._prefix = bytearray()

    @property
    def started(self) -> bool:
        """True once any byte of the response was parsed."""
        return self._headers_done or bool(self._prefix)

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

    def feed(self, data: bytes | bytearray | memoryview) -> bool:
        if self.complete:
            if data:
                raise ProtocolError("unsolicited response received on idle HTTP channel")
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
            raise self._go_error(exc, data) from None
        if not self._headers_done:
            self._prefix += data  # kept only while the head is incomplete, to quote it in errors
        return self.complete

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
        return self.complete

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
        if "Content-Length" in self.headers or "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return False
        return not (self.status in (204, 304) or 100 <= self.status < 200)

    # httptools callbacks
    def on_status(self, status: bytes) -> None:
        self.reason += status.decode("latin-1")

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._headers_done:
            return  # chunked trailers are not response headers (Go keeps them apart)
        key = canonical_header_bytes(name)
        text = value.decode("latin-1")
        headers = self.headers
        previous = headers.get(key)
        headers[key] = text if previous is None else f"{previous}, {text}"
        if key == "Set-Cookie":
            self.set_cookies.append(text)

    def on_headers_complete(self) -> None:
        parser = self._parser
        self.status = parser.get_status_code()
        self.version = parser.get_http_version()
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
            self.reason = ""
            self.headers = {}
            self.set_cookies = []
            self._headers_done = False
            return
        self.keep_alive = self._parser.should_keep_alive()
        self.complete = True
