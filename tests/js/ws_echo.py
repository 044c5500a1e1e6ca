"""A WebSocket echo server on loopback, in a thread, for the k6/ws and k6/websockets tests.

Every text or binary message is sent back as it came and recorded (`received`, by path), as are the
handshake's headers (`headers`, names lower-cased). Paths change
what the server does after echoing:
* `/close/<code>`: after the first message, close with that code (reason "bye");
* `/ping`: send a ping right after the handshake (the client must answer and may count it);
* `/drop`: after the first message, drop the TCP connection without a close frame;
* `/hello`: send "hello" on connect (a peer that speaks first);
* `/deny`: the handshake is refused with 403;
* `/bye`: close with 4003 ("go away") right after the handshake;
* `/cookie`: the handshake's response sets two cookies (`ws=1`, `other=2; Path=/`);
* anything else: echo until the client closes.
With `quiet_close` seconds, a client that sends nothing that long is closed (1000): a script that only
listens (for a broadcast this server never makes) still ends.
`python -m tests.js.ws_echo` serves on an ephemeral port and prints it (for trying scripts by hand).
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response


class EchoServer:
    """Start with `with EchoServer() as server:`; `server.url(path)` is its ws:// URL."""

    def __init__(self, quiet_close: float | None = None) -> None:
        self.quiet_close = quiet_close
        self.port = 0
        self.received: dict[str, list[str | bytes]] = defaultdict(list)
        self.sessions: dict[str, int] = defaultdict(int)
        self.close_codes: dict[str, list[int | None]] = defaultdict(list)
        self.headers: dict[str, list[dict[str, str]]] = defaultdict(list)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Future[None] | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ws-echo", daemon=True)

    def url(self, path: str = "/") -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> EchoServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the WebSocket echo server did not start")
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set_result, None)
        self._thread.join(10)

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self.sessions.clear()
            self.close_codes.clear()
            self.headers.clear()

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = self._loop.create_future()
        async with serve(
            self._handle,
            "127.0.0.1",
            0,
            ping_interval=None,
            compression=None,
            process_request=_deny,
            process_response=_set_cookies,
        ) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._stop

    async def _handle(self, conn: ServerConnection) -> None:
        path = conn.request.path if conn.request is not None else "/"
        with self._lock:
            self.sessions[path] += 1
            if conn.request is not None:
                self.headers[path].append({k.lower(): v for k, v in conn.request.headers.raw_items()})
        if path == "/ping":
            await conn.ping(b"srv")
        if path == "/hello":
            await conn.send("hello")
        if path == "/bye":
            await conn.close(4003, "go away")
        try:
            if self.quiet_close is not None:
                try:
                    first = await asyncio.wait_for(conn.recv(), self.quiet_close)
                except TimeoutError:
                    await conn.close(1000, "")
                    return
                if not await self._echo(conn, path, first):
                    return
            async for message in conn:
                if not await self._echo(conn, path, message):
                    break
        except Exception:  # a client that vanished: nothing to echo any more
            pass
        with self._lock:
            self.close_codes[path].append(conn.close_code)

    async def _echo(self, conn: ServerConnection, path: str, message: str | bytes) -> bool:
        """Echo one message; False when the path says the session ends after it."""
        with self._lock:
            self.received[path].append(message)
        await conn.send(message)
        if path.startswith("/close/"):
            await conn.close(int(path.rsplit("/", 1)[1]), "bye")
            return False
        if path == "/drop":
            conn.transport.abort()
            return False
        return True


def _deny(conn: ServerConnection, request: Request) -> Response | None:
    return conn.respond(403, "denied\n") if request.path == "/deny" else None


def _set_cookies(conn: ServerConnection, request: Request, response: Response) -> Response:
    if request.path == "/cookie":
        response.headers["Set-Cookie"] = "ws=1"
        response.headers["Set-Cookie"] = "other=2; Path=/"  # (a second header: Headers keeps both)
    return response


if __name__ == "__main__":
    with EchoServer() as running:
        print(running.url("/"), flush=True)
        threading.Event().wait()
