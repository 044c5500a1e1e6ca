"""A tiny HTTP server on the run's event loop: the page at `/`, server-sent events at `/events`.

It knows nothing of metrics: the page and each event come from callables, and `publish` hands
the same pre-encoded event to every connected page. A page that cannot keep up (its queue is
full) is dropped rather than letting memory grow; it reconnects on its own (EventSource does).
Nothing here runs per request of the test: only per page load and per published update.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
from collections.abc import Callable

from loadpy.errors import LoadpyError

log = logging.getLogger("loadpy")

_MAX_HEADER_BYTES = 16 * 1024
_QUEUE = 8
_CLOSE = b""  # queued to end a stream


class DashboardError(LoadpyError):
    """The dashboard cannot listen (port in use, bad address): k6 exits 255 here too."""


def sse_event(event: str, data: str) -> bytes:
    """One server-sent event; `data` holds no newline (JSON is sent compact)."""
    return f"event: {event}\ndata: {data}\n\n".encode()


class DashboardServer:
    def __init__(self, page: Callable[[], str], greeting: Callable[[], bytes | None]) -> None:
        """`page()` renders the HTML page; `greeting()` is the event a new stream starts with."""
        self._page = page
        self._greeting = greeting
        self._server: asyncio.Server | None = None
        self._streams: set[asyncio.Queue[bytes]] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def watchers(self) -> int:
        return len(self._streams)

    async def listen(self, host: str, port: int) -> None:
        try:
            self._server = await asyncio.start_server(self._serve, host, port)
        except OSError as exc:
            reason = "address already in use" if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc)
            raise DashboardError(
                f"the web dashboard cannot listen on {host}:{port}: {reason}; set K6_WEB_DASHBOARD_PORT to a free "
                "port (0 picks one) or to -1 to only export the report"
            ) from None
        self.port = self._server.sockets[0].getsockname()[1]

    def publish(self, event: bytes) -> None:
        for queue in list(self._streams):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:  # a page that stopped reading: end its stream
                self._streams.discard(queue)
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(_CLOSE)

    async def close(self, last: bytes | None = None) -> None:
        """Send `last` to every page, end their streams, and stop listening."""
        for queue in list(self._streams):
            with contextlib.suppress(asyncio.QueueFull):
                if last is not None:
                    queue.put_nowait(last)
                queue.put_nowait(_CLOSE)
        if self._server is not None:
            self._server.close()
        if self._handlers:  # let the streams flush their last event, briefly
            await asyncio.wait(set(self._handlers), timeout=2.0)
        for task in list(self._handlers):
            task.cancel()
        if self._server is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None

    def abort(self) -> None:
        """Stop at once, without a last event (the run ended by an error)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._handlers):
            task.cancel()

    # -- one connection ----------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10.0)
            method, _, rest = head.split(b"\r\n", 1)[0].decode("latin-1").partition(" ")
            path = rest.split(" ", 1)[0].split("?", 1)[0]
            if method != "GET":
                self._respond(writer, "405 Method Not Allowed", "text/plain", b"only GET\n")
            elif path == "/":
                self._respond(writer, "200 OK", "text/html; charset=utf-8", self._page().encode())
            elif path == "/events":
                await self._stream(writer)
            else:
                self._respond(writer, "404 Not Found", "text/plain", b"not found\n")
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
            pass
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # building the page failed: say so to the page and in the log
            log.warning("web dashboard: %s", exc)
            with contextlib.suppress(ConnectionError):
                self._respond(writer, "500 Internal Server Error", "text/plain", f"{exc}\n".encode())
        finally:
            self._handlers.discard(task)
            writer.close()

    @staticmethod
    def _respond(writer: asyncio.StreamWriter, status: str, ctype: str, body: bytes) -> None:
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n".encode()
            + body
        )

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
            b"Connection: close\r\n\r\nretry: 1000\n\n"
        )
        queue: asyncio.Queue[bytes] = asyncio.Queue(_QUEUE)
        greeting = self._greeting()
        if greeting is not None:
            queue.put_nowait(greeting)
        self._streams.add(queue)
        try:
            while True:
                event = await queue.get()
                if event == _CLOSE:
                    return
                writer.write(event)
                await writer.drain()
        finally:
            self._streams.discard(queue)
