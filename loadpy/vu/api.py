"""`VU`: the object every function of a Python script receives (exported as `loadpy.VU`).

It is a thin, typed facade over the VU's `VUState`: a request made here records exactly what a
YAML `request` step records, a check what a `checks:` entry records. Every method is documented
in docs/python-api.md.
"""

from __future__ import annotations

import asyncio
import functools
import json as _json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from loadpy import clock
from loadpy.errors import TestAbort
from loadpy.metrics.tags import tagset
from loadpy.protocols.graphql.subscription import TRANSPORT_WS
from loadpy.protocols.http.auth import check_auth
from loadpy.protocols.http.model import Response
from loadpy.vu.bodies import encode_body, with_query
from loadpy.vu.custom import MetricsView
from loadpy.vu.recording import ExpectedStatuses, HttpRecord, RequestSite
from loadpy.vu.state import VUState
from loadpy.vu.ws_record import WsRecord

if TYPE_CHECKING:  # the WebSocket client (and `websockets`, ~3 MB) is loaded by the first session
    from loadpy.protocols.graphql.client import SubscriptionResult
    from loadpy.protocols.ws import WsSession

log = logging.getLogger("loadpy.vu")

T = TypeVar("T")


def _expected(expected_statuses: list[Any] | bool | None) -> ExpectedStatuses | bool | None:
    return ExpectedStatuses.parse(expected_statuses) if isinstance(expected_statuses, list) else expected_statuses


class HttpApi:
    """`vu.http`: k6-like request helpers that record metrics like a YAML request step."""

    __slots__ = ("_state",)

    def __init__(self, state: VUState) -> None:
        self._state = state

    def request(
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
        auth: str | None = None,
        replace_cookies: Collection[str] = (),
    ) -> Awaitable[Response]:
        """Send one request (timeout in seconds); records http_* like a YAML request step.
        `auth="digest"`: the URL's credentials answer a Digest challenge, as k6's params.auth.
        `replace_cookies`: the jar's cookies of these names are not sent (the `Cookie` header's
        replace them, as k6's request cookies with `replace: true`).
        Returns the client's own coroutine (no coroutine level of its own: `await vu.http.get(url)`
        runs one frame less per request); its tags and group are the VU's at this call."""
        state = self._state
        plain = headers is None and params is None and auth is None and not replace_cookies
        if body is None and json is None and plain:
            if tags is None and expected_statuses is True:
                site = state.default_site
            else:
                site = state.site(tagset(tags) if tags else (), _expected(expected_statuses))
            prepared = state.prepared_plain(method, url)
        else:
            prepared, site = self._prepare(method, url, body, json, headers, params, tags, expected_statuses, auth)
            if replace_cookies:  # k6's request cookies with `replace: true`: the jar's of that name stay home
                prepared.replaced = frozenset(replace_cookies)
        return state.send(prepared, site, name, timeout, redirects, response_type)

    def start(
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
        auth: str | None = None,
        replace_cookies: Collection[str] = (),
    ) -> Awaitable[Response]:
        """`request`, its tags and group taken now, sent when the result is awaited (JavaScript's
        http.asyncRequest starts several on the VU's event loop before awaiting any)."""
        prepared, site = self._prepare(method, url, body, json, headers, params, tags, expected_statuses, auth)
        if replace_cookies:
            prepared.replaced = frozenset(replace_cookies)
        return self._state.send(prepared, site, name, timeout, redirects, response_type)

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
        auth: str | None = None,
    ) -> tuple[Any, RequestSite]:
        state = self._state
        hdrs = dict(headers or {})
        data = encode_body(body, json, hdrs)
        site = state.site(tagset(tags) if tags else (), _expected(expected_statuses))
        scheme = check_auth(auth)  # refuses "ntlm" before anything is sent
        return state.http_client().prepare(method.upper(), with_query(url, params), hdrs, data, scheme), site

    def get(self, url: str, **kw: Any) -> Awaitable[Response]:
        return self.request("GET", url, **kw)

    def head(self, url: str, **kw: Any) -> Awaitable[Response]:
        return self.request("HEAD", url, **kw)

    def options(self, url: str, body: Any = None, **kw: Any) -> Awaitable[Response]:
        return self.request("OPTIONS", url, body, **kw)

    def post(self, url: str, body: Any = None, **kw: Any) -> Awaitable[Response]:
        return self.request("POST", url, body, **kw)

    def put(self, url: str, body: Any = None, **kw: Any) -> Awaitable[Response]:
        return self.request("PUT", url, body, **kw)

    def patch(self, url: str, body: Any = None, **kw: Any) -> Awaitable[Response]:
        return self.request("PATCH", url, body, **kw)

    def delete(self, url: str, body: Any = None, **kw: Any) -> Awaitable[Response]:
        return self.request("DELETE", url, body, **kw)

    async def batch(self, requests: Sequence[Mapping[str, Any] | str]) -> list[Response]:
        """Parallel requests (batch / batchPerHost limits): URL strings or dicts of `request`
        keyword arguments plus method and url. Responses come back in request order."""
        state = self._state
        prepared_list = []
        records: list[HttpRecord] = []
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
                kw.get("auth"),
            )
            prepared.timeout, prepared.redirects = kw.get("timeout"), kw.get("redirects")
            if kw.get("replace_cookies"):
                prepared.replaced = frozenset(kw["replace_cookies"])
            prepared.response_type = kw.get("response_type")
            records.append(state.http_record(site, kw.get("name")))
            prepared_list.append(prepared)
        return await state.batch(prepared_list, records)


class VU:
    """One virtual user, as script code sees it: `vu.http`, `vu.check`, `vu.group`, `vu.metrics` ..."""

    __slots__ = ("_state", "http", "metrics")

    def __init__(self, state: VUState) -> None:
        self._state = state
        state.user = self
        self.http = HttpApi(state)
        self.metrics = MetricsView(state)

    # -- who and where -----------------------------------------------------------------------
    @property
    def id(self) -> int:
        """The VU's number in this instance (k6 exec.vu.idInInstance; 0 in setup/teardown)."""
        return self._state.id

    @property
    def id_in_test(self) -> int:
        """The VU's number in the whole test (k6 exec.vu.idInTest)."""
        return self._state.id_in_test

    @property
    def iteration(self) -> int:
        """Iterations this VU started before this one (k6 exec.vu.iterationInInstance)."""
        return self._state.iteration

    @property
    def iteration_in_test(self) -> int:
        """This iteration's number in its scenario across all VUs (k6 exec.scenario.iterationInTest)."""
        return self._state.iteration_in_test

    @property
    def scenario(self) -> str:
        """The running scenario's name ("" in setup/teardown)."""
        return self._state.scenario

    @property
    def env(self) -> dict[str, str]:
        """k6's __ENV: the script's `env` defaults < the process environment < `-e`, plus the scenario's `env`."""
        return self._state.env

    @property
    def setup_data(self) -> Any:
        """What setup() returned, as JSON round-tripped for this VU (None without setup)."""
        return self._state.setup_data

    @property
    def captures(self) -> dict[str, Any]:
        """This iteration's YAML `capture:` values (what a `call:` step's function reads and adds to)."""
        return self._state.captures

    # -- checks, groups, control ------------------------------------------------------------
    def check(
        self, value: Any, checks: Mapping[str, Callable[[Any], Any] | bool], tags: Mapping[str, Any] | None = None
    ) -> bool:
        """k6's check(): one `checks` sample per entry; True only if all passed. A raising callable
        records a failure for its check and the exception propagates (k6 behaviour)."""
        state = self._state
        extra = tagset(tags) if tags else ()
        ok = True
        for name, cond in checks.items():
            if callable(cond):
                try:
                    passed = bool(cond(value))
                except Exception:
                    state.record_check(name, False, extra)
                    raise
            else:
                passed = bool(cond)
            state.record_check(name, passed, extra)
            ok = ok and passed
        return ok

    @asynccontextmanager
    async def group(self, name: str) -> AsyncIterator[None]:
        """k6's group(): samples inside get group=<path>; group_duration is recorded at exit."""
        async with self._state.group(name):
            yield

    async def sleep(self, seconds: float) -> None:
        await clock.sleep(seconds)

    async def run_blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking call (a sync driver, `requests`, heavy CPU work) on a worker thread, so the
        other VUs keep running while it waits."""
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))

    def abort(self, reason: str = "") -> None:
        """Stop the whole test (exit 108); this iteration still counts."""
        raise TestAbort(reason or "aborted by the script")

    def fail(self, reason: str = "") -> None:
        """Mark the test failed (exit 110); the iteration and the test go on (k6 exec.test.fail)."""
        self._state.mark_failed(reason)

    def log(self, message: str) -> None:
        log.info("%s", message, extra={"source": "console"})

    # -- WebSocket and GraphQL -----------------------------------------------------------------
    async def ws(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        subprotocols: Sequence[str] = (),
        timeout: float = 60.0,
        tags: Mapping[str, Any] | None = None,
    ) -> WsSession:
        """Open a WebSocket session (send, receive(timeout), ping, close; raises WsError when it
        cannot). Closed at the end of the iteration if still open; k6/ws metrics, bytes counted."""
        from loadpy.protocols.ws import WsSession

        record = WsRecord(self._state, tagset(tags) if tags else ())
        session = await WsSession.open(
            url,
            headers=headers,
            subprotocols=subprotocols,
            timeout=timeout,
            record=record,
            **self._state.ws_connection_options(),
        )
        self._state.track_ws(session)
        return session

    async def graphql(
        self,
        url: str,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        headers: Mapping[str, str] | None = None,
        tags: Mapping[str, Any] | None = None,
        name: str | None = None,
        timeout: float | None = None,
        expected_statuses: list[Any] | bool | None = True,
    ) -> Response:
        """A GraphQL query or mutation over HTTP POST {query, variables, operationName}, tagged
        operation / operation_type like a `graphql` step."""
        from loadpy.vu.graphql import graphql_payload, graphql_tags  # (its document parser: loaded by who uses it)

        state = self._state
        site = state.site(graphql_tags(query, operation_name, tags), _expected(expected_statuses))
        hdrs = dict(headers or {})
        hdrs.setdefault("Content-Type", "application/json")
        body = _json.dumps(graphql_payload(query, variables, operation_name), separators=(",", ":")).encode()
        prepared = state.http_client().prepare("POST", url, hdrs, body)
        return await state.send(prepared, site, name, timeout)

    async def subscribe(
        self,
        url: str,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        protocol: str = TRANSPORT_WS,
        operation_name: str | None = None,
        take: int = 1,
        timeout: float = 60.0,
        headers: Mapping[str, str] | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> SubscriptionResult:
        """One GraphQL subscription over a WebSocket (graphql-transport-ws or graphql-ws), as the
        `subscription` step runs it (never raises for network errors: look at `result.error`)."""
        from loadpy.protocols.graphql.client import run_subscription
        from loadpy.vu.graphql import define_subscription_metrics

        state = self._state
        define_subscription_metrics(state.registry)
        result = await run_subscription(
            url,
            protocol=protocol,
            query=query,
            variables=variables,
            take=take,
            timeout=timeout,
            record=WsRecord(state, tagset(tags) if tags else ()),
            headers=headers,
            operation_name=operation_name,
        )
        state.add_ws_bytes(result.bytes_sent, result.bytes_received)
        return result
