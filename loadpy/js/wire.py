"""How a request and a response cross between the prelude's k6/http and Python.

A request arrives as (method, url, body, options JSON or null); a response goes back as a head line
(id, status, proto, url, error code, error) and each other field on first use, as text the prelude's
LAZY decoders read (see prelude.js). Strings reach QuickJS as C strings: anything that may hold NUL
travels as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def request_body(body: str | None, options: Mapping[str, Any] | None) -> bytes | None:
    if body is None:
        return None
    if options and options.get("binary"):
        return str(json.loads(body)).encode("latin-1")
    return body.encode()


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
    ):
        if key in options:
            kwargs[name] = options[key]
    return kwargs


def response_field(resp: Any, name: str, binary: bool, discard: bool) -> str | None:
    if name == "body":
        if resp.body is None or discard:
            return None
        text = resp.body.decode("latin-1") if binary else resp.body.decode("utf-8", "replace")
        # "T" + text, or "J" + JSON when NUL bytes would be cut at the C-string boundary
        return "J" + json.dumps(text) if binary or "\x00" in text else "T" + text
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
        return json.dumps(dict(resp.headers))
    if name == "cookies":
        return json.dumps({k: [{"name": k, "value": v} for v in vals] for k, vals in resp.cookies.items()})
    if name == "request":
        return json.dumps(
            {
                "method": resp.method,
                "url": resp.url,
                "headers": {k: [v] for k, v in resp.request_headers.items()},
                "body": resp.request_body.decode("utf-8", "replace") if resp.request_body else "",
                "cookies": {},
            }
        )
    if name == "status_text":
        return str(resp.status_text)
    if name == "remote_ip":
        return str(resp.remote_ip)
    if name == "remote_port":
        return str(resp.remote_port)
    if name == "tls_version":
        return str(resp.tls_version)
    raise KeyError(name)
