"""The REST API's HTTP/1.1 server: httptools' parser in an asyncio.Protocol, on the run's event loop.

A real parser because real clients send what a hand-written one misses: `k6 status|pause|scale`
(Go's http.Client) sends its PATCH bodies chunked. Requests on one connection are answered in
order; reading pauses while too many wait, bodies above MAX_BODY are answered with 400 without
being kept, and the listening address follows Go's rules (`[::1]:6565`, ports 0-65535).
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, cast

import httptools

from loadpy.errors import ExitCode, LoadpyError
from loadpy.secrets import mask_document

log = logging.getLogger("loadpy.engine")

Handler = Callable[[str, str, bytes], Awaitable[tuple[int, dict[str, Any]]]]

MAX_BODY = 1 << 20
MAX_URL = 8 << 10
MAX_QUEUED = 8  # pipelined requests waiting on one connection before reading pauses
REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
}


class ApiStartError(LoadpyError):
    """The API cannot listen (exit 106); the CLI logs it as k6 does: msg="Error from API server" error=…"""

    exit_code = ExitCode.CANNOT_START_API
    log_message = "Error from API server"


def api_error(status: int, title: str, detail: str) -> tuple[int, dict[str, Any]]:
    """k6's error document: `{"errors":[{"status","title","detail"}]}`."""
    return status, {"errors": [{"status": str(status), "title": title, "detail": detail}]}


def parse_address(address: str) -> tuple[str, int]:
    """host:port as Go's net.SplitHostPort reads it ([v6]:port too); an empty host is 127.0.0.1.

    Raises ApiStartError (exit 106) with the words k6 prints, as k6 fails at listen time.
    """
    host, sep, port = address.rpartition(":")
    if not sep:
        raise ApiStartError(f"listen tcp: address {address}: missing port in address")
    if host.startswith("["):
        if not host.endswith("]"):
            raise ApiStartError(f"listen tcp: address {address}: missing ']' in address")
        host = host[1:-1]
    elif ":" in host:
        raise ApiStartError(f"listen tcp: address {address}: too many colons in address")
    if not port.isdigit() or int(port) > 65535:
        raise ApiStartError(f"listen tcp: address {port}: invalid port")
    return (host or "127.0.0.1"), int(port)


def check_address(address: str) -> None:
    """Refuse a malformed --address before anything starts (exit 106, as k6)."""
    parse_address(address)


class _Connection(asyncio.Protocol):
    """One client connection: parse with httptools, answer each request in order."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.pending: deque[tuple[str, str, bytes | None, bool]] = deque()
        self.worker: asyncio.Task[None] | None = None
        self.paused = False
        self._url = bytearray()
        self._body: bytearray | None = bytearray()

    # -- asyncio.Protocol ---------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._reject("protocol upgrades are not supported")
        except httptools.HttpParserError as exc:
            self._reject(f"malformed HTTP request: {exc}")

    def connection_lost(self, exc: Exception | None) -> None:
        # a request already being handled finishes (a half-done vus-max change would be worse than a
        # lost reply); the ones queued behind it are dropped
        self.pending.clear()
        self.transport = None

    # -- httptools callbacks ------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._url = bytearray()
        self._body = bytearray()

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > MAX_URL:
            raise ValueError("URL too long")  # httptools turns it into HttpParserCallbackError

    def on_body(self, body: bytes) -> None:
        if self._body is not None:
            if len(self._body) + len(body) > MAX_BODY:
                self._body = None  # answered with 400; the rest is read and dropped
            else:
                self._body += body

    def on_message_complete(self) -> None:
        method = self.parser.get_method().decode("latin-1")
        body = None if self._body is None else bytes(self._body)
        self.pending.append((method, self._url.decode("latin-1"), body, self.parser.should_keep_alive()))
        if len(self.pending) >= MAX_QUEUED and self.transport is not None and not self.paused:
            self.paused = True
            self.transport.pause_reading()
        if self.worker is None or self.worker.done():
            self.worker = asyncio.get_running_loop().create_task(self._answer_all())

    # -- answering ------------------------------------------------------------------------
    async def _answer_all(self) -> None:
        while self.pending and self.transport is not None:
            method, target, body, keep_alive = self.pending.popleft()
            if body is None:
                status, doc = api_error(400, "Couldn't read request", f"request body larger than {MAX_BODY} bytes")
            else:
                try:
                    status, doc = await self.handler(method, target, body)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the API must answer, whatever went wrong inside
                    log.error("REST API error on %s %s", method, target, exc_info=True)
                    status, doc = api_error(500, "Internal Server Error", str(exc))
            if self.transport is None:
                return
            self._write(status, doc, keep_alive)
            if not keep_alive:
                return
            if self.paused and len(self.pending) < MAX_QUEUED:
                self.paused = False
                self.transport.resume_reading()

    def _write(self, status: int, doc: dict[str, Any], keep_alive: bool) -> None:
        assert self.transport is not None
        payload = json.dumps(mask_document(doc), separators=(",", ":")).encode()  # no secret leaves by the API
        head = (
            f"HTTP/1.1 {status} {REASONS.get(status, '')}\r\n"
            f"Content-Type: application/json; charset=utf-8\r\nContent-Length: {len(payload)}\r\n"
            f"{'' if keep_alive else 'Connection: close' + chr(13) + chr(10)}\r\n"
        )
        self.transport.write(head.encode() + payload)
        if not keep_alive:
            self.transport.close()

    def _reject(self, detail: str) -> None:
        """An unparseable request: one 400 and the connection is closed (its framing is lost)."""
        self.pending.clear()
        if self.transport is not None:
            self._write(*api_error(400, "Bad Request", detail), keep_alive=False)


async def serve(handler: Handler, address: str) -> asyncio.AbstractServer:
    """Listen on `address`; ApiStartError (exit 106) with k6's words when it can't."""
    host, port = parse_address(address)
    loop = asyncio.get_running_loop()
    try:
        return await loop.create_server(lambda: _Connection(handler), host, port)
    except socket.gaierror:
        raise ApiStartError(f"listen tcp: lookup {host}: no such host") from None
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise ApiStartError(f"listen tcp {address}: bind: {reason}") from None
