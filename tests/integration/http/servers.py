"""Real local servers for the HTTP client tests: a scriptable raw HTTP/1.1 server on 127.0.0.1:0.

Each route handler gets the parsed request and the stream writer, so it can answer
correctly or misbehave (reset, hang, send garbage). Connections and requests are counted.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

__all__ = ["Req", "Server", "reply", "reset"]


@dataclass
class Req:
    method: str
    target: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    raw: bytes  # request line + headers exactly as received
    conn_id: int

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


Handler = Callable[[Req, asyncio.StreamWriter], Awaitable[bool]]


def reply(
    status: int = 200, body: bytes = b"ok", headers: list[tuple[str, str]] | None = None, reason: str = ""
) -> bytes:
    reason = reason or {200: "OK", 302: "Found", 404: "Not Found", 503: "Service Unavailable"}.get(status, "X")
    lines = [f"HTTP/1.1 {status} {reason}"]
    names = {n.lower() for n, _ in headers or []}
    lines += [f"{n}: {v}" for n, v in headers or []]
    if "content-length" not in names and "transfer-encoding" not in names:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST (SO_LINGER 0) instead of a FIN."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@dataclass
class Server:
    routes: dict[str, Handler]
    connections: int = 0
    requests: list[Req] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for w in self._writers:
            w.transport.abort()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        conn_id = self.connections
        self._writers.append(writer)
        try:
            while True:
                try:
                    raw = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                line, *header_lines = raw.decode("latin-1").split("\r\n")
                method, target, _ = line.split(" ", 2)
                headers: dict[str, str] = {}
                for h in header_lines:
                    if h:
                        name, _, value = h.partition(":")
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                req = Req(method, target, headers, body, raw, conn_id)
                self.requests.append(req)
                handler = self.routes.get(req.path) or self.routes.get("*")
                if handler is None:
                    writer.write(reply(404, b"no route"))
                    keep = True
                else:
                    keep = await handler(req, writer)
                if not keep or writer.transport.is_closing():
                    if not writer.transport.is_closing():
                        writer.close()
                    return
                await writer.drain()
        except ConnectionError:
            return
