"""The demo target's WebSocket endpoints (echo, graphql-transport-ws, legacy graphql-ws), via the websockets client."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK, InvalidStatus

from loadpy.demo import DemoServer


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 10))


async def recv_json(ws: ClientConnection) -> dict[str, Any]:
    return json.loads(await ws.recv())


def test_ws_echo_text_binary_and_ping(demo_server: DemoServer) -> None:
    async def go() -> list[Any]:
        async with connect(f"{demo_server.ws_url}/ws") as ws:
            assert ws.subprotocol is None
            await ws.send("hello")
            await ws.send(b"\x00\x01")
            got = [await ws.recv(), await ws.recv()]
            await asyncio.wait_for(await ws.ping(b"p"), 5)  # the pong arrives
            return got

    assert run(go()) == ["hello", b"\x00\x01"]


def test_ws_on_unknown_path_is_refused(demo_server: DemoServer) -> None:
    async def go() -> None:
        async with connect(f"{demo_server.ws_url}/nope"):
            pass

    with pytest.raises(InvalidStatus) as info:
        run(go())
    assert info.value.response.status_code == 404


@pytest.mark.parametrize(
    ("proto", "start", "data"), [("graphql-transport-ws", "subscribe", "next"), ("graphql-ws", "start", "data")]
)
def test_graphql_subscription_both_protocols(demo_server: DemoServer, proto: str, start: str, data: str) -> None:
    async def go() -> list[dict[str, Any]]:
        async with connect(f"{demo_server.ws_url}/graphql", subprotocols=[proto]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == proto
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            got = [await recv_json(ws)]
            query = "subscription { messageAdded(interval: 5) { id content } }"
            await ws.send(json.dumps({"id": "s1", "type": start, "payload": {"query": query}}))
            got += [await recv_json(ws) for _ in range(4)]
            return got

    assert run(go()) == [
        {"type": "connection_ack"},
        *[
            {"id": "s1", "type": data, "payload": {"data": {"messageAdded": {"id": str(i), "content": f"message {i}"}}}}
            for i in (1, 2, 3)
        ],
        {"id": "s1", "type": "complete"},
    ]


def test_transport_ws_ping_query_and_countdown(demo_server: DemoServer) -> None:
    async def go() -> list[dict[str, Any]]:
        async with connect(f"{demo_server.ws_url}/graphql", subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init"}))
            got = [await recv_json(ws)]
            await ws.send(json.dumps({"type": "ping"}))
            got.append(await recv_json(ws))
            await ws.send(
                json.dumps({"id": "q", "type": "subscribe", "payload": {"query": "{ user(id: 1) { name } }"}})
            )
            got += [await recv_json(ws), await recv_json(ws)]
            await ws.send(
                json.dumps(
                    {
                        "id": "c",
                        "type": "subscribe",
                        "payload": {
                            "query": "subscription C($n: Int!) { countdown(from: $n, interval: 1) }",
                            "variables": {"n": 2},
                        },
                    }
                )
            )
            got += [await recv_json(ws) for _ in range(3)]
            await ws.send(json.dumps({"id": "e", "type": "subscribe", "payload": {"query": "subscription { nope }"}}))
            got.append(await recv_json(ws))
            return got

    assert run(go()) == [
        {"type": "connection_ack"},
        {"type": "pong"},
        {"id": "q", "type": "next", "payload": {"data": {"user": {"name": "Ada"}}}},
        {"id": "q", "type": "complete"},
        {"id": "c", "type": "next", "payload": {"data": {"countdown": 2}}},
        {"id": "c", "type": "next", "payload": {"data": {"countdown": 1}}},
        {"id": "c", "type": "complete"},
        {"id": "e", "type": "error", "payload": [{"message": 'Cannot query field "nope" on type "Subscription".'}]},
    ]


@pytest.mark.parametrize(
    ("messages", "code", "reason"),
    [
        ([{"id": "1", "type": "subscribe", "payload": {"query": "subscription { tick }"}}], 4401, "Unauthorized"),
        ([{"type": "connection_init"}, {"type": "connection_init"}], 4429, "Too many initialisation requests"),
        ([{"type": "bogus"}], 4400, "Invalid message received"),
    ],
)
def test_transport_ws_protocol_violations_close_with_code(
    demo_server: DemoServer, messages: list[dict[str, Any]], code: int, reason: str
) -> None:
    async def go() -> None:
        async with connect(f"{demo_server.ws_url}/graphql", subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            for msg in messages:
                await ws.send(json.dumps(msg))
            while True:
                await ws.recv()

    with pytest.raises(ConnectionClosedError) as info:
        run(go())
    assert info.value.rcvd is not None
    assert (info.value.rcvd.code, info.value.rcvd.reason) == (code, reason)


def test_transport_ws_client_complete_stops_the_stream(demo_server: DemoServer) -> None:
    async def go() -> list[dict[str, Any]]:
        async with connect(f"{demo_server.ws_url}/graphql", subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init"}))
            await ws.recv()
            query = "subscription { tick(count: 100, interval: 20) }"
            await ws.send(json.dumps({"id": "t", "type": "subscribe", "payload": {"query": query}}))
            first = await recv_json(ws)
            await ws.send(json.dumps({"id": "t", "type": "complete"}))
            await ws.send(json.dumps({"type": "ping"}))
            rest = []
            while (msg := await recv_json(ws))["type"] != "pong":
                rest.append(msg)
            await asyncio.sleep(0.1)
            await ws.send(json.dumps({"type": "ping"}))
            assert await recv_json(ws) == {"type": "pong"}  # nothing more was streamed after the pong
            return [first, *rest]

    got = run(go())
    assert got[0] == {"id": "t", "type": "next", "payload": {"data": {"tick": 0}}}
    assert len(got) <= 2  # at most one event raced the complete


def test_legacy_stop_and_terminate(demo_server: DemoServer) -> None:
    async def go() -> tuple[dict[str, Any], int | None]:
        async with connect(f"{demo_server.ws_url}/graphql", subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init"}))
            ack = await recv_json(ws)
            await ws.send(json.dumps({"type": "connection_terminate"}))
            with pytest.raises(ConnectionClosedOK):
                await ws.recv()
            return ack, ws.close_code

    assert run(go()) == ({"type": "connection_ack"}, 1000)
