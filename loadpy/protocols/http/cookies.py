"""A per-VU cookie jar with RFC 6265 domain/path/expiry/secure rules (what Go's cookiejar does)."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["Cookie", "CookieJar", "parse_set_cookie"]


@dataclass(slots=True)
class Cookie:
    name: str
    value: str
    domain: str  # lower-case, no leading dot
    path: str
    host_only: bool = True
    secure: bool = False
    http_only: bool = False
    expires: float | None = None  # unix seconds; None = session cookie
    created: int = 0  # insertion order, for stable sorting


def _default_path(path: str) -> str:
    if not path.startswith("/"):
        return "/"
    i = path.rfind("/")
    return "/" if i == 0 else path[:i]


def parse_set_cookie(header: str, now: float) -> tuple[str, str, dict[str, str | None]] | None:
    """Split one Set-Cookie value into (name, value, lower-cased attributes); None when unusable."""
    parts = header.split(";")
    first = parts[0]
    if "=" not in first:
        return None
    name, _, value = first.partition("=")
    name = name.strip()
    value = value.strip()
    if not name:
        return None
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    attrs: dict[str, str | None] = {}
    for part in parts[1:]:
        key, eq, val = part.partition("=")
        attrs[key.strip().lower()] = val.strip() if eq else None
    return name, value, attrs


def _domain_match(host: str, domain: str) -> bool:
    return host == domain or (host.endswith("." + domain) and not _is_ip(host))


def _is_ip(host: str) -> bool:
    return ":" in host or host.replace(".", "").isdigit()


def _path_match(req_path: str, cookie_path: str) -> bool:
    if req_path == cookie_path:
        return True
    if req_path.startswith(cookie_path):
        return cookie_path.endswith("/") or req_path[len(cookie_path)] == "/"
    return False


class CookieJar:
    """Cookies keyed by (domain, path, name). `clock` returns unix seconds (injectable for tests)."""

    __slots__ = ("_clock", "_counter", "entries")

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        # read-only outside: every request tests `jar.entries` (a dict's truth, no `__bool__` call)
        self.entries: dict[tuple[str, str, str], Cookie] = {}
        self._clock = clock
        self._counter = 0

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def clear(self) -> None:
        self.entries.clear()

    def set_from_response(self, url: str, set_cookie_values: list[str]) -> dict[str, list[str]]:
        """Store the Set-Cookie values of a response to `url`; returns {name: [values]} accepted."""
        parts = urlsplit(url)
        return self.set_from_headers(parts.scheme, (parts.hostname or "").lower(), parts.path or "/", set_cookie_values)

    def set_from_headers(self, scheme: str, host: str, path: str, values: list[str]) -> dict[str, list[str]]:
        accepted: dict[str, list[str]] = {}
        now = self._clock()
        for header in values:
            parsed = parse_set_cookie(header, now)
            if parsed is None:
                continue
            name, value, attrs = parsed
            cookie = self._build(name, value, attrs, scheme, host, path, now)
            if cookie is None:
                continue
            key = (cookie.domain, cookie.path, cookie.name)
            if cookie.expires is not None and cookie.expires <= now:
                self.entries.pop(key, None)  # an expired Set-Cookie deletes
                continue
            old = self.entries.get(key)
            cookie.created = old.created if old else self._next()
            self.entries[key] = cookie
            accepted.setdefault(name, []).append(value)
        return accepted

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def _build(
        self, name: str, value: str, attrs: dict[str, str | None], scheme: str, host: str, path: str, now: float
    ) -> Cookie | None:
        domain_attr = (attrs.get("domain") or "").lower().lstrip(".")
        if domain_attr:
            if not _domain_match(host, domain_attr):
                return None  # a site may not set cookies for another domain
            domain, host_only = domain_attr, False
        else:
            domain, host_only = host, True
        cookie_path = attrs.get("path") or ""
        if not cookie_path.startswith("/"):
            cookie_path = _default_path(path)
        expires: float | None = None
        max_age = attrs.get("max-age")
        if max_age is not None:
            try:
                seconds = int(max_age)
            except ValueError:
                seconds = None  # type: ignore[assignment]
            if seconds is not None:
                expires = now + seconds if seconds > 0 else now - 1
        elif attrs.get("expires"):
            from email.utils import parsedate_to_datetime  # (the email package: for the cookies that carry a date only)

            try:
                expires = parsedate_to_datetime(attrs["expires"] or "").timestamp()
            except (TypeError, ValueError):
                expires = None
        secure = "secure" in attrs
        if secure and scheme != "https":
            pass  # Go's jar still stores it; it is simply never sent over http
        return Cookie(name, value, domain, cookie_path, host_only, secure, "httponly" in attrs, expires)

    def _matching(self, scheme: str, host: str, path: str) -> list[Cookie]:
        now = self._clock()
        out: list[Cookie] = []
        expired: list[tuple[str, str, str]] = []
        for key, c in self.entries.items():
            if c.expires is not None and c.expires <= now:
                expired.append(key)
                continue
            if c.host_only:
                if host != c.domain:
                    continue
            elif not _domain_match(host, c.domain):
                continue
            if not _path_match(path, c.path):
                continue
            if c.secure and scheme != "https":
                continue
            out.append(c)
        for key in expired:
            del self.entries[key]
        out.sort(key=lambda c: (-len(c.path), c.created))  # RFC 6265 5.4: longer paths first
        return out

    def header_for(self, scheme: str, host: str, path: str, replaced: Collection[str] = ()) -> str:
        """The Cookie header value for a request, "" when no cookie applies; cookies named in
        `replaced` are left out (k6's request cookies with `replace: true` take their place)."""
        if not self.entries:
            return ""
        matching = self._matching(scheme, host.lower(), path or "/")
        return "; ".join(f"{c.name}={c.value}" for c in matching if c.name not in replaced)

    def cookies_for_url(self, url: str) -> dict[str, list[str]]:
        """k6's jar.cookiesForURL: {name: [values]} that would be sent to `url`."""
        parts = urlsplit(url)
        out: dict[str, list[str]] = {}
        for c in self._matching(parts.scheme, (parts.hostname or "").lower(), parts.path or "/"):
            out.setdefault(c.name, []).append(c.value)
        return out

    def set(self, url: str, name: str, value: str, **attrs: str) -> None:
        """Add a cookie as if `url` had set it (k6's jar.set)."""
        header = f"{name}={value}" + "".join(f"; {k}={v}" for k, v in attrs.items())
        self.set_from_response(url, [header])
