"""What the HTTP client hands back: a response with k6's fields and timing trail.

The client never records metrics; the VU layer records one set of http_* samples per
`Response` it is given (one per redirect hop) through the client's `on_response` hook.
"""

from __future__ import annotations

import json as _json
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Timings:
    """k6's timing breakdown of one request, in milliseconds.

    duration == sending + waiting + receiving exactly; connecting and tls_handshaking are
    parts of blocked (0 on a reused connection).
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


@dataclass(slots=True)
class Response:
    """One HTTP response (or the failed attempt: status 0, error and error_code set)."""

    method: str
    url: str  # the URL this hop requested (final URL for the returned response)
    status: int = 0
    status_text: str = ""  # "200 OK"
    proto: str = ""  # "HTTP/1.1" | "HTTP/2.0" | "" on network errors
    headers: dict[str, str] = field(default_factory=dict)  # canonical names ("Content-Type")
    body: bytes | None = None  # None when discarded (responseType none) or on error
    error: str = ""  # k6's error text, "" when none; stays "" for HTTP >= 400
    error_code: int = 0  # k6's error code: 1000-1xxx, 1000+status for status >= 400
    timings: Timings = field(default_factory=Timings)
    remote_ip: str = ""
    remote_port: int = 0
    tls_version: str = ""  # "tls1.3" etc., "" for plain http
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: bytes | None = None
    sent: bool = True  # False for k6's 1020 invalid URL: no request made, no http_reqs sample
    cookies: dict[str, list[str]] = field(default_factory=dict)  # set by this response
    end_time: float = 0.0  # clock.now() when the response completed (sample timestamp)
    _json_cache: Any = field(default=None, repr=False)
    _json_parsed: bool = field(default=False, repr=False)

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
