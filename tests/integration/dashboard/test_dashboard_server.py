"""The dashboard's HTTP server on a real loopback socket: routes, the event stream's framing and
greeting, the end of the stream, and a page that stops reading being let go."""

from __future__ import annotations

import asyncio
import socket

import pytest

from loadpy.dashboard import DashboardOptions, LiveDashboard
from loadpy.dashboard.server import DashboardServer, sse_event
from loadpy.metrics.registry import Registry


async def fetch(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return data


def test_routes_and_stream() -> None:
    async def scenario() -> None:
        server = DashboardServer(lambda: "<p>page</p>", lambda: sse_event("snapshot", '{"n":0}'))
        await server.listen("127.0.0.1", 0)
        assert server.port > 0
        page = await fetch(server.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert page.startswith(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 11\r\n")
        assert page.endswith(b"\r\n\r\n<p>page</p>")
        assert (await fetch(server.port, b"GET /nope HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 404 ")
        assert (await fetch(server.port, b"POST / HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 405 ")

        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /events?x=1 HTTP/1.1\r\nAccept: text/event-stream\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert b"Content-Type: text/event-stream" in head
        assert await asyncio.wait_for(reader.readuntil(b"\n\n"), 5) == b"retry: 1000\n\n"
        assert await asyncio.wait_for(reader.readuntil(b"\n\n"), 5) == b'event: snapshot\ndata: {"n":0}\n\n'
        for _ in range(50):  # the stream registers once its greeting is queued
            if server.watchers:
                break
            await asyncio.sleep(0.01)
        assert server.watchers == 1
        server.publish(sse_event("snapshot", '{"n":1}'))
        assert await asyncio.wait_for(reader.readuntil(b"\n\n"), 5) == b'event: snapshot\ndata: {"n":1}\n\n'
        await server.close(sse_event("done", "{}"))
        assert await asyncio.wait_for(reader.read(), 5) == b"event: done\ndata: {}\n\n"  # then end of stream
        assert server.watchers == 0
        writer.close()

    asyncio.run(scenario())


def test_a_page_that_stops_reading_is_let_go() -> None:
    async def scenario() -> None:
        server = DashboardServer(lambda: "", lambda: None)
        await server.listen("127.0.0.1", 0)
        _reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /events HTTP/1.1\r\n\r\n")
        await writer.drain()
        for _ in range(100):
            if server.watchers:
                break
            await asyncio.sleep(0.01)
        big = sse_event("snapshot", "x" * 1_000_000)
        for _ in range(40):  # never read: the socket buffers fill, then the queue
            server.publish(big)
            await asyncio.sleep(0)
        assert server.watchers == 0
        writer.close()
        await server.close()

    asyncio.run(scenario())


def test_a_page_that_cannot_be_built_is_a_500_and_the_server_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> str:
        raise ValueError("no data yet")

    async def scenario() -> None:
        server = DashboardServer(broken, lambda: None)
        await server.listen("127.0.0.1", 0)
        first = await fetch(server.port, b"GET / HTTP/1.1\r\n\r\n")
        assert first.startswith(b"HTTP/1.1 500 ") and first.endswith(b"\r\n\r\nno data yet\n")
        assert (await fetch(server.port, b"GET /x HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 404 ")
        await server.close()

    asyncio.run(scenario())
    assert "web dashboard: no data yet" in caplog.text


def test_the_port_is_freed_when_the_run_ends_by_an_error() -> None:
    """loadpy.run() runs in the caller's process: an error between start and close must not keep the port."""
    dashboard = LiveDashboard(DashboardOptions(port=0), Registry(), lambda recorder, elapsed: {})
    seen: list[str] = []

    async def failing_run() -> None:
        await dashboard.listen()
        seen.append(dashboard.url)
        raise RuntimeError("the script failed")

    with pytest.raises(RuntimeError):
        asyncio.run(failing_run())
    port = int(seen[0].rsplit(":", 1)[1])
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # free again
        again.listen()
