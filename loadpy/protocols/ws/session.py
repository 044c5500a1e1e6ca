"""A WebSocket client session on websockets' sans-I/O ClientProtocol, recording k6/ws metrics.

k6/ws counting rules (k6-semantics.md §14.1), which this follows:
* ws_msgs_sent +1 per text/binary message sent; pings and the close frame are not counted;
* ws_msgs_received +1 per text/binary message received while the session is open (read or not);
* ws_ping: ms from a ping to its matching pong;
* ws_sessions (1) and ws_connecting (ms to the 101) when the handshake completes, and
  ws_session_duration (ms, connect to close) when it ends — all three stamped with the time the
  connection started (what k6 v1.1 writes to --out json); nothing for a session that never opened;
* tags: url (as given), status ("101"), subproto ("" when none was negotiated). The caller adds
  group, scenario and run tags; `record(metric, value, tags)` receives a sorted TagSet.
Wire bytes (handshake included) are counted in `bytes_sent` / `bytes_received` for data_sent/received.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, cast
from urllib.parse import urlsplit

from websockets.client import ClientProtocol
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI, ProtocolError
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from loadpy import USER_AGENT, clock
from loadpy.metrics.tags import TagSet, tagset
from loadpy.protocols.http.dialing import DialFailure, Dialing

Message = str | bytes


class Record(Protocol):
    """Where samples go: `record(metric, value, tags, when)`; `when` (clock seconds) None means now."""

    def __call__(self, metric: str, value: float, tags: TagSet, when: float | None = None) -> None: ...


MAX_MESSAGE = 16 * 1024 * 1024  # k6 (gorilla) has no limit; loadpy bounds each VU's memory


class WsError(Exception):
    """The session could not be opened (refused, bad handshake, timeout); `status` 0 when no HTTP reply."""

    def __init__(
        self, message: str, status: int = 0, headers: Mapping[str, str] | None = None, body: bytes = b""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})  # the refusing HTTP reply's (k6/ws shows them)
        self.body = body


def no_record(metric: str, value: float, tags: TagSet, when: float | None = None) -> None:
    pass


class _Wire(asyncio.Protocol):
    """Bytes in and out of the ClientProtocol; events are handed to the owning session."""

    def __init__(self, session: WsSession) -> None:
        self.session = session
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.session._on_connected()

    def data_received(self, data: bytes) -> None:
        self.session.bytes_received += len(data)
        self.session.ws.receive_data(data)
        self.session._on_events()

    def eof_received(self) -> bool | None:
        self.session.ws.receive_eof()
        self.session._on_events()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.session._on_lost(exc)


class WsSession:
    """One WebSocket session. Open with `await WsSession.open(...)`; always `await close()`."""

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None,
        subprotocols: Sequence[str],
        record: Record,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.url = url
        self.record = record
        self.ws = ClientProtocol(
            parse_uri(url),
            subprotocols=[Subprotocol(p) for p in subprotocols] or None,
            max_size=MAX_MESSAGE,
        )
        self._request_headers = dict(headers or {})
        if user_agent and not any(name.lower() == "user-agent" for name in self._request_headers):
            self._request_headers["User-Agent"] = user_agent  # k6 sends its userAgent option; the user's wins
        self.status = 0
        self.subprotocol = ""
        self.response_headers: dict[str, str] = {}
        self.set_cookies: list[str] = []
        self.bytes_sent = 0
        self.bytes_received = 0
        self.msgs_sent = 0
        self.msgs_received = 0
        self.close_code: int | None = None
        self.error = ""  # k6's error event when a bad frame ended the session ("websocket: close sent")
        self.tags: TagSet = tagset({"url": url, "status": "0", "subproto": ""})
        self._wire = _Wire(self)
        self._inbox: deque[Message] = deque()
        self._waiter: asyncio.Future[None] | None = None
        loop = asyncio.get_running_loop()
        self._handshake: asyncio.Future[Response] = loop.create_future()
        self._closed: asyncio.Future[None] = loop.create_future()
        self._pings: dict[bytes, float] = {}
        self._fragments: list[bytes] = []
        self._fragment_op: Opcode | None = None
        self._start = 0.0
        self._opened = 0.0
        self._handshake_at = 0.0
        self._ended = False
        # k6's JavaScript modules take every event as it comes: kind ("message", "ping", "pong",
        # "close") and the message; with a listener, messages skip the `receive()` inbox
        self.listener: Callable[[str, Any], None] | None = None
        self._close_sent = False
        self._early_pings = 0

    # -- opening ------------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        subprotocols: Sequence[str] = (),
        timeout: float = 60.0,
        record: Record = no_record,
        user_agent: str = USER_AGENT,
        dialing: Dialing | None = None,
        local_ip: str | None = None,
    ) -> WsSession:
        """Connect and complete the handshake; raises WsError (nothing is recorded then).

        `dialing` applies the HTTP client's destination rules (blockHostnames, blacklistIPs, hosts,
        dns), as k6's WebSocket dialer does; `local_ip` is the VU's `localIPs` source address."""
        try:
            session = cls(url, headers=headers, subprotocols=subprotocols, record=record, user_agent=user_agent)
        except InvalidURI as exc:
            raise WsError(f"invalid WebSocket URL {url!r}: {exc}") from None
        await session._connect(timeout, dialing, local_ip)
        return session

    async def _connect(self, timeout: float, dialing: Dialing | None, local_ip: str | None) -> None:
        parts = urlsplit(self.url)
        secure = parts.scheme == "wss"
        host = parts.hostname or ""
        port = parts.port or (443 if secure else 80)
        self._start = clock.now()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                ip, port = (host, port) if dialing is None else await dialing.resolve(host, port)
                await loop.create_connection(
                    lambda: self._wire,
                    ip,
                    port,
                    ssl=True if secure else None,
                    server_hostname=host if secure else None,
                    local_addr=(local_ip, 0) if local_ip else None,
                )
                response = await asyncio.shield(self._handshake)
        except DialFailure as exc:
            self._abort()
            raise WsError(exc.failure.detail or exc.failure.message) from None  # k6 shows Go's text
        except TimeoutError:
            self._abort()
            raise WsError(f"dial tcp {host}:{port}: i/o timeout") from None
        except OSError as exc:
            self._abort()
            why = os.strerror(exc.errno).lower() if exc.errno else str(exc)
            raise WsError(f"dial tcp {host}:{port}: connect: {why}") from None
        except InvalidStatus as exc:
            self._abort()
            reply = exc.response
            raise WsError(
                "websocket: bad handshake", reply.status_code, dict(reply.headers.raw_items()), bytes(reply.body)
            ) from None
        except InvalidHandshake as exc:
            self._abort()
            raise WsError(f"websocket: bad handshake: {exc}", self.status) from None
        self._opened = self._handshake_at  # when the reply was read, not when this task resumed
        self.status = response.status_code
        self.response_headers = dict(response.headers.raw_items())
        self.set_cookies = response.headers.get_all("Set-Cookie")  # (for a cookie jar: each one)
        self.subprotocol = self.ws.subprotocol or ""
        self.tags = tagset({"url": self.url, "status": str(self.status), "subproto": self.subprotocol})
        self.record("ws_sessions", 1.0, self.tags, self._start)
        self.record("ws_connecting", (self._opened - self._start) * 1000.0, self.tags, self._start)

    def _on_connected(self) -> None:
        request = self.ws.connect()
        for key, value in self._request_headers.items():
            request.headers[key] = value
        self.ws.send_request(request)
        self._flush()

    # -- wire events --------------------------------------------------------------------

    def _on_events(self) -> None:
        for event in self.ws.events_received():
            if isinstance(event, Response):
                self._handshake_done(event)
            elif isinstance(event, Frame):
                self._frame(event)
        self._flush()
        if self.ws.parser_exc is not None and not isinstance(self.ws.parser_exc, EOFError) and not self.error:
            self._end_on_bad_frame()
        elif self.ws.state is State.CLOSED and self._wire.transport is not None:
            self._wire.transport.close()

    def _end_on_bad_frame(self) -> None:
        """A frame k6 could not read either (a bad opcode, RSV bits, a bad mask) or one past MAX_MESSAGE:
        the close frame is on its way (sent just above); like k6, end the session now with k6's
        error event and close code instead of waiting for the peer's close (which may never come)."""
        self.error = "websocket: close sent"  # k6's second close attempt fails with this, its error event
        if self._wire.transport is not None:
            self._wire.transport.close()

    def _handshake_done(self, response: Response) -> None:
        if self._handshake.done():
            return
        self._handshake_at = clock.now()
        self.status = response.status_code
        if self.ws.handshake_exc is not None:
            self._handshake.set_exception(self.ws.handshake_exc)
        else:
            self._handshake.set_result(response)

    def _frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode is Opcode.PONG:
            sent = self._pings.pop(bytes(frame.data), None)
            if sent is not None:
                self.record("ws_ping", (clock.now() - sent) * 1000.0, self.tags)
            if self.listener is not None:
                self.listener("pong", None)
            return
        if opcode is Opcode.PING:  # (the protocol answers it)
            if self.listener is not None:
                self.listener("ping", None)
            else:
                self._early_pings += 1
            return
        if opcode is Opcode.CONT and self._fragment_op is not None:
            self._fragments.append(bytes(frame.data))
            if not frame.fin:
                return
            opcode, data = self._fragment_op, b"".join(self._fragments)
            self._fragment_op, self._fragments = None, []
        elif opcode in (Opcode.TEXT, Opcode.BINARY):
            if not frame.fin:
                self._fragment_op, self._fragments = opcode, [bytes(frame.data)]
                return
            data = bytes(frame.data)
        else:
            return  # ping (answered by the protocol) and close (handled by it)
        if self._close_sent and self.listener is not None:
            return  # k6/websockets neither counts nor delivers a message that comes once it is closing
        self.msgs_received += 1
        self.record("ws_msgs_received", 1.0, self.tags)
        message = data.decode("utf-8", "replace") if opcode is Opcode.TEXT else bytes(data)
        if self.listener is not None:
            self.listener("message", message)
            return
        self._inbox.append(message)
        self._wake()

    def _on_lost(self, exc: Exception | None) -> None:
        if self.ws.state is not State.CLOSED:
            self.ws.receive_eof()
        # k6 reports 1001 (its close after the failed read) for a session a bad frame ended
        self.close_code = 1001 if self.error else self.ws.close_code
        if not self._handshake.done():
            self._handshake.set_exception(OSError(0, str(exc or "connection closed before the handshake")))
        if not self._closed.done():
            self._closed.set_result(None)
        self._wake()
        if self.listener is not None and self._opened:
            self.listener("close", None)  # (the listener records ws_session_duration: see finish())

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _flush(self) -> None:
        transport = self._wire.transport
        if transport is None:
            return
        for chunk in self.ws.data_to_send():
            if chunk:
                self.bytes_sent += len(chunk)
                transport.write(chunk)
            elif transport.can_write_eof():
                transport.write_eof()  # the client half-closes; the server closes TCP

    def _abort(self) -> None:
        if self._wire.transport is not None:
            self._wire.transport.abort()

    # -- the session API ----------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.ws.state is State.OPEN

    @property
    def received(self) -> int:
        """Messages received and not yet read with receive()."""
        return len(self._inbox)

    def send(self, message: Message) -> None:
        """Send one text (str) or binary (bytes) message; counted in ws_msgs_sent."""
        if self.ws.state is not State.OPEN:
            raise WsError("send on a closed WebSocket")
        if isinstance(message, str):
            self.ws.send_text(message.encode())
        else:
            self.ws.send_binary(message)
        self._flush()
        self.msgs_sent += 1
        self.record("ws_msgs_sent", 1.0, self.tags)

    def ping(self) -> None:
        """Send a ping; its pong, when it comes, is recorded as ws_ping (pings are not ws_msgs_sent)."""
        if self.ws.state is not State.OPEN:
            return
        payload = os.urandom(4)
        self._pings[payload] = clock.now()
        self.ws.send_ping(payload)
        self._flush()

    async def receive(self, timeout: float | None = None) -> Message | None:
        """The next message; None when the session closed or `timeout` seconds passed first."""
        deadline = None if timeout is None else clock.now() + timeout
        while not self._inbox:
            if self._closed.done():
                return None
            remaining = None if deadline is None else deadline - clock.now()
            if remaining is not None and remaining <= 0:
                return None
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(self._waiter, remaining)
            except TimeoutError:
                return None
            finally:
                self._waiter = None
        return self._inbox.popleft()

    async def close(self, code: int = 1000, timeout: float = 2.0) -> None:
        """Close the handshake way (bounded by `timeout`), then record the session metrics once."""
        if self.ws.state is State.OPEN:
            self.ws.send_close(code)
            self._flush()
        if not self._closed.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._closed), timeout)
            except TimeoutError:
                self._abort()
        self.finish()

    def listen(self, listener: Callable[[str, Any], None]) -> None:
        """Hand every event to `listener` from now on, starting with what came before (the peer may
        speak first: its ping or message can share a packet with the handshake)."""
        self.listener = listener
        for _ in range(self._early_pings):
            listener("ping", None)
        while self._inbox:
            listener("message", self._inbox.popleft())
        if self._closed.done():
            listener("close", None)

    def close_now(self, code: int = 1000, reason: str = "") -> bool:
        """k6/ws's close: send the close frame and drop the connection without waiting for the
        peer's; False when the close frame had already gone (gorilla's "websocket: close sent")."""
        sent = self.send_close(code, reason)
        if self._wire.transport is not None:
            self._wire.transport.close()  # (after the buffered close frame is written)
        self.finish()
        return sent

    def drop(self) -> None:
        """End the session without a close frame and without ws_session_duration (what k6/websockets
        does after a handler threw: its iteration fails first)."""
        self._ended = True
        self._abort()

    def send_close(self, code: int = 1000, reason: str = "") -> bool:
        """Send the close frame and let the peer answer it; False when the session is not open."""
        if self.ws.state is not State.OPEN:
            return False
        self._close_sent = True
        try:
            self.ws.send_close(code, reason)
        except ProtocolError:  # a code the RFC forbids on the wire (0, 1005, 1006 ...): none, as gorilla for 1005
            self.ws.send_close()
        self._flush()
        return True

    def finish(self) -> None:
        """Record ws_session_duration, once (close() does; a listener whose connection ended does,
        unless the iteration was interrupted: k6 records nothing then)."""
        if self._ended or not self._opened:
            return
        self._ended = True
        self.record("ws_session_duration", (clock.now() - self._start) * 1000.0, self.tags, self._start)

    @property
    def closed(self) -> bool:
        return self._closed.done()
