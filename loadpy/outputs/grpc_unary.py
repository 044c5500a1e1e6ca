"""One unary gRPC call over HTTP/2 (h2 is already a loadpy dependency), for the OTLP/gRPC exporter.

A gRPC request is a POST of a length-prefixed message with `content-type: application/grpc`;
the verdict is the `grpc-status` trailer. A fresh connection per call: the OTLP exporter calls
once per export interval (10 s by default), so keeping one open would buy nothing.
"""

from __future__ import annotations

import socket
import ssl
import struct
import time
from collections.abc import Mapping

import h2.config
import h2.connection
import h2.events
import h2.exceptions

from loadpy.outputs.http_push import PushError


def grpc_unary(
    host: str,
    port: int,
    path: str,
    message: bytes,
    *,
    context: ssl.SSLContext | None,
    timeout: float,
    metadata: Mapping[str, str] | None = None,
    user_agent: str = "loadpy",
) -> bytes:
    """The response message bytes; PushError when the call fails or grpc-status is not 0."""
    deadline = time.monotonic() + timeout
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise PushError(f"gRPC {host}:{port}{path}: {exc}") from None
    sock: socket.socket = raw
    try:
        if context is not None:
            context.set_alpn_protocols(["h2"])
            sock = context.wrap_socket(raw, server_hostname=host)
        conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
        conn.initiate_connection()
        stream = conn.get_next_available_stream_id()
        headers = [
            (":method", "POST"),
            (":scheme", "https" if context is not None else "http"),
            (":path", path),
            (":authority", f"{host}:{port}"),
            ("content-type", "application/grpc"),
            ("te", "trailers"),
            ("user-agent", user_agent),
            ("grpc-timeout", f"{max(1, int(timeout * 1000))}m"),
            *((k.lower(), v) for k, v in (metadata or {}).items()),
        ]
        conn.send_headers(stream, headers)
        body = b"\x00" + struct.pack(">I", len(message)) + message
        _send_data(conn, sock, stream, body, deadline)
        return _read_response(conn, sock, stream, deadline, f"{host}:{port}{path}")
    except (OSError, h2.exceptions.ProtocolError) as exc:
        raise PushError(f"gRPC {host}:{port}{path}: {exc}") from None
    finally:
        sock.close()


def _send_data(
    conn: h2.connection.H2Connection, sock: socket.socket, stream: int, body: bytes, deadline: float
) -> None:
    """Send the body within flow-control windows, reading window updates as needed."""
    sock.sendall(conn.data_to_send())
    offset = 0
    while offset < len(body):
        window = min(conn.local_flow_control_window(stream), conn.max_outbound_frame_size)
        if window <= 0:
            _receive(conn, sock, deadline)
            continue
        chunk = body[offset : offset + window]
        offset += len(chunk)
        conn.send_data(stream, chunk, end_stream=offset >= len(body))
        sock.sendall(conn.data_to_send())
    if not body:
        conn.end_stream(stream)
        sock.sendall(conn.data_to_send())


def _receive(conn: h2.connection.H2Connection, sock: socket.socket, deadline: float) -> list[h2.events.Event]:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("timed out")
    sock.settimeout(remaining)
    data = sock.recv(65536)
    if not data:
        raise ConnectionError("the server closed the connection")
    events = conn.receive_data(data)
    pending = conn.data_to_send()
    if pending:
        sock.sendall(pending)
    return events


def _read_response(
    conn: h2.connection.H2Connection, sock: socket.socket, stream: int, deadline: float, where: str
) -> bytes:
    data = bytearray()
    status: dict[str, str] = {}
    while True:
        for event in _receive(conn, sock, deadline):
            if isinstance(event, h2.events.ResponseReceived | h2.events.TrailersReceived):
                status.update((_text(k), _text(v)) for k, v in event.headers)
            elif isinstance(event, h2.events.DataReceived):
                data += event.data
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamReset):
                raise PushError(f"gRPC {where}: the server reset the stream (error {event.error_code})")
            elif isinstance(event, h2.events.StreamEnded) and event.stream_id == stream:
                return _verdict(status, bytes(data), where)


def _verdict(status: Mapping[str, str], data: bytes, where: str) -> bytes:
    if status.get(":status") != "200":
        raise PushError(f"gRPC {where}: HTTP status {status.get(':status')}")
    code = status.get("grpc-status", "")
    if code != "0":
        raise PushError(f"gRPC {where}: grpc-status {code or 'missing'}: {status.get('grpc-message', '')}")
    return data[5:] if len(data) >= 5 else b""


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
