"""The `subscription` step: one GraphQL subscription over a WebSocket, with its own metrics.

Besides k6's ws_* metrics (recorded by the WebSocket session), per subscription:

* `graphql_subscription_events` (Counter): events (next/data messages) received;
* `graphql_subscription_first_event` (Trend, time): ms from sending subscribe/start to the first event;
* `graphql_subscription_event_gap` (Trend, time): ms between consecutive events.

They carry the session's tags (url, status, subproto) plus `operation` (the operation name; no tag
when the operation is anonymous).
The VU layer defines them with `SUBSCRIPTION_METRICS` (name → (type, contains)).
After `take` events the client cancels the operation (complete / stop), so ws_msgs_sent counts that
message too: init + subscribe + complete (+ connection_terminate on the legacy protocol).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from loadpy import clock
from loadpy.metrics.tags import TagSet
from loadpy.protocols.graphql.document import operation_info
from loadpy.protocols.graphql.subscription import ClientMessage, SubscriptionMachine
from loadpy.protocols.ws.session import Record, WsError, WsSession, no_record

SUBSCRIPTION_METRICS: dict[str, tuple[str, str]] = {
    "graphql_subscription_events": ("counter", "default"),
    "graphql_subscription_first_event": ("trend", "time"),
    "graphql_subscription_event_gap": ("trend", "time"),
}


@dataclass(slots=True)
class SubscriptionResult:
    """What a subscription step saw; `error` is "" when `take` events came without GraphQL errors."""

    url: str
    events: list[Any] = field(default_factory=list)  # payloads ({"data": ...}), in order
    errors: list[Any] = field(default_factory=list)  # GraphQL errors (error messages and errors in events)
    status: int = 0
    error: str = ""
    subprotocol: str = ""
    completed: bool = False  # the server sent complete
    first_event_ms: float | None = None
    bytes_sent: int = 0
    bytes_received: int = 0
    duration_ms: float = 0.0


def _with_operation(tags: TagSet, operation: str) -> TagSet:
    """The session's tags plus `operation` (left out for an anonymous operation, as for HTTP)."""
    return tuple(sorted((*tags, ("operation", operation)))) if operation else tags


async def run_subscription(
    url: str,
    *,
    protocol: str,
    query: str,
    variables: Mapping[str, Any] | None = None,
    take: int = 1,
    timeout: float = 60.0,
    record: Record = no_record,
    headers: Mapping[str, str] | None = None,
    operation_name: str | None = None,
) -> SubscriptionResult:
    """Open a session with `protocol`, subscribe, collect `take` events, cancel, close. Never raises WsError.

    `timeout` bounds the whole session; raises ValueError only for an unknown `protocol`.
    """
    machine = SubscriptionMachine(protocol, query, dict(variables or {}), operation_name, take)
    operation = operation_info(query, operation_name)[0]
    start = clock.now()
    deadline = start + timeout
    result = SubscriptionResult(url)
    try:
        session = await WsSession.open(url, headers=headers, subprotocols=[protocol], timeout=timeout, record=record)
    except WsError as exc:
        result.status, result.error = exc.status, str(exc)
        result.duration_ms = (clock.now() - start) * 1000.0
        return result
    tags = _with_operation(session.tags, operation)
    subscribed_at: float | None = None
    last_event = 0.0

    def send(messages: list[ClientMessage]) -> None:
        nonlocal subscribed_at
        for msg in messages:
            if session.is_open:
                session.send(json.dumps(msg))
                if msg["type"] in ("subscribe", "start"):
                    subscribed_at = clock.now()

    try:
        if session.subprotocol != protocol:
            result.error = f"the server did not accept the sub-protocol {protocol!r}"
        else:
            send(machine.start())
            while not machine.done:
                raw = await session.receive(max(0.0, deadline - clock.now()))
                if raw is None:
                    break
                before = len(machine.events)
                replies = machine.feed(_decode(raw))
                if len(machine.events) > before:
                    now = clock.now()
                    record("graphql_subscription_events", 1.0, tags)
                    if before == 0 and subscribed_at is not None:
                        result.first_event_ms = (now - subscribed_at) * 1000.0
                        record("graphql_subscription_first_event", result.first_event_ms, tags)
                    elif before:
                        record("graphql_subscription_event_gap", (now - last_event) * 1000.0, tags)
                    last_event = now
                send(replies)
            if not machine.done:
                why = "the server closed the connection" if session.closed else "timeout"
                result.error = f"{why} after {len(machine.events)} of {take} events"
                send(machine.finish())
    finally:
        await session.close()
    result.events, result.errors = machine.events, machine.errors
    result.completed = machine.completed_by_server
    if not result.error and machine.errors:
        first = machine.errors[0]
        result.error = f"GraphQL error: {first.get('message', first) if isinstance(first, dict) else first}"
    elif not result.error and take > 0 and len(machine.events) < take:
        result.error = f"the server completed the subscription after {len(machine.events)} of {take} events"
    result.status, result.subprotocol = session.status, session.subprotocol
    result.bytes_sent, result.bytes_received = session.bytes_sent, session.bytes_received
    result.duration_ms = (clock.now() - start) * 1000.0
    return result


def _decode(raw: str | bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw
