"""What the HTTP client hands back: a response with k6's fields and timing trail.

The client never records metrics; the VU layer records one set of http_* samples per
`Response` it is given (one per redirect hop) through the client's `on_response` hook.
"""

from __future__ import annotations

import json as _json
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(slots=True)
class Timings:
    """k6's timing breakdown of one request, in milliseconds.

    duration == sending + waiting + receiving exactly; connecting and tls_handshaking are
    parts of blocked (0 on a reused connection).

    Slots: one allocation, and every field read from the instance. The client's hot path makes one
    with `object.__new__` and stores all seven (a slot left unset could not be read).
    """

    blocked: float = 0.0
    looking_up: float = 0.0
    connecting: float = 0.0
    tls_handshaking: float = 0.0
    sending: float = 0.0
    waiting: float = 0.0
    receiving: float = 0.0

    @property
    def duration(self) -> float:
        return self.sending + self.waiting + self.receiving


_NEW = object.__new__


class LazyHead(Protocol):
    """A response head parsed on first use (the HTTP/1.1 parser's `ResponseHead`)."""

    @property
    def headers(self) -> dict[str, str]: ...

    @property
    def reason(self) -> str: ...


_FIELDS = (
    "method",
    "url",
    "status",
    "status_text",
    "proto",
    "headers",
    "body",
    "error",
    "error_code",
    "timings",
    "remote_ip",
    "remote_port",
    "tls_version",
    "request_headers",
    "request_body",
    "sent",
    "cookies",
    "end_time",
)


class Response:
    """One HTTP response (or the failed attempt: status 0, error and error_code set).

    Built once per request, so cheap to build: a plain class whose defaults are class attributes (an
    instance stores only what differs from them: `from_h1` sets a dozen fields), the headers and
    status text of an HTTP/1.1 response parsed from the raw head (`head`) only when read, and
    `cookies` made on first read.
    """

    # the defaults of the fields a response that went well does not set
    status = 0
    proto = ""
    body: bytes | None = None
    error = ""
    error_code = 0
    remote_ip = ""
    remote_port = 0
    tls_version = ""
    request_body: bytes | None = None
    request_cookie = ""  # the Cookie header sent (the user's, then the jar's), "" when none
    # the response of the first request when this one answers a redirect (k6's res.request is that request)
    first_hop: Response | None = None
    sent = True
    end_time = 0.0
    _status_text: str | None = ""
    _headers: dict[str, str] | None = None
    _head: LazyHead | None = None
    _cookies: dict[str, list[str]] | None = None
    _json_cache: Any = None
    _json_parsed = False

    def __init__(
        self,
        method: str,
        url: str,  # the URL this hop requested (final URL for the returned response)
        status: int = 0,
        status_text: str | None = "",  # "200 OK"; None: "<status> <reason>" from `head` when read
        proto: str = "",  # "HTTP/1.1" | "HTTP/2.0" | "" on network errors
        headers: dict[str, str] | None = None,  # canonical names ("Content-Type"); None: from `head`
        body: bytes | None = None,  # None when discarded (responseType none) or on error
        error: str = "",  # k6's error text, "" when none; stays "" for HTTP >= 400
        error_code: int = 0,  # k6's error code: 1000-1xxx, 1000+status for status >= 400
        timings: Timings | None = None,
        remote_ip: str = "",
        remote_port: int = 0,
        tls_version: str = "",  # "tls1.3" etc., "" for plain http
        request_headers: dict[str, str] | None = None,
        request_body: bytes | None = None,
        sent: bool = True,  # False for k6's 1020 invalid URL: no request made, no http_reqs sample
        cookies: dict[str, list[str]] | None = None,  # set by this response
        end_time: float = 0.0,  # clock.now() when the response completed (sample timestamp)
        head: LazyHead | None = None,
    ) -> None:
        self.method = method
        self.url = url
        self.status = status
        self._status_text = status_text
        self.proto = proto
        self._headers = headers if headers is not None or head is not None else {}
        self._head = head
        self.body = body
        self.error = error
        self.error_code = error_code
        self.timings = Timings() if timings is None else timings
        self.remote_ip = remote_ip
        self.remote_port = remote_port
        self.tls_version = tls_version
        self.request_headers = {} if request_headers is None else request_headers
        self.request_body = request_body
        self.sent = sent
        self._cookies = cookies
        self.end_time = end_time

    @classmethod
    def from_h1(
        cls,
        method: str,
        url: str,
        status: int,
        proto: str,
        timings: Timings,
        remote: tuple[str, int, str],
        request_headers: dict[str, str],
        request_body: bytes | None,
        end_time: float,
        head: LazyHead,
    ) -> Response:
        """A completed HTTP/1.1 exchange (the hot path): the fields that differ from the defaults, and
        those the recorder reads of every response (an attribute found on the instance is read faster
        than a class default); headers and status text come from `head` when read."""
        resp = _NEW(cls)  # (`cls.__new__` is a lookup the interpreter does not specialise)
        resp.method = method
        resp.url = url
        resp.status = status
        resp._status_text = None
        resp.proto = proto
        resp._head = head
        resp.timings = timings
        resp.remote_ip, resp.remote_port, resp.tls_version = remote
        resp.request_headers = request_headers
        resp.request_body = request_body
        resp.end_time = end_time
        resp.error = ""
        resp.error_code = 1000 + status if status >= 400 else 0
        resp.sent = True
        # what checks and the client set later, set now: CPython 3.11 shares an instance layout only
        # for the names stored while few instances existed, later ones cost a dict per response
        resp._headers = None
        resp._json_cache = None
        resp._json_parsed = False
        resp.request_cookie = ""
        return resp

    @property
    def cookies(self) -> dict[str, list[str]]:
        """The cookies this response set ({name: [values]})."""
        cookies = self._cookies
        if cookies is None:
            cookies = self._cookies = {}
        return cookies

    @cookies.setter
    def cookies(self, value: dict[str, list[str]]) -> None:
        self._cookies = value

    @property
    def headers(self) -> dict[str, str]:
        headers = self._headers
        if headers is None:
            assert self._head is not None
            headers = self._headers = self._head.headers
        return headers

    @headers.setter
    def headers(self, value: dict[str, str]) -> None:
        self._headers = value

    @property
    def status_text(self) -> str:
        text = self._status_text
        if text is None:
            reason = self._head.reason if self._head is not None else ""
            text = self._status_text = f"{self.status} {reason}"
        return text

    @status_text.setter
    def status_text(self, value: str) -> None:
        self._status_text = value

    def __repr__(self) -> str:
        return f"Response({', '.join(f'{name}={getattr(self, name)!r}' for name in _FIELDS)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Response):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _FIELDS)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaced

    @property
    def text(self) -> str:
        return "" if self.body is None else self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON (cached); raises ValueError when it isn't JSON."""
        if not self._json_parsed:
            if self.body is None:
                raise ValueError("the response has no body")
            self._json_cache = _json.loads(self.body)
            self._json_parsed = True
        return self._json_cache

    def header(self, name: str, default: str | None = None) -> str | None:
        """Case-insensitive header lookup."""
        value = self.headers.get(name)
        if value is not None:
            return value
        lowered = name.lower()
        for key, val in self.headers.items():
            if key.lower() == lowered:
                return val
        return default
