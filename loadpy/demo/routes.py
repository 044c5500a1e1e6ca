"""The demo target's HTTP endpoints: a parsed request in, a response out (no sockets here).

A handler returns a `Reply` at once, or a coroutine producing one (only /delay waits).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from loadpy.demo.graphql_schema import SCHEMA_SDL, GraphQLRequestError, MessageStore, execute, prepare
from loadpy.demo.stats import RequestLog

# What the demo target serves, for `loadpy demo --help` and the README (tests hold all three to the code).
ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("GET", "/", '200 "ok"'),
    ("GET", "/json", 'a fixed JSON document {"name": "loadpy", "n": 42, "items": [1, 2, 3], "nested": {"ok": true}}'),
    ("GET", "/items/{id}", 'JSON {"id": id, "name": "item {id}"} (id is a number or any word)'),
    ("GET", "/status/{code}", 'that status (200-599), body "status {code}"'),
    ("GET", "/delay/{ms}", '200 "ok" after ms milliseconds (at most 120000)'),
    ("GET", "/bytes/{n}", "n bytes of 'x' (at most 64 MiB)"),
    ("GET", "/redirect/{n}", 'a chain of n 302 redirects ending in 200 "ok"'),
    ("GET", "/headers", "the request headers as JSON"),
    ("GET", "/cookies", "the request cookies as JSON"),
    ("GET", "/cookies/set?k=v", "sets each query pair as a cookie (Path=/), answers the cookies received"),
    ("POST", "/login", 'JSON body {"username": u} -> {"token": "token-u"}'),
    ("POST", "/echo", "the request body back, with its Content-Type (any method but GET/DELETE/OPTIONS)"),
    ("POST", "/graphql", "GraphQL over HTTP against the demo schema (queries, mutations)"),
    ("WS", "/graphql", "GraphQL subscriptions: graphql-transport-ws or the legacy graphql-ws sub-protocol"),
    ("WS", "/ws", "WebSocket echo (text and binary)"),
    ("GET", "/_stats", "requests served per path (test API)"),
    ("GET", "/count", 'JSON {"requests": total}'),
    ("POST", "/_reset", "clears the request counts"),
)


def help_epilog() -> str:
    """The endpoints and the GraphQL schema, for `--help`."""
    width = max(len(f"{method} {path}") for method, path, _ in ENDPOINTS)
    rows = [f"  {f'{method} {path}':<{width}}  {what}" for method, path, what in ENDPOINTS]
    schema = ["  " + line for line in SCHEMA_SDL.splitlines()]
    return "\n".join(
        ["endpoints:", *rows, "", "GraphQL schema (POST /graphql; subscriptions over WS /graphql):", *schema]
    )


MAX_DELAY_MS = 120_000
MAX_BYTES = 64 * 1024 * 1024
JSON_DOC = {"name": "loadpy", "n": 42, "items": [1, 2, 3], "nested": {"ok": True}}


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)  # as sent (original case)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "text/plain"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def serialize(self, head_only: bool = False, keep_alive: bool = True) -> bytes:
        try:
            reason = HTTPStatus(self.status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [f"HTTP/1.1 {self.status} {reason}", f"Content-Type: {self.content_type}"]
        if self.status not in (204, 304):  # these never carry a body (RFC 9110)
            lines.append(f"Content-Length: {len(self.body)}")
        lines.extend(f"{k}: {v}" for k, v in self.headers)
        if not keep_alive:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head if head_only else head + self.body


def _json(doc: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Reply:
    return Reply(status, json.dumps(doc).encode(), "application/json", headers or [])


def _text(status: int, text: str) -> Reply:
    return Reply(status, text.encode())


NOT_FOUND = _text(404, "not found")
OK = _text(200, "ok")


def _cookies(req: Request) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in (req.header("Cookie") or "").split(";"):
        if "=" in part:
            k, v = part.strip().split("=", 1)
            out[k] = v
    return out


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


async def _delayed(ms: int) -> Reply:
    await asyncio.sleep(ms / 1000.0)
    return OK


class Router:
    """Dispatches requests; owns the per-server state (request log, GraphQL message store)."""

    def __init__(self, log: RequestLog, store: MessageStore) -> None:
        self.log = log
        self.store = store
        self._exact: dict[tuple[str, str], Callable[[Request], Reply]] = {
            ("GET", "/"): lambda r: OK,
            ("GET", "/json"): lambda r: _json(JSON_DOC),
            ("GET", "/headers"): lambda r: _json(dict(r.headers)),
            ("GET", "/cookies"): lambda r: _json(_cookies(r)),
            ("GET", "/cookies/set"): self._set_cookies,
            ("POST", "/login"): self._login,
            ("POST", "/graphql"): self._graphql,
            ("GET", "/_stats"): lambda r: _json(self.log.snapshot()),
            ("GET", "/count"): lambda r: _json({"requests": self.log.total}),  # as the k6 oracle's target
            ("POST", "/_reset"): self._reset,
        }

    def handle(self, req: Request) -> Reply | Awaitable[Reply]:
        self.log.record(req.path)
        method = "GET" if req.method == "HEAD" else req.method
        handler = self._exact.get((method, req.path))
        if handler is not None:
            return handler(req)
        if req.path == "/echo" and method not in ("GET", "DELETE", "OPTIONS"):
            return Reply(200, req.body, req.header("Content-Type") or "application/octet-stream")
        head, _, arg = req.path[1:].partition("/")
        if method != "GET" or not arg or "/" in arg:
            return NOT_FOUND
        n = _int(arg)
        if head == "items":
            return _json({"id": n if n is not None else arg, "name": f"item {arg}"})
        if n is None:
            return NOT_FOUND
        if head == "status" and 200 <= n <= 599:
            return Reply(n) if n in (204, 304) else _text(n, f"status {n}")
        if head == "delay":
            return _delayed(min(n, MAX_DELAY_MS))
        if head == "bytes":
            return Reply(200, b"x" * min(n, MAX_BYTES), "application/octet-stream")
        if head == "redirect":
            return OK if n == 0 else Reply(302, b"", headers=[("Location", f"/redirect/{n - 1}")])
        return NOT_FOUND

    def _set_cookies(self, req: Request) -> Reply:
        extra = [("Set-Cookie", f"{k}={v}; Path=/") for k, v in parse_qsl(req.query)]
        return _json(_cookies(req), headers=extra)

    def _login(self, req: Request) -> Reply:
        try:
            doc = json.loads(req.body or b"{}")
        except ValueError:
            doc = {}
        user = doc.get("username") if isinstance(doc, dict) else None
        return _json({"token": f"token-{user or 'anonymous'}"})

    def _reset(self, req: Request) -> Reply:
        self.log.reset()
        return _json({"ok": True})

    def _graphql(self, req: Request) -> Reply:
        try:
            doc = json.loads(req.body or b"{}")
        except ValueError:
            return _json({"errors": [{"message": "bad json"}]}, 400)
        if not isinstance(doc, dict):
            return _json({"errors": [{"message": "the body must be a JSON object"}]}, 400)
        try:
            prepared = prepare(doc.get("query"), doc.get("variables"), doc.get("operationName"))
        except GraphQLRequestError as exc:
            return _json({"errors": [{"message": exc.message}]}, 400)
        if prepared.type == "subscription":
            return _json({"errors": [{"message": "subscriptions need a WebSocket: connect to /graphql"}]}, 400)
        return _json(execute(prepared, self.store))
