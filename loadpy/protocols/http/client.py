"""The per-VU HTTP client: keep-alive pool, redirects, cookies, TLS, HTTP/2 and k6's error codes.

One `HttpClient` per VU. It never records metrics: it calls `on_response` once per hop and
accumulates wire bytes in `bytes_sent` / `bytes_received`. Errors never raise: they come back
as a `Response` with status 0 and k6's `error` / `error_code`.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import socket
import ssl
import tempfile
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote, urljoin, urlsplit

from loadpy.clock import now
from loadpy.errors import ConfigError
from loadpy.protocols.http.auth import DIGEST, digest_authorization, parse_challenge
from loadpy.protocols.http.cert_validity import validity_failure
from loadpy.protocols.http.ciphers import openssl_cipher_list, validate_cipher_suites
from loadpy.protocols.http.connection import ByteCounter, H1Connection, connect
from loadpy.protocols.http.cookies import CookieJar
from loadpy.protocols.http.debug import HttpDebug
from loadpy.protocols.http.decoding import DecodeError, decode_body
from loadpy.protocols.http.dialing import DialFailure, Dialing, HostnameBlocklist, IpPool, parse_blacklist, parse_dns
from loadpy.protocols.http.errcodes import (
    CONN_REFUSED,
    DECOMPRESSION,
    DNS_NO_SUCH_HOST,
    INVALID_URL,
    TIMEOUT,
    HttpFailure,
    from_exception,
    is_validity_error,
)
from loadpy.protocols.http.h1 import (
    LENGTH_REQUIRED_METHODS,
    UrlParts,
    canonical_header,
    canonical_header_bytes,
    prepare_head,
    wire_payload,
)
from loadpy.protocols.http.model import Response, Timings
from loadpy.protocols.http.ratelimit import RequestRateLimiter
from loadpy.protocols.http.urls import UrlError, parse_url
from loadpy.version import USER_AGENT

if TYPE_CHECKING:
    from loadpy.protocols.http.h2 import H2Connection

__all__ = ["HttpClient", "HttpOptions", "OnResponse", "PreparedRequest"]

log = logging.getLogger("loadpy.http")

_TLS_VERSIONS = {
    "tls1.0": ssl.TLSVersion.TLSv1,
    "tls1.1": ssl.TLSVersion.TLSv1_1,
    "tls1.2": ssl.TLSVersion.TLSv1_2,
    "tls1.3": ssl.TLSVersion.TLSv1_3,
}
_REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
_RESPONSE_TYPES = ("text", "binary", "none")
_MS = 1000.0
_NEW = object.__new__  # a Timings without its __init__ call (the hot path stores all its fields)
_FROM_H1 = Response.from_h1  # (a classmethod read off its class is a lookup the interpreter does not specialise)

# Called once per response (every redirect hop) with the `record` its `send` was given: what the
# caller records it under (tags, name, group), so concurrent and batched requests never mix up.
OnResponse = Callable[[Response, Any], None]


@dataclass
class HttpOptions:
    """k6's HTTP-related options (snake_case). Shared by every VU's client; treat as read-only."""

    max_redirects: int = 10
    timeout: float = 60.0  # seconds
    discard_response_bodies: bool = False
    no_connection_reuse: bool = False
    user_agent: str = USER_AGENT
    insecure_skip_tls_verify: bool = False
    tls_version_min: str | None = None
    tls_version_max: str | None = None
    tls_auth: list[dict[str, Any]] = field(default_factory=list)  # [{domains: [...], cert: PEM, key: PEM}]
    batch: int = 20
    batch_per_host: int = 6
    hosts: dict[str, str] = field(default_factory=dict)  # DNS overrides: name -> "ip" or "ip:port"
    block_hostnames: list[str] = field(default_factory=list)
    blacklist_ips: list[str] = field(default_factory=list)
    dns: dict[str, str] | str | None = None
    local_ips: str | None = None
    tls_cipher_suites: list[str] | None = None
    rps: float = 0  # requests per second for the whole instance; 0: no limit
    http_debug: str | None = None  # k6's httpDebug: "full" adds the bodies; None/"": off
    # TLS contexts are expensive (CA loading): built once per options object, shared by all VUs
    _ssl_cache: dict[str, ssl.SSLContext] = field(default_factory=dict, repr=False, compare=False)
    # the destination rules and the DNS cache, shared by all VUs of the instance (as k6's dialer)
    dialing: Dialing = field(init=False, repr=False, compare=False)
    rate_limiter: RequestRateLimiter | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # bad TLS settings are configuration errors (exit 104), found before any VU starts
        for value in (self.tls_version_min, self.tls_version_max):
            if value is not None and value.lower() not in _TLS_VERSIONS:
                raise ConfigError(
                    f"invalid TLS version {value!r}; expected one of {', '.join(_TLS_VERSIONS)}", key="tlsVersion"
                )
        for auth in self.tls_auth:
            if not isinstance(auth, dict) or not auth.get("cert") or not auth.get("key"):
                raise ConfigError("each tlsAuth entry needs both 'cert' and 'key' (PEM text)", key="tlsAuth")
        try:
            validate_cipher_suites(self.tls_cipher_suites or ())
        except ValueError as exc:
            raise ConfigError(str(exc), key="tlsCipherSuites") from None
        self.dialing = _dialing(self)
        self.rate_limiter = RequestRateLimiter(self.rps) if self.rps > 0 else None

    def ssl_context(self, host: str) -> ssl.SSLContext:
        """The client TLS context for `host` (the tls_auth entry whose domains match, else the default)."""
        index = -1
        for i, auth in enumerate(self.tls_auth):
            domains = auth.get("domains") or []
            if any(host == d or (d.startswith("*.") and host.endswith(d[1:])) for d in domains):
                index = i
                break
        cache_key = str(index)
        ctx = self._ssl_cache.get(cache_key)
        if ctx is None:
            ctx = self._build_ssl(self.tls_auth[index] if index >= 0 else None)
            self._ssl_cache[cache_key] = ctx
        return ctx

    def _build_ssl(self, auth: dict[str, Any] | None) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        if self.insecure_skip_tls_verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        for attr, value in (("minimum_version", self.tls_version_min), ("maximum_version", self.tls_version_max)):
            if value is None:
                continue
            version = _TLS_VERSIONS.get(value.lower())
            if version is None:
                raise ConfigError(
                    f"invalid TLS version {value!r}; expected one of {', '.join(_TLS_VERSIONS)}", key="tlsVersion"
                )
            setattr(ctx, attr, version)
        ciphers = openssl_cipher_list(self.tls_cipher_suites or ())
        if ciphers:
            ctx.set_ciphers(ciphers)  # TLS 1.2 and below; TLS 1.3 suites are not configurable (as in Go)
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        if auth is not None:
            _load_client_cert(ctx, auth)
        return ctx


def _dialing(options: HttpOptions) -> Dialing:
    """The options' Dialing; a bad value is a config error naming its option (exit 104)."""
    checks: tuple[tuple[str, Callable[[Any], object], Any], ...] = (
        ("blockHostnames", HostnameBlocklist, options.block_hostnames),
        ("blacklistIPs", parse_blacklist, options.blacklist_ips),
        ("dns", parse_dns, options.dns),
        ("localIPs", IpPool, options.local_ips),
    )
    for key, parse, value in checks:
        try:
            if value:
                parse(value)
        except ValueError as exc:
            raise ConfigError(str(exc), key=key) from None
    return Dialing(options.hosts, options.block_hostnames, options.blacklist_ips, options.dns, options.local_ips)


def _load_client_cert(ctx: ssl.SSLContext, auth: dict[str, Any]) -> None:
    """ssl only loads certificates from files: write the PEM strings to private temp files."""
    cert, key = auth.get("cert"), auth.get("key")
    if not cert or not key:
        raise ConfigError("each tlsAuth entry needs both 'cert' and 'key' (PEM text)", key="tlsAuth")
    with tempfile.TemporaryDirectory() as tmp:
        cert_path, key_path = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        with open(cert_path, "w") as f:
            f.write(cert)
        with open(key_path, "w") as f:
            f.write(key)
        try:
            ctx.load_cert_chain(cert_path, key_path, password=auth.get("password"))
        except (ssl.SSLError, OSError) as exc:
            raise ConfigError(f"invalid tlsAuth certificate or key: {exc}", key="tlsAuth") from None


class PreparedRequest:
    """A request validated and serialised once; `send` can replay it any number of times.

    `timeout`, `redirects` and `response_type` are per-request defaults (used by `batch`).
    """

    __slots__ = (
        "auth",
        "auto_referer",
        "body",
        "cookie_path",
        "failure",
        "h2_headers",
        "head",
        "head_after_cookie",
        "headers",
        "is_head",
        "key",
        "method",
        "parts",
        "payload",
        "redirects",
        "replaced",
        "resolved",
        "response_type",
        "timeout",
        "url",
        "user_cookie",
        "wire",
    )

    def __init__(self, method: str, url: str) -> None:
        self.method = method
        self.url = url
        self.auto_referer = False  # the Referer header was set by a redirect, not by the user
        self.auth: tuple[str, str] | None = None  # Digest credentials (params.auth "digest"; see auth.py)
        self.parts: UrlParts | None = None
        self.failure: HttpFailure | None = None  # set when the URL cannot be requested
        self.key: tuple[str, str, int] = ("", "", 0)
        self.headers: dict[str, str] = {}
        self.body: bytes | None = None
        self.payload = b""  # what follows the head on the wire (the body, or an empty chunked body)
        self.head = b""  # request line + the headers before Cookie (Go sorts them by name), no blank line
        self.head_after_cookie = b""  # the headers after Cookie
        self.wire = b""  # the complete bytes when the jar adds nothing
        self.user_cookie = ""
        self.replaced: frozenset[str] = frozenset()  # jar cookies the request's own cookies replace
        self.cookie_path = "/"
        self.is_head = method == "HEAD"
        self.h2_headers: list[tuple[bytes, bytes]] | None = None
        # set before the first `send` (which resolves them against the client's options once: `resolved`)
        self.timeout: float | None = None
        self.redirects: int | None = None
        self.response_type: str | None = None
        self.resolved: tuple[HttpOptions, float, int, bool] | None = None  # (options, timeout, redirects, keep_body)

    def cookie_value(self, jar_cookie: str) -> str:
        """Go appends jar cookies to a user-supplied Cookie header."""
        if self.user_cookie and jar_cookie:
            return f"{self.user_cookie}; {jar_cookie}"
        return self.user_cookie or jar_cookie

    def wire_with_cookies(self, jar_cookie: str) -> bytes:
        cookie = self.cookie_value(jar_cookie)
        tail = self.head_after_cookie + b"\r\n" + self.payload
        if not cookie:
            return self.head + tail
        return self.head + b"Cookie: " + cookie.encode("latin-1") + b"\r\n" + tail

    def h2_request_headers(self, jar_cookie: str) -> list[tuple[bytes, bytes]]:
        base = self.h2_headers
        if base is None:
            parts = self.parts
            assert parts is not None
            base = [
                (b":method", self.method.encode()),
                (b":authority", parts.host_header.encode("latin-1")),
                (b":scheme", parts.scheme.encode()),
                (b":path", parts.target.encode("latin-1")),
            ]
            for name, value in self.headers.items():
                lname = name.lower()
                if lname in ("host", "connection", "keep-alive", "transfer-encoding", "upgrade", "cookie"):
                    continue
                base.append((lname.encode("latin-1"), value.encode("latin-1")))
            if "content-length" not in (n.lower() for n in self.headers):
                if self.body:
                    base.append((b"content-length", str(len(self.body)).encode()))
                elif self.body is None and self.method in LENGTH_REQUIRED_METHODS:
                    base.append((b"content-length", b"0"))  # as Go's HTTP/2 transport
            self.h2_headers = base
        cookie = self.cookie_value(jar_cookie)
        return [*base, (b"cookie", cookie.encode("latin-1"))] if cookie else base


class _Pool:
    """Idle HTTP/1.1 connections and live HTTP/2 connections of one VU, per (scheme, host, port)."""

    __slots__ = ("h2", "idle")

    def __init__(self) -> None:
        self.idle: dict[tuple[str, str, int], list[H1Connection]] = {}
        self.h2: dict[tuple[str, str, int], H2Connection] = {}


class HttpClient:
    """One VU's HTTP client (see the module docstring)."""

    def __init__(self, options: HttpOptions, on_response: OnResponse | None = None) -> None:
        self.options = options
        self.on_response = on_response
        # the first response of a Digest request (k6 expects it to be the 401): None records it as any other
        self.on_challenge: OnResponse | None = on_response
        self.bytes_sent = 0
        self.bytes_received = 0
        self.cookies = CookieJar()
        self._pool = _Pool()
        self.vu_id = 0  # the VU's id in the instance: picks its `localIPs` source address
        self._default_response_type = "none" if options.discard_response_bodies else "text"
        self._user_agent = options.user_agent
        self._rate_limiter = options.rate_limiter
        # --http-debug: logs every hop (see loadpy.protocols.http.debug); None costs one test per hop
        self.debug: HttpDebug | None = HttpDebug(options.http_debug) if options.http_debug else None

    # ------------------------------------------------------------------ preparing
    def prepare(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        auth: str | None = None,
        replace_cookies: Collection[str] = (),
    ) -> PreparedRequest:
        """Validate the URL and serialise the request once. Never raises for a bad URL:
        the returned request carries the failure (1020 / 1000) and `send` reports it.
        `auth` "digest": the URL's credentials answer a Digest challenge (see `send`).
        `replace_cookies`: names of the user's Cookie header whose jar cookies are not sent."""
        method = method.upper()
        req = PreparedRequest(method, url)
        if replace_cookies:
            req.replaced = frozenset(replace_cookies)
        if isinstance(body, str):
            body = body.encode("utf-8")
        req.body = body
        try:
            parts = parse_url(url)
        except UrlError as exc:
            req.failure = exc.failure
            return req
        req.parts = parts
        req.key = (parts.scheme, parts.host, parts.port)
        merged: dict[str, str] = {}
        has_ua = False
        has_auth = False
        if headers:
            for name, value in headers.items():
                lname = name.lower()
                if lname == "cookie":
                    req.user_cookie = str(value)
                    continue
                has_ua = has_ua or lname == "user-agent"
                has_auth = has_auth or lname == "authorization"
                merged[canonical_header(name)] = str(value)  # Go's Header.Set: one canonical name, the last value
        if not has_ua and self._user_agent:
            merged = {"User-Agent": self._user_agent, **merged}
        if parts.userinfo and not has_auth:
            merged["Authorization"] = "Basic " + base64.b64encode(parts.userinfo.encode()).decode()
        req.headers = merged
        try:
            req.head, req.head_after_cookie = prepare_head(method, parts, merged.items(), body)
            req.payload = wire_payload(method, merged.items(), body)
        except (ValueError, UnicodeEncodeError) as exc:
            req.failure = HttpFailure(1000, f"net/http: invalid header: {exc}")
            return req
        req.cookie_path = parts.target.split("?", 1)[0]
        req.wire = req.wire_with_cookies("")
        if auth == DIGEST:
            # k6's digest transport takes the credentials off the URL: its hops are tagged without them
            user, _, password = parts.userinfo.partition(":")
            req.auth = (unquote(user), unquote(password))
            req.url = _without_userinfo(url)
        return req

    # ------------------------------------------------------------------ sending
    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        timeout: float | None = None,
        redirects: int | None = None,
        response_type: str | None = None,
        record: Any = None,
    ) -> Response:
        return await self.send(
            self.prepare(method, url, headers, body),
            timeout=timeout,
            redirects=redirects,
            response_type=response_type,
            record=record,
        )

    async def send(
        self,
        prepared: PreparedRequest,
        timeout: float | None = None,
        redirects: int | None = None,
        response_type: str | None = None,
        record: Any = None,
    ) -> Response:
        """Send `prepared`, following redirects; returns the final response (never raises for HTTP errors).
        Every hop is reported as `on_response(response, record)`. (Not keyword-only: the VU passes its
        arguments by position, which binds them cheaper, once per request.)"""
        if timeout is None and redirects is None and response_type is None:
            # the request's own settings (most requests): resolved once per prepared request, not per send
            resolved = prepared.resolved
            if resolved is None or resolved[0] is not self.options:
                resolved = prepared.resolved = (self.options, *self._settings(prepared, None, None, None))
            _options, timeout, redirects, keep_body = resolved
        else:
            timeout, redirects, keep_body = self._settings(prepared, timeout, redirects, response_type)
        if self._rate_limiter is not None:
            await self._rate_limiter.wait()  # before any timing starts, as in k6
        t0 = now()
        deadline = t0 + timeout
        on_response = self.on_response
        debug = self.debug
        req = prepared
        hops = 0
        challenged = prepared.auth is not None  # the first response answers a Digest challenge
        first: Response | None = None  # the first hop's, once the request was redirected
        while True:
            if req.failure is not None:
                resp = self._failed_before_sending(req)
                if resp.sent and on_response is not None:
                    on_response(resp, record)
                resp.first_hop = first
                return resp
            if req is not prepared:
                t0 = now()
            if debug is not None:
                request_id = debug.request(req, self._jar_cookie(req), record)
            # a kept-alive HTTP/1.1 connection (none while HTTP/2 may serve it: `_roundtrip` decides)
            conn: H1Connection | None = None
            idle = None if self._pool.h2 else self._pool.idle.get(req.key)
            while idle:
                conn = idle.pop()
                if not conn.closed:
                    break
                conn = None
            if conn is None:
                resp = await self._roundtrip(req, deadline, keep_body, t0)
            else:
                # the hot path (a kept-alive HTTP/1.1 connection) inlined: one coroutine level less
                wire = self._wire(req) if self.cookies.entries else req.wire
                try:
                    # (deadline - t0: the clock read just above, not a fresh one)
                    failure = await conn.send(wire, req.is_head, keep_body, deadline - t0)
                except asyncio.CancelledError:
                    conn.abort()
                    raise
                if failure is None:
                    resp = self._h1_response(req, conn, None, t0, keep_body)
                elif failure.retryable and deadline > now():
                    # the server closed the idle keep-alive connection under us: Go retries on a new one
                    resp = await self._roundtrip(req, deadline, keep_body, now())
                else:
                    resp = self._h1_failure(req, conn, failure, None, t0)
            if debug is not None:
                debug.response(resp, request_id, record)
            if challenged:
                challenged = False
                if self.on_challenge is not None:
                    self.on_challenge(resp, record)
            elif on_response is not None:
                on_response(resp, record)
            if req.auth is not None and resp.status == 401:
                req = self._authorised(req, resp)
                continue
            if resp.status not in _REDIRECT_STATUSES or hops >= redirects:
                if first is not None:  # (None is the class default)
                    resp.first_hop = first
                return resp
            location = resp.headers.get("Location")
            if not location:
                resp.first_hop = first
                return resp
            req = self._redirected(req, resp, location)
            if first is None:
                first = resp
            hops += 1

    def _settings(
        self, prepared: PreparedRequest, timeout: float | None, redirects: int | None, response_type: str | None
    ) -> tuple[float, int, bool]:
        """Timeout, redirects and whether the body is kept: the call's, else the request's, else the options'."""
        if timeout is None:
            timeout = prepared.timeout
            if timeout is None:
                timeout = self.options.timeout
        if redirects is None:
            redirects = prepared.redirects
            if redirects is None:
                redirects = self.options.max_redirects
        if response_type is None:
            response_type = prepared.response_type or self._default_response_type
        elif response_type not in _RESPONSE_TYPES:
            raise ConfigError(f"unknown responseType {response_type!r}; expected text, binary or none")
        return timeout, redirects, response_type != "none"

    def _failed_before_sending(self, req: PreparedRequest) -> Response:
        failure = req.failure
        assert failure is not None
        sent = failure.code != INVALID_URL
        # k6 never built a URL it could not parse: res.url is ""
        resp = Response(req.method, req.url if sent else "", error=failure.message, error_code=failure.code)
        resp.sent = sent
        if resp.sent:
            _log_failure(req, failure)
        else:  # k6 logs the URL parser's error as it is
            log.warning("Request Failed", extra={"error": failure.message})
        resp.request_headers = req.headers
        resp.request_body = req.body
        resp.request_cookie = req.cookie_value(self._jar_cookie(req)) if req.parts is not None else req.user_cookie
        resp.end_time = now()
        return resp

    def _authorised(self, req: PreparedRequest, resp: Response) -> PreparedRequest:
        """The request again, with the Digest answer to the 401's challenge (k6's digest transport:
        no nonce cache, so every call makes both requests)."""
        assert req.auth is not None
        challenge = parse_challenge(resp.headers.get("Www-Authenticate") or "") or {}
        target = req.parts.target if req.parts is not None else "/"
        headers = {k: v for k, v in req.headers.items() if k.lower() != "authorization"}
        entity = (resp.body or b"").decode("utf-8", "replace")
        headers["Authorization"] = digest_authorization(challenge, req.method, target, *req.auth, entity)
        if req.user_cookie:
            headers["Cookie"] = req.user_cookie
        nxt = self.prepare(req.method, req.url, headers, req.body, replace_cookies=req.replaced)
        nxt.timeout, nxt.redirects, nxt.response_type = req.timeout, req.redirects, req.response_type
        return nxt

    def _redirected(self, req: PreparedRequest, resp: Response, location: str) -> PreparedRequest:
        """The next hop, as Go builds it: 301/302/303 become GET without body, 307/308 keep both."""
        url = urljoin(req.url, location)
        method, body = req.method, req.body
        headers = dict(req.headers)
        if resp.status in (301, 302, 303) and method not in ("GET", "HEAD"):
            method, body = "GET", None
            for name in list(headers):
                if name.lower() in ("content-length", "content-type"):
                    del headers[name]
        if req.user_cookie:
            headers["Cookie"] = req.user_cookie
        if req.parts is not None and _host_of(url) != req.parts.host:
            # Go drops credentials when a redirect leaves the host
            headers = {
                k: v for k, v in headers.items() if k.lower() not in ("authorization", "www-authenticate", "cookie")
            }
        auto_referer = _set_referer(headers, req, url)
        nxt = self.prepare(method, url, headers, body, replace_cookies=req.replaced)
        nxt.auto_referer = auto_referer
        return nxt

    def _wire(self, req: PreparedRequest) -> bytes:
        """The request bytes, with the jar's Cookie header when it has cookies for this URL."""
        if self.cookies.entries:
            # (`_jar_cookie` inlined: this runs for every request)
            parts = req.parts
            assert parts is not None
            cookie = self.cookies.header_for(parts.scheme, parts.host, req.cookie_path, req.replaced)
            if cookie:
                return req.wire_with_cookies(cookie)
        return req.wire

    def _jar_cookie(self, req: PreparedRequest) -> str:
        """The jar's cookies for this URL ("" when none)."""
        if not self.cookies:
            return ""
        parts = req.parts
        assert parts is not None
        return self.cookies.header_for(parts.scheme, parts.host, req.cookie_path, req.replaced)

    async def _roundtrip(self, req: PreparedRequest, deadline: float, keep_body: bool, t0: float) -> Response:
        """One hop on whatever connection serves it (HTTP/2, idle HTTP/1.1 or a new one); a Response
        in every case. `send` handles the common kept-alive HTTP/1.1 case itself."""
        key = req.key
        pool = self._pool
        if pool.h2:
            h2conn = pool.h2.get(key)
            if h2conn is not None:
                if not h2conn.closed:
                    return await self._roundtrip_h2(req, h2conn, deadline, keep_body, t0, None)
                del pool.h2[key]
        conn: H1Connection | None = None
        idle = pool.idle.get(key)
        while idle:
            candidate = idle.pop()
            if not candidate.closed:
                conn = candidate
                break
        setup: Timings | None = None
        if conn is None:
            if key[0] == "https":
                # building the (cached, shared) TLS context is set-up work, not connection time
                self.options.ssl_context(key[1])
                t0 = now()
            setup = Timings()
            opened = await self._open(req, deadline, t0, setup)
            if isinstance(opened, Response):
                return opened
            proto, conn_remote = opened
            if not isinstance(proto, H1Connection):  # HTTP/2: ALPN chose "h2" (`_new_h2`)
                return await self._roundtrip_h2(req, proto, deadline, keep_body, t0, (setup, conn_remote))
            conn = proto
            conn.remote = conn_remote
        try:
            failure = await conn.send(self._wire(req), req.is_head, keep_body, deadline - now())
        except asyncio.CancelledError:
            conn.abort()
            raise
        if failure is not None:
            if failure.retryable and deadline > now():
                # the server closed the idle keep-alive connection under us: Go retries on a new one
                return await self._roundtrip(req, deadline, keep_body, now())
            return self._h1_failure(req, conn, failure, setup, t0)
        return self._h1_response(req, conn, setup, t0, keep_body)

    def _h1_response(
        self, req: PreparedRequest, conn: H1Connection, setup: Timings | None, t0: float, keep_body: bool
    ) -> Response:
        """The Response of a completed HTTP/1.1 exchange; the connection goes back to the pool."""
        t_sent, t_written, t_first, t_done = conn.t_sent, conn.t_written or conn.t_done, conn.t_first, conn.t_done
        if setup is None:  # a kept-alive connection: no lookup, connecting or handshake
            timings = _NEW(Timings)
            timings.looking_up = timings.connecting = timings.tls_handshaking = 0.0
        else:
            timings = setup
        timings.blocked = (t_sent - t0) * _MS
        timings.sending = (t_written - t_sent) * _MS
        timings.waiting = (t_first - t_written) * _MS
        timings.receiving = (t_done - t_first) * _MS
        key = req.key
        if conn.closed or self.options.no_connection_reuse:
            conn.close()
        else:
            idle = self._pool.idle.get(key)
            if idle is not None:
                idle.append(conn)
            else:
                self._pool.idle[key] = [conn]
        parser = conn.parser
        head = parser.head
        resp = _FROM_H1(
            req.method, req.url, parser.status, head.proto, timings, conn.remote, req.headers, req.body, t_done, head
        )
        if req.user_cookie or self.cookies.entries:
            resp.request_cookie = req.cookie_value(self._jar_cookie(req))
        rare = head.rare  # one test for what most responses lack (`may_have_cookies_or_encoding`)
        if rare:
            set_cookies = head.set_cookies
            if set_cookies:
                resp.cookies = self.cookies.set_from_headers(key[0], key[1], req.cookie_path, set_cookies)
        if keep_body:
            chunks = parser.body
            body = resp.body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            if rare and body and "Content-Encoding" in resp.headers:
                self._decode(resp)
        return resp

    async def _open(
        self, req: PreparedRequest, deadline: float, t0: float, timings: Timings
    ) -> Response | tuple[Any, tuple[str, int, str]]:
        """Resolve and connect (TLS, ALPN) a new connection, filling the setup timings."""
        parts = req.parts
        assert parts is not None
        dialing = self.options.dialing
        ip, port = parts.host, parts.port
        try:
            async with asyncio.timeout(max(deadline - now(), 0.0)):
                t_dns = now()
                ip, port = await dialing.resolve(parts.host, parts.port)
                timings.looking_up = (now() - t_dns) * _MS
                ctx = self.options.ssl_context(parts.host) if parts.scheme == "https" else None
                opened = await connect(
                    asyncio.get_running_loop(),
                    self,
                    ip,
                    port,
                    ssl_context=ctx,
                    server_hostname=parts.host if ctx is not None else "",
                    make_h2=_new_h2,
                    local_ip=dialing.local_address(self.vu_id),
                )
        except TimeoutError:
            return self._error_response(req, HttpFailure(TIMEOUT, "request timeout"), timings, t0)
        except DialFailure as exc:
            return self._error_response(req, exc.failure, timings, t0)
        except (OSError, ssl.SSLError, socket.gaierror) as exc:
            failure, t_failed = _dial_failure(exc, parts.host, ip, port), now()
            if isinstance(exc, ssl.SSLCertVerificationError) and is_validity_error(exc):
                # the certificate's dates take a second handshake, which is not part of the request's time
                failure = await validity_failure(exc, ip, port, parts.host, deadline - t_failed) or failure
            return self._error_response(req, failure, timings, t0, t_failed)
        timings.connecting = (opened.t_connected - opened.t_start) * _MS
        if opened.t_tls:
            timings.tls_handshaking = (opened.t_tls - opened.t_connected) * _MS
        proto = opened.protocol
        remote = (opened.remote_ip, opened.remote_port, opened.tls_version)
        if not isinstance(proto, H1Connection):  # HTTP/2: ALPN chose "h2" (`_new_h2`)
            self._pool.h2.setdefault(req.key, cast("H2Connection", proto))
        return proto, remote

    def _h1_failure(
        self, req: PreparedRequest, conn: H1Connection, failure: HttpFailure, setup: Timings | None, t0: float
    ) -> Response:
        """A failed exchange: timings run up to now (the timeout, the reset ...)."""
        conn.abort()
        t_end = now()
        timings = setup or Timings()
        t_sent, t_first = conn.t_sent, conn.t_first
        t_written = conn.t_written or t_end
        timings.blocked = (t_sent - t0) * _MS
        timings.sending = (t_written - t_sent) * _MS
        if t_first:
            timings.waiting = (t_first - t_written) * _MS
            timings.receiving = (t_end - t_first) * _MS
        else:
            timings.waiting = (t_end - t_written) * _MS
        resp = Response(req.method, req.url, error=failure.message, error_code=failure.code, timings=timings)
        _log_failure(req, failure)
        resp.end_time = t_end
        resp.request_headers = req.headers
        resp.request_body = req.body
        resp.request_cookie = req.cookie_value(self._jar_cookie(req))
        resp.remote_ip, resp.remote_port, resp.tls_version = conn.remote
        return resp

    def _decode(self, resp: Response) -> None:
        """Content-Encoding; a body that does not decode fails the whole request, as in k6."""
        if self.debug is not None:
            self.debug.keep_encoded(resp)  # --http-debug=full prints the body as it came
        try:
            resp.body = decode_body(resp.body or b"", resp.headers["Content-Encoding"])
        except DecodeError as exc:
            resp.error, resp.error_code = str(exc), DECOMPRESSION
            log.warning("Request Failed", extra={"error": resp.error})  # a body error: bare, as k6
            resp.status, resp.status_text, resp.proto, resp.body = 0, "", "", None

    def _error_response(
        self, req: PreparedRequest, failure: HttpFailure, timings: Timings, t0: float, t_end: float | None = None
    ) -> Response:
        t_end = now() if t_end is None else t_end
        timings.blocked = (t_end - t0) * _MS
        resp = Response(req.method, req.url, error=failure.message, error_code=failure.code, timings=timings)
        _log_failure(req, failure)
        resp.end_time = t_end
        resp.request_headers = req.headers
        resp.request_body = req.body
        resp.request_cookie = req.cookie_value(self._jar_cookie(req))
        return resp

    async def _roundtrip_h2(
        self,
        req: PreparedRequest,
        conn: H2Connection,
        deadline: float,
        keep_body: bool,
        t0: float,
        fresh: tuple[Timings, tuple[str, int, str]] | None,
    ) -> Response:
        if fresh is not None:
            timings, remote = fresh
            conn.remote = remote
        else:
            timings = Timings()
            remote = conn.remote
        jar = self.cookies
        cookie = ""
        if jar:
            parts = req.parts
            assert parts is not None
            cookie = jar.header_for(parts.scheme, parts.host, req.cookie_path, req.replaced)
        stream = conn.request(req.h2_request_headers(cookie), req.body, keep_body, deadline - now())
        try:
            failure = await stream.future
        except asyncio.CancelledError:
            conn.close()
            raise
        t_end = stream.t_done if failure is None else now()
        t_written = stream.t_written or t_end
        timings.blocked = (stream.t_sent - t0) * _MS
        timings.sending = (t_written - stream.t_sent) * _MS
        if stream.t_first:
            timings.waiting = (stream.t_first - t_written) * _MS
            timings.receiving = (t_end - stream.t_first) * _MS
        else:
            timings.waiting = (t_end - t_written) * _MS
        if self.options.no_connection_reuse or (self._pool.h2.get(req.key) is not conn and not conn.streams):
            self._drop_h2(req.key, conn)
        if failure is not None:
            resp = Response(req.method, req.url, error=failure.message, error_code=failure.code, timings=timings)
            _log_failure(req, failure)
        else:
            resp = Response(req.method, req.url, stream.status, f"{stream.status} ", "HTTP/2.0", timings=timings)
            resp.status_text = _status_text(stream.status)
        resp.end_time = t_end
        resp.remote_ip, resp.remote_port, resp.tls_version = remote
        resp.request_headers = req.headers
        resp.request_body = req.body
        resp.request_cookie = req.cookie_value(cookie)
        if failure is None:
            headers: dict[str, str] = resp.headers
            set_cookies: list[str] = []
            for name, value in stream.headers:
                cname = canonical_header_bytes(name)
                text = value.decode("latin-1")
                headers[cname] = f"{headers[cname]}, {text}" if cname in headers else text
                if cname == "Set-Cookie":
                    set_cookies.append(text)
            if set_cookies:
                resp.cookies = self.cookies.set_from_headers(req.key[0], req.key[1], req.cookie_path, set_cookies)
            if resp.status >= 400:
                resp.error_code = 1000 + resp.status
            if keep_body:
                resp.body = b"".join(stream.body)
                if resp.body and "Content-Encoding" in headers:
                    self._decode(resp)
        return resp

    def _drop_h2(self, key: tuple[str, str, int], conn: H2Connection) -> None:
        if self._pool.h2.get(key) is conn:
            del self._pool.h2[key]
        if not conn.streams:
            conn.close()

    # ------------------------------------------------------------------ batch & lifecycle
    async def batch(self, requests: list[PreparedRequest], records: Sequence[Any] | None = None) -> list[Response]:
        """Send concurrently, at most `batch` at once and `batch_per_host` per host; results in order.
        `records[i]` is reported with every hop of `requests[i]` (see `send`)."""
        limit = self.options.batch
        per_host_limit = self.options.batch_per_host
        overall = asyncio.Semaphore(limit) if limit > 0 else None
        per_host: dict[str, asyncio.Semaphore] = {}

        async def one(req: PreparedRequest, record: Any) -> Response:
            host_sem: asyncio.Semaphore | None = None
            if per_host_limit > 0 and req.parts is not None:
                host_sem = per_host.get(req.parts.host_header)
                if host_sem is None:
                    host_sem = per_host[req.parts.host_header] = asyncio.Semaphore(per_host_limit)
            if overall is not None:
                await overall.acquire()
            try:
                if host_sem is not None:
                    async with host_sem:
                        return await self.send(req, record=record)
                return await self.send(req, record=record)
            finally:
                if overall is not None:
                    overall.release()

        if records is None:
            records = [None] * len(requests)
        return list(await asyncio.gather(*(one(r, rec) for r, rec in zip(requests, records, strict=True))))

    def close_idle(self) -> None:
        """Close every idle connection (noVUConnectionReuse: called at iteration end)."""
        for conns in self._pool.idle.values():
            for conn in conns:
                conn.close()
        self._pool.idle.clear()
        for key, h2conn in list(self._pool.h2.items()):
            if not h2conn.streams:
                h2conn.close()
                del self._pool.h2[key]

    async def aclose(self) -> None:
        self.close_idle()
        for h2conn in self._pool.h2.values():
            h2conn.close()
        self._pool.h2.clear()
        await asyncio.sleep(0)  # let the transports run their close callbacks


def _dial_failure(exc: BaseException, host: str, ip: str, port: int) -> HttpFailure:
    """A failed lookup or connect, with the wording of Go's dialer for k6's log."""
    failure = from_exception(exc, "dial")
    address = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
    if failure.code == CONN_REFUSED:
        failure.detail = f"dial tcp {address}: connect: connection refused"
    elif failure.code == DNS_NO_SUCH_HOST:
        failure.detail = f"lookup {host}: no such host"
    return failure


def _log_failure(req: PreparedRequest, failure: HttpFailure) -> None:
    """k6's warning for a request that got no response (not for HTTP error statuses); every one is
    logged, as k6 does (no rate limit in k6 v1.1: 300 refused requests gave 300 warnings)."""
    log.warning("Request Failed", extra={"error": failure.log_text(req.method, req.url)})


def _set_referer(headers: dict[str, str], req: PreparedRequest, url: str) -> bool:
    """Go's refererForURL: the previous hop's URL (userinfo removed, fragment kept), none from https
    to http, and a Referer the user set wins. True when the Referer in `headers` is ours."""
    names = [name for name in headers if name.lower() == "referer"]
    if names and not req.auto_referer:
        return False  # the user's own Referer, kept on every hop
    for name in names:
        del headers[name]
    if req.url.lower().startswith("https:") and url.lower().startswith("http:"):
        return False
    headers["Referer"] = _without_userinfo(req.url)
    return True


def _without_userinfo(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    at = rest.rfind("@", 0, end)
    return url if not sep or at < 0 else f"{scheme}://{rest[at + 1 :]}"


def _host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _status_text(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} "


def _new_h2(loop: asyncio.AbstractEventLoop, counter: ByteCounter) -> H2Connection:
    """The protocol of a connection whose ALPN chose "h2": the h2 library is imported by the first one
    (a run that speaks HTTP/1.1 only does without it)."""
    from loadpy.protocols.http.h2 import H2Connection

    return H2Connection(loop, counter)
