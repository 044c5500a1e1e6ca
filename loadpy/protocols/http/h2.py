"""HTTP/2 over the `h2` package: one multiplexed connection per host per VU.

The h2 state machine is sans-I/O already; this module is its asyncio driver. Every
stream records the same timestamps as an HTTP/1.1 request (write issued, written,
first response frame, stream ended).
"""

from __future__ import annotations

import asyncio

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions

from loadpy.clock import now
from loadpy.protocols.http.connection import ByteCounter, TlsWireMeter
from loadpy.protocols.http.errcodes import (
    GENERIC,
    H2_CONNECTION,
    H2_GOAWAY,
    H2_STREAM,
    TIMEOUT,
    HttpFailure,
    from_exception,
)

__all__ = ["H2Connection", "H2Stream"]


class H2Stream:
    """One request/response exchange on an HTTP/2 connection."""

    __slots__ = (
        "body",
        "future",
        "headers",
        "keep_body",
        "pending",
        "status",
        "stream_id",
        "t_done",
        "t_first",
        "t_sent",
        "t_written",
        "timer",
    )

    def __init__(self, stream_id: int, keep_body: bool, future: asyncio.Future[HttpFailure | None]) -> None:
        self.stream_id = stream_id
        self.keep_body = keep_body
        self.future = future
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.pending = b""  # request body not yet allowed by flow control
        self.t_sent = 0.0
        self.t_written = 0.0
        self.t_first = 0.0
        self.t_done = 0.0
        self.timer: asyncio.TimerHandle | None = None


class H2Connection(asyncio.Protocol):
    def __init__(self, loop: asyncio.AbstractEventLoop, counter: ByteCounter) -> None:
        self._loop = loop
        self._counter = counter
        self._h2 = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=True, header_encoding=None, validate_inbound_headers=False)
        )
        self.transport: asyncio.Transport | None = None
        self.streams: dict[int, H2Stream] = {}
        self.closed = False
        self.requests = 0
        self.remote: tuple[str, int, str] = ("", 0, "")  # remote ip, port, tls version
        self.meter: TlsWireMeter | None = None  # wire bytes under TLS, synced as streams end

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's are not asyncio.Transport subclasses
        self._h2.initiate_connection()
        self._flush()

    def _flush(self) -> None:
        data = self._h2.data_to_send()
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)
            self._counter.bytes_sent += len(data)

    def feed_early(self, data: bytes) -> None:
        """Bytes read (and already counted) before this protocol took over the transport."""
        self._receive(data)

    def data_received(self, data: bytes) -> None:
        self._counter.bytes_received += len(data)
        self._receive(data)

    def _receive(self, data: bytes) -> None:
        t = now()
        try:
            events = self._h2.receive_data(data)
        except h2.exceptions.ProtocolError as exc:
            # k6: 1650 + h2 error code (PROTOCOL_ERROR = 1) + 1
            self._fail_all(HttpFailure(H2_CONNECTION + 2, f"http2: connection error: PROTOCOL_ERROR: {exc}"))
            self.close()
            return
        for event in events:
            sid = getattr(event, "stream_id", None)
            stream = self.streams.get(sid) if sid else None
            if isinstance(event, h2.events.ResponseReceived) and stream is not None:
                if not stream.t_first:
                    stream.t_first = t
                for name, value in event.headers:
                    if name == b":status":
                        stream.status = int(value)
                    else:
                        stream.headers.append((name, value))
            elif isinstance(event, h2.events.InformationalResponseReceived) and stream is not None:
                if not stream.t_first:
                    stream.t_first = t
            elif isinstance(event, h2.events.DataReceived):
                if stream is not None:
                    if not stream.t_first:
                        stream.t_first = t
                    if stream.keep_body:
                        stream.body.append(event.data)
                if event.flow_controlled_length:
                    self._h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded) and stream is not None:
                stream.t_done = now()
                self._end(stream, None)
            elif isinstance(event, h2.events.StreamReset) and stream is not None:
                code = int(event.error_code or 0)
                reason = str(getattr(event.error_code, "name", code))
                self._end(stream, HttpFailure(H2_STREAM + code + 1, f"stream error: stream ID {sid}; {reason}"))
            elif isinstance(event, h2.events.WindowUpdated):
                self._send_pending()
            elif isinstance(event, h2.events.ConnectionTerminated):
                code = int(event.error_code or 0)
                self.closed = True
                self._fail_all(HttpFailure(H2_GOAWAY + code + 1, f"http2: server sent GOAWAY, code {code}"))
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        failure = from_exception(exc, "read") if exc is not None else HttpFailure(GENERIC, "unexpected EOF")
        self._fail_all(failure)

    def request(
        self,
        headers: list[tuple[bytes, bytes]],
        body: bytes | None,
        keep_body: bool,
        timeout: float,
    ) -> H2Stream:
        """Open a stream; `headers` starts with the :method/:authority/:scheme/:path pseudo-headers."""
        sid = self._h2.get_next_available_stream_id()
        stream = H2Stream(sid, keep_body, self._loop.create_future())
        self.streams[sid] = stream
        self.requests += 1
        stream.t_sent = now()
        try:
            self._h2.send_headers(sid, headers, end_stream=not body)
            if body:
                stream.pending = body
                self._send_pending()
        except h2.exceptions.H2Error as exc:
            self._end(stream, HttpFailure(H2_CONNECTION, f"http2: {exc}"))
            return stream
        self._flush()
        if not stream.pending:
            stream.t_written = now()
        stream.timer = self._loop.call_later(timeout, self._on_timeout, stream)
        return stream

    def _send_pending(self) -> None:
        conn = self._h2
        for stream in list(self.streams.values()):
            while stream.pending:
                window = min(conn.local_flow_control_window(stream.stream_id), conn.max_outbound_frame_size)
                if window <= 0:
                    break
                chunk, stream.pending = stream.pending[:window], stream.pending[window:]
                conn.send_data(stream.stream_id, chunk, end_stream=not stream.pending)
                if not stream.pending:
                    self._flush()
                    stream.t_written = now()

    def _on_timeout(self, stream: H2Stream) -> None:
        stream.timer = None
        try:
            self._h2.reset_stream(stream.stream_id, h2.errors.ErrorCodes.CANCEL)
            self._flush()
        except h2.exceptions.H2Error:
            pass
        self._end(stream, HttpFailure(TIMEOUT, "request timeout"))

    def _end(self, stream: H2Stream, result: HttpFailure | None) -> None:
        self.streams.pop(stream.stream_id, None)
        if stream.timer is not None:
            stream.timer.cancel()
            stream.timer = None
        if self.meter is not None:
            self.meter.sync()
        if not stream.future.done():
            stream.future.set_result(result)

    def _fail_all(self, failure: HttpFailure) -> None:
        for stream in list(self.streams.values()):
            self._end(stream, failure)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            try:
                self._h2.close_connection()
                self._flush()
            except h2.exceptions.H2Error:
                pass
            self.transport.close()
