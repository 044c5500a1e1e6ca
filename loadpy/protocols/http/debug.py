"""`--http-debug[=full]` (k6's `httpDebug` option): every request and response logged as k6 prints them.

k6 wraps its transport in `httpDebugTransport`, which logs Go's `httputil.DumpRequestOut` before the
round trip and `httputil.DumpResponse` after it, `\\r\\n` turned into `\\n`, as
`level=info msg="Request:\\n<dump>\\n"` with the fields `source=http-debug vu iter request_id` and the
request's tags. The dumps are rebuilt here in Go's layout (measured against k6 v1.1.0):

* request: request line, `Host`, `User-Agent`, `Content-Length` (a body, or POST/PUT/PATCH), the other
  headers sorted by name, then `Accept-Encoding: gzip` unless set, a `Range` is set or it is a HEAD (Go's
  dump transport adds it); the body only with `full`.
* response: status line, `Connection: close` / `Transfer-Encoding: chunked` / `Content-Length` first as
  Go's transfer writer puts them, the other headers sorted (one line per value), `Content-Length: 0` last
  for an empty body; the body only with `full`, as it came (still compressed; a chunked one re-chunked
  as a single chunk).

The client holds one `HttpDebug` only when the option is set; otherwise its hook is a single `None` test.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from loadpy.protocols.http.h1 import LENGTH_REQUIRED_METHODS, UrlParts, canonical_header
from loadpy.protocols.http.model import Response

log = logging.getLogger("loadpy.http.debug")

# fields a LogRecord owns: a tag of that name cannot travel in `extra=` (logging refuses it)
_RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# Go's request writer emits these itself (reqWriteExcludeHeader); the response writer likewise
_REQUEST_OWN = frozenset(("Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer"))
_RESPONSE_OWN = frozenset(("Content-Length", "Transfer-Encoding", "Trailer"))
_NO_BODY_STATUSES = frozenset((204, 304))


class OutgoingRequest(Protocol):
    """What the dump reads of the client's PreparedRequest."""

    method: str
    parts: UrlParts | None
    headers: dict[str, str]
    body: bytes | None

    def cookie_value(self, jar_cookie: str) -> str: ...


def dump_request(
    method: str,
    target: str,
    host: str,
    headers: Mapping[str, str],
    cookie: str,
    body: bytes | None,
    *,
    full: bool,
) -> bytes:
    """Go's `httputil.DumpRequestOut(req, full)` of the request loadpy sends."""
    named = {canonical_header(name): value for name, value in headers.items()}
    if cookie:
        named["Cookie"] = cookie
    lines = [f"{method} {target} HTTP/1.1", f"Host: {named.get('Host', host)}"]
    if "User-Agent" in named:
        lines.append(f"User-Agent: {named['User-Agent']}")
    length = named.get("Content-Length", str(len(body)) if body else "0")
    if length != "0" or method in LENGTH_REQUIRED_METHODS:
        lines.append(f"Content-Length: {length}")
    lines.extend(f"{name}: {named[name]}" for name in sorted(named) if name not in _REQUEST_OWN)
    if "Accept-Encoding" not in named and "Range" not in named and method != "HEAD":
        lines.append("Accept-Encoding: gzip")
    head = ("\n".join(lines) + "\n\n").encode("latin-1")
    return head + body if full and body else head


def dump_response(
    resp: Response, header_lines: Iterable[tuple[str, str]], chunked: bool, *, full: bool, body: bytes | None = None
) -> bytes:
    """Go's `httputil.DumpResponse(resp, full)` of a received response; `body`: the bytes as they came
    when they differ from `resp.body` (a Content-Encoding body, which the client decoded)."""
    lines = [f"{resp.proto} {resp.status_text}"]
    rest: list[tuple[str, str]] = []
    close = False
    length: str | None = None
    for name, value in header_lines:
        if name == "Connection" and value.lower() == "close":
            close = True  # Go's reader moves it out of the header map into resp.Close
        elif name == "Content-Length":
            length = value
        elif name not in _RESPONSE_OWN:
            rest.append((name, value))
    status = resp.status
    if length is None and (status < 200 or status in _NO_BODY_STATUSES):
        length = "0"  # Go's reader: these statuses have no body, so a length of 0
    if length is None and not chunked and resp.proto != "HTTP/1.0":
        close = True  # Go's Response.Write: an unsized body from HTTP/1.1 on is delimited by the close
    if close:
        lines.append("Connection: close")
    length_sent = False
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    elif length is not None and (length != "0" or resp.method not in ("GET", "HEAD")):
        lines.append(f"Content-Length: {length}")
        length_sent = True
    lines.extend(f"{name}: {value}" for name, value in sorted(rest, key=lambda item: item[0]))
    if length == "0" and not length_sent and status >= 200 and status not in _NO_BODY_STATUSES:
        lines.append("Content-Length: 0")
    head = ("\n".join(lines) + "\n\n").encode("latin-1")
    body = (resp.body if body is None else body) or b""
    if not full or resp.method == "HEAD":
        return head
    if chunked:
        return head + (f"{len(body):x}\n".encode() + body + b"\n" if body else b"") + b"0\n\n"
    return head + body


def response_header_lines(resp: Response) -> tuple[list[tuple[str, str]], bool]:
    """(name, value) per header line, repeated headers apart (as Go prints them), and whether the body
    came chunked; from the raw HTTP/1.1 head when there is one."""
    headers = resp.headers  # (parses an HTTP/1.1 head, which fills its framing and Set-Cookie list)
    head = getattr(resp, "_head", None)  # the HTTP/1.1 parser's head keeps what the joined dict loses
    framing = getattr(head, "framing", "") if head is not None else ""
    set_cookies: list[str] = list(getattr(head, "set_cookies", ()) or ())
    lines: list[tuple[str, str]] = []
    for name, value in headers.items():
        if name == "Set-Cookie" and set_cookies:
            lines.extend(("Set-Cookie", cookie) for cookie in set_cookies)
        else:
            lines.append((name, value))
    return lines, "chunked" in framing.lower()


def _text(dump: bytes) -> str:
    # undecodable bytes stay as lone surrogates, which the log formatter prints as Go's \xNN
    return dump.replace(b"\r\n", b"\n").decode("utf-8", "surrogateescape")


class HttpDebug:
    """One VU's debug printer; `fields(record)` gives the log fields (vu, iter, the request's tags) of a
    request from the recording context it was sent with."""

    __slots__ = ("_encoded", "fields", "full")

    def __init__(self, mode: str) -> None:
        self.full = mode == "full"  # any other value prints the heads only, as k6
        self.fields: Callable[[Any], Mapping[str, object]] = lambda record: {}
        self._encoded: tuple[Response, bytes | None] | None = None  # the last response's body before decoding

    def keep_encoded(self, resp: Response) -> None:
        """Called before the client decodes `resp`'s body: k6 dumps it as it came, still compressed."""
        if self.full:
            self._encoded = (resp, resp.body)

    def request(self, req: OutgoingRequest, jar_cookie: str, record: Any = None) -> str:
        """Log the request about to be sent; returns its request_id for the response."""
        import uuid  # (with platform and friends: loaded by --http-debug runs only)

        request_id = str(uuid.uuid4())
        parts = req.parts
        target, host = (parts.target, parts.host_header) if parts is not None else ("/", "")
        cookie = req.cookie_value(jar_cookie)
        dump = dump_request(req.method, target, host, req.headers, cookie, req.body, full=self.full)
        self._log("Request", dump, request_id, record)
        return request_id

    def response(self, resp: Response, request_id: str, record: Any = None) -> None:
        """Log the response; nothing when none came (k6 logs no dump for a failed round trip)."""
        if resp.status == 0:
            return
        encoded, self._encoded = self._encoded, None
        body = encoded[1] if encoded is not None and encoded[0] is resp else None
        lines, chunked = response_header_lines(resp)
        self._log("Response", dump_response(resp, lines, chunked, full=self.full, body=body), request_id, record)

    def _log(self, kind: str, dump: bytes, request_id: str, record: Any) -> None:
        fields = {**self.fields(record), "source": "http-debug", "request_id": request_id}
        extra = {key: value for key, value in fields.items() if key not in _RESERVED}
        log.info("%s:\n%s\n", kind, _text(dump), extra=extra)
