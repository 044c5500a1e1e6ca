"""`VuContext`: one VU's state, and the `vu` object Python code receives.

YAML steps and Python functions use the same object, so a request made from Python
records exactly what a YAML `request` step records.
"""

from __future__ import annotations

import asyncio
import json as _json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

from loadpy.clock import now
from loadpy.errors import TestAbort
from loadpy.metrics.tags import tagset
from loadpy.protocols.graphql import SubscriptionResult
from loadpy.protocols.http.model import Response
from loadpy.protocols.ws import WsSession
from loadpy.vu.core import HttpClientLike, RuntimeCore
from loadpy.vu.custom import MetricsView
from loadpy.vu.recording import ExpectedStatuses, RequestSite, TagContext
from loadpy.vu.ws_api import WsApi

log = logging.getLogger("loadpy.vu")


def encode_body(body: Any, json: Any, headers: dict[str, str]) -> bytes | None:
    """k6's body rules: str/bytes as is; a mapping is form-encoded; `json` is serialised."""
    if json is not None:
        headers.setdefault("Content-Type", "application/json")
        return _json.dumps(json, separators=(",", ":")).encode()
    if body is None:
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, Mapping):
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return urlencode({k: str(v) for k, v in body.items()}).encode()
    return str(body).encode()


def with_query(url: str, params: Mapping[str, Any] | None) -> str:
    if not params:
        return url
    query = urlencode([(k, v if isinstance(v, str) else _json.dumps(v)) for k, v in params.items()])
    return f"{url}{'&' if '?' in url else '?'}{query}"


class HttpApi:
    """`vu.http`: k6-like request helpers that record metrics like a YAML request step."""

    def __init__(self, vu: VuContext) -> None:
        self._vu = vu

    async def request(
        self,
        method: str,
        url: str,
        body: Any = None,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        name: str | None = None,
        timeout: float | None = None,
        redirects: int | None = None,
        response_type: str | None = None,
        expected_statuses: list[Any] | bool | None = True,
    ) -> Response:
        """Send one request (timeout in seconds); records http_* like a YAML request step."""
        prepared, site = self._prepare(method, url, body, json, headers, params, tags, expected_statuses)
        return await self._vu._send(prepared, site, name, timeout, redirects, response_type)

    def _prepare(
        self,
        method: str,
        url: str,
        body: Any,
        json: Any,
        headers: Mapping[str, str] | None,
        params: Mapping[str, Any] | None,
        tags: Mapping[str, Any] | None,
        expected_statuses: list[Any] | bool | None,
    ) -> tuple[Any, RequestSite]:
        vu = self._vu
        hdrs = dict(headers or {})
        data = encode_body(body, json, hdrs)
        expected: ExpectedStatuses | bool | None = (
            ExpectedStatuses.parse(expected_statuses) if isinstance(expected_statuses, list) else expected_statuses
        )
        site = vu._recorder.site(tagset(tags) if tags else (), expected)
        return vu.client.prepare(method.upper(), with_query(url, params), hdrs, data), site

    async def get(self, url: str, **kw: Any) -> Response:
        return await self.request("GET", url, **kw)

    async def head(self, url: str, **kw: Any) -> Response:
        return await self.request("HEAD", url, **kw)

    async def options(self, url: str, body: Any = None, **kw: Any) -> Response:
        return await self.request("OPTIONS", url, body, **kw)

    async def post(self, url: str, body: Any = None, **kw: Any) -> Response:
        return await self.request("POST", url, body, **kw)

    async def put(self, url: str, body: Any = None, **kw: Any) -> Response:
        return await self.request("PUT", url, body, **kw)

    async def patch(self, url: str, body: Any = None, **kw: Any) -> Response:
        return await self.request("PATCH", url, body, **kw)

    async def delete(self, url: str, body: Any = None, **kw: Any) -> Response:
        return await self.request("DELETE", url, body, **kw)

    async def batch(self, requests: list[Mapping[str, Any] | str]) -> list[Response]:
        """Parallel requests (batch / batchPerHost limits): URL strings or dicts of `request`
        keyword arguments plus method and url. Responses come back in request order."""
        vu = self._vu
        prepared_list = []
        routing: dict[str, tuple[RequestSite, str | None]] = {}
        for req in requests:
            kw: dict[str, Any] = {"url": req} if isinstance(req, str) else dict(req)
            prepared, site = self._prepare(
                kw.get("method", "GET"),
                kw["url"],
                kw.get("body"),
                kw.get("json"),
                kw.get("headers"),
                kw.get("params"),
                kw.get("tags"),
                kw.get("expected_statuses", True),
            )
            prepared.timeout, prepared.redirects = kw.get("timeout"), kw.get("redirects")
            prepared.response_type = kw.get("response_type")
            routing[prepared.url] = (site, kw.get("name"))
            prepared_list.append(prepared)
        vu._batch = routing
        try:
            return await vu.client.batch(prepared_list)
        finally:
            vu._batch = None


class VuContext:
    """One VU: ids, iteration counters, env, setup data, captures, HTTP client, tags context."""

    def __init__(self, core: RuntimeCore, id_in_instance: int, id_in_test: int) -> None:
        self._core = core
        self._recorder = core.recorder
        self.id = id_in_instance
        self.id_in_test = id_in_test
        self.iteration = 0  # iterations this VU started (all scenarios), 0-based while running
        self.iteration_in_test = 0
        self.scenario = ""
        self.env: dict[str, str] = core.env
        self.setup_data: Any = None
        self._setup_version = 0
        self.captures: dict[str, Any] = {}
        self._ctx: TagContext = core.recorder.context(core.run_tags)
        self._client: HttpClientLike | None = None
        # What the next response belongs to (a VU runs one request at a time, batch aside).
        self._site: RequestSite = core.recorder.default_site
        self._name: str | None = None
        self._batch: dict[str, tuple[RequestSite, str | None]] | None = None
        self._logged: set[Any] = set()  # errors already logged once (failing check expressions)
        self.http = HttpApi(self)
        self.metrics = MetricsView(self)
        # WebSocket traffic of this iteration: added to data_sent / data_received at its end
        self._ws_api = WsApi(self)
        self._ws_sessions: list[WsSession] = []  # opened from Python; closed at iteration end
        self._ws_sent = 0
        self._ws_received = 0

    # -- WebSocket and GraphQL (see loadpy.vu.ws_api) --------------------------------------
    async def ws(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        subprotocols: Any = (),
        timeout: float = 60.0,
        tags: Mapping[str, Any] | None = None,
    ) -> WsSession:
        """Open a WebSocket session (send, receive(timeout), ping, close); k6/ws metrics."""
        return await self._ws_api.ws(url, headers=headers, subprotocols=subprotocols, timeout=timeout, tags=tags)

    async def graphql(self, url: str, query: str, variables: Mapping[str, Any] | None = None, **kw: Any) -> Response:
        """A GraphQL query or mutation over HTTP POST, tagged operation / operation_type."""
        return await self._ws_api.graphql(url, query, variables, **kw)

    async def subscribe(
        self, url: str, query: str, variables: Mapping[str, Any] | None = None, **kw: Any
    ) -> SubscriptionResult:
        """A GraphQL subscription over a WebSocket (graphql-transport-ws or graphql-ws)."""
        return await self._ws_api.subscribe(url, query, variables, **kw)

    async def _finish_ws(self) -> tuple[int, int]:
        """Close the sessions Python code left open; (sent, received) WebSocket bytes since the last call."""
        sessions, self._ws_sessions = self._ws_sessions, []
        for session in sessions:
            await session.close()
        return self._take_ws_bytes(sessions)

    def _drop_ws(self) -> tuple[int, int]:
        """The iteration was interrupted: abort open sessions without waiting."""
        sessions, self._ws_sessions = self._ws_sessions, []
        for session in sessions:
            session._abort()
        return self._take_ws_bytes(sessions)

    def _take_ws_bytes(self, sessions: list[WsSession]) -> tuple[int, int]:
        sent = self._ws_sent + sum(s.bytes_sent for s in sessions)
        received = self._ws_received + sum(s.bytes_received for s in sessions)
        self._ws_sent = self._ws_received = 0
        return sent, received

    # -- HTTP ------------------------------------------------------------------------
    @property
    def client(self) -> HttpClientLike:
        """The VU's HTTP client, created on first use (10,000 idle VUs cost no clients)."""
        client = self._client
        if client is None:
            client = self._client = self._core.client_factory(self._on_response)
        return client

    def _meta(self) -> dict[str, str] | None:
        if not self._recorder.metadata:
            return None
        tags = self._recorder.system_tags
        meta = {}
        if "vu" in tags:
            meta["vu"] = str(self.id_in_test)
        if "iter" in tags:
            meta["iter"] = str(self.iteration)
        return meta

    def _on_response(self, resp: Response) -> None:
        site, name = self._site, self._name
        if self._batch is not None:
            site, name = self._batch.get(resp.url, (self._recorder.default_site, None))
        self._recorder.record_http(resp, self._ctx, site, name, self._meta() if self._recorder.metadata else None)

    async def _send(
        self,
        prepared: Any,
        site: RequestSite,
        name: str | None,
        timeout: float | None,
        redirects: int | None,
        response_type: str | None,
    ) -> Response:
        self._site = site
        self._name = name
        return await self.client.send(prepared, timeout=timeout, redirects=redirects, response_type=response_type)

    # -- checks, groups, control ----------------------------------------------------------
    def check(
        self, value: Any, checks: Mapping[str, Callable[[Any], Any] | bool], tags: Mapping[str, Any] | None = None
    ) -> bool:
        """k6's check(): one `checks` sample per entry; True only if all passed. A raising callable
        records a failure for its check and the exception propagates (k6 behaviour)."""
        extra = tagset(tags) if tags else ()
        ok = True
        for name, cond in checks.items():
            if callable(cond):
                try:
                    passed = bool(cond(value))
                except Exception:
                    self._recorder.record_check(self._ctx, name, False, extra, self._meta())
                    raise
            else:
                passed = bool(cond)
            self._recorder.record_check(self._ctx, name, passed, extra, self._meta())
            ok = ok and passed
        return ok

    @asynccontextmanager
    async def group(self, name: str) -> AsyncIterator[None]:
        """k6's group(): nested samples get group=<path>; group_duration recorded at exit."""
        parent = self._ctx
        child = self._recorder.child(parent, name)
        self._ctx = child
        start = now()
        try:
            yield
        except asyncio.CancelledError:
            self._ctx = parent
            raise
        except BaseException:
            self._ctx = parent
            # k6 pushes group_duration even when the group's function throws
            self._recorder.group_duration(child, (now() - start) * 1000.0, self._meta())
            raise
        self._ctx = parent
        self._recorder.group_duration(child, (now() - start) * 1000.0, self._meta())

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def abort(self, reason: str = "") -> None:
        """Stop the whole test (exit 108); this iteration still counts."""
        raise TestAbort(reason or "aborted by the script")

    def fail(self, reason: str = "") -> None:
        """Mark the test failed (exit 110); the iteration and the test go on (k6 exec.test.fail)."""
        self._core.mark_failed(reason)

    def log(self, message: str) -> None:
        log.info("%s", message, extra={"source": "console"})

    def _load_setup_data(self) -> None:
        if self._setup_version != self._core.setup_version:
            self.setup_data = self._core.setup_copy()
            self._setup_version = self._core.setup_version
