"""WebSocket and GraphQL plumbing shared by the flow steps and the public `VU` of Python code.

* `WsRecord`: the `Record` callback the ws/graphql clients report samples to. It adds the VU's
  context (run and scenario tags, scenario, group) and the user's `tags` to the session's own
  tags (url, status, subproto — system tags, dropped when `systemTags` excludes them — and
  `operation` for subscriptions), and records through the VU's state (cached sinks).
* `graphql_payload` / `graphql_tags`: the POST body and the request tags (`operation`,
  `operation_type`) of a GraphQL-over-HTTP request.
WebSocket bytes are added to the VU's per-iteration byte counters (data_sent / data_received).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import TagSet, tagset
from loadpy.protocols.graphql import SUBSCRIPTION_METRICS, operation_info
from loadpy.vu.state import VUState

# Tags the WebSocket clients set that are k6 system tags (subject to `systemTags`).
WS_SYSTEM_TAGS = frozenset({"url", "status", "subproto"})


def define_subscription_metrics(registry: Registry) -> None:
    """graphql_subscription_* (idempotent: an identical definition returns the existing metric)."""
    for name, (mtype, contains) in SUBSCRIPTION_METRICS.items():
        registry.define(name, mtype, contains)


class WsRecord:
    """Records one VU's WebSocket samples; built per session (the tag merge is cached for it)."""

    __slots__ = ("_extra", "_last", "state", "user_tags")

    def __init__(self, state: VUState, user_tags: TagSet = ()) -> None:
        self.state = state
        self.user_tags = user_tags
        self._last: TagSet | None = None
        self._extra: TagSet = ()

    def __call__(self, metric: str, value: float, tags: TagSet, when: float | None = None) -> None:
        state = self.state
        if tags != self._last:  # a session's tags change once (at open); messages reuse them
            self._last, self._extra = tags, self._merge(state.system_tags, tags)
        state.add(state.registry.metrics[metric], value, self._extra, when)

    def _merge(self, system: frozenset[str], tags: TagSet) -> TagSet:
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


def graphql_tags(query: str, operation_name: str | None, user_tags: Mapping[str, Any] | None) -> TagSet:
    """A GraphQL request's tags: the operation tags, then the user's (which win)."""
    tags = operation_tags(query, operation_name)
    tags.update({str(k): str(v) for k, v in (user_tags or {}).items()})
    return tagset(tags)
