"""GraphQL over HTTP and over WebSockets, as the flow steps and the public VU both use it: the
POST body, the request tags (`operation`, `operation_type`), the subscription metrics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import TagSet, tagset
from loadpy.protocols.graphql.document import operation_info


def define_subscription_metrics(registry: Registry) -> None:
    """graphql_subscription_* (idempotent: an identical definition returns the existing metric)."""
    from loadpy.protocols.graphql.client import SUBSCRIPTION_METRICS  # (the client loads websockets)

    for name, (mtype, contains) in SUBSCRIPTION_METRICS.items():
        registry.define(name, mtype, contains)


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
