"""How a request and a response cross between the prelude's k6/http and Python.

A request arrives as (method, url, body, options JSON or null); a response goes back as its head
(loadpy/js/host.py `_head`: a line of id, status, proto, url, error code, error, or for a plain
HTTP/1.1 answer from the URL asked for the number id * 1000 + status) and each other field on first
use, as text the prelude's LAZY decoders read (see prelude.js). Strings reach QuickJS as C strings:
anything that may hold NUL travels as JSON.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from loadpy.k6lib.gjson import select
from loadpy.protocols.http.cookies import parse_set_cookie
from loadpy.protocols.http.errcodes import INVALID_URL
from loadpy.protocols.http.urls import NotAUrl

# where repeated Set-Cookie headers were joined (", " then a name=): not the comma of an Expires date
_NEXT_COOKIE = re.compile(r", (?=[^;,=\s]+=)")
GO_ZERO_TIME_MS = -6795364578871  # what k6 gives as `expires` for a cookie without one (Go's zero time)


def request_body(body: str | None, options: Mapping[str, Any] | None) -> bytes | None:
    if body is None:
        return None
    if options and options.get("binary"):
        return str(json.loads(body)).encode("latin-1")
    return body.encode()


def request_url(url: str, options: Mapping[str, Any] | None) -> str:
    """The URL to request: the prelude sends `notURL` (Go's `%v` of the value) when the script's
    URL argument was neither a string nor an http.url, which k6 refuses without sending."""
    if options and "notURL" in options:
        return NotAUrl(options["notURL"])
    return url


def request_kwargs(options: Mapping[str, Any] | None) -> dict[str, Any]:
    if not options:
        return {}
    kwargs: dict[str, Any] = {}
    if "expected" in options:
        kwargs["expected_statuses"] = options["expected"]
    for key, name in (
        ("headers", "headers"),
        ("tags", "tags"),
        ("timeout", "timeout"),
        ("redirects", "redirects"),
        ("responseType", "response_type"),
        ("auth", "auth"),
        ("replaceCookies", "replace_cookies"),
    ):
        if key in options:
            kwargs[name] = options[key]
    return kwargs


def response_field(resp: Any, name: str, binary: bool, discard: bool) -> str | None:
    if name == "body":
        if resp.body is None and (resp.error_code == INVALID_URL or not resp.method) and not binary and not discard:
            return "J[]"  # k6 answers a URL it cannot parse (or a failed batch) with an empty byte slice: []
        if resp.body is None or discard:
            return None
        text = resp.body.decode("latin-1") if binary else resp.body.decode("utf-8", "replace")
        # "T" + text, or "J" + JSON when NUL bytes would be cut at the C-string boundary; "B" + JSON: bytes
        if binary:
            return "B" + json.dumps(text)
        return "J" + json.dumps(text) if "\x00" in text else "T" + text
    if name.startswith("gjson:"):  # res.json(selector)
        return select((resp.body or b"").decode("utf-8", "replace"), name[6:])
    if name == "timings":
        t = resp.timings
        values = (
            t.blocked,
            t.looking_up,
            t.connecting,
            t.tls_handshaking,
            t.sending,
            t.waiting,
            t.receiving,
            t.sending + t.waiting + t.receiving,
        )
        return ",".join(repr(v) for v in values)
    if name == "headers":
        headers = resp.headers
        connection = headers.get("Connection")
        if connection is not None and "close" in (token.strip().lower() for token in connection.split(",")):
            # Go's response reader drops `Connection: close` (it closes the connection instead)
            headers = {k: v for k, v in headers.items() if k != "Connection"}
        return json.dumps(dict(headers))
    if name == "cookies":
        return json.dumps(response_cookies(resp.headers.get("Set-Cookie", "")))
    if name == "request":  # null for the empty responses of a failed http.batch
        return json.dumps(request_field(resp.first_hop or resp) if resp.method else None)
    if name == "status_text":
        return str(resp.status_text)
    if name == "remote_ip":
        return str(resp.remote_ip)
    if name == "remote_port":
        return str(resp.remote_port)
    if name == "tls_version":
        return str(resp.tls_version)
    raise KeyError(name)


def request_field(sent: Any) -> dict[str, Any]:
    """k6's `res.request`: the request the script made (the first one when redirected), its headers
    as Go's http.Request held them (canonical names, values in arrays, the Cookie header sent; no
    Content-Length) and its cookies as Go's Request.Cookies() reads that header."""
    headers = {k: [v] for k, v in sent.request_headers.items()}
    if headers.get("Authorization") == [_basic_of_userinfo(sent.url)]:
        del headers["Authorization"]  # Go's client adds it to a copy of the request: k6 does not show it
    cookies: dict[str, list[dict[str, Any]]] = {}
    if sent.request_cookie:
        headers["Cookie"] = [sent.request_cookie]
        for pair in sent.request_cookie.split(";"):
            name, eq, value = pair.strip().partition("=")
            if name and eq:
                cookies.setdefault(name, []).append({"name": name, "value": value, "replace": False})
    body = sent.request_body.decode("utf-8", "replace") if sent.request_body else ""
    return {"method": sent.method, "url": sent.url, "headers": headers, "body": body, "cookies": cookies}


def _basic_of_userinfo(url: str) -> str | None:
    """The Basic Authorization the URL's credentials make (None without credentials)."""
    netloc = url.split("://", 1)[-1].split("/", 1)[0]
    if "@" not in netloc:
        return None
    return "Basic " + base64.b64encode(netloc.rsplit("@", 1)[0].encode()).decode()


def response_cookies(set_cookie: str) -> dict[str, list[dict[str, Any]]]:
    """k6's `res.cookies`: every cookie the response's Set-Cookie headers carry (Go's Response.Cookies),
    attributes as written (domain, path), max_age and expires (ms) as Go parses them."""
    out: dict[str, list[dict[str, Any]]] = {}
    for header in _NEXT_COOKIE.split(set_cookie) if set_cookie else ():
        parsed = parse_set_cookie(header, 0.0)
        if parsed is None:
            continue
        name, value, attrs = parsed
        out.setdefault(name, []).append(
            {
                "name": name,
                "value": value,
                "domain": attrs.get("domain") or "",
                "path": attrs.get("path") or "",
                "http_only": "httponly" in attrs,
                "secure": "secure" in attrs,
                "max_age": _max_age(attrs.get("max-age")),
                "expires": _expires_ms(attrs.get("expires")),
            }
        )
    return out


def _max_age(text: str | None) -> int:
    """Go's readSetCookies: a positive number of seconds; 0 or less is -1; anything else 0 (unset)."""
    if not text:
        return 0
    try:
        seconds = int(text)
    except ValueError:
        return 0
    if seconds != 0 and text[0] == "0":
        return 0
    return seconds if seconds > 0 else -1


def _expires_ms(text: str | None) -> int:
    if not text:
        return GO_ZERO_TIME_MS
    from email.utils import parsedate_to_datetime  # (the email package: for the cookies that carry a date only)

    try:
        return int(parsedate_to_datetime(text).timestamp() * 1000)
    except (TypeError, ValueError):
        return GO_ZERO_TIME_MS
