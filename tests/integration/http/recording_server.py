"""A loopback HTTP/1.1 server that records every request exactly as it arrived (method, target,
header lines, body), for comparing what loadpy and the real k6 put on the wire.

It runs its own plain-asyncio loop in a thread (subprocesses are the clients). Paths:
  /redir*      302 to /final
  /ws*         404 (the WebSocket handshake request is recorded; no upgrade)
  anything     200 "ok"
Bodies are read by Content-Length or, for `Transfer-Encoding: chunked`, up to the last chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Recorded:
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]  # (lower-case name, value), in arrival order
    body: bytes
    peer: str = ""  # the client's source address

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n == name), None)

    @property
    def header_set(self) -> frozenset[tuple[str, str]]:
        return frozenset(self.headers)


class RecordingServer:
    def __init__(self) -> None:
        self.port = 0
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="recording-server", daemon=True)
        self._server: asyncio.Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)

    def shutdown(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def take(self) -> list[Recorded]:
        """The requests recorded since the last call."""
        with self._lock:
            taken, self.requests = self.requests, []
        return taken

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = str(writer.get_extra_info("peername")[0])
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = tuple(
                    (name.strip().lower(), value.strip())
                    for name, _, value in (line.partition(":") for line in lines[1:] if line)
                )
                fields = dict(headers)
                if fields.get("transfer-encoding") == "chunked":
                    body = await reader.readuntil(b"0\r\n\r\n")
                else:
                    body = await reader.readexactly(int(fields.get("content-length", "0")))
                with self._lock:
                    self.requests.append(Recorded(method, target, headers, body, peer))
                if target.startswith("/redir"):
                    writer.write(b"HTTP/1.1 302 Found\r\nLocation: /final\r\nContent-Length: 0\r\n\r\n")
                elif target.startswith("/ws"):
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    await writer.drain()
                    return
                else:
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            return
        finally:
            writer.close()


@contextlib.contextmanager
def recording_server() -> Iterator[RecordingServer]:
    server = RecordingServer()
    server.start()
    try:
        yield server
    finally:
        server.shutdown()
