"""The GraphQL-over-WebSocket client state machines, driven message by message (no sockets)."""

from __future__ import annotations

import pytest

from loadpy.protocols.graphql.subscription import LEGACY_WS, TRANSPORT_WS, SubscriptionMachine

QUERY = "subscription { tick }"


def event(kind: str, n: int, op_id: str = "1") -> dict[str, object]:
    return {"id": op_id, "type": kind, "payload": {"data": {"tick": n}}}


def test_transport_ws_happy_path_cancels_after_take() -> None:
    m = SubscriptionMachine(TRANSPORT_WS, QUERY, {"a": 1}, "Tick", take=2)
    assert m.start() == [{"type": "connection_init", "payload": {}}]
    assert m.feed({"type": "connection_ack"}) == [
        {"id": "1", "type": "subscribe", "payload": {"query": QUERY, "variables": {"a": 1}, "operationName": "Tick"}}
    ]
    assert m.feed({"type": "ping"}) == [{"type": "pong"}]
    assert m.feed(event("next", 0)) == []
    assert not m.done
    assert m.feed(event("next", 1)) == [{"id": "1", "type": "complete"}]
    assert (m.done, m.completed_by_server, m.errors) == (True, False, [])
    assert m.events == [{"data": {"tick": 0}}, {"data": {"tick": 1}}]
    assert m.feed(event("next", 2)) == []  # done: later traffic is ignored
    assert len(m.events) == 2


def test_legacy_happy_path_stops_and_terminates() -> None:
    m = SubscriptionMachine(LEGACY_WS, QUERY, take=1)
    m.start()
    assert m.feed({"type": "connection_ack"}) == [{"id": "1", "type": "start", "payload": {"query": QUERY}}]
    assert m.feed({"type": "ka"}) == []
    assert m.feed({"type": "ping"}) == []  # legacy has no ping message
    assert m.feed(event("data", 7)) == [{"id": "1", "type": "stop"}, {"type": "connection_terminate"}]
    assert m.events == [{"data": {"tick": 7}}]


def test_server_complete_before_take() -> None:
    m = SubscriptionMachine(TRANSPORT_WS, QUERY, take=5)
    m.feed({"type": "connection_ack"})
    m.feed(event("next", 0))
    assert m.feed({"id": "1", "type": "complete"}) == []
    assert (m.done, m.completed_by_server, len(m.events)) == (True, True, 1)


def test_take_zero_waits_for_server_complete() -> None:
    m = SubscriptionMachine(TRANSPORT_WS, QUERY, take=0)
    m.feed({"type": "connection_ack"})
    for i in range(10):
        assert m.feed(event("next", i)) == []
    assert not m.done
    m.feed({"id": "1", "type": "complete"})
    assert (m.done, len(m.events)) == (True, 10)


@pytest.mark.parametrize(
    ("protocol", "payload", "errors"),
    [
        (TRANSPORT_WS, [{"message": "bad"}], [{"message": "bad"}]),
        (LEGACY_WS, {"message": "bad"}, [{"message": "bad"}]),
    ],
)
def test_operation_error_ends_the_machine(protocol: str, payload: object, errors: list[object]) -> None:
    m = SubscriptionMachine(protocol, QUERY, take=3)
    m.feed({"type": "connection_ack"})
    out = m.feed({"id": "1", "type": "error", "payload": payload})
    assert out == ([{"type": "connection_terminate"}] if protocol == LEGACY_WS else [])
    assert (m.done, m.errors, m.events) == (True, errors, [])


def test_errors_inside_events_are_collected() -> None:
    m = SubscriptionMachine(TRANSPORT_WS, QUERY, take=1)
    m.feed({"type": "connection_ack"})
    m.feed({"id": "1", "type": "next", "payload": {"data": None, "errors": [{"message": "partial"}]}})
    assert m.errors == [{"message": "partial"}]
    assert m.events == [{"data": None, "errors": [{"message": "partial"}]}]


def test_other_ids_and_duplicate_acks_are_ignored() -> None:
    m = SubscriptionMachine(TRANSPORT_WS, QUERY, take=1)
    assert len(m.feed({"type": "connection_ack"})) == 1
    assert m.feed({"type": "connection_ack"}) == []
    assert m.feed(event("next", 0, op_id="other")) == []
    assert m.events == []


def test_connection_error_and_garbage_fail() -> None:
    m = SubscriptionMachine(LEGACY_WS, QUERY)
    assert m.feed({"type": "connection_error", "payload": {"message": "nope"}}) == [{"type": "connection_terminate"}]
    assert (m.done, m.errors) == (True, [{"message": "nope"}])
    g = SubscriptionMachine(TRANSPORT_WS, QUERY)
    g.feed("not json")
    assert g.done
    assert g.errors == [{"message": "invalid server message: 'not json'"}]


def test_finish_cancels_only_what_was_started() -> None:
    before_ack = SubscriptionMachine(TRANSPORT_WS, QUERY)
    assert before_ack.finish() == []
    legacy = SubscriptionMachine(LEGACY_WS, QUERY)
    legacy.feed({"type": "connection_ack"})
    assert legacy.finish() == [{"id": "1", "type": "stop"}, {"type": "connection_terminate"}]
    assert legacy.finish() == []


def test_unknown_protocol_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown GraphQL WebSocket protocol 'graphql-sse'"):
        SubscriptionMachine("graphql-sse", QUERY)
