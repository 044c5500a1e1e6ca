"""WebSocket and GraphQL plumbing shared by the flow steps and the Python `vu` object.

* `WsRecord`: the `Record` callback the ws/graphql clients report samples to. It adds the VU's
  context (run and scenario tags, scenario, group) and the user's `tags` to the session's own
  tags (url, status, subproto — system tags, dropped when `systemTags` excludes them — and
  `operation` for subscriptions), and records through the VU's Recorder (cached sinks).
* `graphql_payload` / `graphql_site`: the POST body and the request tags (`operation`,
  `operation_type`) of a GraphQL-over-HTTP request.
* `WsApi`: `vu.ws(...)`, `vu.graphql(...)`, `vu.subscribe(...)` for Python code.
WebSocket bytes are added to the VU's per-iteration byte counters (data_sent / data_received).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from loadpy.metrics.tags import TagSet, tagset
from loadpy.protocols.graphql import SUBSCRIPTION_METRICS, SubscriptionResult, operation_info, run_subscription
from loadpy.protocols.graphql.subscription import TRANSPORT_WS
from loadpy.protocols.http.model import Response
from loadpy.protocols.ws import WsSession
from loadpy.vu.recording import ExpectedStatuses, Recorder, RequestSite

if TYPE_CHECKING:
    from loadpy.metrics.registry import Registry
    from loadpy.vu.context import VuContext

# Tags the WebSocket clients set that are k6 system tags (subject to `systemTags`).
WS_SYSTEM_TAGS = frozenset({"url", "status", "subproto"})


def define_subscription_metrics(registry: Registry) -> None:
    """graphql_subscription_* (idempotent: an identical definition returns the existing metric)."""
    for name, (mtype, contains) in SUBSCRIPTION_METRICS.items():
        registry.define(name, mtype, contains)


class WsRecord:
    """Records one VU's WebSocket samples; built per session (the tag merge is cached for it)."""

    __slots__ = ("_extra", "_last", "user_tags", "vu")

    def __init__(self, vu: VuContext, user_tags: TagSet = ()) -> None:
        self.vu = vu
        self.user_tags = user_tags
        self._last: TagSet | None = None
        self._extra: TagSet = ()

    def __call__(self, metric: str, value: float, tags: TagSet, when: float | None = None) -> None:
        vu = self.vu
        recorder = vu._recorder
        if tags != self._last:  # a session's tags change once (at open); messages reuse them
            self._last, self._extra = tags, self._merge(recorder, tags)
        meta = vu._meta() if recorder.metadata else None
        recorder.add(recorder.registry.metrics[metric], vu._ctx, value, self._extra, meta, when)

    def _merge(self, recorder: Recorder, tags: TagSet) -> TagSet:
        system = recorder.system_tags
        merged = {k: v for k, v in tags if k not in WS_SYSTEM_TAGS or k in system}
        merged.update(self.user_tags)
        return tagset(merged)


def graphql_payload(query: str, variables: Any, operation_name: str | None) -> dict[str, Any]:
    """The JSON body: query, then variables and operationName only when given."""
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    if operation_name:
        payload["operationName"] = operation_name
    return payload


def operation_tags(query: str, operation_name: str | None) -> dict[str, str]:
    """`operation` (when the operation has a name) and `operation_type` (when it can be told)."""
    name, kind = operation_info(query, operation_name)
    tags = {}
    if name:
        tags["operation"] = name
    if kind:
        tags["operation_type"] = kind
    return tags


def graphql_site(
    recorder: Recorder,
    query: str,
    operation_name: str | None,
    user_tags: Mapping[str, Any] | None,
    expected: ExpectedStatuses | bool | None = True,
) -> RequestSite:
    """Request tags: the operation tags, then the user's (which win)."""
    tags = operation_tags(query, operation_name)
    tags.update({str(k): str(v) for k, v in (user_tags or {}).items()})
    return recorder.site(tagset(tags), expected)


class WsApi:
    """The WebSocket/GraphQL half of the `vu` object (VuContext delegates here)."""

    def __init__(self, vu: VuContext) -> None:
        self._vu = vu

    async def ws(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        subprotocols: Sequence[str] = (),
        timeout: float = 60.0,
        tags: Mapping[str, Any] | None = None,
    ) -> WsSession:
        """Open a session (raises WsError when it cannot). It is closed at the end of the iteration
        if the code did not close it; its bytes count in data_sent / data_received."""
        vu = self._vu
        record = WsRecord(vu, tagset(tags) if tags else ())
        session = await WsSession.open(url, headers=headers, subprotocols=subprotocols, timeout=timeout, record=record)
        vu._ws_sessions.append(session)
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
        """POST {query, variables, operationName}; recorded like a `graphql` step (operation tags)."""
        vu = self._vu
        expected: ExpectedStatuses | bool | None = (
            ExpectedStatuses.parse(expected_statuses) if isinstance(expected_statuses, list) else expected_statuses
        )
        site = graphql_site(vu._recorder, query, operation_name, tags, expected)
        hdrs = dict(headers or {})
        hdrs.setdefault("Content-Type", "application/json")
        body = json.dumps(graphql_payload(query, variables, operation_name), separators=(",", ":")).encode()
        prepared = vu.client.prepare("POST", url, hdrs, body)
        return await vu._send(prepared, site, name, timeout, None, None)

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
        """One subscription, as the `subscription` step runs it (never raises for network errors:
        look at `result.error`)."""
        vu = self._vu
        define_subscription_metrics(vu._recorder.registry)
        result = await run_subscription(
            url,
            protocol=protocol,
            query=query,
            variables=variables,
            take=take,
            timeout=timeout,
            record=WsRecord(vu, tagset(tags) if tags else ()),
            headers=headers,
            operation_name=operation_name,
        )
        vu._ws_sent += result.bytes_sent
        vu._ws_received += result.bytes_received
        return result
