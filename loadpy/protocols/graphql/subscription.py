"""GraphQL-over-WebSocket client state machines, pure: feed server messages, get client messages.

Both protocols (k6-semantics.md §14.3):
* `graphql-transport-ws` (the graphql-ws library): connection_init → connection_ack → subscribe →
  next* → complete | error; ping ↔ pong either way; the client cancels with `complete`.
* `graphql-ws` (legacy subscriptions-transport-ws): connection_init → connection_ack (or
  connection_error) → start → data* → complete | error; `ka` keep-alives; the client cancels with
  `stop` and says goodbye with `connection_terminate`.
One subscription per machine (id "1"); after `take` events the machine cancels it and is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
PROTOCOLS = (TRANSPORT_WS, LEGACY_WS)

ClientMessage = dict[str, Any]


@dataclass
class SubscriptionMachine:
    """State of one subscription. `start()` first, then `feed()` each decoded server message."""

    protocol: str
    query: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    take: int = 1  # events wanted; 0 or less: until the server completes
    op_id: str = "1"
    acked: bool = False
    subscribed: bool = False
    done: bool = False
    completed_by_server: bool = False
    events: list[Any] = field(default_factory=list)  # payloads of next/data, in order
    errors: list[Any] = field(default_factory=list)  # error payloads and errors inside events

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"unknown GraphQL WebSocket protocol {self.protocol!r}; use one of {', '.join(PROTOCOLS)}")

    def start(self) -> list[ClientMessage]:
        return [{"type": "connection_init", "payload": {}}]

    def feed(self, message: Any) -> list[ClientMessage]:
        """Advance on one server message; returns the client messages to send in reply."""
        if self.done:
            return []
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return self._fail({"message": f"invalid server message: {message!r}"})
        kind = message["type"]
        if kind == "connection_ack":
            if self.acked:
                return []
            self.acked = True
            self.subscribed = True
            return [self._subscribe()]
        if kind == "ping":
            return [{"type": "pong"}] if self.protocol == TRANSPORT_WS else []
        if kind in ("pong", "ka"):
            return []
        if kind == "connection_error":
            return self._fail(message.get("payload") or {"message": "connection_error"})
        if message.get("id") != self.op_id:
            return []  # another operation's traffic: not ours
        if kind == ("next" if self.protocol == TRANSPORT_WS else "data"):
            payload = message.get("payload")
            self.events.append(payload)
            if isinstance(payload, dict) and payload.get("errors"):
                self.errors.extend(payload["errors"])
            if 0 < self.take <= len(self.events):
                return self._cancel()
            return []
        if kind == "error":
            payload = message.get("payload")
            self.errors.extend(payload if isinstance(payload, list) else [payload])
            self.done = True
            return self._goodbye()
        if kind == "complete":
            self.done = True
            self.completed_by_server = True
            return self._goodbye()
        return []

    def finish(self) -> list[ClientMessage]:
        """The client gives up (timeout): what to send to cancel cleanly."""
        if self.done:
            return []
        return self._cancel() if self.subscribed else self._stop()

    def _subscribe(self) -> ClientMessage:
        payload: dict[str, Any] = {"query": self.query}
        if self.variables:
            payload["variables"] = self.variables
        if self.operation_name:
            payload["operationName"] = self.operation_name
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        return {"id": self.op_id, "type": kind, "payload": payload}

    def _cancel(self) -> list[ClientMessage]:
        self.done = True
        kind = "complete" if self.protocol == TRANSPORT_WS else "stop"
        return [{"id": self.op_id, "type": kind}, *self._goodbye()]

    def _goodbye(self) -> list[ClientMessage]:
        return [{"type": "connection_terminate"}] if self.protocol == LEGACY_WS else []

    def _stop(self) -> list[ClientMessage]:
        self.done = True
        return self._goodbye()

    def _fail(self, error: Any) -> list[ClientMessage]:
        self.errors.append(error)
        self.done = True
        return self._goodbye()
