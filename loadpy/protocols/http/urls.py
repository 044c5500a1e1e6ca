"""URL validation with k6's (Go's) error codes: done once per prepared request."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from loadpy.protocols.http.errcodes import GENERIC, INVALID_URL, HttpFailure
from loadpy.protocols.http.h1 import UrlParts

__all__ = ["NotAUrl", "UrlError", "is_ip", "parse_url"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


class UrlError(Exception):
    """The URL cannot be requested: `failure` carries k6's code (1020 invalid, 1000 scheme/host)."""

    def __init__(self, failure: HttpFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class NotAUrl(str):
    """A script's URL argument that was not a string (k6's `ToURL`): the text is the value as Go's
    `%v` prints it; the request fails with 1020 `invalid URL: '#<value>'` and is never sent."""


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_url(url: str) -> UrlParts:
    """Split and validate `url`; raises UrlError with k6's error code and text."""
    if isinstance(url, NotAUrl):
        raise UrlError(HttpFailure(INVALID_URL, f"invalid URL: '#{url}'"))
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise UrlError(
            HttpFailure(INVALID_URL, f'invalid URL: parse "{url}": net/url: invalid control character in URL')
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlError(HttpFailure(INVALID_URL, f'invalid URL: parse "{url}": {exc}')) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UrlError(HttpFailure(GENERIC, f'unsupported protocol scheme "{scheme}"'))
    host = parts.hostname or ""
    if not host:
        raise UrlError(HttpFailure(GENERIC, "http: no Host in request URL"))
    if " " in host:
        raise UrlError(HttpFailure(INVALID_URL, f'invalid URL: parse "{url}": invalid character " " in host name'))
    default_port = _DEFAULT_PORTS[scheme]
    if port is None:
        port = default_port
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port == default_port else f"{shown}:{port}"
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    target = target.replace(" ", "%20")
    userinfo = ""
    if parts.username is not None:
        userinfo = f"{parts.username}:{parts.password or ''}"
    return UrlParts(scheme, host, port, target, host_header, userinfo)
