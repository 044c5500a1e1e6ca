"""The REST control API (k6 /v1/status, /v1/metrics, /v1/groups) on a plain asyncio server.

GET /v1/status returns k6's JSON:API envelope; PATCH /v1/status changes `vus`, `vus-max`
(first externally-controlled scenario), `paused`, or stops the test (`stopped: true` →
exit 103). GET /v1/metrics[/<name>] gives every metric with samples so far (all series merged,
counter rates over the time since the run started) and GET /v1/groups[/<id>] the group tree,
both in k6's JSON:API shape. Errors use k6's `{"errors":[{"status","title","detail"}]}` shape.
The request parsing is a pure function (`handle`) so it is testable without sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any

from loadpy.clock import now
from loadpy.errors import ConfigError, ExitCode, LoadpyError
from loadpy.secrets import mask_document

if TYPE_CHECKING:
    from loadpy.engine.scheduler import Engine
    from loadpy.metrics.groups import GroupNode
    from loadpy.metrics.metric import Metric

DEFAULT_ADDRESS = "localhost:6565"  # k6's default --address
MAX_BODY = 1 << 20
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error"}


class ApiStartError(LoadpyError):
    exit_code = ExitCode.CANNOT_START_API


def api_error(status: int, title: str, detail: str) -> tuple[int, dict[str, Any]]:
    return status, {"errors": [{"status": str(status), "title": title, "detail": detail}]}


def status_envelope(engine: Engine) -> dict[str, Any]:
    return {"data": {"type": "status", "id": "default", "attributes": engine.status()}}


# k6's sinks format fewer values than loadpy's `values()`: a gauge only its value, a rate only its rate.
_API_SAMPLE_KEYS = {"gauge": ("value",), "rate": ("rate",)}


def metric_resource(engine: Engine, metric: Metric) -> dict[str, Any]:
    """One metric as k6's API shows it: every series merged, counter rate over the run so far."""
    started = engine.started_at
    elapsed = 0.0 if started is None else now() - started
    values = engine.registry.aggregate(metric).values(elapsed)
    keys = _API_SAMPLE_KEYS.get(metric.type.value)
    sample = {k: values[k] for k in keys} if keys else values
    return {
        "type": "metrics",
        "id": metric.name,
        "attributes": {"type": metric.type.value, "contains": metric.contains.value, "tainted": None, "sample": sample},
    }


def _group_ref(group: GroupNode) -> dict[str, str]:
    return {"type": "groups", "id": group.id}


def group_resource(group: GroupNode) -> dict[str, Any]:
    """One group as k6's API shows it: its checks (null when none) and links to children and parent."""
    checks = [
        {"id": c.id, "path": c.path, "name": c.name, "passes": c.passes, "fails": c.fails}
        for c in group.checks.values()
    ]
    return {
        "type": "groups",
        "id": group.id,
        "attributes": {"path": group.path, "name": group.name, "checks": checks or None},
        "relationships": {
            "groups": {"data": [_group_ref(g) for g in group.groups.values()]},
            "parent": {"data": None if group.parent is None else _group_ref(group.parent)},
        },
    }


def _read_only(engine: Engine, method: str, path: str) -> tuple[int, dict[str, Any]] | None:
    """/v1/metrics and /v1/groups (GET only); None for any other path."""
    kind, _, ident = path.removeprefix("/v1/").partition("/")
    if kind not in ("metrics", "groups"):
        return None
    if method != "GET":
        return api_error(405, "Method Not Allowed", f"{method} is not supported on {path}")
    registry = engine.registry
    if kind == "metrics":
        observed = [m for m in registry.metrics.values() if registry.has_samples(m)]
        if not ident:
            return 200, {"data": [metric_resource(engine, m) for m in observed]}
        for metric in observed:
            if metric.name == ident:
                return 200, {"data": metric_resource(engine, metric)}
        return api_error(404, "Not Found", "No metric with that ID was found")
    groups = registry.groups.root.walk()
    if not ident:
        return 200, {"data": [group_resource(g) for g in groups]}
    for group in groups:
        if group.id == ident:
            return 200, {"data": group_resource(group)}
    return api_error(404, "Not Found", "No group with that ID was found")


async def handle(engine: Engine, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """One API request → (HTTP status, JSON document)."""
    path = path.split("?", 1)[0].rstrip("/")
    answer = _read_only(engine, method, path)
    if answer is not None:
        return answer
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
            payload = json.dumps(mask_document(doc), separators=(",", ":")).encode()
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
