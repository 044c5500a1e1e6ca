"""One HTTP/1.1 client connection of the demo target (httptools; keep-alive; pipelining; WS upgrade)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable
from typing import cast

import httptools

from loadpy.demo.graphql_schema import MessageStore
from loadpy.demo.routes import Reply, Request, Router
from loadpy.demo.ws_server import WsServerSession

WS_PATHS = frozenset({"/ws", "/graphql"})
_BAD_REQUEST = Reply(400, b"bad request").serialize(keep_alive=False)


class Connection(asyncio.Protocol):
    """One client connection; responses go out in request order even when one waits (/delay)."""

    def __init__(self, router: Router, store: MessageStore, connections: set[Connection]) -> None:
        self.router = router
        self.store = store
        self.connections = connections
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.ws: WsServerSession | None = None
        self.pending: deque[tuple[asyncio.Future[Reply], bool, bool]] = deque()
        self.closing = False
        self._url = b""
        self._headers: list[tuple[str, str]] = []
        self._body: list[bytes] = []
        self._upgrade: Request | None = None

    # -- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.discard(self)
        for fut, _, _ in self.pending:
            fut.cancel()
        self.pending.clear()
        if self.ws is not None:
            self.ws.eof()

    def data_received(self, data: bytes) -> None:
        if self.ws is not None:
            self.ws.feed(data)
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as exc:
            self._start_upgrade(data[exc.args[0] :])
        except httptools.HttpParserError:
            self._fail()

    def eof_received(self) -> bool | None:
        if self.ws is not None:
            self.ws.eof()
        return None

    # -- httptools callbacks ------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []
        self._body = []

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        url = httptools.parse_url(self._url)
        method = self.parser.get_method().decode("ascii", "replace")
        path = (url.path or b"/").decode("latin-1")
        req = Request(method, path, (url.query or b"").decode("latin-1"), self._headers, b"".join(self._body))
        upgrade = (req.header("Upgrade") or "").lower() == "websocket"
        if upgrade and path in WS_PATHS and self.parser.should_upgrade() and not self.pending:
            self._upgrade = req  # answered by the WebSocket session once the parser stops
            self.router.log.record(path)
            return
        self._respond(req, self.parser.should_keep_alive())

    # -- responses ----------------------------------------------------------------------

    def _respond(self, req: Request, keep_alive: bool) -> None:
        result = self.router.handle(req)
        head = req.method == "HEAD"
        if isinstance(result, Reply) and not self.pending:
            self._write(result.serialize(head, keep_alive), keep_alive)
            return
        fut: asyncio.Future[Reply] = asyncio.ensure_future(_as_awaitable(result))
        self.pending.append((fut, head, keep_alive))
        fut.add_done_callback(self._drain)

    def _drain(self, _: object) -> None:
        while self.pending and self.pending[0][0].done():
            fut, head, keep_alive = self.pending.popleft()
            if fut.cancelled():
                return
            self._write(fut.result().serialize(head, keep_alive), keep_alive)

    def _write(self, data: bytes, keep_alive: bool) -> None:
        if self.transport is None or self.closing:
            return
        self.transport.write(data)
        if not keep_alive:
            self.closing = True
            self.transport.close()

    def _fail(self) -> None:
        if self.transport is not None and not self.closing:
            self.closing = True
            self.transport.write(_BAD_REQUEST)
            self.transport.close()

    def _start_upgrade(self, rest: bytes) -> None:
        req, self._upgrade = self._upgrade, None
        if req is None or self.transport is None:
            # Another upgrade (h2c, ...) was already answered as plain HTTP/1.1: carry on parsing.
            self.parser = httptools.HttpRequestParser(self)
            if rest:
                self.data_received(rest)
            return
        self.ws = WsServerSession(self.transport, self.store)
        # websockets parses the handshake itself: hand it the request as it arrived.
        target = req.path + (f"?{req.query}" if req.query else "")
        head = f"GET {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in req.headers) + "\r\n"
        self.ws.feed(head.encode("latin-1") + rest)


async def _as_awaitable(result: Reply | Awaitable[Reply]) -> Reply:
    return result if isinstance(result, Reply) else await result
