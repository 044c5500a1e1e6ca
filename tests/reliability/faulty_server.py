"""A loopback HTTP/1.1 server that misbehaves on purpose, one fault per path.

It runs its own asyncio loop in a thread (plain asyncio, so it never shares uvloop with the code
under test) and counts what it really saw, so tests can compare loadpy's numbers with the server's.
`stop()` closes the listener *and* aborts every open connection, like a killed process; `start()`
binds the same port again, like a restart.

Paths (the query string is ignored except where noted):
  /ok                 200, 2-byte body, keep-alive
  /reset-headers      the status line and one header, then RST
  /partial-header-*   the status line and half a header line, then RST (-reset) or FIN (-eof)
  /partial-status-reset  half a status line, then RST
  /reset-early        RST before a single response byte
  /reset-body         full headers (Content-Length 1000), 100 body bytes, then RST
  /eof-body           full headers (Content-Length 1000), 100 body bytes, then a clean FIN
  /hang               reads the request, never answers
  /trickle            200 with a 20-byte body sent one byte every 50 ms (1 s in all)
  /bad-status         a status line that is not HTTP
  /bad-header         a header line without a colon
  /huge?mb=N          200 with an N MiB body (default 200), streamed in 64 KiB chunks
  /close-after?n=N    200 keep-alive, but the server silently closes the connection after N requests on it
  /teardown           200, counted separately (a scenario's teardown calls it)
  /endless-head       a status line, then header lines forever (until the client gives up)
  /cl-and-te          200 keep-alive with both Content-Length: 100 and a chunked 5-byte body ("hello")
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

CHUNK = b"x" * 65536
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


class FaultyServer:
    def __init__(self) -> None:
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="faulty-server", daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: dict[asyncio.StreamWriter, asyncio.Task[None]] = {}
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self.targets: list[str] = []  # every request target, query included, in arrival order
        self.connections = 0
        self.first_request_at: float | None = None  # time.monotonic() of the first request since reset

    # --- lifecycle (called from the test thread) ---------------------------------------------

    def start(self) -> None:
        if not self._thread.is_alive():
            self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)

    def stop(self) -> None:
        """Close the listener and abort every live connection, as if the process died."""
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)

    def shutdown(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, path: str) -> int:
        with self._lock:
            return self._requests[path]

    def total(self) -> int:
        with self._lock:
            return sum(self._requests.values())

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self.targets.clear()
            self.connections = 0
            self.first_request_at = None

    # --- the server (runs on its own loop) ---------------------------------------------------

    async def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self._server = await asyncio.start_server(self._serve, sock=sock, backlog=512)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer, task in list(self._writers.items()):
            _reset(writer)
            task.cancel()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._writers[writer] = task
        with self._lock:
            self.connections += 1
        served = 0
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                target = head.split(b" ", 2)[1].decode("latin-1")
                split = urlsplit(target)
                query = {k: v[0] for k, v in parse_qs(split.query).items()}
                with self._lock:
                    self._requests[split.path] += 1
                    self.targets.append(target)
                    if self.first_request_at is None:
                        self.first_request_at = time.monotonic()
                served += 1
                if not await self._answer(split.path, query, served, writer):
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._writers.pop(writer, None)
            if not writer.is_closing():
                writer.close()

    async def _answer(self, path: str, query: dict[str, str], served: int, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection is finished."""
        if path in ("/ok", "/teardown"):
            writer.write(OK)
            await writer.drain()
            return True
        if path == "/close-after":
            writer.write(OK)
            await writer.drain()
            return served < int(query.get("n", "3"))  # then close without a Connection: close header
        if path == "/reset-headers":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n")
            await writer.drain()
            await asyncio.sleep(0.02)
            _reset(writer)
            return False
        if path in ("/partial-header-reset", "/partial-header-eof", "/partial-status-reset"):
            partial = b"HTTP/1.1 2" if path == "/partial-status-reset" else b"HTTP/1.1 200 OK\r\nContent-Le"
            writer.write(partial)
            await writer.drain()
            await asyncio.sleep(0.02)
            if path.endswith("-reset"):
                _reset(writer)
            return False
        if path == "/reset-early":
            _reset(writer)
            return False
        if path in ("/reset-body", "/eof-body"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"y" * 100)
            await writer.drain()
            await asyncio.sleep(0.02)
            if path == "/reset-body":
                _reset(writer)
            return False
        if path == "/hang":
            await asyncio.sleep(3600)
            return False
        if path == "/trickle":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n")
            for _ in range(20):
                await asyncio.sleep(0.05)
                writer.write(b"t")
                await writer.drain()
            return True
        if path == "/bad-status":
            writer.write(b"HTTP/1.1 abc Nonsense\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return False
        if path == "/bad-header":
            writer.write(b"HTTP/1.1 200 OK\r\nThis line has no colon\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return False
        if path == "/huge":
            size = int(query.get("mb", "200")) * 1024 * 1024
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
            for _ in range(size // len(CHUNK)):
                writer.write(CHUNK)
                await writer.drain()
            return True
        if path == "/endless-head":
            writer.write(b"HTTP/1.1 200 OK\r\n")
            for n in range(1 << 30):
                writer.write(b"X-Fill-%d: %s\r\n" % (n, b"f" * 1000))
                await writer.drain()
            return False
        if path == "/cl-and-te":
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
            )
            await writer.drain()
            return True
        writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        return True


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST (SO_LINGER 0) rather than FIN: what a crashed peer or a middlebox does."""
    sock = writer.get_extra_info("socket")
    with contextlib.suppress(OSError):
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@contextlib.contextmanager
def faulty_server() -> Iterator[FaultyServer]:
    server = FaultyServer()
    server.start()
    try:
        yield server
    finally:
        server.shutdown()


def closed_port() -> int:
    """A port nothing listens on: bind, read the number, close."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
