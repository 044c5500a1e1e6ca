"""The REST control API (k6 /v1/status) on a plain asyncio server.

GET /v1/status returns k6's JSON:API envelope; PATCH /v1/status changes `vus`, `vus-max`
(first externally-controlled scenario), `paused`, or stops the test (`stopped: true` →
exit 103). Errors use k6's `{"errors":[{"status","title","detail"}]}` shape.
The request parsing is a pure function (`handle`) so it is testable without sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any

from loadpy.errors import ConfigError, ExitCode, LoadpyError

if TYPE_CHECKING:
    from loadpy.engine.scheduler import Engine

DEFAULT_ADDRESS = "localhost:6565"  # k6's default --address
MAX_BODY = 1 << 20
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error"}


class ApiStartError(LoadpyError):
    exit_code = ExitCode.CANNOT_START_API


def api_error(status: int, title: str, detail: str) -> tuple[int, dict[str, Any]]:
    return status, {"errors": [{"status": str(status), "title": title, "detail": detail}]}


def status_envelope(engine: Engine) -> dict[str, Any]:
    return {"data": {"type": "status", "id": "default", "attributes": engine.status()}}


async def handle(engine: Engine, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """One API request → (HTTP status, JSON document)."""
    path = path.split("?", 1)[0].rstrip("/")
    if path != "/v1/status":
        return api_error(404, "Not Found", f"the path {path or '/'} is not supported by loadpy's API")
    if method == "GET":
        return 200, status_envelope(engine)
    if method != "PATCH":
        return api_error(405, "Method Not Allowed", f"{method} is not supported on /v1/status")
    try:
        doc = json.loads(body or b"null")
        attrs = doc["data"]["attributes"]
        if not isinstance(attrs, dict):
            raise TypeError("attributes must be an object")
    except (ValueError, KeyError, TypeError) as exc:
        return api_error(400, "Invalid data", f"invalid request body: {exc}")
    for key in ("vus", "vus-max"):
        value = attrs.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            return api_error(400, "Invalid data", f'json: cannot unmarshal {type(value).__name__} into "{key}"')
    if attrs.get("stopped") is True:
        engine.stop_from_api()
        return 200, status_envelope(engine)
    paused = attrs.get("paused")
    if paused is not None:
        err = await engine.set_paused(bool(paused))
        if err:
            return api_error(500, "Pause error", err)
    if attrs.get("vus") is not None or attrs.get("vus-max") is not None:
        runner = engine.external_runner()
        if runner is None:
            return api_error(
                500,
                "Execution config error",
                "a externally-controlled executor needs to be configured for live configuration updates",
            )
        err = await runner.update(vus=attrs.get("vus"), max_vus=attrs.get("vus-max"))
        if err:
            return api_error(400, "Config update error", err)
    return 200, status_envelope(engine)


async def _serve_one(engine: Engine, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _version = ([*lines[0].split(" "), "", ""])[:3]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            if length > MAX_BODY:
                status, doc = api_error(400, "Couldn't read request", "request body too large")
                body = b""
            else:
                body = await reader.readexactly(length) if length else b""
                status, doc = await handle(engine, method.upper(), target, body)
            payload = json.dumps(doc, separators=(",", ":")).encode()
            close = headers.get("connection", "").lower() == "close"
            writer.write(
                f"HTTP/1.1 {status} {REASONS.get(status, '')}\r\n"
                f"Content-Type: application/json; charset=utf-8\r\nContent-Length: {len(payload)}\r\n"
                f"{'Connection: close' + chr(13) + chr(10) if close else ''}\r\n".encode()
                + payload
            )
            await writer.drain()
            if close:
                break
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


def parse_address(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ConfigError(f"invalid API address '{address}': expected host:port", key="--address")
    return (host or "127.0.0.1"), int(port)


async def start_control_server(engine: Engine, address: str) -> asyncio.AbstractServer:
    """Listen on `address` (host:port); ApiStartError (exit 106) when it can't."""
    host, port = parse_address(address)
    try:
        return await asyncio.start_server(lambda r, w: _serve_one(engine, r, w), host, port)
    except OSError as exc:
        raise ApiStartError(f"cannot start the REST API on {address}: {exc.strerror or exc}") from None
