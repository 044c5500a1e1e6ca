"""The `ws` and `subscription` flow steps, and the standard checks of a `graphql` step's `expect`.

A `graphql` step is an ordinary RequestStep (loadpy.vu.compiler_ws builds its spec); what is
GraphQL-specific at run time is only the `expect` checks defined here.

Check and capture expressions of a ws step see `messages` (received, in order: str for text,
bytes for binary), `status` (101, or the refused handshake's, 0 without a reply), `error` (""
when `receive` messages came in time), `subprotocol`, `headers`, `close_code`, `duration` (ms);
a subscription step's see `events` (payloads, in order), `errors` (GraphQL errors), `status`,
`error`, `completed`, `subprotocol`, `first_event` (ms or None), `duration`. Both see `result`.
A session that fails (refused, timeout before `receive`/`take`) logs a warning once per VU and
step, like k6/ws's "Attempt to establish a WebSocket connection failed"; the iteration goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from loadpy.metrics.tags import TagSet
from loadpy.protocols.graphql import run_subscription
from loadpy.protocols.ws import Message, run_ws_session
from loadpy.vu.context import VuContext
from loadpy.vu.expressions import Expr, Value
from loadpy.vu.steps import Check, Step, run_checks
from loadpy.vu.ws_api import WsRecord

log = logging.getLogger("loadpy.vu")

Getter = Callable[[Any, Any], Any]

# Names a check/capture expression can read after a ws or subscription step (value, result).
_SESSION_GETTERS: dict[str, Getter] = {
    "status": lambda s, r: r.status,
    "error": lambda s, r: r.error,
    "subprotocol": lambda s, r: r.subprotocol,
    "duration": lambda s, r: r.duration_ms,
    "result": lambda s, r: r,
}
WS_GETTERS: dict[str, Getter] = {
    **_SESSION_GETTERS,
    "messages": lambda s, r: r.messages,
    "headers": lambda s, r: r.headers,
    "close_code": lambda s, r: r.close_code,
}
SUBSCRIPTION_GETTERS: dict[str, Getter] = {
    **_SESSION_GETTERS,
    "events": lambda s, r: r.events,
    "errors": lambda s, r: r.errors,
    "completed": lambda s, r: r.completed,
    "first_event": lambda s, r: r.first_event_ms,
}


def encode_message(message: Any) -> Message:
    """Strings and bytes go as they are; anything else (objects, lists, numbers) as JSON text."""
    if isinstance(message, str | bytes):
        return message
    return json.dumps(message, separators=(",", ":"))


def _headers(value: Value, vu: VuContext) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value.get(vu, None) or {}).items()}


def _warn(vu: VuContext, step: Step, error: str) -> None:
    key = (step, "session")
    if key not in vu._logged:
        vu._logged.add(key)
        log.warning("%s: %s (further failures of this step by this VU are not logged)", step.where, error)


class WsStep(Step):
    kind = "ws"

    def __init__(
        self,
        url: Value,
        headers: Value,
        subprotocols: tuple[str, ...],
        send: Value,
        receive: int,
        timeout: float,
        tags: TagSet,
        checks: list[Check],
        captures: list[tuple[str, Expr]],
    ) -> None:
        self.url = url
        self.headers = headers
        self.subprotocols = subprotocols
        self.send = send
        self.receive = receive
        self.timeout = timeout
        self.tags = tags
        self.checks = checks
        self.captures = captures

    async def run(self, vu: VuContext) -> None:
        messages = [encode_message(m) for m in (self.send.get(vu, None) or ())]
        result = await run_ws_session(
            str(self.url.get(vu, None)),
            headers=_headers(self.headers, vu),
            subprotocols=self.subprotocols,
            send=messages,
            receive=self.receive,
            timeout=self.timeout,
            record=WsRecord(vu, self.tags),
        )
        vu._ws_sent += result.bytes_sent
        vu._ws_received += result.bytes_received
        if result.error:
            _warn(vu, self, result.error)
        if self.checks or self.captures:
            run_checks(vu, self.checks, self.captures, result)


class SubscriptionStep(Step):
    kind = "subscription"

    def __init__(
        self,
        url: Value,
        protocol: str,
        query: str,
        variables: Value,
        operation_name: str | None,
        headers: Value,
        take: int,
        timeout: float,
        tags: TagSet,
        checks: list[Check],
        captures: list[tuple[str, Expr]],
    ) -> None:
        self.url = url
        self.protocol = protocol
        self.query = query
        self.variables = variables
        self.operation_name = operation_name
        self.headers = headers
        self.take = take
        self.timeout = timeout
        self.tags = tags
        self.checks = checks
        self.captures = captures

    async def run(self, vu: VuContext) -> None:
        result = await run_subscription(
            str(self.url.get(vu, None)),
            protocol=self.protocol,
            query=self.query,
            variables=self.variables.get(vu, None),
            take=self.take,
            timeout=self.timeout,
            record=WsRecord(vu, self.tags),
            headers=_headers(self.headers, vu),
            operation_name=self.operation_name,
        )
        vu._ws_sent += result.bytes_sent
        vu._ws_received += result.bytes_received
        if result.error:
            _warn(vu, self, result.error)
        if self.checks or self.captures:
            run_checks(vu, self.checks, self.captures, result)


# -- the standard checks of a graphql step with `expect` ------------------------------------
class Probe:
    """A check condition written in Python (quacks like a compiled Expr)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Any], bool]) -> None:
        self.fn = fn

    def evaluate(self, state: Any, response: Any = None) -> bool:
        return self.fn(response)


def _document(resp: Any) -> dict[str, Any] | None:
    try:
        doc = resp.json()
    except Exception:  # not JSON (or no body): the "valid JSON" check fails, the others too
        return None
    return doc if isinstance(doc, dict) else None


def _lookup(data: Any, parts: tuple[str, ...]) -> Any:
    for part in parts:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.lstrip("-").isdigit() and -len(data) <= int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _no_errors(resp: Any) -> bool:
    doc = _document(resp)
    return doc is not None and not doc.get("errors")


def _has_data(resp: Any) -> bool:
    doc = _document(resp)
    return doc is not None and doc.get("data") is not None


def _has_path(parts: tuple[str, ...]) -> Callable[[Any], bool]:
    def probe(resp: Any) -> bool:
        doc = _document(resp)
        return doc is not None and _lookup(doc.get("data"), parts) is not None

    return probe


def expect_checks(label: str, paths: list[str], where: str) -> list[Check]:
    """The checks `expect: [paths]` adds, named `<label>: ...` (label: the operation name, or
    "graphql" for an anonymous operation):

    * `<label>: status is 200`
    * `<label>: valid JSON` (the body is a JSON object)
    * `<label>: no GraphQL errors` (no or an empty `errors` list)
    * `<label>: has data` (`data` is not null)
    * `<label>: has data.<path>` for each path (dot-separated; list indexes are numbers), not null
    """
    checks = [
        Check(f"{label}: status is 200", Probe(lambda r: r.status == 200), where),
        Check(f"{label}: valid JSON", Probe(lambda r: _document(r) is not None), where),
        Check(f"{label}: no GraphQL errors", Probe(_no_errors), where),
        Check(f"{label}: has data", Probe(_has_data), where),
    ]
    checks.extend(Check(f"{label}: has data.{p}", Probe(_has_path(tuple(p.split(".")))), where) for p in paths)
    return checks
