"""loadpy's WebSocket session and GraphQL subscription clients against the demo target: exact k6 counts."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from loadpy.demo import DemoServer
from loadpy.metrics.tags import TagSet
from loadpy.protocols.graphql.client import run_subscription
from loadpy.protocols.ws import WsSession, run_ws_session


class Recorder:
    """Collects what the clients record, as the VU layer's callback would receive it."""

    def __init__(self) -> None:
        self.samples: list[tuple[str, float, TagSet]] = []

    def __call__(self, metric: str, value: float, tags: TagSet, when: float | None = None) -> None:
        self.samples.append((metric, value, tags))

    def counts(self) -> Counter[str]:
        return Counter(name for name, _, _ in self.samples)

    def sum(self, metric: str) -> float:
        return sum(v for name, v, _ in self.samples if name == metric)

    def tags(self, metric: str) -> set[TagSet]:
        return {t for name, _, t in self.samples if name == metric}


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 20))


def test_ws_step_counts_like_k6(demo_server: DemoServer) -> None:
    """The issue's case: 2 VUs x 3 iterations, send 2 / receive 2 → sessions 6, sent 12, received 12."""
    rec = Recorder()
    url = f"{demo_server.ws_url}/ws"

    async def go() -> list[Any]:
        return await asyncio.gather(
            *[run_ws_session(url, send=["hello", "world"], receive=2, timeout=5, record=rec) for _ in range(6)]
        )

    results = run(go())
    assert [r.messages for r in results] == [["hello", "world"]] * 6
    assert {(r.status, r.error, r.subprotocol, r.close_code) for r in results} == {(101, "", "", 1000)}
    counts = rec.counts()
    assert (counts["ws_sessions"], rec.sum("ws_msgs_sent"), rec.sum("ws_msgs_received")) == (6, 12, 12)
    assert (counts["ws_connecting"], counts["ws_session_duration"], counts["ws_ping"]) == (6, 6, 0)
    assert {t for _, _, t in rec.samples} == {(("status", "101"), ("subproto", ""), ("url", url))}
    assert all(r.bytes_sent > 0 and r.bytes_received > 0 for r in results)


def test_ws_step_timeout_reports_what_arrived(demo_server: DemoServer) -> None:
    rec = Recorder()
    result = run(run_ws_session(f"{demo_server.ws_url}/ws", send=["only one"], receive=3, timeout=0.3, record=rec))
    assert (result.messages, result.error) == (["only one"], "timeout after 1 of 3 messages")
    assert (rec.sum("ws_msgs_sent"), rec.sum("ws_msgs_received"), rec.counts()["ws_sessions"]) == (1, 1, 1)


def test_ws_failed_handshakes_record_nothing(demo_server: DemoServer) -> None:
    rec = Recorder()
    refused = run(run_ws_session(f"{demo_server.ws_url}/nope", receive=1, timeout=2, record=rec))
    assert (refused.status, refused.error) == (404, "websocket: bad handshake")
    port_closed = run(run_ws_session("ws://127.0.0.1:1/ws", receive=1, timeout=2, record=rec))
    assert (port_closed.status, port_closed.error) == (0, "dial tcp 127.0.0.1:1: connect: connection refused")
    assert rec.samples == []


def test_ws_session_object_ping_binary_and_close(demo_server: DemoServer) -> None:
    rec = Recorder()

    async def go() -> tuple[Any, Any, Any]:
        session = await WsSession.open(f"{demo_server.ws_url}/ws", timeout=5, record=rec)
        session.send(b"\x00\xff")
        session.ping()
        got = await session.receive(5)
        await asyncio.sleep(0.05)  # let the pong arrive
        nothing = await session.receive(0.05)
        await session.close()
        return got, nothing, session.close_code

    assert run(go()) == (b"\x00\xff", None, 1000)
    counts = rec.counts()
    assert (rec.sum("ws_msgs_sent"), rec.sum("ws_msgs_received"), counts["ws_ping"], counts["ws_sessions"]) == (
        1,
        1,
        1,
        1,
    )


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
def test_subscription_takes_events_on_both_protocols(demo_server: DemoServer, protocol: str) -> None:
    """The issue's case: 4 subscriptions taking 3 events each → ws_sessions 4, 12 events."""
    rec = Recorder()
    url = f"{demo_server.ws_url}/graphql"
    query = "subscription Feed { messageAdded(interval: 10) { id content } }"

    async def go() -> list[Any]:
        return await asyncio.gather(
            *[run_subscription(url, protocol=protocol, query=query, take=3, timeout=5, record=rec) for _ in range(4)]
        )

    results = run(go())
    for r in results:
        assert (r.status, r.subprotocol, r.error, r.errors) == (101, protocol, "", [])
        assert [e["data"]["messageAdded"]["id"] for e in r.events] == ["1", "2", "3"]
    counts = rec.counts()
    assert counts["ws_sessions"] == 4
    assert rec.sum("graphql_subscription_events") == 12
    assert (counts["graphql_subscription_first_event"], counts["graphql_subscription_event_gap"]) == (4, 8)
    # init + subscribe + complete (legacy: + connection_terminate), per session
    assert rec.sum("ws_msgs_sent") == 4 * (3 if protocol == "graphql-transport-ws" else 4)
    base = (("status", "101"), ("subproto", protocol), ("url", url))
    assert rec.tags("graphql_subscription_events") == {tuple(sorted((*base, ("operation", "Feed"))))}
    assert rec.tags("ws_sessions") == {base}
    gaps = [v for name, v, _ in rec.samples if name == "graphql_subscription_event_gap"]
    assert min(gaps) >= 5  # the server spaces events 10 ms apart


def test_subscription_errors_and_early_complete(demo_server: DemoServer) -> None:
    url = f"{demo_server.ws_url}/graphql"
    bad = run(run_subscription(url, protocol="graphql-transport-ws", query="subscription { nope }", take=1, timeout=5))
    assert bad.error == 'GraphQL error: Cannot query field "nope" on type "Subscription".'
    short = run(
        run_subscription(
            url, protocol="graphql-ws", query="subscription { countdown(from: 2, interval: 1) }", take=3, timeout=5
        )
    )
    assert (short.events, short.completed) == ([{"data": {"countdown": 2}}, {"data": {"countdown": 1}}], True)
    assert short.error == "the server completed the subscription after 2 of 3 events"
    slow = run(
        run_subscription(
            url,
            protocol="graphql-transport-ws",
            query="subscription { tick(count: 50, interval: 1000) }",
            take=3,
            timeout=0.4,
        )
    )
    assert (slow.error, slow.events) == ("timeout after 1 of 3 events", [{"data": {"tick": 0}}])


def test_subscription_refused_connection_is_reported() -> None:
    result = run(
        run_subscription("ws://127.0.0.1:1/graphql", protocol="graphql-ws", query="subscription { tick }", timeout=2)
    )
    assert (result.status, result.error) == (0, "dial tcp 127.0.0.1:1: connect: connection refused")


def test_subscription_needs_the_server_to_accept_the_subprotocol() -> None:
    """A real WebSocket server without GraphQL sub-protocols (websockets' own): a clear error, no events."""
    rec = Recorder()

    async def echo(ws: ServerConnection) -> None:
        async for message in ws:
            await ws.send(message)

    async def go() -> Any:
        async with serve(echo, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            return await run_subscription(
                f"ws://127.0.0.1:{port}/",
                protocol="graphql-transport-ws",
                query="subscription { tick }",
                timeout=2,
                record=rec,
            )

    result = run(go())
    assert (result.status, result.subprotocol, result.events) == (101, "", [])
    assert result.error == "the server did not accept the sub-protocol 'graphql-transport-ws'"
    assert (rec.counts()["ws_sessions"], rec.sum("ws_msgs_sent")) == (1, 0)
