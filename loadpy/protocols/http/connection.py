"""The HTTP/1.1 connection driver: an asyncio Protocol around `h1.ResponseParser`.

It stamps `clock.now()` at the protocol events k6 measures (write issued, write flushed,
first response byte, message complete) and counts wire bytes into its owner. One request
at a time per connection; the client keeps idle connections for keep-alive reuse.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
from typing import Any, Protocol

from loadpy.clock import now
from loadpy.protocols.http.errcodes import GENERIC, TIMEOUT, HttpFailure, from_exception
from loadpy.protocols.http.h1 import ProtocolError, ResponseParser

__all__ = ["ByteCounter", "Connected", "H1Connection", "TlsWireMeter", "connect"]


class ByteCounter(Protocol):
    """Whatever accumulates the wire bytes (the per-VU client)."""

    bytes_sent: int
    bytes_received: int


class _Discard:
    """Absorbs plaintext byte counts on TLS connections (the wire meter counts those)."""

    __slots__ = ("bytes_received", "bytes_sent")

    def __init__(self) -> None:
        self.bytes_sent = 0
        self.bytes_received = 0


_TCP_INFO = getattr(socket, "TCP_INFO", None)
_TCP_INFO_LEN = 136  # up to tcpi_bytes_received (Linux >= 4.1)


class TlsWireMeter:
    """Wire bytes of a TLS connection (handshake and record overhead included, as k6 counts them),
    read from the kernel's TCP_INFO counters: the ssl layer hides the ciphertext from us.
    Falls back to nothing counted where TCP_INFO is unavailable."""

    __slots__ = ("_acked", "_counter", "_received", "_sock")

    def __init__(self, sock: Any, counter: ByteCounter) -> None:
        self._sock = sock
        self._counter = counter
        self._acked = 1  # the SYN counts as one acknowledged byte
        self._received = 0

    def sync(self) -> None:
        """Add the bytes moved since the last sync to the owner."""
        if _TCP_INFO is None or self._sock is None:
            return
        try:
            info = self._sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, _TCP_INFO_LEN)
        except (OSError, ValueError):  # closed: uvloop raises ValueError for a negative fd
            self._sock = None
            return
        if len(info) < _TCP_INFO_LEN:
            return
        acked, received = struct.unpack_from("=QQ", info, 120)
        if acked > self._acked:
            self._counter.bytes_sent += acked - self._acked
            self._acked = acked
        if received > self._received:
            self._counter.bytes_received += received - self._received
            self._received = received


class H1Connection(asyncio.Protocol):
    """One HTTP/1.1 connection. `send()` returns a future resolved with None or an `HttpFailure`.

    A plain Protocol, not a BufferedProtocol: uvloop reads into its own loop-wide buffer and
    hands over a bytes object in one callback (get_buffer + buffer_updated were two, plus a
    copy of the head for the lazily parsed headers), and no connection owns a read buffer."""

    def __init__(self, loop: asyncio.AbstractEventLoop, counter: ByteCounter) -> None:
        self._loop = loop
        self._counter = counter
        self.parser = ResponseParser()
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.requests = 0  # requests started on this connection (>1 means reused)
        self._waiter: asyncio.Future[HttpFailure | None] | None = None
        # one lazily re-armed timer per connection instead of a timer per request: it fires at
        # `_timer_at`, and only then compares the clock with the current request's deadline
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._deadline = 0.0  # loop.time() by which the current request must complete
        self._paused = False
        self.remote: tuple[str, int, str] = ("", 0, "")  # remote ip, port, tls version
        self.meter: TlsWireMeter | None = None  # TLS only: synced after every response
        self.early: list[bytes] = []  # bytes that arrived before any request (h2 preface after ALPN swap)
        self.t_sent = 0.0
        self.t_written = 0.0
        self.t_first = 0.0
        self.t_done = 0.0

    # --- asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's are not asyncio.Transport subclasses
        # high-water mark 0: pause_writing fires whenever the kernel did not take the whole
        # request at once, and resume_writing tells us exactly when it was flushed
        self.transport.set_write_buffer_limits(high=0)  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        self._counter.bytes_received += len(data)
        if self._waiter is None:
            if self.requests == 0:
                self.early.append(data)
            elif self.transport is not None:
                self.transport.abort()  # unsolicited bytes on an idle keep-alive connection
            return
        if not self.t_first:
            self.t_first = now()
        try:
            done = self.parser.feed(data)
        except ProtocolError as exc:
            self._finish(_protocol_failure(str(exc), self.parser.in_body))
            self.close()
            return
        if done:
            self.t_done = now()
            if self.meter is None:  # (`_finish(None)` inlined: this runs for every response)
                fut = self._waiter
                self._waiter = None
                try:  # (not `if not fut.done()`: a C future's methods are lookups 3.11 does not specialise)
                    fut.set_result(None)
                except asyncio.InvalidStateError:
                    pass  # cancelled: its task is being cancelled
            else:
                self._finish(None)
            if not self.parser.keep_alive:
                self.close()

    def eof_received(self) -> bool:
        return False  # close our side too; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._cancel_timer()
        if self._waiter is None:
            return
        parser = self.parser
        if exc is None and parser.feed_eof():
            self.t_done = now()
            self._finish(None)
            return
        reused = self.requests > 1
        if parser.in_head and (exc is None or isinstance(exc, ConnectionResetError)):
            # k6 (Go) sees a reset inside the head like an EOF and reports the truncated head
            failure = _protocol_failure(parser.eof_in_head_error(), False)
        elif exc is not None:
            failure = from_exception(exc, "read")
            failure.retryable = reused and not parser.started
        elif not parser.started:
            failure = HttpFailure(GENERIC, "EOF", retryable=reused)
        else:
            failure = HttpFailure(GENERIC, "unexpected EOF", in_body=True)
        self._finish(failure)

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        if self._waiter is not None and not self.t_written:
            self.t_written = now()

    # --- driver API
    def send(self, data: bytes, head: bool, keep_body: bool, timeout: float) -> asyncio.Future[HttpFailure | None]:
        """Write one request; the future resolves when its response is complete (or failed)."""
        self.parser.start(head, keep_body)
        fut = self._loop.create_future()
        self._waiter = fut
        self.requests += 1
        self.t_first = 0.0
        self.t_written = 0.0
        self.t_done = 0.0
        self.t_sent = now()
        transport = self.transport
        if transport is None or transport.is_closing():
            # closed under us while idle: report it like an EOF so the client retries on a new one
            self.closed = True
            self._waiter = None
            fut.set_result(HttpFailure(GENERIC, "EOF", retryable=True))
            return fut
        transport.write(data)
        self._counter.bytes_sent += len(data)
        if not self._paused:
            self.t_written = now()
        loop = self._loop
        deadline = loop.time() + timeout
        self._deadline = deadline
        if self._timer is None or self._timer_at > deadline:
            self._cancel_timer()
            self._timer = loop.call_at(deadline, self._on_timer)
            self._timer_at = deadline
        return fut

    def close(self) -> None:
        self.closed = True
        self._cancel_timer()
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        self.closed = True
        self._cancel_timer()
        if self.transport is not None:
            self.transport.abort()

    def _on_timer(self) -> None:
        self._timer = None
        if self._waiter is None or self.closed:
            return  # idle: re-armed by the next request
        deadline = self._deadline
        if self._loop.time() < deadline:  # a later request than the one the timer was armed for
            self._timer = self._loop.call_at(deadline, self._on_timer)
            self._timer_at = deadline
            return
        self._finish(HttpFailure(TIMEOUT, "request timeout"))
        self.abort()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _finish(self, result: HttpFailure | None) -> None:
        if self.meter is not None:
            self.meter.sync()
        if result is not None:  # the connection ends with this failure: free its buffers now
            self.parser.discard()
        fut = self._waiter
        self._waiter = None
        if fut is not None and not fut.done():
            fut.set_result(result)


def _protocol_failure(message: str, in_body: bool) -> HttpFailure:
    """A malformed response: Go's transport wraps head errors, the body reader returns them bare."""
    if in_body:
        return HttpFailure(GENERIC, message, in_body=True)
    return HttpFailure(GENERIC, message, detail=f"net/http: HTTP/1.x transport connection broken: {message}")


class Connected:
    """A freshly opened connection with the timestamps of its setup phases."""

    __slots__ = (
        "alpn",
        "meter",
        "protocol",
        "remote_ip",
        "remote_port",
        "t_connected",
        "t_start",
        "t_tls",
        "tls_version",
    )

    def __init__(self) -> None:
        self.protocol: asyncio.BaseProtocol | None = None
        self.t_start = 0.0
        self.t_connected = 0.0
        self.t_tls = 0.0
        self.alpn = ""
        self.tls_version = ""
        self.remote_ip = ""
        self.remote_port = 0
        self.meter: TlsWireMeter | None = None


_TLS_NAMES = {"TLSv1": "tls1.0", "TLSv1.1": "tls1.1", "TLSv1.2": "tls1.2", "TLSv1.3": "tls1.3"}


async def connect(
    loop: asyncio.AbstractEventLoop,
    counter: ByteCounter,
    ip: str,
    port: int,
    *,
    ssl_context: ssl.SSLContext | None,
    server_hostname: str,
    make_h2: object = None,
    local_ip: str | None = None,
) -> Connected:
    """TCP connect (then TLS with ALPN) to `ip`, from `local_ip` when given; raises the OS/SSL
    exception on failure.

    `make_h2(loop, counter)` builds the HTTP/2 protocol used when ALPN selects "h2".
    """
    result = Connected()
    result.t_start = now()
    tls = ssl_context is not None
    proto = H1Connection(loop, _Discard() if tls else counter)
    if local_ip is None:
        transport, _ = await loop.create_connection(lambda: proto, ip, port)
    else:
        transport, _ = await loop.create_connection(lambda: proto, ip, port, local_addr=(local_ip, 0))
    result.t_connected = now()
    if tls:
        result.meter = TlsWireMeter(transport.get_extra_info("socket"), counter)
    peer = transport.get_extra_info("peername")
    if peer:
        result.remote_ip, result.remote_port = peer[0], peer[1]
    if ssl_context is None:
        result.protocol = proto
        return result
    try:
        tls_transport = await loop.start_tls(transport, proto, ssl_context, server_hostname=server_hostname or None)
    except BaseException:
        transport.abort()
        raise
    assert tls_transport is not None
    result.t_tls = now()
    ssl_object = tls_transport.get_extra_info("ssl_object")
    if ssl_object is not None:
        result.alpn = ssl_object.selected_alpn_protocol() or ""
        result.tls_version = _TLS_NAMES.get(ssl_object.version() or "", "")
    if result.alpn == "h2" and callable(make_h2):
        h2proto = make_h2(loop, _Discard())
        h2proto.meter = result.meter
        tls_transport.set_protocol(h2proto)
        h2proto.connection_made(tls_transport)
        for chunk in proto.early:
            h2proto.feed_early(chunk)  # type: ignore[attr-defined]
        result.protocol = h2proto
    else:
        proto.meter = result.meter
        proto.transport = tls_transport  # type: ignore[assignment]
        tls_transport.set_write_buffer_limits(high=0)
        result.protocol = proto
    return result
